/**
 * A release in place: what changes on every `pulumi up` that ships code or configuration (the git ref,
 * the app's environment and secrets) travels apart from the server's user data, so a release never
 * replaces a server. It travels as a release bundle, which the release entry point
 * (`/usr/local/sbin/<app>-release`) takes:
 * - pushed over SSH on stdin (DigitalOcean: `@pulumi/command`, with a key that `authorized_keys` restricts
 *   to this one command);
 * - or pulled from the cloud's secret store (AWS: fetched at boot and by the release's SSM command).
 * The entry point stages the environment and hands the ref to the deploy script, which builds (or finds
 * a kept build of) the release, checks it on a side socket, and only then switches to it.
 */
import { BOOT_FINISHED, PACKAGES_INSTALLED } from "./firstBoot";
import { lines, renderEnvFile } from "./text";
import { appPaths, type AppSpec } from "./types";

/** The bundle's format version; the entry point refuses any other. */
export const RELEASE_FORMAT = 1;

/** The Unix user a release arrives as over SSH; its key may run the release entry point and nothing else. */
export const RELEASE_USER = "fullstack-release";

/** How long the side-socket health check waits for the new release to answer (gunicorn start + app import). */
export const RELEASE_CHECK_SECONDS = 120;

/** What one release carries. Secret: it holds the app's environment. */
export interface ReleaseBundle {
  format: typeof RELEASE_FORMAT;
  app: string;
  /** Branch, tag or full commit SHA. */
  ref: string;
  /** The app's environment file, rendered. */
  envFile: string;
}

export function releaseBundle(app: AppSpec): ReleaseBundle {
  return {
    format: RELEASE_FORMAT,
    app: app.name,
    ref: app.ref,
    envFile: renderEnvFile(app.environment, "Rendered by fullstack-pulumi: the app's environment. Secret: keep 0600."),
  };
}

/** The bundle as the entry point reads it (stable key order, so equal releases give equal text). */
export function renderReleaseBundle(app: AppSpec): string {
  const b = releaseBundle(app);
  return `${JSON.stringify({ format: b.format, app: b.app, ref: b.ref, envFile: b.envFile })}\n`;
}

/**
 * The release entry point: reads a bundle (stdin, or `--file PATH`), stages the environment as
 * `app.env.next` (0600) and runs the deploy script with the ref. Over SSH it is the key's forced command,
 * so whatever the client asked to run, this runs. A release pushed (stdin) to a server still in its first
 * boot waits for the packages ({@link PACKAGES_INSTALLED}), builds while the rest of the first boot runs,
 * and waits for all of it before it migrates and switches (the deploy script's APP_FIRST_BOOT_PENDING).
 */
export function renderReleaseScript(app: AppSpec): string {
  const p = appPaths(app.name);
  return lines(
    "#!/usr/bin/python3",
    `"""Rendered by fullstack-pulumi. Usage: ${app.name}-release [--file BUNDLE]   (the bundle on stdin without --file)"""`,
    "import json",
    "import os",
    "import shutil",
    "import subprocess",
    "import sys",
    "import time",
    "",
    `APP = ${JSON.stringify(app.name)}`,
    `BOOT_FINISHED = ${JSON.stringify(BOOT_FINISHED)}`,
    `PACKAGES_INSTALLED = ${JSON.stringify(PACKAGES_INSTALLED)}`,
    `FORMAT = ${RELEASE_FORMAT}`,
    `DEPLOY = ${JSON.stringify(p.deployScript)}`,
    `NEXT_ENV = ${JSON.stringify(p.nextEnvFile)}`,
    "",
    "",
    "def fail(message):",
    '    print(f"release: {message}", file=sys.stderr, flush=True)',
    "    sys.exit(2)",
    "",
    "",
    "def read_bundle(argv):",
    '    if argv[:1] == ["--file"] and len(argv) == 2:',
    '        with open(argv[1], encoding="utf-8") as f:',
    "            return f.read()",
    "    if argv:",
    '        fail("usage: release [--file BUNDLE] (the bundle on stdin without --file)")',
    "    return sys.stdin.read()",
    "",
    "",
    "def first_boot_failed():",
    "    # cloud-init status: 1 is an error; newer versions' 2 (recoverable warnings) still finished.",
    '    return subprocess.run(["cloud-init", "status", "--wait"], stdout=subprocess.DEVNULL).returncode == 1',
    "",
    "",
    "def packages_installed():",
    "    # A release pushed to a new server arrives while cloud-init still installs packages. Returns whether",
    "    # the first boot is still running (its runcmd: firewall, database, services) once they are in.",
    '    if shutil.which("cloud-init") is None or os.path.exists(BOOT_FINISHED):',
    "        return False",
    "    waited = 0",
    "    while not os.path.exists(PACKAGES_INSTALLED) and not os.path.exists(BOOT_FINISHED):",
    "        # Every 30 s, whether cloud-init is still running at all (it failed before runcmd, or stopped).",
    '        if waited % 30 == 0 and subprocess.run(["cloud-init", "status"], stdout=subprocess.DEVNULL).returncode == 1:',
    '            fail("the server\'s first boot failed (cloud-init status: error); see /var/log/cloud-init-output.log")',
    "        time.sleep(2)",
    "        waited += 2",
    "    return not os.path.exists(BOOT_FINISHED)",
    "",
    "",
    "def main():",
    "    try:",
    "        bundle = json.loads(read_bundle(sys.argv[1:]))",
    "    except (OSError, ValueError) as err:",
    '        fail(f"cannot read the release bundle: {err}")',
    '    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:',
    '        fail(f"not a release bundle of format {FORMAT}")',
    '    if bundle.get("app") != APP:',
    '        fail(f"the bundle is for {bundle.get(\'app\')!r}, this server runs {APP!r}")',
    '    ref, env_file = bundle.get("ref"), bundle.get("envFile")',
    '    if not isinstance(ref, str) or not ref or ref.startswith("-") or not isinstance(env_file, str):',
    '        fail("the bundle has no ref or environment")',
    "    # Pushed (stdin) to a server that may still be in its first boot. From a file it runs at boot,",
    "    # by cloud-init itself, or after the caller waited.",
    "    pending = not sys.argv[1:] and packages_installed()",
    "    # Staged, not live: the deploy script makes it the app's environment only when it switches.",
    '    tmp = NEXT_ENV + ".tmp"',
    "    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)",
    '    with os.fdopen(fd, "w", encoding="utf-8") as out:',
    "        out.write(env_file)",
    "    os.replace(tmp, NEXT_ENV)",
    "    sys.stdout.flush()",
    "    if not pending:",
    "        os.execv(DEPLOY, [DEPLOY, ref, NEXT_ENV])",
    "    # The deploy script waits for the first boot before it migrates; if the release fails and so did",
    "    # the first boot, that is the cause to report.",
    '    code = subprocess.run([DEPLOY, ref, NEXT_ENV], env={**os.environ, "APP_FIRST_BOOT_PENDING": "1"}).returncode',
    "    if code != 0 and first_boot_failed():",
    '        fail("the server\'s first boot failed (cloud-init status: error); see /var/log/cloud-init-output.log")',
    "    sys.exit(code)",
    "",
    "",
    'if __name__ == "__main__":',
    "    main()",
  );
}

/**
 * The health check of a release that is not live yet: one HTTP GET over the side socket, repeated until
 * it answers 200 or the time is up. Run by the deploy script with Debian's python3.
 */
export function renderReleaseCheck(app: AppSpec): string {
  return lines(
    `"""Rendered by fullstack-pulumi. Usage: python3 release-check.py SOCKET UNIT   (by ${app.name}-deploy)"""`,
    "import http.client",
    "import socket",
    "import subprocess",
    "import sys",
    "import time",
    "",
    `PATH = ${JSON.stringify(app.healthCheckPath)}`,
    `SECONDS = ${RELEASE_CHECK_SECONDS}`,
    "",
    "",
    "class UnixConnection(http.client.HTTPConnection):",
    "    def __init__(self, path):",
    '        super().__init__("localhost", timeout=10)',
    "        self.unix_path = path",
    "",
    "    def connect(self):",
    "        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
    "        self.sock.settimeout(10)",
    "        self.sock.connect(self.unix_path)",
    "",
    "",
    "def unit_gone(unit):",
    "    # The release's gunicorn exited (an import error, a bad setting): no use waiting any longer.",
    '    state = subprocess.run(["systemctl", "is-active", unit], stdout=subprocess.PIPE, text=True).stdout.strip()',
    '    return state in ("failed", "inactive")',
    "",
    "",
    "def main(path, unit):",
    "    deadline = time.monotonic() + SECONDS",
    '    last = "no answer"',
    "    while time.monotonic() < deadline:",
    "        if unit_gone(unit):",
    '            print(f"deploy: gunicorn of the new release exited before it answered {PATH}", file=sys.stderr, flush=True)',
    "            return 1",
    "        conn = UnixConnection(path)",
    "        try:",
    '            conn.request("GET", PATH, headers={"Host": "localhost", "X-Forwarded-Proto": "http"})',
    "            res = conn.getresponse()",
    "            body = res.read(200)",
    "            if res.status == 200:",
    '                print(f"deploy: the new release answers {PATH} with 200", flush=True)',
    "                return 0",
    '            last = f"{res.status} {body[:120]!r}"',
    "        except OSError as err:",
    "            last = str(err)",
    "        finally:",
    "            conn.close()",
    "        time.sleep(1)",
    '    print(f"deploy: the new release did not answer {PATH} with 200 within {SECONDS} s (last: {last})", file=sys.stderr, flush=True)',
    "    return 1",
    "",
    "",
    'if __name__ == "__main__":',
    "    sys.exit(main(sys.argv[1], sys.argv[2]))",
  );
}

/** The one `authorized_keys` line of the release key: no shell, no forwarding, only the release. */
export function releaseAuthorizedKey(app: AppSpec, publicKey: string, fromCidrs: readonly string[]): string {
  const from = fromCidrs.length > 0 ? `from="${fromCidrs.join(",")}",` : "";
  return `${from}restrict,command="sudo -n ${appPaths(app.name).releaseScript}" ${publicKey.trim()}`;
}

/** sudo for the release user: the entry point with no arguments (`""`), nothing else. */
export function renderReleaseSudoers(app: AppSpec): string {
  return lines(
    "# Rendered by fullstack-pulumi: the release key's forced command, and nothing else.",
    `${RELEASE_USER} ALL=(root) NOPASSWD: ${appPaths(app.name).releaseScript} ""`,
  );
}
