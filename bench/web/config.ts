/** The web benchmark's settings (WEB_BENCH_* environment), constants, log and number formats. */
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");
export const RESULTS = join(ROOT, "bench", "RESULTS.md");
export const APP_SOURCE = join(ROOT, "bench", "app.py");
export const ONE_SESSION = process.env.WEB_BENCH_ONE_SESSION === "1";
export const SECTION = ONE_SESSION ? "Web tier, one scheduling group" : "Web tier";

const num = (name: string, fallback: number) => {
  const v = process.env[name];
  const n = v === undefined || v === "" ? fallback : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v} is not a number`);
  return n;
};
export const REPS = Math.max(1, Math.round(num("WEB_BENCH_REPS", 5)));
export const DURATION_S = Math.max(1, Math.round(num("WEB_BENCH_DURATION_S", 8)));
export const THREADS = Math.max(1, Math.round(num("WEB_BENCH_THREADS", 2)));
export const CONNECTIONS = Math.max(THREADS, Math.round(num("WEB_BENCH_CONNECTIONS", 32)));
export const WARMUP_S = Math.round(num("WEB_BENCH_WARMUP_S", 2));
export const WAIT_MIN = num("WEB_BENCH_WAIT_MIN", 40);
export const WRITE = process.env.WEB_BENCH_WRITE !== "0";
export const KEEP = process.env.WEB_BENCH_KEEP === "1";
export const ONLY = (process.env.WEB_BENCH_CASES ?? "").split(",").map((id) => id.trim()).filter(Boolean);

export const STATIC_BYTES = 20 * 1024;
export const APP_NAME = "bench";
/** The Host header every request carries: the rendered server_name accepts IPv4 literals when there is no domain. */
export const HOST = "127.0.0.1";
/** What browsers send; it is what makes gzip_static (or per-request gzip) come into play. */
export const HEADERS: Record<string, string> = { Host: HOST, "Accept-Encoding": "gzip" };

export const t0 = Date.now();
export function log(msg: string): void {
  console.log(`[web-bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
}
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Failure extends Error {}

export const f0 = (n: number) => n.toFixed(0);
export const f2 = (n: number) => n.toFixed(2);
// Ratios with a target: three places, so a ratio just under its target never prints as the target.
export const f3 = (n: number) => n.toFixed(3);
export const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
