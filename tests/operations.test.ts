/**
 * Operating it: heartbeats (dead man's switches), the restore drill's schedule and error tracking. The
 * heartbeat scripts run for real here (sh, curl) against a ping receiver on loopback, with systemctl
 * stood in by a script that answers for the units; the drill itself restores for real in the VM test.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { tmpdir, userInfo } from "node:os";
import { gzipSync } from "node:zlib";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { decodeFetchedFiles, encodeFetchedFiles, renderSecretFetchScript } from "../provisioning/aws/secretFetch";
import { join } from "node:path";
import { HEARTBEAT_ENV, HEARTBEAT_LIB, renderHeartbeatEnv, renderHeartbeatLib, renderHeartbeatServices } from "../provisioning/roles/heartbeat";
import { parse } from "yaml";
import { buildAppSpec, decodedWriteFiles, fetchSecretDelivery, renderServerFiles, SECRET_FETCH_SCRIPT, type WebSpec } from "../provisioning";
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
    ["a drill of DigitalOcean's managed database without its token", { profile: "standard", restoreDrill: "daily" }, /^fullstack:restoreDrill "daily" needs fullstack:restoreDrillToken/],
  ])("refuses %s, never showing a secret", (_what, raw, message) => {
    const text = refusal(raw);
    expect(text).toMatch(message);
    expect(text).not.toContain("hc-ping.com/key");
  });

  it("keeps the ping URL without a trailing slash, and defaults", () => {
    expect(loadSettings({ ...base, heartbeatUrl: "https://hc-ping.com/abc/" }).operations).toEqual({
      offsiteBackups: true, restoreDrill: "weekly", restoreDrillHome: "single", heartbeat: { url: "https://hc-ping.com/abc", metrics: false, everyMinutes: 5 }, logRetentionDays: 30,
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

  it("where the cloud gzips the whole document (EC2), files stay plain and the largest scripts move to the fetched files", () => {
    const gzipped = (text: string) => gzipSync(text, { level: 9 }).length;
    const delivery = fetchSecretDelivery("/fullstack/shop-web-1/secret-files", "eu-central-1");
    const whole = renderServerFiles({ ...spec, roles: [...spec.roles] }, delivery);
    const limit = gzipped(whole.userData) - 1500;
    const fitted = renderServerFiles({ ...spec, roles: [...spec.roles] }, delivery, { limit, bytes: gzipped });
    expect(gzipped(fitted.userData)).toBeLessThanOrEqual(limit);
    const doc = parse(fitted.userData) as { write_files: { path: string; content: string; encoding?: string; permissions: string }[]; runcmd: unknown[] };
    expect(doc.write_files.filter((f) => f.encoding !== undefined)).toEqual([]);
    const moved = fitted.fetchedFiles.filter((f) => !f.secret);
    expect(moved.map((f) => f.path)).toContain(`/usr/local/sbin/${spec.app.name}-deploy`);
    for (const f of moved) expect(`${f.path} ${f.permissions}`).toMatch(/^\/usr\/local\/\S+ 07[0-7][0-7]$/);
    // Each moved file left the user data, the fetch script stayed, and it runs first.
    const left = new Set(doc.write_files.map((f) => f.path));
    for (const f of moved) expect(left.has(f.path)).toBe(false);
    expect(left.has(SECRET_FETCH_SCRIPT)).toBe(true);
    expect(doc.runcmd[0]).toEqual([SECRET_FETCH_SCRIPT]);
    // Nothing else changed: together they are the files of the unbudgeted rendering.
    const all = (parse(whole.userData) as { write_files: { path: string }[] }).write_files.map((f) => f.path).sort();
    expect([...left, ...moved.map((f) => f.path)].sort()).toEqual(all);
  });

  it("the fetch script writes what the parameter holds, decoded, with its modes and owner (python3 and a stand-in boto3)", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "fetch-"));
    try {
      const user = userInfo().username;
      const group = execFileSync("id", ["-gn"]).toString().trim();
      const files = [
        { path: join(tmp, "etc/app/app.env"), content: "SECRET_KEY=s3cr3t\n", permissions: "0600", owner: `${user}:${group}`, secret: true },
        { path: join(tmp, "usr/local/sbin/shop-deploy"), content: "#!/bin/sh\necho deployed\n", permissions: "0755", owner: `${user}:${group}` },
      ];
      const value = encodeFetchedFiles(files);
      expect(decodeFetchedFiles(value).map((f) => [f.path, f.secret])).toEqual([[files[0].path, true], [files[1].path, false]]);
      mkdirSync(join(tmp, "py/boto3"), { recursive: true });
      writeFileSync(join(tmp, "py/boto3/__init__.py"), [
        "import json",
        "class _Ssm:",
        "    def get_parameter(self, Name, WithDecryption):",
        `        assert Name == "/fullstack/shop-web-1/secret-files" and WithDecryption`,
        `        return {"Parameter": {"Value": ${JSON.stringify(value)}}}`,
        "def client(service, region_name):",
        `    assert service == "ssm" and region_name == "eu-central-1"`,
        "    return _Ssm()",
        "",
      ].join("\n"));
      const script = join(tmp, "fetch");
      writeFileSync(script, renderSecretFetchScript("/fullstack/shop-web-1/secret-files", "eu-central-1"), { mode: 0o755 });
      const out = await new Promise<string>((resolve, reject) => execFile("python3", [script], { env: { ...process.env, PYTHONPATH: join(tmp, "py") } },
        (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))));
      expect(out).toContain(`wrote ${files[1].path}`);
      expect(readFileSync(files[0].path, "utf8")).toBe("SECRET_KEY=s3cr3t\n");
      expect(statSync(files[0].path).mode & 0o777).toBe(0o600);
      expect(statSync(files[1].path).mode & 0o777).toBe(0o755);
      expect(execFileSync(files[1].path).toString()).toBe("deployed\n");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("the AWS single box with everything on fits EC2's 16 KiB, its parameter Parameter Store's 8 KB, and every file reaches the server", async () => {
    const r = await planStack("aws-dev", {
      profile: "single", environment: "production", offsiteBackups: true, domain: "shop.example.com", dnsZone: "example.com", workerKind: "celery",
      heartbeatUrl: "https://hc-ping.com/k", sentryDsn: "https://k@o1.ingest.sentry.io/2", appName: "abcdefghijklmnopqrst",
      // Five admins: their keys (random, so incompressible) push the user data over the limit.
      adminSshKeys: Array.from({ length: 5 }, (_, i) => `ssh-ed25519 ${randomBytes(51).toString("base64")} admin${i}@example.com`),
    });
    const [box] = r.resources.filter((x) => x.type === "aws:ec2/instance:Instance");
    expect(Buffer.from(String(box.plainInputs.userDataBase64), "base64").length).toBeLessThanOrEqual(16384);
    const [parameter] = r.resources.filter((x) => x.type === "aws:ssm/parameter:Parameter" && String(x.plainInputs.name).endsWith("/secret-files"));
    expect(String(parameter.plainInputs.value).length).toBeLessThanOrEqual(8192);
    const fetched = decodeFetchedFiles(String(parameter.plainInputs.value));
    const deploy = fetched.find((f) => f.path === "/usr/local/sbin/abcdefghijklmnopqrst-deploy");
    expect(deploy).toMatchObject({ secret: false, permissions: "0755" });
    expect(fetched.find((f) => f.path === "/etc/abcdefghijklmnopqrst/release.json")?.secret).toBe(true);
    expect(formatViolations(checkCloudRules(r.resources))).toBe("");
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
