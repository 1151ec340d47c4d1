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
 * harness/serverTools/nginx.ts `checkNginxSite` prepares its copy; that check and `checkGunicornConfig` also
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
 *
 * This file is the run itself; its parts are in bench/web/: config.ts (the environment above, constants),
 * processes.ts (starting and stopping servers and wrk, packages), render.ts (the rendered files, their
 * wiring, floors and ablations), servers.ts (the temporary layout, starting the servers, checking their
 * answers), measure.ts (wrk, CPU accounting, waiting for a quiet machine, statistics) and results.ts
 * (ratios and the RESULTS.md section).
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { checkGunicornConfig, checkNginxSite, type ServerFile } from "../harness/serverTools";
import { nginxLogEntry } from "../provisioning/nginx";
import { appPaths } from "../provisioning/types";
import { APP_NAME, DURATION_S, f0, f2, f3, Failure, KEEP, log, ms, ONLY, REPS, SECTION, WARMUP_S, WRITE } from "./web/config";
import { disturbedRun, idleBusy, machineFacts, measure, untilQuiet, type Run, type WrkResult } from "./web/measure";
import { countLines, currentTempRoot, ensurePackages, stopAndWait } from "./web/processes";
import { render, VARIANT_KIND, VARIANTS } from "./web/render";
import { ratioSummary, reportedRatios, resultsSection, writeSection, type Ratio } from "./web/results";
import { checkAnswers, PROXY_HEADERS, setUp, startServers, type Case } from "./web/servers";

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
    const logged = countLines(appLog, nginxLogEntry({ method: "GET", uri: "/", status: 200 }));
    const proxied = (results.get("proxy") ?? []).reduce((n, x) => n + x.requests, 0);
    if (logged < proxied) throw new Failure(`the app's access log has ${logged} lines for / after nginx stopped, fewer than the ${proxied} requests wrk counted`);
    log(`the app's access log holds ${logged} requests for / (wrk counted ${proxied} in measured runs, plus warm-ups)`);

    // ------------------------------------------------------------------ summary
    const ratios = reportedRatios(results);
    const ratioOf = (q: Ratio) => ratioSummary(runs, q);
    const facts = machineFacts();

    console.log("");
    for (const q of ratios) {
      const v = ratioOf(q);
      console.log(`${q.title}: ${f3(v.median)} (${f2(v.min)}–${f2(v.max)})${q.target ? ` target ≥ ${q.target}: ${v.median >= q.target ? "met" : "NOT met"}` : ""}`);
    }
    if (!WRITE || ONLY.length > 0) {
      log(`${ONLY.length > 0 ? "WEB_BENCH_CASES" : "WEB_BENCH_WRITE=0"}: bench/RESULTS.md left alone`);
      return;
    }

    writeSection(resultsSection({ cases, schedule, runs, results, ratios, layout: l, restarts, idleBefore, idleAfter, loadBefore, facts }));
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
      const tempRoot = currentTempRoot();
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

