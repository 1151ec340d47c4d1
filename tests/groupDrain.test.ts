/**
 * The AWS group drain script (renderDrainScript, /usr/local/sbin/fullstack-group-drain) run for real:
 * Debian's python3 against
 * - a fake instance metadata service (IMDSv2) on 127.0.0.1, reached through
 *   AWS_EC2_METADATA_SERVICE_ENDPOINT as the AWS SDKs do: a token PUT that requires the TTL header, GETs
 *   refused with 401 unless they carry a token it issued, `autoscaling/target-lifecycle-state` as the
 *   test sets it and `instance-id`;
 * - a stub `boto3` package on PYTHONPATH whose autoscaling client logs every call (name, keyword
 *   arguments, region) and answers `describe_auto_scaling_instances` with a group;
 * - a fake `systemctl` first on PATH that logs its arguments and takes 1 s to `stop` (the worker's warm
 *   shutdown).
 * The stubs and the fake systemctl log JSON lines, with CLOCK_MONOTONIC times (comparable across
 * processes), to one file per run, so its order is the order things happened in.
 *
 * The two long runs (a server kept in service, then let go; a metadata service failing for a while) poll
 * every 5 s as on a server, so they start together in beforeAll and the tests await them. Controls run
 * copies of the script broken in one place each (no waiting, complete before stop, stop not awaited, a
 * different result, no token header, no error handling) and must make the matching check fail.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { readJsonLines } from "../harness/local";
import { awsAdapter } from "../clouds/aws";
import { DRAIN_HOOK, DRAIN_SCRIPT, DRAIN_UNIT, renderDrainScript } from "../provisioning";
import { waitFor, within } from "./postgresFixture";

const PYTHON = "/usr/bin/python3";
const REGION = "eu-central-1";
const UNIT = "shop-worker.service";
const GROUP = "shop-worker-group-4f2a9c1";
const INSTANCE = "i-0a1b2c3d4e5f67890";
const TOKEN_PATH = "/latest/api/token";
const STATE_PATH = "/latest/meta-data/autoscaling/target-lifecycle-state";
const INSTANCE_PATH = "/latest/meta-data/instance-id";
/** The script polls every 5 s: a run of three polls and a 1 s stop takes about 11 s, more on a busy machine. */
const RUN_TIMEOUT = 60_000;
/** Tests wait this long for the runs beforeAll started, within their own timeout. */
const AWAIT_TIMEOUT = 80_000;
const TEST_TIMEOUT = 90_000;

const script = renderDrainScript(REGION, [UNIT]);

// ---------------------------------------------------------------------------------------------------
// The fake instance metadata service.

interface ImdsRequest {
  method: string;
  path: string;
  /** The X-aws-ec2-metadata-token-ttl-seconds header, on a token PUT. */
  ttl?: string;
  /** The X-aws-ec2-metadata-token header. */
  token?: string;
  status: number;
  body: string;
}

/** IMDSv2 as on an instance with `HttpTokens: required`, answering what the test sets. */
class FakeImds {
  state = "InService";
  /** Requests for which this is true are answered 500 (the token PUT included). */
  fail: (r: { method: string; path: string }) => boolean = () => false;
  readonly requests: ImdsRequest[] = [];
  private readonly tokens = new Set<string>();
  private readonly server: Server;
  endpoint = "";

  private constructor() {
    this.server = createServer((req, res) => {
      req.resume();
      req.once("end", () => this.answer(req, res));
    });
  }

  static async start(): Promise<FakeImds> {
    const imds = new FakeImds();
    await new Promise<void>((resolve, reject) => {
      imds.server.once("error", reject);
      imds.server.listen(0, "127.0.0.1", () => resolve());
    });
    imds.endpoint = `http://127.0.0.1:${(imds.server.address() as AddressInfo).port}`;
    servers.add(imds);
    return imds;
  }

  close(): Promise<void> {
    servers.delete(this);
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? "";
    const path = req.url ?? "";
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === "string" ? v : undefined;
    };
    const ttl = header("x-aws-ec2-metadata-token-ttl-seconds");
    const token = header("x-aws-ec2-metadata-token");
    const reply = (status: number, body: string) => {
      this.requests.push({ method, path, ttl, token, status, body });
      res.writeHead(status, { "Content-Type": "text/plain" });
      res.end(body);
    };
    if (this.fail({ method, path })) return reply(500, "");
    if (path === TOKEN_PATH) {
      if (method !== "PUT") return reply(405, "");
      const seconds = Number(ttl);
      if (ttl === undefined || !Number.isInteger(seconds) || seconds < 1 || seconds > 21600) return reply(400, "");
      const issued = `AQAEA${randomUUID()}==`;
      this.tokens.add(issued);
      return reply(200, issued);
    }
    if (method !== "GET") return reply(405, "");
    if (token === undefined || !this.tokens.has(token)) return reply(401, "");
    if (path === STATE_PATH) return reply(200, this.state);
    if (path === INSTANCE_PATH) return reply(200, INSTANCE);
    return reply(404, "");
  }
}

/** What the script asked the metadata service that IMDSv2 would refuse. */
function imdsProblems(requests: readonly ImdsRequest[]): string[] {
  return requests.flatMap((r) => {
    if (r.method === "PUT" && r.ttl === undefined) return [`PUT ${r.path} without a token TTL`];
    if (r.status === 401) return [`${r.method} ${r.path} ${r.token === undefined ? "without a token" : "with a token never issued"}`];
    return [];
  });
}

const stateReads = (imds: FakeImds) => imds.requests.filter((r) => r.method === "GET" && r.path === STATE_PATH);

function call(endpoint: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}${path}`, { method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------------
// The stubs and the runs.

/** Logs one JSON line per call to $DRAIN_EVENTS. */
const BOTO3_STUB = [
  "import json, os, time",
  "",
  "def _log(event):",
  "    event['t'] = time.monotonic()",
  "    with open(os.environ['DRAIN_EVENTS'], 'a') as log:",
  "        log.write(json.dumps(event) + '\\n')",
  "",
  "class _AutoScaling:",
  "    def __init__(self, region):",
  "        self.region = region",
  "",
  "    def describe_auto_scaling_instances(self, **kwargs):",
  "        _log({'who': 'boto3', 'call': 'describe_auto_scaling_instances', 'kwargs': kwargs, 'region': self.region})",
  "        return {'AutoScalingInstances': [{'InstanceId': i, 'AutoScalingGroupName': os.environ['STUB_GROUP'],",
  "                                          'LifecycleState': 'Terminating:Wait'} for i in kwargs.get('InstanceIds', [])]}",
  "",
  "    def record_lifecycle_action_heartbeat(self, **kwargs):",
  "        _log({'who': 'boto3', 'call': 'record_lifecycle_action_heartbeat', 'kwargs': kwargs, 'region': self.region})",
  "        return {}",
  "",
  "    def complete_lifecycle_action(self, **kwargs):",
  "        _log({'who': 'boto3', 'call': 'complete_lifecycle_action', 'kwargs': kwargs, 'region': self.region})",
  "        return {}",
  "",
  "def client(service_name, region_name=None, **kwargs):",
  "    _log({'who': 'boto3', 'call': 'client', 'kwargs': dict(kwargs, service_name=service_name), 'region': region_name})",
  "    if service_name != 'autoscaling':",
  "        raise ValueError('the stub only has an autoscaling client, not ' + service_name)",
  "    return _AutoScaling(region_name)",
  "",
].join("\n");

/** Logs its start and end to $DRAIN_EVENTS; `stop` takes $FAKE_STOP_SECONDS (1 s), as a worker's warm shutdown takes a while. */
const FAKE_SYSTEMCTL = [
  "#!/usr/bin/python3",
  "import json, os, sys, time",
  "",
  "def log(phase):",
  "    with open(os.environ['DRAIN_EVENTS'], 'a') as out:",
  "        out.write(json.dumps({'who': 'systemctl', 'phase': phase, 'argv': sys.argv[1:], 'pid': os.getpid(), 't': time.monotonic()}) + '\\n')",
  "",
  "log('start')",
  "if sys.argv[1:2] == ['stop']:",
  "    time.sleep(float(os.environ.get('FAKE_STOP_SECONDS', '1')))",
  "log('end')",
  "",
].join("\n");

type DrainEvent =
  | { who: "systemctl"; phase: "start" | "end"; argv: string[]; pid: number; t: number }
  | { who: "boto3"; call: string; kwargs: Record<string, unknown>; region: string | null; t: number };

interface Exit { code: number | null; signal: string | null }

interface DrainRun {
  child: ChildProcess;
  exit: Promise<Exit>;
  /** What it printed, stdout and stderr. */
  output(): string;
  events(): DrainEvent[];
  exited(): boolean;
}

let dir: string;
const runs = new Set<ChildProcess>();
/** The runs beforeAll starts, which outlive single tests. */
const longRuns = new Set<ChildProcess>();
const servers = new Set<FakeImds>();

/** Runs a (copy of the) drain script as its unit would, with the fakes. */
function startDrain(name: string, text: string, imds: FakeImds, long = false, extraEnv: Record<string, string> = {}): DrainRun {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o755 });
  const log = join(dir, `${name}.events`);
  const child = spawn(PYTHON, [path], {
    cwd: dir,
    env: {
      PATH: `${join(dir, "bin")}:/usr/bin:/bin`, PYTHONPATH: join(dir, "stubs"), PYTHONDONTWRITEBYTECODE: "1", LANG: "C.UTF-8",
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint, DRAIN_EVENTS: log, STUB_GROUP: GROUP, ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  runs.add(child);
  if (long) longRuns.add(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exit = new Promise<Exit>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      runs.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child, exit,
    output: () => output,
    events: () => readJsonLines<DrainEvent>(log),
    exited: () => child.exitCode !== null || child.signalCode !== null,
  };
}

/**
 * What is wrong with how the script left the group: it must run `systemctl stop <unit>` once, and only
 * once that has returned complete the hook (with the hook's name, the group describe named, the
 * instance's id, CONTINUE, in the region), having found the group by the instance's id.
 */
function leaveProblems(events: readonly DrainEvent[]): string[] {
  const problems: string[] = [];
  const systemctl = events.filter((e) => e.who === "systemctl");
  const starts = systemctl.filter((e) => e.phase === "start").map((e) => e.argv);
  if (!isDeepStrictEqual(starts, [["stop", UNIT]])) problems.push(`systemctl ran as ${JSON.stringify(starts)}, not once as stop ${UNIT}`);
  const stopped = events.findIndex((e) => e.who === "systemctl" && e.phase === "end" && e.argv[0] === "stop");
  const calls = (name: string) => events.flatMap((e, i) => (e.who === "boto3" && e.call === name ? [{ e, i }] : []));

  const describes = calls("describe_auto_scaling_instances");
  if (describes.length !== 1) problems.push(`describe_auto_scaling_instances called ${describes.length} times`);
  for (const { e } of describes) {
    if (!isDeepStrictEqual(e.kwargs, { InstanceIds: [INSTANCE] })) problems.push(`describe_auto_scaling_instances(${JSON.stringify(e.kwargs)})`);
    if (e.region !== REGION) problems.push(`describe_auto_scaling_instances in ${e.region}`);
  }
  const completes = calls("complete_lifecycle_action");
  if (completes.length !== 1) problems.push(`complete_lifecycle_action called ${completes.length} times`);
  for (const { e, i } of completes) {
    const expected = { LifecycleHookName: DRAIN_HOOK, AutoScalingGroupName: GROUP, InstanceId: INSTANCE, LifecycleActionResult: "CONTINUE" };
    if (!isDeepStrictEqual(e.kwargs, expected)) problems.push(`complete_lifecycle_action(${JSON.stringify(e.kwargs)})`);
    if (e.region !== REGION) problems.push(`complete_lifecycle_action in ${e.region}`);
    if (stopped < 0 || i < stopped || e.t < events[stopped].t) problems.push("complete_lifecycle_action before systemctl stop returned");
  }
  return problems;
}

interface Snapshot { events: DrainEvent[]; requests: ImdsRequest[]; exited: boolean; output: string }

const snapshot = (run: DrainRun, imds: FakeImds): Snapshot =>
  ({ events: run.events(), requests: [...imds.requests], exited: run.exited(), output: run.output() });

interface Outcome { whileWaiting: Snapshot; exit: Exit; events: DrainEvent[]; requests: ImdsRequest[]; output: string }

/** The server stays in service for two polls, then the group lets it go. */
async function keptThenLetGo(name: string, text: string, long = false): Promise<Outcome> {
  const imds = await FakeImds.start();
  try {
    const run = startDrain(name, text, imds, long);
    await waitFor(() => stateReads(imds).length >= 2 || run.exited(), RUN_TIMEOUT, `${name}: two polls while in service`);
    const whileWaiting = snapshot(run, imds);
    imds.state = "Terminated";
    const exit = await within(run.exit, RUN_TIMEOUT, `${name}: the script to leave the group`);
    return { whileWaiting, exit, events: run.events(), requests: [...imds.requests], output: run.output() };
  } finally {
    await imds.close();
  }
}

/** The metadata service fails the first poll's token PUT, then the second poll's read; then the group lets the server go. */
async function failingThenLetGo(name: string, text: string, long = false): Promise<Outcome> {
  const imds = await FakeImds.start();
  try {
    imds.fail = (r) => r.method === "PUT";
    const run = startDrain(name, text, imds, long);
    const failed = (method: string, path: string) => imds.requests.some((r) => r.status === 500 && r.method === method && r.path === path);
    await waitFor(() => failed("PUT", TOKEN_PATH) || run.exited(), RUN_TIMEOUT, `${name}: a failed token request`);
    imds.fail = (r) => r.path === STATE_PATH;
    await waitFor(() => failed("GET", STATE_PATH) || run.exited(), RUN_TIMEOUT, `${name}: a failed state read`);
    const whileWaiting = snapshot(run, imds);
    imds.fail = () => false;
    imds.state = "Terminated";
    const exit = await within(run.exit, RUN_TIMEOUT, `${name}: the script to leave the group`);
    return { whileWaiting, exit, events: run.events(), requests: [...imds.requests], output: run.output() };
  } finally {
    await imds.close();
  }
}

/** A copy of the script with `from` replaced (which must occur). */
function broken(from: string, to: string): string {
  const text = script.replace(from, to);
  expect(text).not.toBe(script);
  return text;
}

/** Marks a promise handled now (a test awaits it later), so an early failure is not an unhandled rejection. */
function later<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

let kept: Promise<Outcome>;
let failing: Promise<Outcome>;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "group-drain-")));
  mkdirSync(join(dir, "bin"));
  mkdirSync(join(dir, "stubs", "boto3"), { recursive: true });
  writeFileSync(join(dir, "bin", "systemctl"), FAKE_SYSTEMCTL);
  chmodSync(join(dir, "bin", "systemctl"), 0o755);
  writeFileSync(join(dir, "stubs", "boto3", "__init__.py"), BOTO3_STUB);
  kept = later(keptThenLetGo("kept", script, true));
  failing = later(failingThenLetGo("failing", script, true));
});

afterEach(() => {
  for (const child of runs) if (!longRuns.has(child)) child.kill("SIGKILL");
});

afterAll(async () => {
  // The long runs may still be going if a test failed early: once killed, they end at once.
  for (const child of runs) child.kill("SIGKILL");
  await Promise.allSettled([kept, failing]);
  await Promise.all([...servers].map((s) => s.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
}, TEST_TIMEOUT);

// ---------------------------------------------------------------------------------------------------

test("a group's worker gets the script, executable, and a unit that runs it, enabled and started at boot", () => {
  const part = awsAdapter.groupMemberPart!({ name: "g", region: REGION }, { units: ["a.service"], stopSeconds: 930 });
  const file = (path: string) => part.writeFiles?.find((f) => f.path === path);
  expect(file(DRAIN_SCRIPT)).toMatchObject({ permissions: "0755", content: renderDrainScript(REGION, ["a.service"]) });
  expect(file(DRAIN_SCRIPT)!.content.startsWith(`#!${PYTHON}\n`)).toBe(true);
  const unit = file(`/etc/systemd/system/${DRAIN_UNIT}`);
  expect(unit?.content).toMatch(new RegExp(`^ExecStart=${DRAIN_SCRIPT}$`, "m"));
  expect(unit?.content).toMatch(/^WantedBy=multi-user\.target$/m);
  expect(part.packages).toContain("python3-boto3");
  const runcmd = (part.runcmd ?? []).map((c) => (typeof c === "string" ? c : c.join(" ")));
  const enable = runcmd.indexOf(`systemctl enable --now ${DRAIN_UNIT}`);
  expect(enable).toBeGreaterThanOrEqual(0);
  expect(runcmd.indexOf("systemctl daemon-reload")).toBeLessThan(enable);
  expect(runcmd.indexOf("systemctl daemon-reload")).toBeGreaterThanOrEqual(0);
});

test("the fake metadata service is IMDSv2: reads need a token it issued, a token needs a TTL", async () => {
  const imds = await FakeImds.start();
  try {
    expect(await call(imds.endpoint, "GET", STATE_PATH)).toEqual({ status: 401, body: "" });
    expect(await call(imds.endpoint, "GET", STATE_PATH, { "X-aws-ec2-metadata-token": "forged" })).toEqual({ status: 401, body: "" });
    expect((await call(imds.endpoint, "PUT", TOKEN_PATH)).status).toBe(400);
    const token = await call(imds.endpoint, "PUT", TOKEN_PATH, { "X-aws-ec2-metadata-token-ttl-seconds": "60" });
    expect(token.status).toBe(200);
    expect(await call(imds.endpoint, "GET", STATE_PATH, { "X-aws-ec2-metadata-token": token.body })).toEqual({ status: 200, body: "InService" });
    expect(await call(imds.endpoint, "GET", INSTANCE_PATH, { "X-aws-ec2-metadata-token": token.body })).toEqual({ status: 200, body: INSTANCE });
    expect(imdsProblems(imds.requests)).toEqual([
      `GET ${STATE_PATH} without a token`, `GET ${STATE_PATH} with a token never issued`, `PUT ${TOKEN_PATH} without a token TTL`,
    ]);
  } finally {
    await imds.close();
  }
});

describe("a worker the group keeps, then lets go", () => {
  test("while the group keeps it in service, it keeps polling and stops or calls nothing", async () => {
    const { whileWaiting } = await within(kept, AWAIT_TIMEOUT, "the run");
    expect(whileWaiting.exited).toBe(false);
    expect(whileWaiting.events).toEqual([]);
    const reads = whileWaiting.requests.filter((r) => r.method === "GET");
    expect(reads.map((r) => [r.path, r.status, r.body])).toEqual([[STATE_PATH, 200, "InService"], [STATE_PATH, 200, "InService"]]);
    expect(whileWaiting.output).toBe("");
  }, TEST_TIMEOUT);

  test("once it is to be terminated, it stops the worker and only then completes the hook, and exits 0", async () => {
    const { exit, events, output } = await within(kept, AWAIT_TIMEOUT, "the run");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(leaveProblems(events)).toEqual([]);
    // In full: the stop (1 s), then the stub's calls.
    expect(events.map((e) => (e.who === "systemctl" ? `systemctl ${e.phase} ${e.argv.join(" ")}` : `boto3 ${e.call}`))).toEqual([
      `systemctl start stop ${UNIT}`, `systemctl end stop ${UNIT}`,
      "boto3 client", "boto3 describe_auto_scaling_instances", "boto3 complete_lifecycle_action",
    ]);
    const client = events.find((e) => e.who === "boto3" && e.call === "client");
    expect(client).toMatchObject({ kwargs: { service_name: "autoscaling" }, region: REGION });
    expect(output).toBe([
      `group-drain: leaving the group: stopping ${UNIT}`,
      "group-drain: services stopped (systemctl exit 0); termination goes on",
      "",
    ].join("\n"));
  }, TEST_TIMEOUT);

  test("it uses IMDSv2: every read carries a token the service issued, every token request a TTL", async () => {
    const { requests } = await within(kept, AWAIT_TIMEOUT, "the run");
    expect(imdsProblems(requests)).toEqual([]);
    expect(requests.filter((r) => r.method === "PUT").every((r) => r.path === TOKEN_PATH && r.status === 200)).toBe(true);
    const reads = requests.filter((r) => r.method === "GET");
    expect(reads.length).toBeGreaterThanOrEqual(4);
    expect(reads.every((r) => r.status === 200)).toBe(true);
    // The lifecycle state until it said Terminated, then the instance's id.
    expect(reads.slice(-2).map((r) => [r.path, r.body])).toEqual([[STATE_PATH, "Terminated"], [INSTANCE_PATH, INSTANCE]]);
  }, TEST_TIMEOUT);
});

test("a metadata service that fails for a while does not stop it: it keeps polling, then leaves as usual", async () => {
  const { whileWaiting, exit, events, requests, output } = await within(failing, AWAIT_TIMEOUT, "the run");
  // After a failed token request and a failed read: still running, nothing stopped or called.
  expect(whileWaiting.exited).toBe(false);
  expect(whileWaiting.events).toEqual([]);
  expect(whileWaiting.requests.filter((r) => r.status === 500).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${TOKEN_PATH}`, `GET ${STATE_PATH}`]);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(leaveProblems(events)).toEqual([]);
  expect(imdsProblems(requests)).toEqual([]);
  expect(output).toBe([
    "group-drain: HTTP Error 500: Internal Server Error",
    "group-drain: HTTP Error 500: Internal Server Error",
    `group-drain: leaving the group: stopping ${UNIT}`,
    "group-drain: services stopped (systemctl exit 0); termination goes on",
    "",
  ].join("\n"));
}, TEST_TIMEOUT);

describe("controls: copies of the script broken in one place fail the matching check", () => {
  test("a copy that does not wait for the termination stops the worker while the group keeps it", async () => {
    const eager = broken("metadata('autoscaling/target-lifecycle-state') == 'Terminated'", "metadata('autoscaling/target-lifecycle-state') != 'Terminated'");
    const { whileWaiting } = await keptThenLetGo("eager", eager);
    expect(whileWaiting.events).not.toEqual([]);
  }, TEST_TIMEOUT);

  test("a copy that completes the hook before it stops the worker", async () => {
    const stopLine = "    stopped = subprocess.call(['systemctl', 'stop', *UNITS])\n";
    const reordered = broken(stopLine, "").replace("    print(f'group-drain: services stopped", `${stopLine}    print(f'group-drain: services stopped`);
    expect(reordered.split(stopLine)).toHaveLength(2);
    const { exit, events } = await terminatedAtOnce("reordered", reordered);
    expect(exit.code).toBe(0);
    expect(leaveProblems(events)).toEqual(["complete_lifecycle_action before systemctl stop returned"]);
  }, TEST_TIMEOUT);

  test("a copy that starts the stop but does not wait for it to return", async () => {
    const { exit, events } = await terminatedAtOnce("unawaited", broken("subprocess.call(", "subprocess.Popen("));
    expect(exit.code).toBe(0);
    expect(leaveProblems(events)).toEqual(["complete_lifecycle_action before systemctl stop returned"]);
  }, TEST_TIMEOUT);

  test("a copy that completes the hook with another result", async () => {
    const { events } = await terminatedAtOnce("abandon", broken("LifecycleActionResult='CONTINUE'", "LifecycleActionResult='ABANDON'"));
    expect(leaveProblems(events)).toEqual([expect.stringContaining('"LifecycleActionResult":"ABANDON"')]);
  }, TEST_TIMEOUT);

  test("a copy that sends no token is refused, and never leaves", async () => {
    const imds = await FakeImds.start();
    try {
      imds.state = "Terminated";
      const run = startDrain("tokenless", broken("headers={'X-aws-ec2-metadata-token': token}", "headers={}"), imds);
      await waitFor(() => run.output().includes("\n") || run.exited(), RUN_TIMEOUT, "the first poll");
      expect(run.output()).toBe("group-drain: HTTP Error 401: Unauthorized\n");
      expect(imdsProblems(imds.requests)).toEqual([`GET ${STATE_PATH} without a token`]);
      expect(run.exited()).toBe(false);
      expect(run.events()).toEqual([]);
    } finally {
      await imds.close();
    }
  }, TEST_TIMEOUT);

  test("a copy without its error handling dies at the first failure", async () => {
    const fragile = broken("except Exception as err:  # the metadata service", "except ValueError as err:  # the metadata service");
    const { whileWaiting, exit, events } = await failingThenLetGo("fragile", fragile);
    expect(whileWaiting.exited).toBe(true);
    expect(exit.code).toBe(1);
    expect(events).toEqual([]);
  }, TEST_TIMEOUT);
});

/** Runs a copy whose group already lets the server go, and waits for any stop it left running to end. */
async function terminatedAtOnce(name: string, text: string): Promise<{ exit: Exit; events: DrainEvent[] }> {
  const imds = await FakeImds.start();
  try {
    imds.state = "Terminated";
    const run = startDrain(name, text, imds);
    const exit = await within(run.exit, RUN_TIMEOUT, `${name}: the script to exit`);
    // A stop the script did not wait for may still be going (or not have begun): give it time to end.
    const phases = (phase: string) => run.events().filter((e) => e.who === "systemctl" && e.phase === phase).length;
    await waitFor(() => phases("end") > 0 && phases("start") === phases("end"), 10_000, `${name}: systemctl to return`).catch(() => undefined);
    return { exit, events: run.events() };
  } finally {
    await imds.close();
  }
}

test("a stop that outlasts the heartbeat interval keeps the hook alive with heartbeats, then completes it", async () => {
  // The rendered interval is minutes; this copy beats every second while the fake stop takes 3.5 s.
  expect(script).toMatch(/^HEARTBEAT_SECONDS = \d+$/m);
  const text = script.replace(/^HEARTBEAT_SECONDS = \d+$/m, "HEARTBEAT_SECONDS = 1");
  const imds = await FakeImds.start();
  try {
    imds.state = "Terminated";
    const run = startDrain("heartbeats", text, imds, false, { FAKE_STOP_SECONDS: "3.5" });
    const exit = await within(run.exit, RUN_TIMEOUT, "heartbeats: the script to exit");
    expect(exit).toEqual({ code: 0, signal: null });
    const events = run.events();
    const at = (pred: (e: DrainEvent) => boolean) => events.findIndex(pred);
    const stopStart = at((e) => e.who === "systemctl" && e.phase === "start");
    const stopEnd = at((e) => e.who === "systemctl" && e.phase === "end");
    const beats = events.map((e, i) => [e, i] as const).filter(([e]) => e.who === "boto3" && e.call === "record_lifecycle_action_heartbeat");
    expect(beats.length).toBeGreaterThanOrEqual(2);
    for (const [e, i] of beats) {
      expect(i > stopStart && i < stopEnd).toBe(true);
      expect(e).toMatchObject({ kwargs: { LifecycleHookName: DRAIN_HOOK, AutoScalingGroupName: GROUP, InstanceId: INSTANCE }, region: REGION });
    }
    // Each heartbeat looks its group up again; the one completion comes after the stop returned.
    const completes = events.map((e, i) => [e, i] as const).filter(([e]) => e.who === "boto3" && e.call === "complete_lifecycle_action");
    expect(completes.map(([e, i]) => ({ after: i > stopEnd, kwargs: e.who === "boto3" ? e.kwargs : undefined }))).toEqual([{
      after: true, kwargs: { LifecycleHookName: DRAIN_HOOK, AutoScalingGroupName: GROUP, InstanceId: INSTANCE, LifecycleActionResult: "CONTINUE" },
    }]);
  } finally {
    await imds.close();
  }
}, TEST_TIMEOUT);
