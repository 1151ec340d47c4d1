/** What the benchmark starts (servers, wrk) and stops, the commands it runs, and the packages it needs. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { Failure, log, ONE_SESSION, sleep } from "./config";

const children = new Set<ChildProcess>();

/** The temporary root, removed at the end (also on SIGINT/SIGTERM) unless WEB_BENCH_KEEP=1. */
let tempRoot: string | undefined;

export function rememberTempRoot(dir: string): void {
  tempRoot = dir;
}

export function currentTempRoot(): string | undefined {
  return tempRoot;
}

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

export async function stopAndWait(): Promise<void> {
  stopAll("SIGTERM");
  const deadline = Date.now() + 15_000;
  while ([...children].some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await sleep(100);
  stopAll("SIGKILL"); // workers left behind by a master that died, if any
  children.clear();
}

export function start(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; logFile: string; uid?: number; gid?: number }): ChildProcess {
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
export function runAsync(cmd: string, args: string[], timeoutMs: number): Promise<{ status: number; out: string }> {
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
export function countLines(file: string, text: string): number {
  if (!existsSync(file)) return 0;
  const r = sh("grep", ["-c", "-F", "--", text, file], 300_000);
  if (r.status > 1) throw new Failure(`grep -c ${file} failed:\n${r.out}`);
  return Number(r.out.trim());
}

export function sh(cmd: string, args: string[], timeoutMs = 60_000): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.error ? 127 : (r.status ?? 1), out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

export function which(cmd: string): string | undefined {
  for (const dir of `${process.env.PATH ?? ""}:/usr/sbin:/sbin`.split(":")) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}


// ---------------------------------------------------------------------------------------- packages

/** Debian's nginx, gunicorn and wrk, installed with apt-get when missing. */
export function ensurePackages(): void {
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

