/**
 * The restore drill of a managed database on DigitalOcean (issue 15, item 4): only with
 * fullstack:restoreDrillToken, exactly one server runs it (the scheduler's, as on AWS) with the token in a
 * file only root reads; and the drill runs for real (/usr/bin/python3, stdlib only) against a fake
 * DigitalOcean API on loopback (JSON, the token checked in the Authorization header, shapes per
 * DigitalOcean's OpenAPI description) whose fork "comes online" after a poll or two at the address of a
 * real throwaway PostgreSQL cluster, reachable only once the drill has made its droplet the fork's one
 * trusted source: the fork's request, the firewall before any connection, the report line, and the
 * deletion, always, of the fork only.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { SECRET, runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { Network, PostgresDb } from "../components";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import {
  decodedWriteFiles, DO_API_URL, DO_DRILL_SCRIPT, DO_DRILL_TOKEN_FILE, POSTGRES_DRILL_UNIT, POSTGRES_RESTORE_DRILL, RDS_DRILL_CHECKS,
  renderDoDrillScript, renderRdsDrillChecks,
} from "../provisioning";
import { DRILL_REPORT_NUMBERS } from "../provisioning/roles/postgres";
import { loadSettings } from "../settings";
import { fakeJsonApi } from "./fakeApi";
import { ofType, planStack, T } from "./helpers";
import { PostgresFixture, within } from "./postgresFixture";

jest.setTimeout(300_000);

const str = (v: unknown) => String(v);
const CLUSTER = "digitalocean:index/databaseCluster:DatabaseCluster";
/** A token as DigitalOcean issues them (not a real one). */
const TOKEN = `dop_v1_${"ab12".repeat(16)}`;

interface File { path: string; content: string; permissions?: string; owner?: string }
function dropletFiles(d: RecordedResource): Map<string, File> {
  const doc = parse(str(d.plainInputs.userData)) as { write_files?: File[] };
  return new Map(decodedWriteFiles(doc.write_files ?? []).map((f) => [f.path, f] as const));
}
const withDrill = (r: RunResult) => ofType(r, T.droplet).filter((d) => dropletFiles(d).has(`/etc/systemd/system/${POSTGRES_DRILL_UNIT}.timer`)).map((d) => d.name);

describe("DigitalOcean managed profiles: the drill only with restoreDrillToken, on one server, the token root's only", () => {
  const stacks = { staging: "shop-staging-worker-1", prod: "shop-prod-worker-1" } as const;
  const runs: Record<string, RunResult> = {};
  const without: Record<string, RunResult> = {};
  beforeAll(async () => {
    for (const stack of Object.keys(stacks)) {
      runs[stack] = await planStack(stack, { restoreDrillToken: TOKEN });
      without[stack] = await planStack(stack);
    }
  });

  it.each(Object.keys(stacks) as (keyof typeof stacks)[])("%s: the scheduler's droplet alone has the unit, timer, scripts and token file", (stack) => {
    const r = runs[stack];
    const home = stacks[stack];
    expect(withDrill(r)).toEqual([home]);
    const droplet = ofType(r, T.droplet).find((d) => d.name === home)!;
    const files = dropletFiles(droplet);
    const source = str(ofType(r, CLUSTER).find((c) => c.plainInputs.engine === "pg")!.plainInputs.name);
    expect(files.get(`/etc/systemd/system/${POSTGRES_DRILL_UNIT}.timer`)!.content).toContain("OnCalendar=Sun *-*-* 05:00:00");
    expect(files.get(`/etc/systemd/system/${POSTGRES_DRILL_UNIT}.service`)!.content).toContain(`ExecStart=${POSTGRES_RESTORE_DRILL}`);
    expect(files.get(POSTGRES_RESTORE_DRILL)!.content).toContain("heartbeat restore-drill start");
    expect(files.get(POSTGRES_RESTORE_DRILL)!.content).toContain(`exec ${DO_DRILL_SCRIPT}`);
    expect(files.get(DO_DRILL_SCRIPT)!.content).toContain(`SOURCE = "${source}"`);
    expect(files.get(DO_DRILL_SCRIPT)!.content).toContain(`DRILL = "${source}-drill"`);
    expect(files.get(DO_DRILL_SCRIPT)!.content).toContain(`'FULLSTACK_DO_API_URL', "${DO_API_URL}"`);
    expect(files.get(DO_DRILL_SCRIPT)!.content).not.toContain(TOKEN);
    expect(files.get(RDS_DRILL_CHECKS)!.content).toBe(renderRdsDrillChecks());
    expect(files.get(DO_DRILL_TOKEN_FILE)).toMatchObject({ permissions: "0600", owner: "root:root", content: `${TOKEN}\n` });
    // The token travels in the droplet's user data, which is secret (DigitalOcean serves it to the droplet only).
    expect(droplet.inputs.userData).toBe(SECRET);
    for (const d of ofType(r, T.droplet).filter((x) => x.name !== home)) expect(str(d.plainInputs.userData)).not.toContain(TOKEN);
    expect(formatViolations(checkCloudRules(r.resources))).toBe("");
  });

  it.each(Object.keys(stacks) as (keyof typeof stacks)[])("%s: without the token nothing changes: no drill, and the same droplets and cluster otherwise", (stack) => {
    expect(withDrill(without[stack])).toEqual([]);
    const plain = (r: RunResult, type: string, skip?: string) => ofType(r, type).filter((x) => x.name !== skip).map((x) => [x.name, x.plainInputs]);
    expect(plain(runs[stack], CLUSTER)).toEqual(plain(without[stack], CLUSTER));
    expect(plain(runs[stack], T.droplet, stacks[stack])).toEqual(plain(without[stack], T.droplet, stacks[stack]));
    expect(ofType(runs[stack], T.droplet).map((d) => d.name)).toEqual(ofType(without[stack], T.droplet).map((d) => d.name));
  });

  it("settings: the token turns the drill on; restoreDrill or restoreProbeSql without it, or it without a drill, are refused naming the keys", () => {
    const base = {
      appRepo: "https://github.com/acme/shop.git", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"],
      adminCidrs: ["203.0.113.7/32"], profile: "standard", workerKind: "celery",
    };
    expect(loadSettings(base).operations).toMatchObject({ restoreDrill: "off" });
    expect(loadSettings(base).operations.restoreDrillToken).toBeUndefined();
    expect(loadSettings({ ...base, restoreDrillToken: TOKEN }).operations).toMatchObject({ restoreDrill: "weekly", restoreDrillHome: "scheduler", restoreDrillToken: TOKEN });
    expect(loadSettings({ ...base, restoreDrillToken: TOKEN, restoreDrill: "daily", restoreProbeSql: "SELECT true" }).operations)
      .toMatchObject({ restoreDrill: "daily", restoreProbeSql: "SELECT true" });
    expect(() => loadSettings({ ...base, restoreDrill: "daily" }))
      .toThrow(/^fullstack:restoreDrill "daily" needs fullstack:restoreDrillToken on this cloud's managed databases.*set fullstack:restoreDrillToken/s);
    expect(loadSettings({ ...base, restoreDrill: "off" }).operations.restoreDrill).toBe("off");
    expect(() => loadSettings({ ...base, restoreProbeSql: "SELECT true" })).toThrow(/^fullstack:restoreProbeSql .*needs fullstack:restoreDrillToken/);
    expect(() => loadSettings({ ...base, restoreDrillToken: TOKEN, restoreDrill: "off" })).toThrow(/^fullstack:restoreDrillToken "\[secret\]" has no effect with fullstack:restoreDrill off/);
    expect(() => loadSettings({ ...base, restoreDrillToken: "hunter2" })).toThrow(/^fullstack:restoreDrillToken "\[secret\]" is not a DigitalOcean API token/);
    // The single box has its own drill, no token: the key has no effect there.
    expect(() => loadSettings({ ...base, profile: "single", workerKind: "celery", restoreDrillToken: TOKEN })).toThrow(/^fullstack:restoreDrillToken .*has no effect while fullstack:profile is single/);
  });
});

describe("PostgresDb on DigitalOcean: a drill job only with its token", () => {
  const build = (make: () => Record<string, unknown>) => runStack({ stack: "component", config: {}, program: async () => make() });

  it("without the token: no job (the default drill is off there); restoreDrill asked for is refused naming the token", async () => {
    let job: unknown = "unset";
    await build(() => {
      const db = new PostgresDb("shop-db", { network: new Network("shop", { region: "fra1" }), allowRoles: ["web"] });
      job = db.restoreDrillJob;
      return {};
    });
    expect(job).toBeUndefined();
    await expect(build(() => {
      new PostgresDb("shop-db", { network: new Network("shop", { region: "fra1" }), allowRoles: ["web"], restoreDrill: "daily" });
      return {};
    })).rejects.toThrow(/^PostgresDb\.restoreDrill "daily" needs PostgresDb\.restoreDrillToken/);
  });

  it("with it: a weekly drill job of this database, for one server to run", async () => {
    let db: PostgresDb | undefined;
    await build(() => {
      db = new PostgresDb("shop-db", { network: new Network("shop", { region: "fra1" }), allowRoles: ["web"], restoreDrillToken: TOKEN });
      return {};
    });
    expect(db!.restoreDrill).toBe("weekly");
    expect(db!.restoreDrillJob?.database).toBe(db);
  });
});

// ---- a real run: python3 against a fake DigitalOcean API, a real PostgreSQL as the fork -------------------

const SOURCE = "shop-prod-db";
const DRILL = `${SOURCE}-drill`;
const SOURCE_ID = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30";
const DROPLET_ID = "163973392";
const VPC = "d455e75d-4858-4eec-8c95-da2f0a5f93a7";

interface Call { method: string; path: string; body?: Record<string, unknown>; authorization: string; at: number }
interface FakeCluster { id: string; name: string; engine: string; version: string; region: string; size: string; num_nodes: number; storage_size_mib: number; private_network_uuid: string; status: string[]; tags: string[] | null }

/**
 * A fake DigitalOcean API (GET/POST /v2/databases, GET/DELETE /v2/databases/{id}, GET .../backups, PUT
 * .../firewall) and droplet metadata service (GET /metadata/v1/id). The source is online with backups, the
 * newest `lagSeconds` ago; a fork is `creating`, then `forking`, then `online` at `gate`'s address; a deleted
 * cluster is gone at the next look. `gate` lets connections through only once a PUT of the fork's firewall
 * has made DROPLET_ID its one trusted source.
 */
async function fakeDigitalOcean(opts: { gatePort: number; lagSeconds: number; leftover?: boolean; refuseCreate?: boolean }) {
  const calls: Call[] = [];
  const firewall = new Map<string, { type: string; value: string }[]>();
  const newest = new Date(Date.now() - opts.lagSeconds * 1000);
  const base = { engine: "pg", version: "16", region: "fra1", size: "db-s-2vcpu-4gb", storage_size_mib: 61440, private_network_uuid: VPC, tags: null };
  const clusters = new Map<string, FakeCluster>([
    [SOURCE_ID, { ...base, id: SOURCE_ID, name: SOURCE, num_nodes: 2, status: ["online"] }],
    // Near misses: never touched.
    ["b5a0c1d2-0000-4000-8000-000000000001", { ...base, id: "b5a0c1d2-0000-4000-8000-000000000001", name: "shop-prod-redis", engine: "valkey", num_nodes: 1, status: ["online"] }],
    ["b5a0c1d2-0000-4000-8000-000000000002", { ...base, id: "b5a0c1d2-0000-4000-8000-000000000002", name: `${DRILL}-old`, num_nodes: 1, status: ["online"] }],
  ]);
  if (opts.leftover) clusters.set("1eff0000-0000-4000-8000-00000000d111", { ...base, id: "1eff0000-0000-4000-8000-00000000d111", name: DRILL, num_nodes: 1, status: ["online"] });
  let forks = 0;
  const view = (c: FakeCluster) => {
    const status = c.status.length > 1 ? c.status.shift()! : c.status[0];
    const host = c.id === SOURCE_ID ? `private-${SOURCE}-do-user-1-0.b.db.ondigitalocean.com` : "127.0.0.1";
    const port = c.id === SOURCE_ID ? 25060 : opts.gatePort;
    return {
      id: c.id, name: c.name, engine: c.engine, version: c.version, num_nodes: c.num_nodes, size: c.size, region: c.region, status,
      created_at: "2026-01-11T18:37:36Z", private_network_uuid: c.private_network_uuid, tags: c.tags, db_names: null, storage_size_mib: c.storage_size_mib,
      connection: { host: host.replace(/^private-/, ""), port, database: "defaultdb", ssl: true },
      private_connection: { host, port, database: "defaultdb", ssl: true },
    };
  };
  const api = await fakeJsonApi((request, json, res) => {
    const { url, method } = request;
    const call: Call = { method, path: request.path, authorization: request.authorization, at: Date.now() };
    if (request.body) call.body = request.body;
    if (url.pathname === "/metadata/v1/id") return res.writeHead(200, { "content-type": "text/plain" }).end(DROPLET_ID);
    calls.push(call);
    if (call.authorization !== `Bearer ${TOKEN}`) return json(401, { id: "unauthorized", message: "Unable to authenticate you" });
    const m = /^\/v2\/databases(?:\/([^/]+))?(\/backups|\/firewall)?$/.exec(url.pathname);
    if (!m) return json(404, { id: "not_found", message: "The resource you were accessing could not be found." });
    const [, id, sub] = m;
    if (!id && method === "GET") {
      // Two a page, with DigitalOcean's links.pages.next.
      const all = [...clusters.values()];
      const page = Number(url.searchParams.get("page") ?? "1");
      const next = page * 2 < all.length ? { pages: { next: `https://api.digitalocean.com/v2/databases?page=${page + 1}&per_page=2` } } : {};
      return json(200, { databases: all.slice((page - 1) * 2, page * 2).map(view), links: next, meta: { total: all.length } });
    }
    if (!id && method === "POST") {
      const body = call.body as { name: string; size: string; num_nodes: number; engine: string; version: string; region: string; private_network_uuid?: string };
      if (opts.refuseCreate) return json(422, { id: "unprocessable_entity", message: "You have reached the limit of database clusters" });
      if ([...clusters.values()].some((c) => c.name === body.name)) return json(422, { id: "unprocessable_entity", message: "name is already in use" });
      const forkId = `f0f0f0f0-0000-4000-8000-00000000000${++forks}`;
      const fork: FakeCluster = { ...base, ...body, id: forkId, private_network_uuid: body.private_network_uuid ?? "", status: ["creating", "forking", "online"], tags: null };
      clusters.set(forkId, fork);
      return json(201, { database: view({ ...fork, status: ["creating"] }) });
    }
    const cluster = clusters.get(id);
    if (!cluster) return json(404, { id: "not_found", message: "The resource you were accessing could not be found." });
    if (sub === "/backups" && method === "GET") {
      return json(200, { backups: [
        { created_at: new Date(newest.getTime() - 86_400_000).toISOString().replace(/\.\d+Z$/, "Z"), size_gigabytes: 0.03 },
        { created_at: newest.toISOString().replace(/\.\d+Z$/, "Z"), size_gigabytes: 0.04 },
      ], scheduled_backup_time: { backup_hour: 4, backup_minute: 40 } });
    }
    if (sub === "/firewall" && method === "PUT") {
      firewall.set(id, (call.body as { rules: { type: string; value: string }[] }).rules);
      return json(204);
    }
    if (!sub && method === "GET") {
      const body = { database: view(cluster) };
      if (cluster.status[0] === "gone") clusters.delete(id);
      return json(200, body);
    }
    if (!sub && method === "DELETE") {
      cluster.status = ["gone"];
      return json(204);
    }
    return json(404, { id: "not_found", message: `${method} ${url.pathname} is not faked` });
  });
  return { url: api.url, calls, newest, clusters, firewall, close: api.close };
}

/**
 * The fork's address: a TCP gate to the PostgreSQL cluster that lets a connection through only while
 * `open()` says so (the fork's firewall admits this droplet), and counts the ones it turned away.
 */
async function gate(pgPort: number, open: () => boolean) {
  const sockets = new Set<Socket>();
  const stats = { through: 0, refused: 0 };
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (!open()) {
      stats.refused++;
      socket.destroy();
      return;
    }
    stats.through++;
    const upstream = createConnection({ host: "127.0.0.1", port: pgPort });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port, stats,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

describe("the drill, run for real: python3 against a fake DigitalOcean API, a real PostgreSQL as the fork", () => {
  let dir = "";
  let pg: PostgresFixture;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fullstack-do-drill-"));
    pg = new PostgresFixture(dir, { user: "shop", database: "shop" });
    await within(pg.start(), 60_000, "the PostgreSQL fixture");
    await pg.sql([
      "CREATE TABLE public.orders (id int PRIMARY KEY); INSERT INTO public.orders SELECT generate_series(1, 7);",
      "CREATE TABLE public.customers (id int PRIMARY KEY); INSERT INTO public.customers SELECT generate_series(1, 3);",
      "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int); INSERT INTO billing.invoices VALUES (1), (2);",
      "GRANT USAGE ON SCHEMA billing TO shop; GRANT SELECT ON ALL TABLES IN SCHEMA public, billing TO shop;",
    ].join("\n"), { database: "shop" });
  });
  afterAll(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fake API and the gate in front of the PostgreSQL cluster, open once the fork's firewall admits DROPLET_ID. */
  async function world(opts: { lagSeconds: number; leftover?: boolean; refuseCreate?: boolean }) {
    const held: { api?: Awaited<ReturnType<typeof fakeDigitalOcean>> } = {};
    const admitted = () => [...(held.api?.firewall.entries() ?? [])].some(([id, rules]) => id !== SOURCE_ID && held.api!.clusters.get(id)?.name === DRILL
      && rules.length === 1 && rules[0].type === "droplet" && rules[0].value === DROPLET_ID);
    const g = await gate(pg.pgPort, admitted);
    const api = await fakeDigitalOcean({ ...opts, gatePort: g.port });
    held.api = api;
    return { api, gate: g, close: async () => { await api.close(); await g.close(); } };
  }

  /** Renders the drill (its app env, token and checks moved into the temp dir) and runs it; bounded. */
  async function drill(apiUrl: string, probeSql?: string, apiToken = TOKEN): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const run = mkdtempSync(join(dir, "run-"));
    const appEnv = join(run, "app.env");
    // The app's own URLs as the adapter makes them (the pool's, and the cluster's own on 25060); the fixture trusts, TLS off here.
    writeFileSync(appEnv, [
      "# Rendered by fullstack-pulumi",
      `DATABASE_URL="postgresql://shop:pa%40ss@private-${SOURCE}-do-user-1-0.b.db.ondigitalocean.com:25061/shop-pool?sslmode=disable"`,
      `DATABASE_DIRECT_URL="postgresql://shop:pa%40ss@private-${SOURCE}-do-user-1-0.b.db.ondigitalocean.com:25060/shop?sslmode=disable"`,
      'SECRET_KEY="x\\"y"', "",
    ].join("\n"));
    const token = join(run, "token");
    writeFileSync(token, `${apiToken}\n`, { mode: 0o600 });
    const checks = join(run, "checks");
    writeFileSync(checks, renderRdsDrillChecks());
    chmodSync(checks, 0o755);
    const script = join(run, "drill.py");
    writeFileSync(script, renderDoDrillScript({ schedule: "weekly", database: SOURCE, region: "fra1", appName: "shop", apiToken: TOKEN, ...(probeSql ? { probeSql } : {}) }, { appEnv, checks, token }));
    const child = spawn("/usr/bin/python3", [script], {
      env: {
        PATH: "/usr/bin:/bin", HOME: run, LANG: "C.UTF-8", FULLSTACK_DRILL_POLL_SECONDS: "0.05",
        FULLSTACK_DO_API_URL: apiUrl, FULLSTACK_DO_METADATA_URL: `${apiUrl}/metadata/v1`,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
    const status = await within(new Promise<number | null>((resolve) => child.on("close", resolve)), 120_000, "the drill");
    return { status, stdout, stderr };
  }

  const deleted = (calls: Call[]) => calls.filter((c) => c.method === "DELETE").map((c) => c.path);
  const forkIds = (calls: Call[]) => calls.filter((c) => c.method === "POST").length;

  it("forks the newest backup into <source>-drill (the source's region, network, size; one node), admits this droplet only, checks, reports, deletes it", async () => {
    const w = await world({ lagSeconds: 300 });
    try {
      const started = Date.now();
      const run = await drill(w.api.url, "SELECT count(*) = 7 FROM public.orders");
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(w.api.calls.every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true);
      const posts = w.api.calls.filter((c) => c.method === "POST");
      expect(posts).toHaveLength(1);
      expect(posts[0].body).toEqual({
        name: DRILL, engine: "pg", version: "16", region: "fra1", size: "db-s-2vcpu-4gb", num_nodes: 1, private_network_uuid: VPC, storage_size_mib: 61440,
        backup_restore: { database_name: SOURCE, backup_created_at: w.api.newest.toISOString().replace(/\.\d+Z$/, "Z") },
        rules: [{ type: "droplet", value: DROPLET_ID }],
      });
      // The fork's firewall: this droplet only, put before any connection reached the database.
      const fork = [...w.api.clusters.values()].find((c) => c.name === DRILL)!;
      const put = w.api.calls.find((c) => c.method === "PUT")!;
      expect(put).toMatchObject({ path: `/v2/databases/${fork.id}/firewall`, body: { rules: [{ type: "droplet", value: DROPLET_ID }] } });
      expect(w.gate.stats).toEqual({ through: expect.any(Number) as number, refused: 0 });
      expect(w.gate.stats.through).toBeGreaterThan(0);
      expect(w.api.firewall.has(SOURCE_ID)).toBe(false);
      // The one report line, in the single box's format: what the heartbeat's and metrics' readers read.
      const report = run.stdout.split("\n").find((l) => l.startsWith("restore drill: ok;"))!;
      expect(report).toMatch(new RegExp(`^restore drill: ok; ${SOURCE} backup \\S+Z forked into ${DRILL}; data-loss window \\d+ s; restore \\d+ s; 3 tables, 12 rows; probe true$`));
      const [, window, restored] = DRILL_REPORT_NUMBERS.exec(report)!.map(Number);
      const elapsed = (Date.now() - started) / 1000;
      expect(window).toBeGreaterThanOrEqual(300);
      expect(window).toBeLessThanOrEqual(300 + elapsed + 1);
      expect(restored).toBeLessThanOrEqual(elapsed + 1);
      // Polled until online, then deleted: the fork and nothing else.
      expect(w.api.calls.filter((c) => c.method === "GET" && c.path === `/v2/databases/${fork.id}`).length).toBeGreaterThanOrEqual(3);
      expect(deleted(w.api.calls)).toEqual([`/v2/databases/${fork.id}`]);
      expect(w.api.clusters.has(SOURCE_ID)).toBe(true);
    } finally {
      await w.close();
    }
  });

  it("a probe that answers false fails the drill with its message, and the fork is still deleted", async () => {
    const w = await world({ lagSeconds: 60 });
    try {
      const run = await drill(w.api.url, "SELECT count(*) > 100 FROM public.orders");
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('restore drill: the probe query answered "f", not true: SELECT count(*) > 100 FROM public.orders');
      expect(run.stderr).toContain(`restore drill: a check on ${DRILL} failed`);
      expect(run.stdout).not.toContain("restore drill: ok");
      expect(deleted(w.api.calls)).toEqual(["/v2/databases/f0f0f0f0-0000-4000-8000-000000000001"]);
    } finally {
      await w.close();
    }
  });

  it("a fork left by a crashed run is deleted first (and waited for), found by its exact name; the near misses and the source are never deleted", async () => {
    const w = await world({ lagSeconds: 30, leftover: true });
    try {
      const run = await drill(w.api.url);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`restore drill: deleting ${DRILL} (1eff0000-0000-4000-8000-00000000d111) left by an earlier run`);
      const methods = w.api.calls.map((c) => c.method);
      expect(methods.indexOf("DELETE")).toBeLessThan(methods.indexOf("POST"));
      expect(deleted(w.api.calls)).toEqual(["/v2/databases/1eff0000-0000-4000-8000-00000000d111", "/v2/databases/f0f0f0f0-0000-4000-8000-000000000001"]);
      // What is left (the run's own fork is being deleted: the drill does not wait for it) is what was there before.
      expect([...w.api.clusters.values()].filter((c) => c.status[0] !== "gone").map((c) => c.name).sort()).toEqual([SOURCE, `${DRILL}-old`, "shop-prod-redis"]);
      expect(run.stdout).toMatch(/; 3 tables, 12 rows$/m);
    } finally {
      await w.close();
    }
  });

  it("a fork the API refuses fails the drill with the API's message; nothing is deleted, nothing connected", async () => {
    const w = await world({ lagSeconds: 30, refuseCreate: true });
    try {
      const run = await drill(w.api.url);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/restore drill: POST \/v2\/databases: HTTP 422 You have reached the limit of database clusters/);
      expect(run.stdout).not.toContain("restore drill: ok");
      expect(forkIds(w.api.calls)).toBe(1);
      expect(deleted(w.api.calls)).toEqual([]);
      expect(w.gate.stats).toEqual({ through: 0, refused: 0 });
    } finally {
      await w.close();
    }
  });

  it("a wrong token is refused by the API: the drill fails before it forks, and deletes nothing", async () => {
    const w = await world({ lagSeconds: 30 });
    try {
      const run = await drill(w.api.url, undefined, `dop_v1_${"0".repeat(64)}`);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^restore drill: GET \/v2\/databases: HTTP 401 Unable to authenticate you$/m);
      expect(w.api.calls.map((c) => c.method)).toEqual(["GET"]);
    } finally {
      await w.close();
    }
  });
});
