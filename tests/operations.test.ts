/**
 * Operating it: heartbeats (dead man's switches), the restore drill's schedule and error tracking. The
 * heartbeat scripts run for real here (sh, curl) against a ping receiver on loopback, with systemctl
 * stood in by a script that answers for the units; the drill itself restores for real in the VM test.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HEARTBEAT_ENV, HEARTBEAT_LIB, renderHeartbeatEnv, renderHeartbeatLib, renderHeartbeatServices } from "../provisioning/roles/heartbeat";
import { parse } from "yaml";
import { buildAppSpec, decodedWriteFiles, renderServerFiles, type WebSpec } from "../provisioning";
import { loadSettings } from "../settings";
import { cloudConfig, planStack, releasedEnvFile, T, writtenFile } from "./helpers";

jest.setTimeout(120_000);

const base = {
  appRepo: "https://github.com/acme/shop.git", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"],
  adminCidrs: ["203.0.113.7/32"],
};
const refusal = (raw: Record<string, unknown>) => {
  try {
    loadSettings({ ...base, ...raw });
  } catch (err) {
    return (err as Error).message;
  }
  return "accepted";
};

describe("settings", () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a heartbeat URL over http", { heartbeatUrl: "http://hc-ping.com/key" }, /^fullstack:heartbeatUrl "\[secret\]" is not an https:\/\/ ping URL/],
    ["a heartbeat URL with a query", { heartbeatUrl: "https://hc-ping.com/key?x=1" }, /^fullstack:heartbeatUrl "\[secret\]"/],
    ["a heartbeat period without a URL", { heartbeatMinutes: 10 }, /^fullstack:heartbeatMinutes 10 needs fullstack:heartbeatUrl/],
    ["a heartbeat period out of range", { heartbeatUrl: "https://hc-ping.com/key", heartbeatMinutes: 0 }, /^fullstack:heartbeatMinutes 0 /],
    ["a DSN that is not one", { sentryDsn: "sentry.io/123" }, /^fullstack:sentryDsn "\[secret\]" is not a Sentry DSN/],
    ["SENTRY_DSN twice", { sentryDsn: "https://k@o1.ingest.sentry.io/2", appEnv: ["SENTRY_DSN=https://x@y/1"] }, /^fullstack:appEnv .*sets SENTRY_DSN, which fullstack:sentryDsn sets/],
    ["a probe that is not a query", { restoreProbeSql: "DROP TABLE orders" }, /^fullstack:restoreProbeSql "DROP TABLE orders" is not one SELECT/],
    ["a drill schedule not in the list", { restoreDrill: "hourly" }, /^fullstack:restoreDrill "hourly" .*daily, weekly, monthly, off/],
    ["a drill where there is no self-hosted database", { profile: "standard", restoreDrill: "daily" }, /^fullstack:restoreDrill "daily" .*profile single/],
  ])("refuses %s, never showing a secret", (_what, raw, message) => {
    const text = refusal(raw);
    expect(text).toMatch(message);
    expect(text).not.toContain("hc-ping.com/key");
  });

  it("keeps the ping URL without a trailing slash, and defaults", () => {
    expect(loadSettings({ ...base, heartbeatUrl: "https://hc-ping.com/abc/" }).operations).toEqual({
      offsiteBackups: true, restoreDrill: "weekly", heartbeat: { url: "https://hc-ping.com/abc", everyMinutes: 5 },
    });
  });
});

describe("what the servers get", () => {
  it("the single box: the nightly backup and a weekly restore drill, both checking in; no pings without a URL", async () => {
    const r = await planStack("dev", { restoreProbeSql: "SELECT count(*) > 0 FROM orders" });
    const [box] = r.resources.filter((x) => x.type === T.droplet);
    const timer = writtenFile(box, "/etc/systemd/system/fullstack-postgres-restore-drill.timer").content;
    expect(timer).toMatch(/^OnCalendar=Sun \*-\*-\* 05:00:00$/m);
    expect(cloudConfig(box).runcmd).toContainEqual(["systemctl", "enable", "--quiet", "--now", "fullstack-postgres-restore-drill.timer"]);
    expect(writtenFile(box, "/etc/fullstack/postgres.env").content).toContain("PG_DRILL_PROBE='SELECT count(*) > 0 FROM orders'");
    expect(writtenFile(box, HEARTBEAT_ENV).content).toContain("HEARTBEAT_URL=''");
    expect(cloudConfig(box).write_files.map((f) => f.path)).not.toContain("/etc/systemd/system/fullstack-heartbeat.timer");
  });

  it("with a ping URL: the workers and the scheduler check in on their servers, secret; web servers have nothing to ping", async () => {
    const r = await planStack("staging", { heartbeatUrl: "https://hc-ping.com/ping-key-1", heartbeatMinutes: 3 });
    const droplets = r.resources.filter((x) => x.type === T.droplet);
    const withTimer = droplets.filter((d) => cloudConfig(d).write_files.some((f) => f.path === "/etc/systemd/system/fullstack-heartbeat.timer"));
    expect(withTimer.map((d) => d.name)).toEqual(droplets.filter((d) => /-worker-/.test(d.name)).map((d) => d.name));
    expect(withTimer.length).toBeGreaterThan(0);
    for (const d of withTimer) {
      expect(writtenFile(d, "/etc/systemd/system/fullstack-heartbeat.timer").content).toMatch(/^OnUnitActiveSec=3min$/m);
      const env = writtenFile(d, HEARTBEAT_ENV);
      expect([env.permissions, env.content]).toEqual(["0600", expect.stringContaining("HEARTBEAT_URL='https://hc-ping.com/ping-key-1'")]);
      expect(env.content).toMatch(/^HEARTBEAT_PREFIX='shop-staging'$/m);
      expect(d.secretValues.join("\n")).toContain("https://hc-ping.com/ping-key-1");
      expect(JSON.stringify(d.inputs)).not.toContain("ping-key-1");
    }
  });

  it("the Sentry DSN reaches the app's environment, secret", async () => {
    const r = await planStack("dev", { sentryDsn: "https://k1@o1.ingest.sentry.io/2" });
    const [box] = r.resources.filter((x) => x.type === T.droplet);
    expect(releasedEnvFile(r, box)).toMatch(/^SENTRY_DSN="https:\/\/k1@o1\.ingest\.sentry\.io\/2"$/m);
    const holders = r.resources.filter((x) => JSON.stringify(x.plainInputs).includes("k1@o1.ingest"));
    expect(holders.length).toBeGreaterThan(0);
    for (const h of holders) expect(JSON.stringify(h.inputs)).not.toContain("k1@o1.ingest");
  });
});

describe("the heartbeat scripts, run", () => {
  let server: Server;
  let pings: { path: string; body: string }[];
  let dir: string;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        pings.push({ path: req.url ?? "", body });
        res.end("OK");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/key`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    pings = [];
    dir = mkdtempSync(join(tmpdir(), "heartbeat-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The rendered scripts with their fixed paths moved into the scratch directory, and a stand-in systemctl. */
  function install(checks: { unit: string; name: string }[], units: Record<string, "active" | "inactive" | "disabled">, withUrl = true) {
    const env = join(dir, "heartbeat.env");
    const lib = join(dir, "heartbeat.sh");
    writeFileSync(env, renderHeartbeatEnv(withUrl ? { url, prefix: "shop-prod", everyMinutes: 5 } : undefined, checks));
    writeFileSync(lib, renderHeartbeatLib().split(HEARTBEAT_ENV).join(env));
    writeFileSync(join(dir, "services"), renderHeartbeatServices().split(HEARTBEAT_LIB).join(lib), { mode: 0o755 });
    // systemctl is-enabled|is-active|status [--flags] <unit>: the unit is the last word.
    const cases = Object.entries(units).map(([unit, state]) => [
      `  ${unit})`,
      `    case "$1" in is-enabled) exit ${state === "disabled" ? 1 : 0};; is-active) exit ${state === "active" ? 0 : 3};; status) echo "${unit} is ${state}";; esac;;`,
    ].join("\n"));
    writeFileSync(join(dir, "systemctl"), ["#!/bin/sh", 'for unit in "$@"; do :; done', 'case "$unit" in', ...cases, "  *) exit 4;;", "esac", ""].join("\n"), { mode: 0o755 });
    return { lib };
  }
  // Asynchronous: the receiver answers from this process's event loop.
  const run = (script: string, args: string[] = []) => new Promise<string>((resolve, reject) => {
    execFile("sh", [script, ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });

  it("services: an active one checks in, a stopped one fails with its status, a disabled one (not released yet) is skipped", async () => {
    install([{ unit: "shop-worker.service", name: "worker" }, { unit: "shop-scheduler.service", name: "scheduler" }, { unit: "shop-extra.service", name: "extra" }],
      { "shop-worker.service": "active", "shop-scheduler.service": "inactive", "shop-extra.service": "disabled" });
    await run(join(dir, "services"));
    expect(pings.map((p) => p.path)).toEqual(["/key/shop-prod-worker/0?create=1", "/key/shop-prod-scheduler/fail?create=1"]);
    expect(pings[1].body).toContain("shop-scheduler.service is inactive");
  });

  it("jobs: start, then the exit status with the job's output; nothing at all without a URL", async () => {
    const { lib } = install([], {});
    const job = join(dir, "job");
    writeFileSync(job, [`. ${lib}`, "heartbeat backup start", 'echo "dumped 42 rows" > "$1"', 'heartbeat backup 3 "$1"', ""].join("\n"));
    await run(job, [join(dir, "out")]);
    expect(pings).toEqual([{ path: "/key/shop-prod-backup/start?create=1", body: "" }, { path: "/key/shop-prod-backup/3?create=1", body: "dumped 42 rows\n" }]);
    pings = [];
    install([], {}, false);
    await run(job, [join(dir, "out")]);
    expect(pings).toEqual([]);
  });

  it("a receiver that is down never fails the job", async () => {
    const { lib } = install([], {});
    const job = join(dir, "job");
    writeFileSync(job, [`. ${lib}`, "HEARTBEAT_URL=http://127.0.0.1:9/nowhere", "heartbeat backup start", "echo still-here", ""].join("\n"));
    expect(await run(job)).toContain("still-here");
  });
});

describe("the user data budget", () => {
  const settings = loadSettings(base);
  const spec = {
    roles: ["web"] as const,
    base: { os: "debian-12" as const, adminUser: "ops", adminSshKeys: [], timezone: "UTC", swapMb: 0, firewall: [] },
    app: buildAppSpec(settings.app, settings.web.gunicorn.version, { hostNames: [], https: false }),
    web: { serverNames: [], maxUploadMb: 1, gunicorn: settings.web.gunicorn, trustedProxies: [] } satisfies WebSpec,
  };
  const bytes = (text: string) => Buffer.byteLength(text, "utf8");
  const plain = renderServerFiles({ ...spec, roles: [...spec.roles] }, { kind: "inline" });

  it("leaves a document within the limit exactly as it is", () => {
    const within = renderServerFiles({ ...spec, roles: [...spec.roles] }, { kind: "inline" }, { limit: bytes(plain.userData), bytes });
    expect(within.userData).toBe(plain.userData);
  });

  it("writes the largest files compressed (cloud-init's gz+b64) until it fits, and they decode to the same files", () => {
    const limit = bytes(plain.userData) - 4000;
    const fitted = renderServerFiles({ ...spec, roles: [...spec.roles] }, { kind: "inline" }, { limit, bytes });
    expect(bytes(fitted.userData)).toBeLessThanOrEqual(limit);
    const doc = parse(fitted.userData) as { write_files: { path: string; content: string; encoding?: string }[] };
    const encoded = doc.write_files.filter((f) => f.encoding === "gz+b64").map((f) => f.path);
    const largest = [...(parse(plain.userData) as { write_files: { path: string; content: string }[] }).write_files]
      .sort((a, b) => b.content.length - a.content.length).map((f) => f.path);
    expect(encoded.length).toBeGreaterThan(0);
    expect(new Set(encoded)).toEqual(new Set(largest.slice(0, encoded.length)));
    expect(decodedWriteFiles(doc.write_files)).toEqual((parse(plain.userData) as { write_files: unknown[] }).write_files);
  });

  it("the single box with everything on (worker, domain, deploy key, heartbeats, backups off the box) fits DigitalOcean's 64 KiB", async () => {
    const r = await planStack("dev", {
      environment: "production", offsiteBackups: true, domain: "shop.example.com", heartbeatUrl: "https://hc-ping.com/k", sentryDsn: "https://k@o1.ingest.sentry.io/2",
      appEnv: Array.from({ length: 40 }, (_, i) => `SETTING_${i}=${"x".repeat(60)}`),
    });
    const [box] = r.resources.filter((x) => x.type === T.droplet);
    expect(bytes(String(box.plainInputs.userData))).toBeLessThanOrEqual(65536);
    expect(writtenFile(box, "/usr/local/sbin/fullstack-postgres-restore-drill").content).toContain("restore drill: ok");
  });
});
