/**
 * The migrate script (renderMigrateScript, /etc/<app>/migrate.py) run for real: Debian's python3 and
 * psycopg2 against a throwaway PostgreSQL cluster, directly and through PgBouncer in transaction pooling
 * mode (DigitalOcean's managed pool). A fake `manage.py` stands in for `manage.py migrate`: it logs a
 * start and an end mark (CLOCK_MONOTONIC, comparable across processes) around a 1.5 s sleep, so runs
 * that overlap show in the log.
 *
 * The runs are made to contend for real, not by luck of timing: the first run's manage.py also waits for
 * a gate file, which the test creates only once PostgreSQL shows the other runs waiting for the lock
 * (or, when the lock is broken, once a second run has started). Controls run a copy of the script without
 * its lock line and must see overlapping runs, so the ordering assertions can fail.
 *
 * The script prefers psycopg 3 when it can import it: on a machine with python3-psycopg installed these
 * runs use psycopg 3 instead of psycopg2 (they pass with either).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationLockKey, renderMigrateScript } from "../provisioning/deploy";
import type { AppSpec } from "../provisioning/types";
import { readJsonLines } from "../harness/local";
import { PostgresFixture, waitFor, within } from "./postgresFixture";

const PYTHON = "/usr/bin/python3";
const TEST_TIMEOUT = 60_000;

const app = (name: string): AppSpec => ({
  name,
  repo: "https://git.example.com/shop.git",
  ref: "main",
  framework: "django",
  wsgiApp: "shop.wsgi:application",
  djangoSettingsModule: "shop.settings",
  requirementsFile: "requirements.txt",
  staticDir: "static",
  healthCheckPath: "/healthz",
  env: {},
  environment: {},
  gunicornVersion: "23.0.0",
});

const APP = app("shop");
const LOCK_KEY = migrationLockKey(APP.name);
const LOCK_LINE = 'cur.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))';

/** Stands in for `manage.py migrate`: marks its start and end in $FAKE_MIGRATE_LOG, one JSON line each. */
function fakeManagePy(exitCode: number): string {
  return [
    "import json, os, sys, time",
    "",
    "def mark(event):",
    "    line = json.dumps({'event': event, 'run': os.environ['FAKE_RUN'], 't': time.monotonic(), 'argv': sys.argv,",
    "                       'executable': sys.executable, 'cwd': os.getcwd()})",
    "    with open(os.environ['FAKE_MIGRATE_LOG'], 'a') as log:",
    "        log.write(line + '\\n')",
    "",
    "mark('start')",
    "time.sleep(1.5)",
    "gate = os.environ.get('FAKE_GATE')",
    "deadline = time.monotonic() + 60",
    "while gate and not os.path.exists(gate) and time.monotonic() < deadline:",
    "    time.sleep(0.05)",
    "mark('end')",
    `sys.exit(${exitCode})`,
    "",
  ].join("\n");
}

interface Mark {
  event: "start" | "end";
  run: string;
  t: number;
  argv: string[];
  executable: string;
  cwd: string;
}

const readMarks = (log: string): Mark[] => readJsonLines<Mark>(log);

const startsIn = (log: string) => readMarks(log).filter((m) => m.event === "start").map((m) => m.run);

interface Interval { run: string; start: number; end: number }

/** Each run's [start, end], ordered by start; throws if a run lacks a mark. */
function intervals(marks: Mark[]): Interval[] {
  const runs = [...new Set(marks.map((m) => m.run))];
  return runs.map((run) => {
    const start = marks.filter((m) => m.run === run && m.event === "start");
    const end = marks.filter((m) => m.run === run && m.event === "end");
    if (start.length !== 1 || end.length !== 1) throw new Error(`run ${run}: ${start.length} start and ${end.length} end marks`);
    return { run, start: start[0].t, end: end[0].t };
  }).sort((a, b) => a.start - b.start);
}

/** The runs that started before the run started just before them had ended. */
function overlaps(iv: Interval[]): string[] {
  return iv.slice(1).flatMap((b, i) => (b.start < iv[i].end
    ? [`${b.run} started ${(iv[i].end - b.start).toFixed(3)} s before ${iv[i].run} ended`] : []));
}

interface RunResult { run: string; code: number | null; signal: string | null; stdout: string; stderr: string }

let dir: string;
let db: PostgresFixture;
let script: string;
let okRelease: string;
let failRelease: string;
const children = new Set<ChildProcess>();

/** Runs the migrate script like the deploy script does: its python, in the release dir, with DATABASE_URL. */
function runScript(opts: {
  run: string; scriptPath: string; release: string; log: string; databaseUrl?: string; directUrl?: string; gate?: string; python?: string;
}): { child: ChildProcess; result: Promise<RunResult> } {
  const env: Record<string, string> = {
    PATH: "/usr/bin:/bin", LANG: "C.UTF-8", HOME: dir, FAKE_MIGRATE_LOG: opts.log, FAKE_RUN: opts.run,
  };
  if (opts.databaseUrl !== undefined) env.DATABASE_URL = opts.databaseUrl;
  if (opts.directUrl !== undefined) env.DATABASE_DIRECT_URL = opts.directUrl;
  if (opts.gate) env.FAKE_GATE = opts.gate;
  const child = spawn(opts.python ?? PYTHON, [opts.scriptPath], { cwd: opts.release, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<RunResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      children.delete(child);
      resolve({ run: opts.run, code, signal, stdout, stderr });
    });
  });
  return { child, result };
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

interface LockRow { granted: boolean; key: bigint }

/** The advisory locks PostgreSQL holds or waits for, seen on a connection of the test's own. */
async function advisoryLocks(): Promise<LockRow[]> {
  const out = await db.sql("SELECT granted, (classid::bigint << 32) | objid::bigint FROM pg_locks WHERE locktype = 'advisory'");
  return out ? out.split("\n").map((l) => {
    const [granted, key] = l.split("|");
    return { granted: granted === "t", key: BigInt(key) };
  }) : [];
}

const advisoryCount = async () => Number(await db.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));

/** Once the runs are over, no advisory lock is left (a closing backend may take a moment to go). */
async function expectNoAdvisoryLocks(): Promise<void> {
  await waitFor(async () => (await advisoryCount()) === 0, 15_000, "the advisory locks to go").catch(() => undefined);
  expect(await advisoryCount()).toBe(0);
}

function writeScript(name: string, text: string): string {
  const path = join(dir, "etc", name);
  writeFileSync(path, text);
  return path;
}

/**
 * Starts `n` runs at once, holds the first to reach manage.py at its gate until the others are seen
 * waiting for the lock (or have started too), then lets everything finish.
 */
async function contend(scriptPath: string, databaseUrl: string, tag: string, n = 3) {
  const log = join(dir, `${tag}.log`);
  const gate = join(dir, `${tag}.gate`);
  const runs = Array.from({ length: n }, (_v, i) =>
    runScript({ run: `${tag}-${i + 1}`, scriptPath, release: okRelease, log, databaseUrl, gate }));
  let snapshot: { locks: LockRow[]; marks: Mark[] } | undefined;
  try {
    await waitFor(async () => {
      const started = startsIn(log).length;
      if (started >= 2 || runs.some((r) => exited(r.child))) return true;
      if (started !== 1) return false;
      const locks = await advisoryLocks();
      if (locks.filter((l) => l.granted).length !== 1 || locks.filter((l) => !l.granted).length !== n - 1) return false;
      snapshot = { locks, marks: readMarks(log) };
      return true;
    }, 30_000, `${n} runs to contend for the lock`);
  } finally {
    writeFileSync(gate, "");
  }
  const results = await within(Promise.all(runs.map((r) => r.result)), 45_000, `${n} runs to finish`);
  return { results, marks: readMarks(log), snapshot };
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "migrate-lock-")));
  db = new PostgresFixture(dir, { pgbouncer: { poolMode: "transaction", poolSize: 5 } });
  mkdirSync(join(dir, "etc"));
  okRelease = join(dir, "release-ok");
  failRelease = join(dir, "release-fail");
  for (const [release, code] of [[okRelease, 0], [failRelease, 3]] as const) {
    mkdirSync(release);
    writeFileSync(join(release, "manage.py"), fakeManagePy(code));
  }
  script = renderMigrateScript(APP);
  writeScript("migrate.py", script);
  await db.start();
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await db?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const TARGETS = {
  "PostgreSQL directly": () => db.directUrl,
  "PgBouncer in transaction pooling mode": () => db.pooledUrl,
};

describe.each(Object.entries(TARGETS))("through %s", (label, url) => {
  const tag = label.startsWith("PgBouncer") ? "pooled" : "direct";

  test("three concurrent runs migrate one after another, each holding the advisory lock", async () => {
    const { results, marks, snapshot } = await contend(join(dir, "etc", "migrate.py"), url(), `${tag}-locked`);

    for (const r of results) {
      expect({ run: r.run, code: r.code, stderr: r.stderr }).toEqual({ run: r.run, code: 0, stderr: "" });
      expect(r.stdout).toBe("migrate: waiting for the migration lock\nmigrate: holding the migration lock\n");
    }
    // manage.py ran as `sys.executable manage.py migrate --noinput`, in the release dir.
    for (const m of marks) {
      expect({ argv: m.argv, executable: m.executable, cwd: m.cwd })
        .toEqual({ argv: ["manage.py", "migrate", "--noinput"], executable: PYTHON, cwd: okRelease });
    }
    const iv = intervals(marks);
    expect(iv).toHaveLength(3);
    expect(overlaps(iv)).toEqual([]);

    // While the first run was in manage.py, PostgreSQL held its lock (the app's key) and the other two waited.
    expect(snapshot).toBeDefined();
    expect(snapshot!.marks.map((m) => m.event)).toEqual(["start"]);
    expect(snapshot!.locks.filter((l) => l.granted).map((l) => l.key)).toEqual([LOCK_KEY]);
    expect(snapshot!.locks.filter((l) => !l.granted).map((l) => l.key)).toEqual([LOCK_KEY, LOCK_KEY]);
    await expectNoAdvisoryLocks();
  }, TEST_TIMEOUT);

  test("a failing migrate makes the script exit 3 and releases the lock for the next run", async () => {
    const log = join(dir, `${tag}-failing.log`);
    const gate = join(dir, `${tag}-failing.gate`);
    const scriptPath = join(dir, "etc", "migrate.py");
    const failing = runScript({ run: "failing", scriptPath, release: failRelease, log, databaseUrl: url(), gate });
    let next: ReturnType<typeof runScript> | undefined;
    try {
      await waitFor(() => startsIn(log).includes("failing") || exited(failing.child), 30_000, "the failing run to reach manage.py");
      next = runScript({ run: "next", scriptPath, release: okRelease, log, databaseUrl: url() });
      const waiting = next;
      await waitFor(async () => startsIn(log).includes("next") || exited(waiting.child)
        || (await advisoryLocks()).some((l) => !l.granted), 30_000, "the next run to wait for the lock");
    } finally {
      writeFileSync(gate, "");
    }
    const failed = await within(failing.result, 30_000, "the failing run to exit");
    expect({ code: failed.code, stderr: failed.stderr }).toEqual({ code: 3, stderr: "" });
    expect(failed.stdout).toContain("migrate: holding the migration lock\n");
    const ok = await within(next.result, 30_000, "the next run to get the lock after the failed one");
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: "" });

    const iv = intervals(readMarks(log));
    expect(iv.map((i) => i.run)).toEqual(["failing", "next"]);
    expect(overlaps(iv)).toEqual([]);
    await expectNoAdvisoryLocks();
  }, TEST_TIMEOUT);

  test("control: a copy of the script without its lock line lets the runs overlap", async () => {
    const unlocked = script.replace(LOCK_LINE, 'cur.execute("SELECT 1")');
    expect(unlocked).not.toBe(script);
    const { results, marks } = await contend(writeScript(`migrate-unlocked-${tag}.py`, unlocked), url(), `${tag}-unlocked`);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(overlaps(intervals(marks))).not.toEqual([]);
    await expectNoAdvisoryLocks();
  }, TEST_TIMEOUT);
});

test("PgBouncer really pools by transaction: clients share a server connection, except inside a transaction", async () => {
  const probe = [
    "import sys, psycopg2",
    "def pid(conn):",
    "    with conn.cursor() as cur:",
    "        cur.execute('SELECT pg_backend_pid()')",
    "        return cur.fetchone()[0]",
    "a, b = psycopg2.connect(sys.argv[1]), psycopg2.connect(sys.argv[1])",
    "a.autocommit = b.autocommit = True",
    "shared = pid(a) == pid(b)",
    "a.autocommit = False",
    "held = pid(a)  # opens a transaction, which keeps its server connection",
    "print(shared, held == pid(b), held == pid(a))",
  ].join("\n");
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    let out = "";
    let err = "";
    const child = spawn(PYTHON, ["-c", probe, db.pooledUrl], { env: { PATH: "/usr/bin:/bin" } });
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve({ stdout: out }) : reject(new Error(`probe exited ${code}: ${err}`))));
  });
  expect(stdout.trim()).toBe("True False True");
}, TEST_TIMEOUT);

test("without a PostgreSQL DATABASE_URL or a driver it still runs manage.py, without the lock, and says so", async () => {
  // A virtualenv without psycopg: the deploy script's <release>/.venv/bin/python, for an app lacking a driver.
  const venv = join(dir, "venv-nodriver");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(PYTHON, ["-m", "venv", "--without-pip", venv], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`python3 -m venv exited ${code}: ${err}`))));
  });
  const cases = [
    { run: "sqlite", databaseUrl: "sqlite:///x", python: PYTHON },
    { run: "unset", databaseUrl: undefined, python: PYTHON },
    { run: "no-driver", databaseUrl: db.directUrl, python: join(venv, "bin", "python") },
  ];
  const log = join(dir, "nolock.log");
  const results = await within(Promise.all(cases.map((c) =>
    runScript({ ...c, scriptPath: join(dir, "etc", "migrate.py"), release: okRelease, log }).result)), 45_000, "the runs to finish");
  for (const r of results) {
    expect({ run: r.run, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
      run: r.run, code: 0, stderr: "",
      stdout: "migrate: no PostgreSQL DATABASE_URL or driver (psycopg, psycopg2): migrating without the lock\n",
    });
  }
  const marks = readMarks(log);
  for (const c of cases) {
    const mine = marks.filter((m) => m.run === c.run);
    expect(mine.map((m) => m.event)).toEqual(["start", "end"]);
    expect(mine[0]).toMatchObject({ argv: ["manage.py", "migrate", "--noinput"], executable: c.python, cwd: okRelease });
  }
  expect(await advisoryCount()).toBe(0);
}, TEST_TIMEOUT);

test("the lock key is per app, stable and a signed 64-bit integer", () => {
  const names = ["shop", "blog", "a", "shop-staging", "x".repeat(60)];
  const keys = names.map(migrationLockKey);
  expect(new Set(keys).size).toBe(names.length);
  for (const key of keys) {
    expect(key >= -(2n ** 63n) && key <= 2n ** 63n - 1n).toBe(true);
  }
  expect(migrationLockKey("shop")).toBe(migrationLockKey("shop"));
  expect(script).toContain(`\nLOCK_KEY = ${LOCK_KEY}\n`);
  expect(script.split(LOCK_LINE)).toHaveLength(2);
});

/**
 * Whatever ends idle transactions would end the lock with it, mid-migration: PostgreSQL's
 * idle_in_transaction_session_timeout (server, database or role setting) or PgBouncer's
 * idle_transaction_timeout. The script sets the first to 0 for its transaction and touches the
 * transaction every half second while manage.py runs. These tests hold the first run in manage.py for
 * up to 6 s, well past a 1 s timeout, and expect the runs not to overlap.
 */
async function firstHeldPastTimeout(databaseUrl: string, tag: string) {
  const log = join(dir, `${tag}.log`);
  const gate = join(dir, `${tag}.gate`);
  const runs = ["first", "second"].map((run) =>
    runScript({ run, scriptPath: join(dir, "etc", "migrate.py"), release: okRelease, log, databaseUrl, gate }));
  try {
    await waitFor(() => startsIn(log).length >= 2 || runs.some((r) => exited(r.child)), 6_000, "a second run to start")
      .catch(() => undefined);
  } finally {
    writeFileSync(gate, "");
  }
  const results = await within(Promise.all(runs.map((r) => r.result)), 45_000, "the runs to finish");
  return { results, marks: readMarks(log) };
}

test("the lock holds past PostgreSQL's idle_in_transaction_session_timeout", async () => {
  await db.sql(`ALTER ROLE ${db.user} SET idle_in_transaction_session_timeout = '1s'`);
  try {
    const { results, marks } = await firstHeldPastTimeout(db.directUrl, "server-idle-timeout");
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(overlaps(intervals(marks))).toEqual([]);
  } finally {
    await db.sql(`ALTER ROLE ${db.user} RESET idle_in_transaction_session_timeout`);
  }
}, TEST_TIMEOUT);

test("the lock holds past PgBouncer's idle_transaction_timeout", async () => {
  await db.bouncerAdmin("SET idle_transaction_timeout = 1");
  try {
    const { results, marks } = await firstHeldPastTimeout(db.pooledUrl, "pooler-idle-timeout");
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(overlaps(intervals(marks))).toEqual([]);
  } finally {
    await db.bouncerAdmin("SET idle_transaction_timeout = 0");
  }
}, TEST_TIMEOUT);

test("takes the lock on DATABASE_DIRECT_URL when the app has one, not through the pool", async () => {
  const log = join(dir, "direct-preferred.log");
  // DATABASE_URL points nowhere: a script that locked through it could not connect at all.
  const run = runScript({
    run: "direct", scriptPath: join(dir, "etc", "migrate.py"), release: okRelease, log,
    databaseUrl: "postgresql://nobody:nothing@127.0.0.1:9/none", directUrl: db.directUrl,
  });
  const result = await within(run.result, 45_000, "the run to finish");
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("holding the migration lock");
  expect(readMarks(log).map((m) => m.event)).toEqual(["start", "end"]);
}, TEST_TIMEOUT);

test("fails the deploy, loudly, when the lock is lost while migrate runs", async () => {
  const log = join(dir, "lost.log");
  const gate = join(dir, "lost.gate");
  const run = runScript({ run: "lost", scriptPath: join(dir, "etc", "migrate.py"), release: okRelease, log, databaseUrl: db.directUrl, gate });
  try {
    await waitFor(() => startsIn(log).length >= 1, 20_000, "manage.py to start");
    // An operator (or a failover) ends the lock's connection while manage.py runs.
    await db.sql(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted`);
    // manage.py keeps running (it waits for the gate) while the script's keepalive finds the lock gone.
    await new Promise((done) => setTimeout(done, 1_500));
  } finally {
    writeFileSync(gate, "");
  }
  const result = await within(run.result, 45_000, "the run to finish");
  expect(result.stdout).toContain("LOST the migration lock");
  expect(result.code).not.toBe(0);
  expect(readMarks(log).map((m) => m.event)).toEqual(["start", "end"]);
}, TEST_TIMEOUT);
