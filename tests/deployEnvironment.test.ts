/**
 * The deploy script's environment boundary, run for real with stand-ins for systemd-run, install and
 * systemctl: git, venv and pip run without the app's environment file (so nothing in appEnv, such as
 * GIT_CONFIG_* or PIP_INDEX_URL, reaches them), while the framework's hooks (migrate, collectstatic) run
 * with it, as the app's services do.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAppSpec, renderDeployConf, renderDeployScript } from "../provisioning";
import { appPaths } from "../provisioning/types";
import { loadSettings } from "../settings";
import { planStack } from "./helpers";
import { file, servers, visibleText } from "./topology/inspect";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example";

function stub(dir: string, name: string, body: string): void {
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

describe("the deploy script's environment boundary", () => {
  let dir: string;
  let log: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fullstack-deploy-env-"));
    const settings = loadSettings({ appRepo: "https://github.com/acme/shop.git", appName: "shop", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"], framework: "django" });
    const app = buildAppSpec(settings.app, "23.0.0", { hostNames: [], https: false });
    const p = appPaths("shop");
    const root = join(dir, "srv");
    const conf = renderDeployConf(app, { sockets: [], services: [], web: false })
      .replace(`APP_ROOT='${p.root}'`, `APP_ROOT='${root}'`);
    writeFileSync(join(dir, "deploy.conf"), conf);
    const script = renderDeployScript(app).replace(`. ${p.deployConf}`, `. ${join(dir, "deploy.conf")}`);
    writeFileSync(join(dir, "deploy"), script);
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const logFile = join(dir, "calls.log");
    // systemd-run: record whether the unit would load the environment file, and the command it runs.
    stub(bin, "systemd-run", [
      'files=; while [ "$#" -gt 0 ]; do case "$1" in --property=EnvironmentFile=*) files="$files${1#--property=EnvironmentFile=},";; --) shift; break;; esac; shift; done',
      `echo "envfiles=$files $*" >> ${logFile}`,
      'case "$*" in *"rev-parse HEAD"*|*"ls-remote"*) echo 0123456789abcdef0123456789abcdef01234567;; *"import gunicorn"*) exit 0;;',
      '  *"-m venv"*) for last in "$@"; do :; done; mkdir -p "$last";; esac',
    ].join("\n"));
    // install -d -o USER -g USER -m MODE DIR...: make the directories (the app user does not exist here).
    stub(bin, "install", 'while [ "$#" -gt 0 ]; do case "$1" in -o|-g|-m) shift;; -*) ;; *) mkdir -p "$1";; esac; shift; done');
    stub(bin, "systemctl", "exit 0");
    execFileSync("sh", [join(dir, "deploy"), "v1.0.0"], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
    log = readFileSync(logFile, "utf8").trim().split("\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs git, venv and pip without the app's environment", () => {
    const tools = log.filter((l) => /\bgit\b|-m venv|\/pip install/.test(l));
    expect(tools.length).toBeGreaterThanOrEqual(6);
    // Only the deploy's own pip settings (the leading - makes a missing file fine), never the app's.
    expect(tools.filter((l) => !l.startsWith("envfiles=-/etc/shop/deploy-tools.env, "))).toEqual([]);
  });

  it("runs the framework's hooks (migrate, collectstatic) with it", () => {
    const hooks = log.filter((l) => /migrate\.py|manage\.py collectstatic/.test(l));
    expect(hooks).toHaveLength(2);
    expect(hooks.every((l) => l.startsWith("envfiles=/etc/shop/app.env, "))).toBe(true);
  });
});

describe("a private package index (pipIndexUrl)", () => {
  const URL = "https://deploy:tok3n-for-the-index@pypi.example.com/simple/";

  it.each(["dev", "aws-dev", "staging"])("%s: reaches the deploy's pip through a 0600 file, and no visible input or output shows it", async (stack) => {
    const result = await planStack(stack, { pipIndexUrl: URL });
    const all = servers(result);
    expect(all.length).toBeGreaterThan(0);
    for (const server of all) {
      const pip = server.files.find((f) => f.path === "/etc/shop/deploy-tools.env");
      expect(pip?.permissions).toBe("0600");
      expect(pip?.content).toContain(`PIP_INDEX_URL="${URL}"`);
      // Never in the app's environment.
      expect(file(server, "/etc/shop/app.env").content).not.toContain("tok3n");
    }
    for (const r of result.resources) expect(`${r.name}: ${visibleText(result, r).includes("tok3n")}`).toBe(`${r.name}: false`);
  });
});

describe("a private repository's deploy key (appRepoDeployKey)", () => {
  let key: string;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "fullstack-deploy-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy", "-f", join(dir, "k")]);
    key = readFileSync(join(dir, "k"), "utf8");
    rmSync(dir, { recursive: true, force: true });
  });
  const body = () => key.split("\n")[2];

  it.each(["dev", "aws-dev", "staging"])("%s: git's ssh gets the key from a file only root and the app can read; no visible input shows it", async (stack) => {
    const result = await planStack(stack, { appRepo: "git@github.com:acme/shop.git", appRepoDeployKey: key });
    for (const server of servers(result)) {
      const k = server.files.find((f) => f.path === "/etc/shop/deploy_key");
      expect(k && { permissions: k.permissions, content: k.content }).toEqual({ permissions: "0640", content: key });
      expect(file(server, "/etc/shop/deploy-tools.env").content)
        .toMatch(/^GIT_SSH_COMMAND="ssh -i \/etc\/shop\/deploy_key -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=\/srv\/shop\/shared\/known_hosts"$/m);
      expect(file(server, "/etc/shop/app.env").content).not.toContain(body());
    }
    for (const r of result.resources) expect(`${r.name}: ${visibleText(result, r).includes(body())}`).toBe(`${r.name}: false`);
  });

  it("is refused, without echoing it, when it is not a private key or the repository is not reached over SSH", () => {
    const base = { appRepo: "git@github.com:acme/shop.git", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] };
    expect(() => loadSettings({ ...base, appRepoDeployKey: "hunter2" })).toThrow(/^fullstack:appRepoDeployKey "\[secret\]" is not an unencrypted OpenSSH private key/);
    expect(() => loadSettings({ ...base, appRepo: "https://github.com/acme/shop.git", appRepoDeployKey: key })).toThrow(/needs an SSH fullstack:appRepo/);
    expect(loadSettings({ ...base, appRepoDeployKey: key.replace(/\n/g, "\r\n") }).app.repoDeployKey).toBe(key);
  });
});
