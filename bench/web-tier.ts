/**
 * `npm run bench:web`: the web tier as the library renders it, measured on this machine.
 *
 * The nginx site (`renderNginxSite`) and the gunicorn config (`renderGunicornConfig`) are rendered for a
 * trivial WSGI app (bench/app.py) and run with Debian 12's nginx and gunicorn out of a temporary
 * directory laid out like the server. The only changes to the rendered files are wiring, and the run
 * checks that they are the only ones: server paths (/srv/<app>, /run/<app>) moved under the temporary
 * root, `listen 80` moved to a 127.0.0.1 high port (the `[::]:80` listens dropped), and gunicorn's bind
 * (systemd's socket unit passes the socket on the server; here `--bind unix:...`, with the unit's owner
 * and mode set on the socket). nginx runs inside a copy of Debian's /etc/nginx, prepared the way
 * harness/serverTools.ts `checkNginxSite` prepares its copy; that check and `checkGunicornConfig` also
 * run on the rendered files first.
 *
 * wrk (`--latency`) measures requests/s and p99 latency for:
 * - the trivial route `/` through nginx → gunicorn (unix socket) against gunicorn alone on 127.0.0.1:
 *   two gunicorn masters from the same rendered config, each with one listener as on the server (bound
 *   to both, a sync worker select()s before every accept, which a server's gunicorn does not do);
 * - a 20 KB stylesheet with a pre-gzipped `.gz` next to it (as collectstatic/whitenoise-style pipelines
 *   leave it) through the rendered `/static/` location, against two floor servers in the same nginx:
 *   `return 200` (nginx's cheapest answer, not logged) and a plain `location /static/ { alias ...; }`
 *   with Debian's defaults; and the same file without a `.gz` (nginx then gzips every response);
 * - gunicorn alone again with the 4 forwarding headers an earlier rendering sent, for what headers cost;
 * - ablations: the rendered servers again on their own ports, each with one setting of `/static/` or of
 *   the app's server (the buffered access log) left out (mechanical edits of the rendered text), to show
 *   which settings matter.
 * Every case runs REPS times (rounds, after a short warm-up), each run next to the runs it is compared
 * with, and ratios are paired run by run: this machine's speed drifts over minutes, and pairing keeps the
 * drift out of the ratios. Medians, min–max and ratios go to the "Web tier" section of bench/RESULTS.md
 * (only that section is replaced). Timing numbers are never asserted: this is not part of `npm test`.
 *
 * Needs root (nginx's `user www-data`, socket ownership) and Debian's nginx, gunicorn and wrk (installed
 * with apt-get when missing). Another CPU-heavy process spoils the numbers: before each run the
 * benchmark waits while a qemu-system process (the server test's VM) runs, polling every 30 s with one
 * budget of WEB_BENCH_WAIT_MIN minutes for the whole run, and measures a run again if qemu overlapped
 * it; once the budget is spent it measures anyway and marks the results as disturbed.
 *
 * Scheduling: this kernel (like Debian's) groups CPU time by session ("autogroup"). On the server nginx and
 * gunicorn are systemd services, each in its own session, so by default each server here starts in its
 * own session too, and wrk runs in this process's. wrk shares the cores here but not on a server, and as a
 * group of its own it takes CPU from the one server group it competes with; WEB_BENCH_ONE_SESSION=1 runs
 * everything in this process's session instead (plain per-process scheduling: the ratio is then the
 * ratio of CPU cost per request) and writes its own section, "Web tier, one scheduling group".
 *
 * Environment: WEB_BENCH_REPS (5), WEB_BENCH_DURATION_S (8), WEB_BENCH_THREADS (2),
 * WEB_BENCH_CONNECTIONS (32), WEB_BENCH_WARMUP_S (2), WEB_BENCH_WAIT_MIN (40), WEB_BENCH_WRITE (1; 0
 * leaves bench/RESULTS.md alone, for trying the harness), WEB_BENCH_KEEP (1 keeps the temporary root),
 * WEB_BENCH_CASES (comma-separated case ids, e.g. `gunicorn,proxy`, to try one change quickly; a run with
 * only some cases never writes bench/RESULTS.md).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync,
  writeFileSync,
} from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { freePort } from "../harness/local";
import {
  checkGunicornConfig, checkNginxSite, copyNginxConfig, installNginxSites, NGINX_IPV6_DROPPED, relocateNginxPaths, wireNginxSite,
  type ServerFile,
} from "../harness/serverTools";
import { buildAppSpec, renderGunicornConfig, renderNginxSite } from "../provisioning";
import { appPaths, type AppSpec, type WebSpec } from "../provisioning/types";
import { loadSettings } from "../settings";

const ROOT = resolve(__dirname, "..");
const RESULTS = join(ROOT, "bench", "RESULTS.md");
const APP_SOURCE = join(ROOT, "bench", "app.py");
const ONE_SESSION = process.env.WEB_BENCH_ONE_SESSION === "1";
const SECTION = ONE_SESSION ? "Web tier, one scheduling group" : "Web tier";

const num = (name: string, fallback: number) => {
  const v = process.env[name];
  const n = v === undefined || v === "" ? fallback : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v} is not a number`);
  return n;
};
const REPS = Math.max(1, Math.round(num("WEB_BENCH_REPS", 5)));
const DURATION_S = Math.max(1, Math.round(num("WEB_BENCH_DURATION_S", 8)));
const THREADS = Math.max(1, Math.round(num("WEB_BENCH_THREADS", 2)));
const CONNECTIONS = Math.max(THREADS, Math.round(num("WEB_BENCH_CONNECTIONS", 32)));
const WARMUP_S = Math.round(num("WEB_BENCH_WARMUP_S", 2));
const WAIT_MIN = num("WEB_BENCH_WAIT_MIN", 40);
const WRITE = process.env.WEB_BENCH_WRITE !== "0";
const KEEP = process.env.WEB_BENCH_KEEP === "1";
const ONLY = (process.env.WEB_BENCH_CASES ?? "").split(",").map((id) => id.trim()).filter(Boolean);

const STATIC_BYTES = 20 * 1024;
const APP_NAME = "bench";
/** The Host header every request carries: the rendered server_name accepts IPv4 literals when there is no domain. */
const HOST = "127.0.0.1";
/** What browsers send; it is what makes gzip_static (or per-request gzip) come into play. */
const HEADERS: Record<string, string> = { Host: HOST, "Accept-Encoding": "gzip" };

const t0 = Date.now();
function log(msg: string): void {
  console.log(`[web-bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Failure extends Error {}

// ---------------------------------------------------------------------------------------- processes

const children = new Set<ChildProcess>();

/** The temporary root, removed at the end (also on SIGINT/SIGTERM) unless WEB_BENCH_KEEP=1. */
let tempRoot: string | undefined;

/**
 * Stops what this run started: each server was started as the leader of its own process group, so the
 * signal goes to that group (the master and its workers), by the id of the process this run started.
 */
function stopAll(signal: NodeJS.Signals = "SIGTERM"): void {
  for (const child of helpers) child.kill(signal);
  for (const child of children) {
    if (!child.pid) continue;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }
}

async function stopAndWait(): Promise<void> {
  stopAll("SIGTERM");
  const deadline = Date.now() + 15_000;
  while ([...children].some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await sleep(100);
  stopAll("SIGKILL"); // workers left behind by a master that died, if any
  children.clear();
}

function start(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; logFile: string; uid?: number; gid?: number }): ChildProcess {
  const fd = openSync(opts.logFile, "a");
  // Its own process group either way (stopAll signals the group); its own session (setsid, as systemd
  // starts a service) unless WEB_BENCH_ONE_SESSION=1, where python3 only calls setpgid before exec.
  const child = ONE_SESSION
    ? spawn("/usr/bin/python3", ["-c", "import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])", cmd, ...args],
      { env: opts.env, stdio: ["ignore", fd, fd], uid: opts.uid, gid: opts.gid })
    : spawn(cmd, args, { env: opts.env, stdio: ["ignore", fd, fd], uid: opts.uid, gid: opts.gid, detached: true });
  closeSync(fd);
  children.add(child);
  return child;
}

/** Short-lived helpers (wrk) that are not process-group leaders, stopped by pid with the servers. */
const helpers = new Set<ChildProcess>();

/** Runs a command without blocking the event loop (so SIGINT/SIGTERM are handled meanwhile). */
function runAsync(cmd: string, args: string[], timeoutMs: number): Promise<{ status: number; out: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    helpers.add(child);
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      helpers.delete(child);
      done({ status: 127, out: String(err) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      helpers.delete(child);
      done({ status: code ?? 1, out });
    });
  });
}

/**
 * Lines of `file` that contain `text`, counted by grep: gunicorn's access logs of a long run grow past
 * what one JavaScript string can hold.
 */
function countLines(file: string, text: string): number {
  if (!existsSync(file)) return 0;
  const r = sh("grep", ["-c", "-F", "--", text, file], 300_000);
  if (r.status > 1) throw new Failure(`grep -c ${file} failed:\n${r.out}`);
  return Number(r.out.trim());
}

function sh(cmd: string, args: string[], timeoutMs = 60_000): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.error ? 127 : (r.status ?? 1), out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function which(cmd: string): string | undefined {
  for (const dir of `${process.env.PATH ?? ""}:/usr/sbin:/sbin`.split(":")) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}


// ---------------------------------------------------------------------------------------- packages

/** Debian's nginx, gunicorn and wrk, installed with apt-get when missing. */
function ensurePackages(): void {
  const missing = [
    !which("nginx") || !existsSync("/etc/nginx/nginx.conf") ? "nginx-light" : "",
    existsSync("/usr/bin/gunicorn") ? "" : "gunicorn",
    which("wrk") ? "" : "wrk",
  ].filter(Boolean);
  if (missing.length === 0) return;
  log(`installing ${missing.join(", ")} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env, encoding: "utf8" });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { env, stdio: "inherit" });
    r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env, encoding: "utf8" });
  }
  if (r.status !== 0) throw new Failure(`apt-get install ${missing.join(" ")} failed:\n${r.stdout}${r.stderr}`);
}

// ---------------------------------------------------------------------------------------- rendering

interface Rendered {
  app: AppSpec;
  web: WebSpec;
  site: string;
  gunicornConf: string;
}

/** The library's defaults for a flask-style app (a plain WSGI callable) with no domain and no load balancer. */
function render(): Rendered {
  const settings = loadSettings({
    appRepo: "https://example.invalid/bench.git",
    appName: APP_NAME,
    framework: "flask",
    wsgiApp: "app:application",
    adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 bench@example"],
  });
  const app = buildAppSpec(settings.app, settings.web.gunicorn.version, { hostNames: [], https: false });
  // As components/webTier.ts builds it for one server without a domain (no load balancer to trust).
  const web: WebSpec = { serverNames: [], maxUploadMb: settings.web.maxUploadMb, gunicorn: settings.web.gunicorn, trustedProxies: [] };
  return { app, web, site: renderNginxSite(app, web), gunicornConf: renderGunicornConfig(app, web) };
}

/**
 * Server paths moved under the temporary root by putting the root in front; nothing else: the app's
 * directory, and nginx's (/etc/nginx/, /var/log/nginx/, /run/, which holds the app's socket directory)
 * as the harness moves them in its copy of /etc/nginx.
 */
function relocate(text: string, root: string): string {
  const p = appPaths(APP_NAME);
  return relocateNginxPaths(text.replaceAll(p.root, `${root}${p.root}`), root);
}


/**
 * Proof that `wired` is `original` with only the wiring changed: same lines, and each changed line is a
 * path substitution or a listen line. Returns how many lines changed.
 */
function assertOnlyWiring(what: string, original: string, wired: string, root: string): number {
  const a = original.split("\n");
  const b = wired.split("\n");
  if (a.length !== b.length) throw new Failure(`${what}: the wiring changed the line count`);
  let changed = 0;
  a.forEach((line, i) => {
    if (line === b[i]) return;
    changed++;
    const pathOnly = b[i].replaceAll(root, "") === line;
    const listen = /^\s*listen /.test(line) && (/^\s*listen 127\.0\.0\.1:\d+( default_server)?;$/.test(b[i]) || b[i].trim() === NGINX_IPV6_DROPPED);
    if (!pathOnly && !listen) throw new Failure(`${what}: line ${i + 1} changed beyond wiring:\n- ${line}\n+ ${b[i]}`);
  });
  return changed;
}

/** Floor servers in the same nginx (same nginx.conf, same workers): the cheapest answer and a plain static location. */
function floorServers(port: number, staticRoot: string): string {
  return [
    "# Benchmark floors, not rendered by the library.",
    "server {",
    `    listen 127.0.0.1:${port} default_server;`,
    "    server_name _;",
    "    # nginx's cheapest answer.",
    "    location = /return200 {",
    "        access_log off;",
    "        return 200;",
    "    }",
    "    # A static location as one writes it without tuning; everything else is Debian's nginx.conf.",
    "    location /static/ {",
    `        alias ${staticRoot}/;`,
    "    }",
    "}",
    "",
  ].join("\n");
}

/**
 * Ablations, to show which rendered settings matter: the rendered site's servers again on their own
 * port, with one directive (or nested block) of the `/static/` location, or of the app's server, left
 * out. Mechanical edits of the rendered text, never a hand-written location; measured next to the
 * rendering, never used for the targets.
 */
interface Variant {
  id: string;
  /** The setting that is left out, as the results name it. */
  setting: string;
  /**
   * What is measured: the static file (compared with the `return 200` floor; the line is looked for in
   * the `/static/` location) or the app's `/` (compared with gunicorn alone; looked for in the servers).
   */
  kind: "static" | "proxy";
  /** The first matching line is dropped (with its block, if it opens one). */
  drop: RegExp;
}

const VARIANTS: Variant[] = [
  { id: "sendfile", setting: "`sendfile off`", kind: "static", drop: /^\s*sendfile off;$/ },
  { id: "ofc", setting: "`open_file_cache`", kind: "static", drop: /^\s*open_file_cache\s/ },
  { id: "logged", setting: "`access_log off`", kind: "static", drop: /^\s*access_log off;$/ },
  { id: "logbuf", setting: "the buffered access log", kind: "proxy", drop: /^\s*access_log \S+ \S+ buffer=/ },
];

/** The case each kind of ablation measures, and the case it is compared with. */
const VARIANT_KIND = {
  static: { path: "/static/app.css", what: "rendered `/static/`", den: "return200", denTitle: "`return 200` floor" },
  proxy: { path: "/", what: "nginx → gunicorn", den: "gunicorn", denTitle: "gunicorn alone" },
} as const;

function variantSite(wiredSite: string, sitePort: number, port: number, v: Variant): string {
  const lines = wiredSite.split("\n");
  const first = lines.findIndex((line) => /^server \{$/.test(line));
  const servers = lines.slice(first).map((line) => line.replace(`listen 127.0.0.1:${sitePort}`, `listen 127.0.0.1:${port}`));
  const indent = (line: string) => line.length - line.trimStart().length;
  const start = v.kind === "static" ? servers.findIndex((line) => /^\s*location \/static\/ \{$/.test(line)) : -1;
  const end = v.kind === "static"
    ? servers.findIndex((line, i) => i > start && line.trim() === "}" && indent(line) === indent(servers[start]))
    : servers.length;
  const at = servers.findIndex((line, i) => i > start && i < end && v.drop.test(line));
  if ((v.kind === "static" && start < 0) || end < 0 || at < 0) {
    throw new Failure(`ablation ${v.id}: the rendered ${v.kind === "static" ? "/static/ location" : "servers have"} no line matching ${v.drop}`);
  }
  let last = at;
  if (servers[at].trimEnd().endsWith("{")) {
    while (last < end && !(servers[last].trim() === "}" && indent(servers[last]) === indent(servers[at]))) last++;
  }
  servers.splice(at, last - at + 1);
  return [`# Ablation "${v.id}": the rendered servers without ${v.setting}.`, ...servers].join("\n");
}

// ---------------------------------------------------------------------------------------- HTTP checks

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = HEADERS): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = http.request({ host: "127.0.0.1", port, path, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", fail);
    req.end();
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, proc?: ChildProcess, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) break;
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  const tail = logFile && existsSync(logFile) ? `\n${readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n")}` : "";
  throw new Failure(`${what} did not come up${tail}`);
}

function expect(cond: boolean, what: string, reply?: Reply): void {
  if (!cond) {
    const shown = reply ? ` (status ${reply.status}, headers ${JSON.stringify(reply.headers)}, ${reply.body.length} bytes)` : "";
    throw new Failure(`check failed: ${what}${shown}`);
  }
}

// ---------------------------------------------------------------------------------------- wrk

interface WrkResult {
  rps: number;
  p99Ms: number;
  requests: number;
  bytesRead: number;
  errors: number;
  non2xx: number;
  /** CPU busy on the whole machine during the run, in cores. */
  busyCores: number;
  /** CPU this benchmark's processes (nginx, gunicorn, wrk) used during the run, in cores. */
  ownCores: number;
  /** Of ownCores: nginx's processes, gunicorn's, and the rest (wrk, reaped by this process). */
  split: { nginx: number; gunicorn: number; wrk: number };
  /** Kernel threads (ksoftirqd, kworkers), in cores. */
  kernelCores: number;
  /** Every other process, in cores. */
  foreignCores: number;
  qemu: boolean;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNIT_B: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

function parseWrk(out: string): Omit<WrkResult, "busyCores" | "ownCores" | "split" | "kernelCores" | "foreignCores" | "qemu"> {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(out);
  const total = /^\s+(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read/m.exec(out);
  if (!rps || !p99 || !total) throw new Failure(`cannot read wrk's output:\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    rps: Number(rps[1]),
    p99Ms: Number(p99[1]) * UNIT_MS[p99[2]],
    requests: Number(total[1]),
    bytesRead: Number(total[2]) * UNIT_B[total[3]],
    errors: sock ? sock.slice(1).reduce((s, n) => s + Number(n), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

const CLK_TCK = 100;

/** Busy jiffies of the whole machine (user, nice, system, irq, softirq, steal). */
function machineBusy(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
}

/**
 * CPU jiffies (utime + stime + cutime + cstime, so a process's reaped children count with it) of every
 * process, split into this benchmark's (this process and its descendants: the servers, wrk), kernel
 * threads (ksoftirqd also carries loopback softirq work under load) and everything else. The difference
 * of two samples is each side's CPU in between, processes that started or exited meanwhile included
 * (their time lands in the parent that reaps them).
 */
function cpuSample(): { own: number; kernel: number; foreign: number; nginx: number; gunicorn: number } {
  const procs = new Map<number, { ppid: number; jiffies: number; comm: string }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = readFileSync(`/proc/${name}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      const comm = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
      procs.set(Number(name), { ppid: Number(f[1]), jiffies: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]), comm });
    } catch {
      // exited while listing
    }
  }
  const ancestry = (pid: number, target: number) => {
    for (let p = pid, hops = 0; p > 0 && hops < 64; p = procs.get(p)?.ppid ?? 0, hops++) if (p === target) return true;
    return false;
  };
  const sample = { own: 0, kernel: 0, foreign: 0, nginx: 0, gunicorn: 0 };
  for (const [pid, p] of procs) {
    if (ancestry(pid, process.pid)) {
      sample.own += p.jiffies;
      // gunicorn's workers rename themselves ("gunicorn: worker ..." with setproctitle; plain "gunicorn" here).
      if (p.comm.startsWith("nginx")) sample.nginx += p.jiffies;
      else if (p.comm.startsWith("gunicorn")) sample.gunicorn += p.jiffies;
    }
    else if (pid === 2 || p.ppid === 2) sample.kernel += p.jiffies;
    else sample.foreign += p.jiffies;
  }
  return sample;
}

function qemuRunning(): boolean {
  return sh("pgrep", ["-f", "qemu-system"]).status === 0;
}

async function wrk(url: string, seconds: number, headers: Record<string, string> = HEADERS): Promise<WrkResult> {
  const args = [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]), url];
  const qemuBefore = qemuRunning();
  const busy0 = machineBusy();
  const cpu0 = cpuSample();
  const started = Date.now();
  const r = await runAsync("wrk", args, (seconds + 60) * 1000);
  const elapsed = (Date.now() - started) / 1000;
  const busy = (machineBusy() - busy0) / CLK_TCK / elapsed;
  const cpu1 = cpuSample();
  const cores = (k: "own" | "kernel" | "foreign" | "nginx" | "gunicorn") => Math.max(0, cpu1[k] - cpu0[k]) / CLK_TCK / elapsed;
  if (r.status !== 0) throw new Failure(`wrk ${args.join(" ")} failed:\n${r.out}`);
  return {
    ...parseWrk(r.out), busyCores: busy, ownCores: cores("own"),
    split: { nginx: cores("nginx"), gunicorn: cores("gunicorn"), wrk: Math.max(0, cores("own") - cores("nginx") - cores("gunicorn")) },
    kernelCores: cores("kernel"), foreignCores: cores("foreign"),
    qemu: qemuBefore || qemuRunning(),
  };
}

// ---------------------------------------------------------------------------------------- statistics

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Summary {
  median: number;
  min: number;
  max: number;
}

const summarize = (xs: number[]): Summary => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** One measured run: where it ran in its round's sequence. */
interface Run {
  round: number;
  pos: number;
  id: string;
  rps: number;
}

/**
 * Each run of `num` divided by the mean of the runs of `den` right before and after it in the same round
 * (the nearest one on each side that exists), so slow drifts of the machine cancel out of the ratio.
 */
function pairedRatios(runs: Run[], num: string, den: string): number[] {
  const out: number[] = [];
  for (const r of runs.filter((x) => x.id === num)) {
    const same = runs.filter((x) => x.round === r.round && x.id === den);
    const before = same.filter((x) => x.pos < r.pos).sort((a, b) => b.pos - a.pos)[0];
    const after = same.filter((x) => x.pos > r.pos).sort((a, b) => a.pos - b.pos)[0];
    const near = [before, after].filter((x): x is Run => x !== undefined);
    if (near.length > 0) out.push(r.rps / (near.reduce((n, x) => n + x.rps, 0) / near.length));
  }
  return out;
}

// ---------------------------------------------------------------------------------------- machine facts

function machineFacts(): Record<string, string> {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? "unknown";
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim();
  const first = (cmd: string, args: string[]) => sh(cmd, args).out.split("\n").find((l) => l.trim() !== "")?.trim() ?? "unknown";
  const debian = existsSync("/etc/debian_version") ? readFileSync("/etc/debian_version", "utf8").trim() : "unknown";
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
  return {
    nproc: sh("nproc", []).out.trim(),
    cpu: mhz ? `${model} (${Number(mhz).toFixed(0)} MHz)` : model,
    kernel: first("uname", ["-r"]),
    debian,
    memory: mem ? `${Math.round(Number(mem[1]) / 1024 / 1024)} GiB` : "unknown",
    nginx: first("nginx", ["-v"]).replace(/^nginx version:\s*/, ""),
    gunicorn: first("/usr/bin/gunicorn", ["--version"]).replace(/^gunicorn \(version (.+)\)$/, "$1"),
    wrk: first("wrk", ["-v"]).replace(/\s*\[.*$/, "").replace(/^wrk\s+/, ""),
    python: first("/usr/bin/python3", ["--version"]).replace(/^Python\s+/, ""),
  };
}

// ---------------------------------------------------------------------------------------- the run

interface Case {
  id: string;
  title: string;
  port: number;
  path: string;
  /** Request headers, when not HEADERS. */
  headers?: Record<string, string>;
}

/**
 * The proxy headers an earlier rendering sent on top of the two every case sends (X-Real-IP and
 * X-Forwarded-Host only repeated X-Forwarded-For and Host): sent to gunicorn alone, they show what each
 * header costs its parser.
 */
const PROXY_HEADERS: Record<string, string> = {
  ...HEADERS, "X-Real-IP": "127.0.0.1", "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http", "X-Forwarded-Host": HOST,
};

interface Layout {
  root: string;
  staticRoot: string;
  /** The gunicorn behind nginx (unix socket) and the one measured alone (TCP). */
  gunicornLogs: { socket: string; alone: string };
  nginxLog: string;
  sitePort: number;
  floorPort: number;
  gunicornPort: number;
  /** Ablation id → its port. */
  variantPorts: Map<string, number>;
  gzBytes: number;
  workers: number;
  wiredSite: string;
  wiredConf: string;
  changedLines: { site: number; conf: number };
}

/** A stylesheet of exactly `bytes` bytes, deterministic, compressible like real CSS. */
function stylesheet(bytes: number): Buffer {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const props = ["margin", "padding", "color", "background-color", "border-radius", "font-size", "line-height", "width", "max-width", "display"];
  const values = ["0", "auto", "1rem", "0.5rem 1rem", "#1f2933", "#f5f7fa", "4px", "1.5", "100%", "flex", "block", "none", "2px solid #cbd2d9"];
  let css = "/* bench stylesheet */\n";
  for (let i = 0; css.length < bytes; i++) {
    const decls = Array.from({ length: 2 + rand(4) }, () => `  ${props[rand(props.length)]}: ${values[rand(values.length)]};`);
    css += `.c${i.toString(36)}-${["btn", "card", "nav", "grid", "form"][rand(5)]} {\n${decls.join("\n")}\n}\n`;
  }
  return Buffer.from(css.slice(0, bytes - 1) + "\n");
}

async function setUp(r: Rendered): Promise<Layout> {
  // A short name: nginx hashes the full path of every file it serves, so a long root would cost a little.
  const root = mkdtempSync(join(tmpdir(), "fsweb-"));
  tempRoot = root;
  chmodSync(root, 0o755); // nginx's workers (www-data) and gunicorn (nobody) walk into it
  const p = appPaths(APP_NAME);
  const at = (serverPath: string) => join(root, serverPath);
  const [sitePort, floorPort, gunicornPort] = [await freePort(), await freePort(), await freePort()];
  const variantPorts = new Map<string, number>();
  for (const v of VARIANTS) variantPorts.set(v.id, await freePort());

  // The release: the app, its static files (with the .gz a collectstatic-style pipeline leaves), media.
  const current = at(p.current);
  const staticRoot = r.app.framework === "django" ? at(p.staticRoot) : join(current, r.app.staticDir);
  for (const d of [current, staticRoot, at(p.mediaRoot), at(dirname(p.socket)), at(p.etc), join(root, "log")]) mkdirSync(d, { recursive: true, mode: 0o755 });
  for (let d = current; d.startsWith(root) && d !== root; d = dirname(d)) chmodSync(d, 0o755);
  writeFileSync(join(current, "app.py"), readFileSync(APP_SOURCE));
  const css = stylesheet(STATIC_BYTES);
  const gz = gzipSync(css, { level: 9 });
  writeFileSync(join(staticRoot, "app.css"), css);
  writeFileSync(join(staticRoot, "app.css.gz"), gz);
  writeFileSync(join(staticRoot, "nogz.css"), css);

  // gunicorn: the rendered config, with the server paths moved; its socket directory belongs to the app's user.
  const wiredConf = relocate(r.gunicornConf, root);
  const confChanged = assertOnlyWiring("gunicorn.conf.py", r.gunicornConf, wiredConf, root);
  writeFileSync(at(p.gunicornConf), wiredConf);
  chownSync(at(dirname(p.socket)), 65534, 65534);

  // nginx: the rendered site in a copy of Debian's /etc/nginx (made as checkNginxSite makes its copy), plus the floors.
  const copy = copyNginxConfig(root);
  if (!("prefix" in copy)) throw new Failure(copy.output);
  const wiredSite = wireNginxSite(r.site, { dir: root, port: sitePort, appRoot: p.root });
  const siteChanged = assertOnlyWiring("nginx site", r.site, wiredSite, root);
  const extra: ServerFile[] = [
    { path: "/etc/nginx/conf.d/bench-floors.conf", content: floorServers(floorPort, staticRoot) },
    ...VARIANTS.map((v) => ({ path: `/etc/nginx/conf.d/bench-ablation-${v.id}.conf`, content: variantSite(wiredSite, sitePort, variantPorts.get(v.id)!, v) })),
  ];
  const checked = checkNginxSite([{ path: `/etc/nginx/sites-available/${APP_NAME}.conf`, content: wiredSite }, ...extra]);
  if (!checked.ok) throw new Failure(`nginx -t rejects the wired configuration:\n${checked.output}`);
  installNginxSites(root, [{ path: `/etc/nginx/sites-available/${APP_NAME}.conf`, content: wiredSite }, ...extra]);

  const workersPy = sh("/usr/bin/python3", ["-c", `exec(open(${JSON.stringify(at(p.gunicornConf))}).read()); print(workers)`]);
  return {
    root, staticRoot, sitePort, floorPort, gunicornPort, variantPorts, gzBytes: gz.length, wiredSite, wiredConf,
    gunicornLogs: { socket: join(root, "log", "gunicorn-socket.log"), alone: join(root, "log", "gunicorn-alone.log") }, nginxLog: join(root, "log", "nginx.log"),
    workers: Number(workersPy.out.trim()), changedLines: { site: siteChanged, conf: confChanged },
  };
}

async function startServers(r: Rendered, l: Layout): Promise<void> {
  const p = appPaths(APP_NAME);
  const socket = join(l.root, p.socket);
  // gunicorn as on the server: the rendered config, the app's environment, an unprivileged user (nobody
  // here, the app's user there), stdout/stderr to a file (journald there). Two masters from the same
  // config, each with the one listener a server's gunicorn has (systemd's socket): the unix socket nginx
  // uses, and 127.0.0.1 for the "gunicorn alone" baseline. Only one of them is under load at a time.
  const env: NodeJS.ProcessEnv = { PATH: "/usr/local/bin:/usr/bin:/bin", LANG: "C.UTF-8" };
  for (const [k, v] of Object.entries(r.app.environment)) env[k] = relocate(v, l.root);
  const conf = join(l.root, p.gunicornConf);
  const alone = start("/usr/bin/gunicorn", ["--config", conf, "--bind", `127.0.0.1:${l.gunicornPort}`],
    { env, logFile: l.gunicornLogs.alone, uid: 65534, gid: 65534 });
  await waitFor("gunicorn (alone)", async () => (await get(l.gunicornPort, r.app.healthCheckPath)).status === 200, 30_000, alone, l.gunicornLogs.alone);
  const behind = start("/usr/bin/gunicorn", ["--config", conf, "--bind", `unix:${socket}`], { env, logFile: l.gunicornLogs.socket, uid: 65534, gid: 65534 });
  await waitFor("gunicorn (unix socket)", async () => existsSync(socket) && /Booting worker/.test(readFileSync(l.gunicornLogs.socket, "utf8")), 30_000, behind, l.gunicornLogs.socket);
  // What the socket unit sets on the server: SocketUser/SocketGroup=www-data, SocketMode=0600.
  const wwwData = readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":")).find((f) => f[0] === "www-data");
  if (!wwwData) throw new Failure("no www-data user (nginx's package creates it)");
  chownSync(socket, Number(wwwData[2]), Number(wwwData[3]));
  chmodSync(socket, 0o600);

  const prefix = join(l.root, "etc", "nginx");
  const nginx = start("nginx", ["-p", `${prefix}/`, "-c", join(prefix, "nginx.conf"), "-g", "daemon off;"], { logFile: l.nginxLog });
  await waitFor("nginx", async () => (await get(l.floorPort, "/return200")).status === 200, 15_000, nginx, l.nginxLog);
}

/** The servers answer what they should before anything is measured. */
async function checkAnswers(l: Layout): Promise<void> {
  const hello = readFileSync(APP_SOURCE, "utf8").match(/HELLO = b"(.+)\\n"/)?.[1];
  if (!hello) throw new Failure("bench/app.py has no HELLO body to look for");
  let a = await get(l.gunicornPort, "/");
  expect(a.status === 200 && a.body.toString().startsWith(hello), "gunicorn alone answers / with the app's body", a);
  a = await get(l.sitePort, "/");
  expect(a.status === 200 && a.body.toString().startsWith(hello), "nginx → gunicorn answers / with the app's body", a);
  expect(a.headers["x-content-type-options"] === "nosniff", "nginx adds its security headers to app responses", a);
  a = await get(l.sitePort, "/healthz");
  expect(a.status === 200, "/healthz through nginx", a);
  a = await get(l.sitePort, "/static/app.css");
  expect(a.status === 200 && a.headers["content-encoding"] === "gzip" && a.body.length === l.gzBytes,
    "the rendered /static/ serves the pre-gzipped .gz to a gzip client", a);
  expect(/public/.test(String(a.headers["cache-control"])) && a.headers["x-content-type-options"] === "nosniff",
    "the rendered /static/ sends cache and security headers", a);
  a = await get(l.sitePort, "/static/app.css", { Host: HOST });
  expect(a.status === 200 && a.body.length === STATIC_BYTES && a.headers["content-encoding"] === undefined,
    "the rendered /static/ serves the plain file to a client without gzip", a);
  a = await get(l.sitePort, "/static/nogz.css");
  expect(a.status === 200 && a.headers["content-encoding"] === "gzip", "without a .gz, the rendered /static/ gzips per request", a);
  a = await get(l.floorPort, "/return200");
  expect(a.status === 200, "the return-200 floor", a);
  a = await get(l.floorPort, "/static/app.css");
  expect(a.status === 200 && a.body.length === STATIC_BYTES, "the plain static floor serves the file (uncompressed: text/css is not in Debian's gzip_types)", a);
  for (const v of VARIANTS) {
    const port = l.variantPorts.get(v.id)!;
    if (v.kind === "static") {
      a = await get(port, "/static/app.css");
      expect(a.status === 200 && a.headers["content-encoding"] === "gzip" && a.body.length === l.gzBytes, `ablation ${v.id} serves the .gz`, a);
    } else {
      a = await get(port, "/");
      expect(a.status === 200 && a.body.toString().startsWith(hello), `ablation ${v.id} answers / through gunicorn`, a);
    }
  }
  // Unknown host names get no answer at all (444): the connection is closed.
  const dropped = await get(l.sitePort, "/", { Host: "attacker.example" }).then(() => false, () => true);
  expect(dropped, "the default server drops requests for unknown host names (444)");
}

/**
 * Measurements wait while another test's VM (qemu-system) runs: before each wrk run, polling every 30 s,
 * with one budget of WEB_BENCH_WAIT_MIN minutes for the whole benchmark. A run that qemu overlapped is
 * measured again. Once the budget is spent, runs go ahead and are marked as disturbed.
 */
const quiet = { waitedMs: 0, gaveUp: false, redone: 0 };

async function untilQuiet(): Promise<void> {
  if (quiet.gaveUp || !qemuRunning()) return;
  log(`a qemu-system process is running; waiting (polling every 30 s; ${((WAIT_MIN * 60_000 - quiet.waitedMs) / 60_000).toFixed(1)} min of waiting left)`);
  while (qemuRunning()) {
    const left = WAIT_MIN * 60_000 - quiet.waitedMs;
    if (left <= 0) {
      quiet.gaveUp = true;
      log("qemu-system is still running and the waiting budget is spent: measuring anyway (results marked as disturbed)");
      return;
    }
    const step = Math.min(30_000, left);
    await sleep(step);
    quiet.waitedMs += step;
  }
  log("no qemu-system process: measuring");
}

/** Cores other processes may use during a run before it counts as disturbed and is measured again. */
const FOREIGN_MAX = 0.1;

const disturbedRun = (r: WrkResult) => r.qemu || r.foreignCores > FOREIGN_MAX;

async function measure(url: string, seconds: number, headers?: Record<string, string>): Promise<WrkResult> {
  for (;;) {
    await untilQuiet();
    const res = await wrk(url, seconds, headers);
    if (!disturbedRun(res) || quiet.gaveUp) return res;
    quiet.redone++;
    log(`${res.qemu ? "a qemu-system process" : `other processes (${f2(res.foreignCores)} cores)`} ran during the run on ${url}: measuring it again`);
    if (!res.qemu) {
      // Something else is busy: give it time, out of the same waiting budget.
      const step = Math.min(30_000, Math.max(0, WAIT_MIN * 60_000 - quiet.waitedMs));
      await sleep(step);
      quiet.waitedMs += step;
      if (WAIT_MIN * 60_000 - quiet.waitedMs <= 0) quiet.gaveUp = true;
    }
  }
}

/** CPU busy on the machine over `seconds`, in cores, while nothing of ours runs. */
async function idleBusy(seconds: number): Promise<number> {
  const b0 = machineBusy();
  await sleep(seconds * 1000);
  return (machineBusy() - b0) / CLK_TCK / seconds;
}

// ---------------------------------------------------------------------------------------- RESULTS.md

const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);
// Ratios with a target: three places, so a ratio just under its target never prints as the target.
const f3 = (n: number) => n.toFixed(3);
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

interface Ratio {
  title: string;
  num: string;
  den: string;
  target?: number;
}

const RATIOS: Ratio[] = [
  { title: "nginx → gunicorn / gunicorn alone (trivial route)", num: "proxy", den: "gunicorn", target: 0.93 },
  { title: "rendered /static/ (20 KB, .gz) / `return 200` floor", num: "static", den: "return200", target: 0.8 },
  { title: "gunicorn alone with 4 more request headers / gunicorn alone", num: "headers", den: "gunicorn" },
  { title: "rendered /static/ / plain static location", num: "static", den: "plain" },
  { title: "rendered /static/ without a .gz (gzip per request) / `return 200` floor", num: "nogz", den: "return200" },
];

function writeSection(section: string): void {
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "# Benchmark results\n\nOne section per benchmark; each is replaced by its own run.\n";
  const heading = new RegExp(`^## ${SECTION}\\s*$`, "m");
  const start = current.search(heading);
  let next: string;
  if (start < 0) next = `${current.replace(/\n*$/, "\n\n")}${section}`;
  else {
    const rest = current.slice(start + 3);
    const endRel = rest.search(/^## /m);
    const after = endRel < 0 ? "" : rest.slice(endRel);
    next = `${current.slice(0, start)}${section}${after ? `\n${after}` : ""}`;
  }
  writeFileSync(RESULTS, next.replace(/\n*$/, "\n"));
}

// ---------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Failure("run as root: nginx starts as root and runs its workers as www-data, as on the server");
  ensurePackages();
  const r = render();

  // The rendered files, unchanged, through the same real-tool checks the provisioning tests use.
  const siteFile: ServerFile = { path: `/etc/nginx/sites-available/${APP_NAME}.conf`, content: r.site };
  const confFile: ServerFile = { path: appPaths(APP_NAME).gunicornConf, content: r.gunicornConf };
  for (const [what, res] of [["nginx site", checkNginxSite(siteFile)], ["gunicorn config", checkGunicornConfig(confFile)]] as const) {
    if (!res.ok) throw new Failure(`the rendered ${what} fails its check:\n${res.output}`);
  }

  const l = await setUp(r);
  log(`temporary root ${l.root}; nginx site on 127.0.0.1:${l.sitePort}, floors on :${l.floorPort}, gunicorn on :${l.gunicornPort} and ${appPaths(APP_NAME).socket}`);
  try {
    const cases: Case[] = [
      { id: "gunicorn", title: "gunicorn alone, `/` (127.0.0.1 TCP)", port: l.gunicornPort, path: "/" },
      { id: "proxy", title: "nginx → gunicorn, `/` (rendered site, unix socket)", port: l.sitePort, path: "/" },
      { id: "headers", title: "gunicorn alone, `/`, with 4 more request headers (X-Real-IP, X-Forwarded-For, -Proto, -Host)", port: l.gunicornPort, path: "/", headers: PROXY_HEADERS },
      { id: "return200", title: "nginx `return 200` floor", port: l.floorPort, path: "/return200" },
      { id: "static", title: "rendered `/static/`, 20 KB CSS with its .gz", port: l.sitePort, path: "/static/app.css" },
      { id: "plain", title: "plain `location /static/ { alias ...; }`, same file", port: l.floorPort, path: "/static/app.css" },
      { id: "nogz", title: "rendered `/static/`, same file without a .gz (gzip per request)", port: l.sitePort, path: "/static/nogz.css" },
      ...VARIANTS.map((v) => ({ id: v.id, title: `ablation: ${VARIANT_KIND[v.kind].what} without ${v.setting}`, port: l.variantPorts.get(v.id)!, path: VARIANT_KIND[v.kind].path })),
    ];

    await untilQuiet();
    const idleBefore = await idleBusy(5);
    const loadBefore = readFileSync("/proc/loadavg", "utf8").trim().split(" ").slice(0, 3).join(" ");
    log(`machine before the servers start: ${f2(idleBefore)} cores busy over 5 s, load average ${loadBefore}`);

    await startServers(r, l);
    await checkAnswers(l);
    log("answers checked");

    // This machine's speed drifts over minutes (a VM: the same case can run 25 % faster for a while), so
    // every numerator runs right next to its denominator: each round is gunicorn, proxy, gunicorn, then
    // the floor with two nginx cases between each pair of floor runs; odd rounds run the sequence backwards.
    const byId = new Map(cases.map((c) => [c.id, c]));
    const proxyVariants = VARIANTS.filter((v) => v.kind === "proxy").map((v) => v.id);
    const gunicornCases = ["proxy", ...proxyVariants, "headers"];
    const nginxCases = cases.filter((c) => !["gunicorn", "return200", ...gunicornCases].includes(c.id)).map((c) => c.id);
    const schedule = ["gunicorn", ...gunicornCases.flatMap((id) => [id, "gunicorn"]), "return200"];
    for (let i = 0; i < nginxCases.length; i += 2) schedule.push(...nginxCases.slice(i, i + 2), "return200");
    if (ONLY.length > 0) {
      const unknown = ONLY.filter((id) => !byId.has(id));
      if (unknown.length > 0) throw new Failure(`WEB_BENCH_CASES: unknown case ${unknown.join(", ")}; the cases are ${[...byId.keys()].join(", ")}`);
      for (let i = schedule.length - 1; i >= 0; i--) if (!ONLY.includes(schedule[i])) schedule.splice(i, 1);
      for (let i = cases.length - 1; i >= 0; i--) if (!ONLY.includes(cases[i].id)) cases.splice(i, 1);
    }
    const runs: Run[] = [];
    const results = new Map<string, WrkResult[]>(cases.map((c) => [c.id, []]));
    const url = (c: Case) => `http://127.0.0.1:${c.port}${c.path}`;
    if (WARMUP_S > 0) for (const c of cases) await measure(url(c), WARMUP_S, c.headers);
    for (let round = 0; round < REPS; round++) {
      const order = round % 2 === 0 ? schedule : [...schedule].reverse();
      for (const [pos, id] of order.entries()) {
        const c = byId.get(id)!;
        const res = await measure(url(c), DURATION_S, c.headers);
        results.get(c.id)!.push(res);
        runs.push({ round, pos, id, rps: res.rps });
        log(`round ${round + 1}/${REPS} ${c.id.padEnd(9)} ${f0(res.rps).padStart(7)} req/s  p99 ${ms(res.p99Ms).padStart(6)} ms  ` +
          `${f0(res.bytesRead / res.requests)} B/resp  cpu ${f2(res.busyCores)} (ours ${f2(res.ownCores)}, kernel ${f2(res.kernelCores)}, other ${f2(res.foreignCores)})${res.errors || res.non2xx ? `  errors ${res.errors} non-2xx ${res.non2xx}` : ""}${disturbedRun(res) ? "  DISTURBED" : ""}`);
      }
    }
    const restarts = Object.values(l.gunicornLogs).reduce((n, f) => n + countLines(f, "Booting worker"), 0);
    await stopAndWait();
    const idleAfter = await idleBusy(5);
    // The site logs through a buffer: once nginx has stopped, every measured request to the app is in the log.
    const appLog = join(l.root, `/var/log/nginx/${APP_NAME}.access.log`);
    const logged = countLines(appLog, ' "GET / HTTP/1.1" 200 ');
    const proxied = (results.get("proxy") ?? []).reduce((n, x) => n + x.requests, 0);
    if (logged < proxied) throw new Failure(`the app's access log has ${logged} lines for / after nginx stopped, fewer than the ${proxied} requests wrk counted`);
    log(`the app's access log holds ${logged} requests for / (wrk counted ${proxied} in measured runs, plus warm-ups)`);

    // ------------------------------------------------------------------ summary
    const all = [...results.values()].flat();
    const foreign = all.map((x) => x.foreignCores);
    const kernel = all.map((x) => x.kernelCores);
    const busy = all.map((x) => x.busyCores);
    const disturbedRuns = all.filter(disturbedRun).length;
    const sum = (id: string, k: "rps" | "p99Ms") => summarize(results.get(id)!.map((x) => x[k]));
    const ratios: Ratio[] = [...RATIOS, ...VARIANTS.map((v) => ({ title: `ablation: ${VARIANT_KIND[v.kind].what} without ${v.setting} / ${VARIANT_KIND[v.kind].denTitle}`, num: v.id, den: VARIANT_KIND[v.kind].den }))]
      .filter((q) => results.has(q.num) && results.has(q.den));
    const ratioOf = (q: Ratio) => summarize(pairedRatios(runs, q.num, q.den));
    const facts = machineFacts();
    const disturbed = disturbedRuns > 0;

    console.log("");
    for (const q of ratios) {
      const v = ratioOf(q);
      console.log(`${q.title}: ${f3(v.median)} (${f2(v.min)}–${f2(v.max)})${q.target ? ` target ≥ ${q.target}: ${v.median >= q.target ? "met" : "NOT met"}` : ""}`);
    }
    if (!WRITE || ONLY.length > 0) {
      log(`${ONLY.length > 0 ? "WEB_BENCH_CASES" : "WEB_BENCH_WRITE=0"}: bench/RESULTS.md left alone`);
      return;
    }

    const g = (re: RegExp, text: string) => re.exec(text)?.[1] ?? "?";
    const rps = (id: string) => f0(sum(id, "rps").median);
    const ofFloor = (id: string) => f2(ratioOf({ title: "", num: id, den: "return200" }).median);
    const ofAlone = (id: string) => f3(ratioOf({ title: "", num: id, den: "gunicorn" }).median);
    const redone = quiet.redone ? ` ${quiet.redone} runs that a qemu VM or other processes overlapped were measured again.` : "";
    const waited = quiet.waitedMs > 0 ? ` Waited ${(quiet.waitedMs / 60_000).toFixed(1)} min in all for a qemu VM or other busy processes to stop.` : "";
    const section = [
      `## ${SECTION}`,
      "",
      "`npm run bench:web` (`bench/web-tier.ts`): the nginx site and gunicorn config rendered by `provisioning/nginx.ts`",
      "and `provisioning/gunicorn.ts` for a trivial WSGI app (`bench/app.py`), run with Debian's nginx and gunicorn",
      "on this machine, measured with wrk. Replaced by each run.",
      "",
      `- Run: ${new Date().toISOString()}, ${Math.round((Date.now() - t0) / 1000)} s in all.`,
      `- Machine: ${facts.nproc} cores (nproc), ${facts.cpu}, ${facts.memory} RAM, kernel ${facts.kernel}, Debian ${facts.debian};`,
      `  nginx ${facts.nginx}, gunicorn ${facts.gunicorn} (Python ${facts.python}), wrk ${facts.wrk}.`,
      `- Load: \`wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION_S}s --latency\` with \`Host: ${HOST}\` and \`Accept-Encoding: gzip\`, ${REPS} rounds`,
      `  after a ${WARMUP_S} s warm-up of each case. Each round runs every case next to what it is compared with:`,
      `  ${schedule.join(", ")} (odd rounds backwards). wrk, nginx and gunicorn share the ${facts.nproc} cores.`,
      `- Machine load: ${disturbed
        ? `**DISTURBED: another test's qemu VM or other processes (over ${FOREIGN_MAX} cores) ran during ${disturbedRuns} of ${all.length} runs` +
          ` (the waiting budget of ${WAIT_MIN} min was spent); these numbers are not reliable.**`
        : `no qemu-system process and at most ${FOREIGN_MAX} cores of other processes during any measured run.`}${waited}${redone}`,
      `  CPU busy with nothing of ours running: ${f2(idleBefore)} cores before, ${f2(idleAfter)} after (5 s each; load average before ${loadBefore}).`,
      `  During the runs the machine was ${f2(median(busy))} cores busy (median): nginx, gunicorn and wrk; kernel threads (ksoftirqd`,
      `  and kworkers, median ${f2(median(kernel))} cores); other processes: median ${f2(median(foreign))}, max ${f2(Math.max(...foreign))} cores.`,
      `- Rendered gunicorn: ${l.workers} sync workers (\`${g(/^workers = (.+)$/m, l.wiredConf)}\`), max_requests ${g(/^max_requests = (\d+)/m, l.wiredConf)}` +
        ` (${restarts} worker starts in the whole run), access log to stdout (a file here, journald on the server).`,
      `- Wiring changed ${l.changedLines.site} lines of the rendered site (paths, listen) and ${l.changedLines.conf} of the gunicorn config (paths); checked line by line.`,
      "",
      "| Case | Requests/s median (min–max) | p99 latency ms median (min–max) | Bytes/response | CPU cores: nginx / gunicorn / wrk (medians) | Errors |",
      "|---|---|---|---|---|---|",
      ...cases.map((c) => {
        const rs = results.get(c.id)!;
        const r = sum(c.id, "rps");
        const p99 = sum(c.id, "p99Ms");
        const bytes = median(rs.map((x) => x.bytesRead / x.requests));
        const errs = rs.reduce((n, x) => n + x.errors + x.non2xx, 0);
        const split = (k: "nginx" | "gunicorn" | "wrk") => f2(median(rs.map((x) => x.split[k])));
        return `| ${c.title} | ${f0(r.median)} (${f0(r.min)}–${f0(r.max)}) | ${ms(p99.median)} (${ms(p99.min)}–${ms(p99.max)}) | ${f0(bytes)} | ${split("nginx")} / ${split("gunicorn")} / ${split("wrk")} | ${errs} |`;
      }),
      "",
      "Ratios are paired: each run divided by the mean of the runs of what it is compared with just before and after it",
      `(the same round), so the machine's drift cancels; median and min–max of the ${REPS} (or more) pairs.`,
      "",
      "| Ratio of requests/s | Median | Min–max | Target | Met |",
      "|---|---|---|---|---|",
      ...ratios.map((q) => {
        const v = ratioOf(q);
        const met = q.target === undefined ? "" : disturbed ? (v.median >= q.target ? "yes (disturbed run)" : "no (disturbed run)") : v.median >= q.target ? "yes" : "**no**";
        return `| ${q.title} | ${f3(v.median)} | ${f2(v.min)}–${f2(v.max)} | ${q.target ? `≥ ${q.target}` : ""} | ${met} |`;
      }),
      "",
      "Which settings matter, from the rows above (requests/s medians; paired share of the `return 200` floor in brackets):",
      "",
      `- \`gzip_static on\` with the \`.gz\` the build leaves next to each file: ${rps("static")} (${ofFloor("static")}) against ${rps("nogz")}`,
      `  (${ofFloor("nogz")}) when nginx has to gzip every response itself.`,
      ...VARIANTS.filter((v) => v.kind === "static").map((v) => `- ${v.setting}: ${rps("static")} (${ofFloor("static")}) with it, ${rps(v.id)} (${ofFloor(v.id)}) without.`),
      `- All of the rendered \`/static/\` against a plain \`alias\` location with Debian's defaults (logged, no cache, 20 KB`,
      `  uncompressed because text/css is not in Debian's \`gzip_types\`): ${rps("static")} against ${rps("plain")}.`,
      `- nginx → gunicorn: ${rps("proxy")} against ${rps("gunicorn")} for gunicorn alone. gunicorn's sync workers close every`,
      "  connection, so nginx opens a new unix-socket connection per request (the upstream `keepalive` pool stays unused)",
      "  while wrk keeps its TCP connections to nginx; gunicorn alone pays a TCP connect per request instead. The CPU",
      "  column shows where the gap comes from: wrk, nginx and gunicorn share the cores, so every core-second nginx spends",
      "  proxying (two connections per request, one of them new) is taken from gunicorn's Python workers.",
      ...VARIANTS.filter((v) => v.kind === "proxy").map((v) =>
        `- ${v.setting}: nginx → gunicorn ${rps("proxy")} (${ofAlone("proxy")} of gunicorn alone, paired) with it, ${rps(v.id)} (${ofAlone(v.id)}) without.`),
      `- Proxy headers: gunicorn parses every request header in Python. gunicorn alone with the 4 forwarding headers an`,
      `  earlier rendering sent (X-Real-IP, X-Forwarded-For, -Proto, -Host) on top of the 2 every case sends: ${rps("headers")},`,
      `  ${ofAlone("headers")} of gunicorn alone (paired). The site now sends X-Forwarded-For and -Proto only and blanks the other`,
      "  two, which repeated X-Forwarded-For and Host.",
      ONE_SESSION
        ? "- Scheduling: everything in one session (one autogroup), so the kernel shares the cores per process: the ratios are ratios of CPU cost per request."
        : "- Scheduling: nginx and each gunicorn in a session of their own, as systemd starts services; wrk in another. This kernel shares CPU between sessions (autogroup) before processes, so wrk, which shares the cores here but not on a server, takes CPU from the server group it competes with. `WEB_BENCH_ONE_SESSION=1` measures with one session (section \"Web tier, one scheduling group\").",
      "",
    ].join("\n");
    writeSection(section);
    log(`wrote the "${SECTION}" section of bench/RESULTS.md`);
  } finally {
    await stopAndWait();
    if (KEEP) log(`kept ${l.root}`);
    else rmSync(l.root, { recursive: true, force: true });
  }
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  process.on(signal, () => {
    void stopAndWait().finally(() => {
      if (tempRoot && !KEEP) rmSync(tempRoot, { recursive: true, force: true });
      process.exit(code);
    });
  });
}

main().catch(async (err) => {
  await stopAndWait();
  console.error(err instanceof Failure ? `web bench: ${err.message}` : err);
  process.exitCode = 1;
});

