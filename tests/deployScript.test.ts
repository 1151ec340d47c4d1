/**
 * The rendered deploy script run for real on this machine: real git against a local repository, real
 * `python3 -m venv` and pip (offline: the requirements are satisfied by Debian's own packages through
 * --system-site-packages, as in the VM test), real symlink switches. Only what needs systemd as PID 1
 * is a stand-in: systemd-run runs the command directly, systemctl records what it was asked.
 *
 * What it shows: a release builds a new directory and switches `current`; a release that changes only
 * code reuses the virtualenv of the same requirements; a rollback to a kept commit rebuilds nothing; a
 * release with an unsatisfiable requirement fails with pip's error, removes its half-built directory and
 * leaves `current` where it was; old releases beyond the kept ones go, with virtualenvs nothing uses.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KEEP_RELEASES, buildAppSpec, renderDeployConf, renderDeployScript } from "../provisioning";
import { BUILD_PACKAGES, renderSdistCheck } from "../provisioning/deploy";
import { appPaths } from "../provisioning/types";
import { loadSettings } from "../settings";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example";

let dir: string;
let root: string;
let repo: string;
let deploy: string;
let bin: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd, encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" },
  }).trim();
}

function commit(files: Record<string, string>, message: string): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(repo, name), content);
  git(repo, "add", "-A");
  git(repo, "commit", "--quiet", "-m", message);
  return git(repo, "rev-parse", "HEAD");
}

function release(ref: string, env: Record<string, string> = {}): { code: number; out: string } {
  const r = spawnSync("sh", [deploy, ref], {
    encoding: "utf8", timeout: 180_000,
    env: { PATH: `${bin}:/usr/bin:/bin:/usr/sbin:/sbin`, VENV_OPTIONS: "--system-site-packages", HOME: dir, ...env },
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const live = () => realpathSync(join(root, "current"));
const releases = () => readdirSync(join(root, "releases")).sort();
const venvs = () => (existsSync(join(root, "venvs")) ? readdirSync(join(root, "venvs")).sort() : []);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fullstack-deploy-script-"));
  root = join(dir, "srv");
  repo = join(dir, "repo");
  mkdirSync(repo);
  git(repo, "init", "--quiet", "-b", "main");
  const settings = loadSettings({ appRepo: "https://github.com/acme/shop.git", appName: "shop", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"], framework: "flask", wsgiApp: "app:app" });
  const app = buildAppSpec({ ...settings.app, repo }, "23.0.0", { hostNames: [], https: false });
  const p = appPaths("shop");
  writeFileSync(join(dir, "deploy.conf"), renderDeployConf(app, { sockets: [], services: ["shop-gunicorn.service"], web: false })
    .replace(`APP_ROOT='${p.root}'`, `APP_ROOT='${root}'`).replace(`APP_USER='shop'`, "APP_USER='root'"));
  deploy = join(dir, "deploy");
  writeFileSync(deploy, renderDeployScript(app).replace(`. ${p.deployConf}`, `. ${join(dir, "deploy.conf")}`)
    .replace("exec 9>/run/shop-deploy.lock", `exec 9>${join(dir, "deploy.lock")}`));
  bin = join(dir, "bin");
  mkdirSync(bin);
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  // systemd-run: run the command in the requested directory, with the requested environment file.
  stub("systemd-run", [
    "cwd=.; envfile=",
    'while [ "$#" -gt 0 ]; do case "$1" in --working-directory=*) cwd="${1#--working-directory=}";;',
    '  --property=EnvironmentFile=-*) f="${1#--property=EnvironmentFile=-}"; if [ -f "$f" ]; then envfile="$f"; fi;;',
    '  --property=EnvironmentFile=*) envfile="${1#--property=EnvironmentFile=}";; --) shift; break;; esac; shift; done',
    'cd "$cwd" || exit 1',
    'if [ -n "$envfile" ]; then set -a; . "$envfile"; set +a; fi',
    'exec "$@"',
  ].join("\n"));
  stub("systemctl", `echo "systemctl $*" >> ${join(dir, "systemctl.log")}`);
  stub("apt-get", `echo "apt-get $*" >> ${join(dir, "apt.log")}`);
  // cloud-init: `status --wait` logs its call and answers the code in cloud-init.rc (0 unless a test says).
  stub("cloud-init", `echo "cloud-init $*" >> ${join(dir, "systemctl.log")}; exit "$(cat ${join(dir, "cloud-init.rc")} 2>/dev/null || echo 0)"`);
  // A package index of our own (PEP 503, file://): one project with only a source release.
  const index = join(dir, "index", "simple");
  mkdirSync(join(index, "fullstack-sdist-only"), { recursive: true });
  writeFileSync(join(index, "fullstack-sdist-only", "index.html"), '<a href="fullstack-sdist-only-1.0.tar.gz">fullstack-sdist-only-1.0.tar.gz</a>\n');
  writeFileSync(join(index, "fullstack-sdist-only", "fullstack-sdist-only-1.0.tar.gz"), "not really a tarball");
  writeFileSync(join(dir, "deploy-tools.env"), `PIP_INDEX_URL=file://${index}/\n`);
  writeFileSync(join(dir, "app.env"), "");
  // The app's environment file lives in /etc on a server; here the conf points at a stand-in.
  writeFileSync(join(dir, "deploy.conf"), readFileSync(join(dir, "deploy.conf"), "utf8")
    .replace(`APP_ENV_FILE='${p.envFile}'`, `APP_ENV_FILE='${join(dir, "app.env")}'`)
    .replace(`APP_TOOLS_ENV_FILE='${p.toolsEnvFile}'`, `APP_TOOLS_ENV_FILE='${join(dir, "deploy-tools.env")}'`)
    .replace(`APP_SDIST_CHECK='${p.sdistCheck}'`, `APP_SDIST_CHECK='${join(dir, "sdist-check.py")}'`));
  writeFileSync(join(dir, "sdist-check.py"), renderSdistCheck());
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the deploy script, run for real", () => {
  let v1: string;
  let v1Release: string;

  it("releases a commit into a new directory, switches current, and restarts the services in one job", () => {
    v1 = commit({ "app.py": "VERSION = 1\n", "requirements.txt": "# nothing beyond Debian's\n" }, "v1");
    const r = release("main");
    expect(r.out).toMatch(new RegExp(`deploy \\[\\d+s\\]: ${v1} \\(main\\) is live`));
    v1Release = live();
    expect(readFileSync(join(v1Release, "app.py"), "utf8")).toBe("VERSION = 1\n");
    expect(readFileSync(join(v1Release, ".release-commit"), "utf8").trim()).toBe(v1);
    // Its virtualenv is a shared one, keyed by the requirements.
    expect(readlinkSync(join(v1Release, ".venv"))).toMatch(new RegExp(`^${root}/venvs/[0-9a-f]{16}$`));
    expect(existsSync(join(v1Release, ".venv", "bin", "python"))).toBe(true);
    expect(readFileSync(join(dir, "systemctl.log"), "utf8")).toContain("systemctl restart shop-gunicorn.service");
  }, 180_000);

  it("reuses the virtualenv when only code changes", () => {
    const before = venvs();
    const v2 = commit({ "app.py": "VERSION = 2\n" }, "v2");
    const r = release("main");
    expect(r.code).toBe(0);
    expect(r.out).toContain("requirements unchanged: the virtualenv venvs/");
    expect(r.out).not.toContain("building the virtualenv");
    expect(venvs()).toEqual(before);
    expect(readFileSync(join(live(), ".release-commit"), "utf8").trim()).toBe(v2);
  }, 180_000);

  it("pushed during the first boot (APP_FIRST_BOOT_PENDING): builds first, waits for cloud-init before the hooks and the switch", () => {
    const log = join(dir, "systemctl.log");
    writeFileSync(log, "");
    const v = commit({ "requirements.txt": "# first boot build\n", "app.py": "VERSION = 2.5\n" }, "v2.5");
    const r = release("main", { APP_FIRST_BOOT_PENDING: "1" });
    expect(r.code).toBe(0);
    const order = ["building the virtualenv", "waiting for the server's first boot to finish", `${v} (main) is live`].map((s) => r.out.indexOf(s));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    const calls = readFileSync(log, "utf8");
    expect(calls.indexOf("cloud-init status --wait")).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf("cloud-init status --wait")).toBeLessThan(calls.indexOf("systemctl restart"));
    // Without it (a release in place, by hand), cloud-init is not asked.
    writeFileSync(log, "");
    commit({ "app.py": "VERSION = 2.6\n" }, "v2.6");
    expect(release("main").code).toBe(0);
    expect(readFileSync(log, "utf8")).not.toContain("cloud-init");
  }, 180_000);

  it("pushed during a first boot that fails (cloud-init status 1): fails before the switch, current unchanged, no half-built directory", () => {
    const serving = live();
    const kept = releases();
    commit({ "app.py": "VERSION = 2.7\n" }, "v2.7");
    writeFileSync(join(dir, "cloud-init.rc"), "1");
    try {
      const r = release("main", { APP_FIRST_BOOT_PENDING: "1" });
      expect(r.code).not.toBe(0);
      expect(r.out).toContain("the server's first boot failed (cloud-init status: error)");
      // cloud-init 23.4+ answers 2 for a finished boot with recoverable warnings: that one goes on.
      writeFileSync(join(dir, "cloud-init.rc"), "2");
      expect(live()).toBe(serving);
      expect(releases()).toEqual(kept);
      const v = commit({ "app.py": "VERSION = 2.8\n" }, "v2.8");
      expect(release("main", { APP_FIRST_BOOT_PENDING: "1" }).out).toContain(`${v} (main) is live`);
    } finally {
      rmSync(join(dir, "cloud-init.rc"), { force: true });
    }
  }, 180_000);

  it("refuses a release whose requirement nobody can satisfy: pip's error, no half-built directory, current unchanged", () => {
    const serving = live();
    const kept = releases();
    commit({ "requirements.txt": "no-such-package-fullstack-test==9.9.9\n", "app.py": "VERSION = 3\n" }, "v3: broken");
    const r = release("main");
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/No matching distribution found for no-such-package-fullstack-test/);
    expect(live()).toBe(serving);
    expect(releases()).toEqual(kept);
    // The index has no source of it either: no build tools for nothing.
    expect(existsSync(join(dir, "apt.log"))).toBe(false);
  }, 180_000);

  it("installs the build tools only for a requirement that has no wheel but has a source release on the index", () => {
    const serving = live();
    const kept = releases();
    commit({ "requirements.txt": "fullstack-sdist-only==1.0\n", "app.py": "VERSION = 3.5\n" }, "v3.5: an sdist-only requirement");
    const r = release("main");
    expect(r.out).toContain("a requirement has no wheel for this server; installing the build tools to build it");
    expect(readFileSync(join(dir, "apt.log"), "utf8")).toContain(`install --quiet --assume-yes --no-install-recommends ${BUILD_PACKAGES.join(" ")}`);
    // The stand-in tarball does not build: the release fails, and the previous one keeps serving.
    expect(r.code).not.toBe(0);
    expect(live()).toBe(serving);
    expect(releases()).toEqual(kept);
    rmSync(join(dir, "apt.log"));
  }, 180_000);

  it("rolls back to a kept commit without a rebuild", () => {
    const r = release(v1);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${v1} (${v1}) is kept in ${v1Release}: no rebuild`);
    expect(live()).toBe(v1Release);
  }, 180_000);

  it(`keeps ${KEEP_RELEASES} releases (always the live one and the one before) and drops virtualenvs nothing uses`, () => {
    // New requirements each time: each release gets a virtualenv of its own.
    for (let i = 4; i <= KEEP_RELEASES + 4; i++) {
      commit({ "requirements.txt": `# requirements version ${i}\n`, "app.py": `VERSION = ${i}\n` }, `v${i}`);
      expect(release("main").code).toBe(0);
    }
    expect(releases()).toHaveLength(KEEP_RELEASES);
    const used = new Set(readdirSync(join(root, "releases")).map((d) => readlinkSync(join(root, "releases", d, ".venv")).split("/").pop()));
    expect(venvs()).toEqual([...used].sort());
  }, 600_000);
});
