/** wrk runs, CPU accounting, waiting for a quiet machine, statistics and the machine's facts. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { CONNECTIONS, f2, Failure, HEADERS, log, sleep, THREADS, WAIT_MIN } from "./config";
import { runAsync, sh } from "./processes";

export interface WrkResult {
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

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
}

export const summarize = (xs: number[]): Summary => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** One measured run: where it ran in its round's sequence. */
export interface Run {
  round: number;
  pos: number;
  id: string;
  rps: number;
}

/**
 * Each run of `num` divided by the mean of the runs of `den` right before and after it in the same round
 * (the nearest one on each side that exists), so slow drifts of the machine cancel out of the ratio.
 */
export function pairedRatios(runs: Run[], num: string, den: string): number[] {
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

export function machineFacts(): Record<string, string> {
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


/**
 * Measurements wait while another test's VM (qemu-system) runs: before each wrk run, polling every 30 s,
 * with one budget of WEB_BENCH_WAIT_MIN minutes for the whole benchmark. A run that qemu overlapped is
 * measured again. Once the budget is spent, runs go ahead and are marked as disturbed.
 */
export const quiet = { waitedMs: 0, gaveUp: false, redone: 0 };

export async function untilQuiet(): Promise<void> {
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
export const FOREIGN_MAX = 0.1;

export const disturbedRun = (r: WrkResult) => r.qemu || r.foreignCores > FOREIGN_MAX;

export async function measure(url: string, seconds: number, headers?: Record<string, string>): Promise<WrkResult> {
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
export async function idleBusy(seconds: number): Promise<number> {
  const b0 = machineBusy();
  await sleep(seconds * 1000);
  return (machineBusy() - b0) / CLK_TCK / seconds;
}

