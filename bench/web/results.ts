/** The ratios the benchmark reports, and its section of bench/RESULTS.md. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  CONNECTIONS, DURATION_S, f0, f2, f3, HOST, ms, ONE_SESSION, REPS, RESULTS, SECTION, t0, THREADS, WAIT_MIN, WARMUP_S,
} from "./config";
import { disturbedRun, FOREIGN_MAX, machineFacts, median, pairedRatios, quiet, summarize, type Run, type Summary, type WrkResult } from "./measure";
import { VARIANT_KIND, VARIANTS } from "./render";
import type { Case, Layout } from "./servers";

export interface Ratio {
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

export function writeSection(section: string): void {
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

/** The ratios of RATIOS and one per ablation, of the cases that were measured. */
export function reportedRatios(results: Map<string, WrkResult[]>): Ratio[] {
  return [...RATIOS, ...VARIANTS.map((v) => ({ title: `ablation: ${VARIANT_KIND[v.kind].what} without ${v.setting} / ${VARIANT_KIND[v.kind].denTitle}`, num: v.id, den: VARIANT_KIND[v.kind].den }))]
    .filter((q) => results.has(q.num) && results.has(q.den));
}

/** The paired ratios of `q` over the runs: median, min and max. */
export function ratioSummary(runs: Run[], q: Ratio): Summary {
  return summarize(pairedRatios(runs, q.num, q.den));
}

/** What a whole run measured, for its section of bench/RESULTS.md. */
export interface Measured {
  cases: Case[];
  /** One round's order of case ids. */
  schedule: string[];
  runs: Run[];
  results: Map<string, WrkResult[]>;
  ratios: Ratio[];
  layout: Layout;
  /** gunicorn worker starts over the whole run. */
  restarts: number;
  /** Cores busy over 5 s before the servers started and after they stopped. */
  idleBefore: number;
  idleAfter: number;
  loadBefore: string;
  facts: ReturnType<typeof machineFacts>;
}

/** The benchmark's section of bench/RESULTS.md. */
export function resultsSection(m: Measured): string {
  const { cases, schedule, runs, results, ratios, layout: l, restarts, idleBefore, idleAfter, loadBefore, facts } = m;
  const all = [...results.values()].flat();
  const foreign = all.map((x) => x.foreignCores);
  const kernel = all.map((x) => x.kernelCores);
  const busy = all.map((x) => x.busyCores);
  const disturbedRuns = all.filter(disturbedRun).length;
  const sum = (id: string, k: "rps" | "p99Ms") => summarize(results.get(id)!.map((x) => x[k]));
  const ratioOf = (q: Ratio) => ratioSummary(runs, q);
  const disturbed = disturbedRuns > 0;
  const g = (re: RegExp, text: string) => re.exec(text)?.[1] ?? "?";
  const rps = (id: string) => f0(sum(id, "rps").median);
  const ofFloor = (id: string) => f2(ratioOf({ title: "", num: id, den: "return200" }).median);
  const ofAlone = (id: string) => f3(ratioOf({ title: "", num: id, den: "gunicorn" }).median);
  const redone = quiet.redone ? ` ${quiet.redone} runs that a qemu VM or other processes overlapped were measured again.` : "";
  const waited = quiet.waitedMs > 0 ? ` Waited ${(quiet.waitedMs / 60_000).toFixed(1)} min in all for a qemu VM or other busy processes to stop.` : "";
  return [
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
}
