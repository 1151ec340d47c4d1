/**
 * The release entry point (provisioning/release.ts) run for real with python3, around a first boot: its
 * paths (cloud-init's boot-finished, the packages-installed marker, the deploy script, the staged
 * environment) moved to a temporary directory, cloud-init and the deploy script stand-ins that log what
 * they were asked. What it shows: a release pushed before the packages are installed waits for them, then
 * deploys with APP_FIRST_BOOT_PENDING (the deploy waits for the rest of the first boot before it switches);
 * once the first boot is done it deploys at once; from a file (cloud-init's own runcmd) it never waits; a
 * first boot that failed is the error it reports.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAppSpec } from "../provisioning";
import { BOOT_FINISHED, PACKAGES_INSTALLED } from "../provisioning/firstBoot";
import { renderReleaseBundle, renderReleaseScript } from "../provisioning/release";
import { appPaths } from "../provisioning/types";
import { loadSettings } from "../settings";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example";
let dir: string;
let entry: string;
let bundle: string;

const path = (name: string) => join(dir, name);
const log = () => (existsSync(path("calls.log")) ? readFileSync(path("calls.log"), "utf8") : "");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fullstack-release-entry-"));
  const settings = loadSettings({ appRepo: "https://github.com/acme/shop.git", appName: "shop", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"], framework: "flask", wsgiApp: "app:app" });
  const app = buildAppSpec(settings.app, "23.0.0", { hostNames: [], https: false });
  const p = appPaths("shop");
  entry = path("release");
  const moved = renderReleaseScript(app)
    .replace(JSON.stringify(BOOT_FINISHED), JSON.stringify(path("boot-finished")))
    .replace(JSON.stringify(PACKAGES_INSTALLED), JSON.stringify(path("packages-installed")))
    .replace(JSON.stringify(p.deployScript), JSON.stringify(path("deploy")))
    .replace(JSON.stringify(p.nextEnvFile), JSON.stringify(path("app.env.next")));
  for (const original of [BOOT_FINISHED, PACKAGES_INSTALLED, p.deployScript, p.nextEnvFile]) expect(moved).not.toContain(original);
  writeFileSync(entry, moved, { mode: 0o755 });
  bundle = renderReleaseBundle(app);
  mkdirSync(path("bin"));
  const stub = (name: string, body: string) => {
    writeFileSync(path(name), `#!/bin/sh\n${body}\n`);
    chmodSync(path(name), 0o755);
  };
  // cloud-init: logs its arguments, answers the code in cloud-init.rc (0 when there is none).
  stub("bin/cloud-init", `echo "cloud-init $*" >> ${path("calls.log")}; exit "$(cat ${path("cloud-init.rc")} 2>/dev/null || echo 0)"`);
  // The deploy script: logs its arguments and APP_FIRST_BOOT_PENDING, exits with deploy.rc.
  stub("deploy", `echo "deploy $* pending=\${APP_FIRST_BOOT_PENDING:-}" >> ${path("calls.log")}; exit "$(cat ${path("deploy.rc")} 2>/dev/null || echo 0)"`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  for (const f of ["calls.log", "boot-finished", "packages-installed", "cloud-init.rc", "deploy.rc"]) rmSync(path(f), { force: true });
});

const env = () => ({ PATH: `${path("bin")}:/usr/bin:/bin` });

function push(input = bundle): { code: number; out: string } {
  const r = spawnSync("python3", [entry], { input, encoding: "utf8", timeout: 60_000, env: env() });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe("the release entry point around a first boot (python3, for real)", () => {
  it("after the first boot: deploys at once, without asking cloud-init or waiting", () => {
    writeFileSync(path("boot-finished"), "");
    expect(push()).toEqual({ code: 0, out: "" });
    expect(log()).toBe(`deploy main ${path("app.env.next")} pending=\n`);
    expect(readFileSync(path("app.env.next"), "utf8")).toBe(JSON.parse(bundle).envFile);
  });

  it("pushed before the packages are installed: waits for the marker, then deploys with the first boot pending", async () => {
    const child = spawn("python3", [entry], { env: env(), stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.end(bundle);
    const done = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    await new Promise((r) => setTimeout(r, 3000));
    // Still waiting: cloud-init was asked whether the boot failed (it did not), nothing deployed.
    expect(log()).toBe("cloud-init status\n");
    writeFileSync(path("packages-installed"), "");
    expect(await done).toBe(0);
    expect(log().split("\n").filter(Boolean).pop()).toBe(`deploy main ${path("app.env.next")} pending=1`);
  }, 30_000);

  it("from a file (cloud-init's own runcmd runs it): never waits, even during the first boot", () => {
    writeFileSync(path("bundle.json"), bundle);
    const r = spawnSync("python3", [entry, "--file", path("bundle.json")], { encoding: "utf8", timeout: 30_000, env: env() });
    expect(r.status).toBe(0);
    expect(log()).toBe(`deploy main ${path("app.env.next")} pending=\n`);
  });

  it("a first boot that failed before its runcmd: the release says so and deploys nothing", () => {
    writeFileSync(path("cloud-init.rc"), "1");
    const r = push();
    expect(r.code).toBe(2);
    expect(r.out).toContain("release: the server's first boot failed (cloud-init status: error)");
    expect(log()).not.toContain("deploy");
  });

  it("a release that fails while the first boot failed too reports the first boot; a release that fails alone keeps its own code", () => {
    writeFileSync(path("packages-installed"), "");
    writeFileSync(path("deploy.rc"), "1");
    expect(push().code).toBe(1);
    expect(log()).toContain("cloud-init status --wait");
    writeFileSync(path("cloud-init.rc"), "1");
    const r = push();
    expect(r.code).toBe(2);
    expect(r.out).toContain("release: the server's first boot failed (cloud-init status: error)");
  });
});
