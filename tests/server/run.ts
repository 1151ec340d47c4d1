/**
 * `npm run test:server`: boots the dev stack's rendered cloud-config in a local Debian 12 VM (qemu) and
 * checks the server from the outside, the way a user would meet it:
 * - nginx answers, /healthz reaches gunicorn through nginx, the page renders, /static/ is served by nginx
 *   with cache headers;
 * - gunicorn's main process killed with SIGKILL is restarted by systemd and the app answers again;
 * - after a reboot the app answers again;
 * - when the cloud-config has PostgreSQL and a worker: POST /jobs writes a row, the worker marks it done
 *   within 30 s, and the row survives the reboot;
 * - releases in place through the release key's forced command (zero failed requests, a broken release
 *   refused, a rollback);
 * - HTTPS on one box: the site has a domain, so the server gets its own certificate from an ACME CA
 *   (Pebble on the host, harness/acme.ts, validating HTTP-01 through the guest's port 80): the attempt at
 *   boot fails while DNS points elsewhere and HTTP keeps serving; once DNS points at the server the
 *   retry unit gets the certificate and nginx serves HTTPS (HSTS, HTTP redirects), also after the reboot.
 * Boot timings go to bench/RESULTS.md ("VM boot"). Needs root and the `server` tools of
 * tools/debianTools.ts (qemu, debootstrap, genisoimage, ...): `npm run tools -- --for server` installs
 * them (.ci/run does). Not part of `npm test`.
 *
 * Environment: SERVER_TEST_STACK (default dev), SERVER_TEST_ACCEL (tcg|kvm, default: probe),
 * SERVER_TEST_MEMORY_MB (default 1024, the dev droplet's size), SERVER_TEST_DEADLINE_S (default 2100: a loaded 2-core box boots the first time in up to twice the quiet 420 s, and the releases in place take a few minutes more),
 * SERVER_TEST_RECOMMENDS=1 (let apt install Recommends as a real server does; slower),
 * SERVER_TEST_CONFIG (JSON object of more config overrides, e.g. '{"workerKind":"celery","workerApp":"celery_app"}').
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  ensureBakedImage, ensureImage, httpsRequest, killAll, makeAppRepo, makeSeed, probeKvm, reapStale, Site, sleep, Ssh, startGitDaemon, takeLock, track, Vm,
  type Accel, type HttpResponse,
} from "./vm";
import { TestAcme } from "../../harness/acme";
import { freePort } from "../../harness/local";
import { HSTS_MAX_AGE_SECONDS, nginxLogEntry, nginxSitePaths, TLS_ISSUE_UNIT } from "../../provisioning";
import { ensureTools, realHost } from "../../tools/ensureTools";
import { parseAptHistory, parseBlame, parseReleaseSteps, type ProfileRow } from "./bootProfile";
import { configureStore, operationsChecks, startOperations } from "./operations";
import { HOST_FROM_GUEST, renderRelease, renderServer, type ServerUnderTest, type WiringOptions } from "./wiring";

const ROOT = resolve(__dirname, "../..");
const CACHE = join(ROOT, ".cache", "vm");
const RUN_DIR = join(CACHE, "run");
const APP_DIR = join(ROOT, "examples", "app");
const RESULTS = join(ROOT, "bench", "RESULTS.md");

const STACK = process.env.SERVER_TEST_STACK ?? "dev";
const MEMORY_MB = Number(process.env.SERVER_TEST_MEMORY_MB ?? 1024);
const DEADLINE_S = Number(process.env.SERVER_TEST_DEADLINE_S ?? 2700);
/**
 * What the run checks: `full` (default) everything; `first-boot` the first boot and the checks right after
 * it (cloud-init, services, the page, a job through the worker), then it powers off. CI runs the full test on
 * the baked image and the first boot alone on the stock image, so the default path boots for real too.
 */
const SCOPE = process.env.SERVER_TEST_SCOPE ?? "full";
/** The results rows (by their start) of steps after the first boot's checks, which `first-boot` does not run. */
const LATER_STEPS = ["gunicorn main process", "Reboot command", "Release in place", "Same release", "Rollback", "HTTPS on the box", "Nightly backup", "Restore drill", "Same after the reboot"];
if (SCOPE !== "full" && SCOPE !== "first-boot") throw new Error(`SERVER_TEST_SCOPE=${SCOPE}: use full or first-boot`);
const JOB_DONE_S = 30;
/** The site's domain: one box with a domain terminates TLS itself (provisioning/roles/tls.ts). */
const DOMAIN = "shop.example.com";
/** Where the test DNS points the domain until the HTTPS checks: loopback, but nothing listens there. */
const DNS_NOT_YET = "127.0.0.2";

const t0 = Date.now();
const secs = (ms: number) => Math.round(ms / 100) / 10;
const since = (start: number) => secs(Date.now() - start);
let phase = "starting";

function log(msg: string): void {
  console.log(`[server-test ${since(t0).toFixed(1).padStart(6)}s] ${msg}`);
}

class Failure extends Error {}

// ------------------------------------------------------------------------------------------ results

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const checks: Check[] = [];
const warnings: string[] = [];
const timings: Record<string, number | undefined> = {};

function pass(name: string, detail = ""): void {
  checks.push({ name, ok: true, detail });
  log(`PASS ${name}${detail ? `: ${detail}` : ""}`);
}

function fail(name: string, detail: string): void {
  checks.push({ name, ok: false, detail });
  log(`FAIL ${name}: ${detail}`);
}

async function check(name: string, fn: () => Promise<string | void>): Promise<boolean> {
  try {
    pass(name, (await fn()) ?? "");
    return true;
  } catch (err) {
    fail(name, (err as Error).message);
    return false;
  }
}

// ------------------------------------------------------------------------------------------ helpers

async function get(site: Site, path: string, method = "GET"): Promise<HttpResponse> {
  return site.request(path, { method, timeoutMs: 15_000 });
}

async function expectHealthz(site: Site): Promise<void> {
  const r = await get(site, "/healthz");
  if (r.status !== 200 || r.body.trim() !== "ok") throw new Error(`/healthz answered ${r.status} ${JSON.stringify(r.body.slice(0, 120))}`);
}

/** Polls until fn stops throwing; rethrows the last error after timeoutMs. */
async function eventually<T>(timeoutMs: number, fn: () => Promise<T>, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + everyMs > deadline) throw err;
      await sleep(everyMs);
    }
  }
}

/**
 * Units are active and stay so: same MainPID and NRestarts over `settleS` seconds (a unit in a
 * Restart= loop looks "active" for a moment after each start).
 */
async function servicesSteady(ssh: Ssh, units: string[], settleS = 7): Promise<string> {
  const show = async () => {
    const out = await ssh.out(`systemctl show -p Id -p ActiveState -p SubState -p MainPID -p NRestarts ${units.join(" ")}`);
    return out.split(/\n\s*\n/).map((block) => Object.fromEntries(block.split("\n").map((l) => l.split("=", 2) as [string, string])));
  };
  const first = await show();
  await sleep(settleS * 1000);
  const second = await show();
  const bad = units.filter((_, i) => second[i].ActiveState !== "active" || second[i].SubState !== "running" ||
    second[i].MainPID !== first[i].MainPID || second[i].NRestarts !== first[i].NRestarts);
  if (bad.length) {
    const hints = await Promise.all(bad.map(async (u) => `${u}: ${await unitHint(ssh, u)}`));
    throw new Error(`not steadily running: ${hints.join("; ")}`);
  }
  return second.map((v) => `${v.Id} running (pid ${v.MainPID})`).join(", ");
}

/** One line on why a unit is not running: its state and the last error-looking journal line. */
async function unitHint(ssh: Ssh, unit: string): Promise<string> {
  const r = await ssh.exec(`systemctl show -p ActiveState -p SubState -p NRestarts -p ExecMainStatus -p ExecStart ${unit}; ` +
    `sudo journalctl -b -u ${unit} -n 40 --no-pager -o cat | grep -E 'Error|error|Exception|denied|No such|not found|failed' | tail -n 1`);
  const v = Object.fromEntries(r.stdout.split("\n").filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => l.split("=", 2) as [string, string]));
  const last = r.stdout.split("\n").filter((l) => l && !/^[A-Za-z]+=/.test(l)).pop() ?? "";
  const exec = (/path=(\S+)/.exec(r.stdout) ?? [])[1];
  const status = v.ExecMainStatus === "203" ? `exit 203/EXEC (${exec ?? "ExecStart"} missing or not executable)` : `last exit status ${v.ExecMainStatus}`;
  return `${v.ActiveState}/${v.SubState}, NRestarts ${v.NRestarts}, ${status}${last ? `; journal: ${last.trim().slice(0, 200)}` : ""}`;
}

async function checkPage(site: Site): Promise<string> {
  const r = await get(site, "/");
  if (r.status !== 200) throw new Error(`GET / answered ${r.status}`);
  if (!r.body.includes("<title>Sample app</title>")) throw new Error(`GET / is not the sample app's page: ${r.body.slice(0, 200)}`);
  return `200, ${r.body.length} bytes of HTML`;
}

async function checkStatic(site: Site): Promise<string> {
  const expected = readFileSync(join(APP_DIR, "static", "style.css"), "utf8");
  const r = await get(site, "/static/style.css");
  if (r.status !== 200) throw new Error(`GET /static/style.css answered ${r.status}`);
  if (r.body !== expected) throw new Error("GET /static/style.css differs from examples/app/static/style.css");
  const cc = String(r.headers["cache-control"] ?? "");
  const maxAge = Number((/max-age=(\d+)/.exec(cc) ?? [])[1] ?? 0);
  if (maxAge < 86_400) throw new Error(`Cache-Control ${JSON.stringify(cc)} has no max-age of a day or more`);
  if (!/\bpublic\b/.test(cc)) throw new Error(`Cache-Control ${JSON.stringify(cc)} is not public (a CDN or proxy may not cache it)`);
  if (r.headers["x-content-type-options"] !== "nosniff") throw new Error(`X-Content-Type-Options ${r.headers["x-content-type-options"]}, expected nosniff`);
  if (!/^nginx/.test(String(r.headers.server ?? ""))) throw new Error(`Server header ${r.headers.server}, expected nginx`);
  return `Cache-Control: ${cc}; content-type ${r.headers["content-type"]}`;
}

async function postJob(site: Site): Promise<number> {
  const r = await get(site, "/jobs", "POST");
  if (r.status !== 201) throw new Error(`POST /jobs answered ${r.status}: ${r.body.slice(0, 300)}`);
  const id = (JSON.parse(r.body) as { id?: number }).id;
  if (typeof id !== "number") throw new Error(`POST /jobs returned no id: ${r.body.slice(0, 200)}`);
  return id;
}

async function jobStatus(site: Site, id: number): Promise<string> {
  const r = await get(site, `/jobs/${id}`);
  if (r.status !== 200) throw new Error(`GET /jobs/${id} answered ${r.status}: ${r.body.slice(0, 200)}`);
  return (JSON.parse(r.body) as { status: string }).status;
}

async function waitJobDone(site: Site, id: number, ssh: Ssh, workerUnit: string): Promise<number> {
  const start = Date.now();
  let status = "";
  while (Date.now() - start < JOB_DONE_S * 1000) {
    status = await jobStatus(site, id);
    if (status === "done") return since(start);
    await sleep(500);
  }
  throw new Error(`job ${id} still "${status}" after ${JOB_DONE_S} s; ${workerUnit}: ${await unitHint(ssh, workerUnit)}`);
}

/** Best-effort state of the guest, printed and saved when something fails. */
async function diagnostics(ssh: Ssh, server: ServerUnderTest, vm: Vm): Promise<string> {
  const units = [...new Set([server.gunicornUnit, ...server.appServices, "nginx.service"])];
  const cmd = [
    "echo '--- cloud-init status'; cloud-init status --long",
    "echo '--- failed units'; systemctl --failed --no-legend --no-pager",
    ...units.map((u) => `echo '--- ${u}'; systemctl status --no-pager --lines=0 ${u}; journalctl -b -u ${u} -n 25 --no-pager -o short-monotonic`),
    ...(server.roles.worker ? [`echo '--- ${server.roles.worker.unit}, previous boot (tail)'; journalctl -b -1 -u ${server.roles.worker.unit} -n 12 --no-pager 2>/dev/null`] : []),
    "echo '--- cloud-init-output.log (tail)'; tail -n 60 /var/log/cloud-init-output.log",
    "echo '--- cloud-init.log warnings'; grep -E 'WARNING|ERROR|Traceback' /var/log/cloud-init.log | tail -n 30",
  ].join("; ");
  let text: string;
  const r = await ssh.exec(`sudo sh -c ${JSON.stringify(cmd)}`, 60);
  if (r.code === 255 && !r.stdout) text = `(no SSH: ${r.stderr.trim()})\n--- serial console (tail)\n${vm.serialTail(80)}`;
  else text = `${r.stdout}${r.stderr}`;
  writeFileSync(join(RUN_DIR, "diagnostics.txt"), text);
  return text;
}

// ------------------------------------------------------------------------------------------ releases in place

type Exec = { code: number; stdout: string; stderr: string };

/** Pushes release bundles over SSH the way the stack's Command resource does, retrying only while sshd is not up. */
class Releaser {
  first?: Promise<Exec>;
  firstResult?: Exec;
  firstResultAt?: number;
  /** Every push's output, in order, also written to the run directory (release-N.log). */
  readonly outputs: string[] = [];
  constructor(readonly ssh: Ssh) {}

  async push(bundle: string, withinMs = 600_000): Promise<Exec> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      // The command asked for does not matter: the key's forced command runs the release.
      const r = await this.ssh.exec("release", Math.max(60, Math.round((deadline - Date.now()) / 1000)), bundle);
      if (r.code === 255 && /host key verification failed|REMOTE HOST IDENTIFICATION/i.test(r.stderr)) {
        throw new Failure(`the server's host key is not the one the stack made: ${r.stderr.trim()}`);
      }
      if (r.code !== 255 || Date.now() + 5000 > deadline) {
        this.outputs.push(`exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
        writeFileSync(join(RUN_DIR, `release-${this.outputs.length}.log`), this.outputs[this.outputs.length - 1]);
        if (!this.firstResult) {
          this.firstResult = r;
          this.firstResultAt = Date.now();
        }
        return r;
      }
      await sleep(5000);
    }
  }
}

interface VersionSample { at: number; ok: boolean; version?: string; greeting?: string; error?: string }

/** GET /version in a bounded loop until stopped (every 100 ms, at most 10 minutes). */
function watchVersions(site: Site): { stop: () => Promise<VersionSample[]> } {
  const samples: VersionSample[] = [];
  let stopped = false;
  const loop = (async () => {
    const end = Date.now() + 600_000;
    while (!stopped && Date.now() < end) {
      const at = Date.now();
      try {
        const r = await site.request("/version", { timeoutMs: 60_000 });
        if (r.status === 200) {
          const v = JSON.parse(r.body) as { version: string; greeting: string };
          samples.push({ at, ok: true, version: v.version, greeting: v.greeting });
        } else {
          samples.push({ at, ok: false, error: `${r.status} ${r.body.slice(0, 80)}` });
        }
      } catch (err) {
        samples.push({ at, ok: false, error: (err as Error).message });
      }
      await sleep(100);
    }
  })();
  return { stop: async () => { stopped = true; await loop; return samples; } };
}

/** The versions in the order they answered, each run of equal answers once: e.g. ["1", "2"]. */
function versionRuns(samples: VersionSample[]): string[] {
  const runs: string[] = [];
  for (const s of samples) if (s.ok && runs[runs.length - 1] !== s.version) runs.push(s.version!);
  return runs;
}

/** Commits a change to the sample app's repository (served by the git daemon) and returns the commit. */
function commitApp(gitBase: string, change: (work: string) => void, message: string): string {
  const work = join(RUN_DIR, "app-src");
  const git = (...args: string[]) => execFileSync("git", args, {
    cwd: work, encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "fullstack test", GIT_AUTHOR_EMAIL: "test@fullstack.invalid", GIT_COMMITTER_NAME: "fullstack test", GIT_COMMITTER_EMAIL: "test@fullstack.invalid" },
  }).trim();
  change(work);
  git("add", "-A");
  git("commit", "--quiet", "-m", message);
  git("push", "--quiet", join(gitBase, "app.git"), "HEAD:main");
  return git("rev-parse", "HEAD");
}

async function releaseChecks(releaser: Releaser, server: ServerUnderTest, site: Site, gitBase: string): Promise<void> {
  phase = "releasing in place";
  const v1 = execFileSync("git", ["rev-parse", "HEAD"], { cwd: join(RUN_DIR, "app-src"), encoding: "utf8" }).trim();
  const wiringOpts = currentWiring!;
  const stackAppEnv = () => server.appEnv.filter((e) => !e.startsWith("GREETING="));

  await check("the release key runs only the release (forced command): asking for a shell command gets the release's refusal", async () => {
    const r = await releaser.ssh.exec("id; cat /etc/shadow", 60, "");
    if (r.code === 0 || /uid=|root:/.test(r.stdout)) throw new Error(`the release key ran a command: exit ${r.code}, ${r.stdout.slice(0, 200)}`);
    if (!/release: (cannot read the release bundle|not a release bundle)/.test(r.stderr)) throw new Error(`unexpected answer (exit ${r.code}): ${r.stderr.slice(0, 300)}`);
    return `exit ${r.code}: ${r.stderr.trim().split("\n").pop()}`;
  });

  // v2: a new commit and a new setting, released in place while a request loop runs.
  const v2 = commitApp(gitBase, (w) => writeFileSync(join(w, "VERSION"), "2\n"), "v2");
  const bundleV2 = await renderRelease(wiringOpts, { appEnv: [...stackAppEnv(), "GREETING=hello-v2"] });
  await check("a release in place (new commit and a new setting) while requests run: 0 failed, old version before, new after", async () => {
    const watch = watchVersions(site);
    await sleep(1500);
    const start = Date.now();
    const r = await releaser.push(bundleV2);
    const took = since(start);
    await eventually(30_000, async () => {
      const res = await get(site, "/version");
      if (!res.body.includes('"2"')) throw new Error(`still ${res.body}`);
    }, 200);
    await sleep(1500);
    const samples = await watch.stop();
    if (r.code !== 0) throw new Error(`release exited ${r.code}: ${(r.stdout + r.stderr).slice(-1500)}`);
    const failed = samples.filter((x) => !x.ok);
    const runs = versionRuns(samples);
    const firstNew = samples.find((x) => x.ok && x.version === "2");
    timings.releaseInPlace = took;
    timings.releaseSwitch = firstNew ? secs(firstNew.at - start) : undefined;
    if (failed.length) throw new Error(`${failed.length} of ${samples.length} requests failed, e.g. ${failed[0].error}`);
    if (runs.join(",") !== "1,2") throw new Error(`versions answered in the order ${runs.join(" -> ")}, expected 1 -> 2`);
    const lastGreeting = samples[samples.length - 1].greeting;
    if (lastGreeting !== "hello-v2") throw new Error(`the new setting did not reach the app: GREETING=${JSON.stringify(lastGreeting)}`);
    if (!r.stdout.includes(`${v2.slice(0, 40)} (main) is live`)) throw new Error(`the release did not report ${v2} live: ${r.stdout.slice(-500)}`);
    return `${samples.length} requests, 0 failed, versions 1 -> 2, GREETING=hello-v2; release took ${took} s (v2 first answered ${timings.releaseSwitch} s after the push started)`;
  });

  // v3: a requirement nobody can satisfy. The release must fail and v2 keep serving.
  commitApp(gitBase, (w) => {
    writeFileSync(join(w, "VERSION"), "3\n");
    writeFileSync(join(w, "requirements.txt"), `${readFileSync(join(w, "requirements.txt"), "utf8")}no-such-package-fullstack-test==9.9.9\n`);
  }, "v3: an unsatisfiable requirement");
  await check("a broken release (unsatisfiable requirement) fails with pip's own error, and the previous release keeps serving", async () => {
    const watch = watchVersions(site);
    const r = await releaser.push(bundleV2);
    await sleep(1000);
    const samples = await watch.stop();
    if (r.code === 0) throw new Error(`the broken release exited 0: ${r.stdout.slice(-500)}`);
    if (!/no-such-package-fullstack-test/.test(r.stdout + r.stderr)) throw new Error(`the output does not name the failing requirement: ${(r.stdout + r.stderr).slice(-800)}`);
    const failed = samples.filter((x) => !x.ok);
    const runs = versionRuns(samples);
    if (failed.length || runs.join(",") !== "2") throw new Error(`while it failed: ${failed.length} failed requests, versions ${runs.join(" -> ")}`);
    return `exit ${r.code}; ${samples.length} requests meanwhile, all answered by v2`;
  });

  // Rollback: the first release's commit is still kept on the server.
  const bundleV1 = await renderRelease(wiringOpts, { appRef: v1, appEnv: [...stackAppEnv(), "GREETING=hello-v2"] });
  await check("a rollback to a kept release switches without a rebuild", async () => {
    const watch = watchVersions(site);
    await sleep(1000);
    const start = Date.now();
    const r = await releaser.push(bundleV1);
    timings.rollback = since(start);
    await sleep(1500);
    const samples = await watch.stop();
    if (r.code !== 0) throw new Error(`rollback exited ${r.code}: ${(r.stdout + r.stderr).slice(-1500)}`);
    if (!/is kept in .*: no rebuild/.test(r.stdout)) throw new Error(`the rollback rebuilt: ${r.stdout.slice(-600)}`);
    const failed = samples.filter((x) => !x.ok);
    const runs = versionRuns(samples);
    if (failed.length) throw new Error(`${failed.length} of ${samples.length} requests failed, e.g. ${failed[0].error}`);
    if (runs.join(",") !== "2,1") throw new Error(`versions answered in the order ${runs.join(" -> ")}, expected 2 -> 1`);
    return `${timings.rollback} s, ${samples.length} requests, 0 failed, versions 2 -> 1`;
  });
}

// ------------------------------------------------------------------------------------------ HTTPS on one box

/**
 * The site's own certificate, as production gets it: the attempt at boot failed (the domain did not point
 * at the server yet) and nginx kept serving HTTP; once DNS points at it, the retry unit (what
 * fullstack-tls-issue.timer starts) gets the certificate from the ACME CA over HTTP-01 and switches nginx
 * to HTTPS. From here on the test reaches the site over HTTPS.
 */
async function httpsChecks(ssh: Ssh, site: Site): Promise<void> {
  phase = "HTTPS on one box";
  const ca = acme!;
  const unit = `${TLS_ISSUE_UNIT}.service`;
  await check("the certificate attempt at boot failed while DNS pointed elsewhere, and nginx kept serving HTTP", async () => {
    // The attempt started at boot (runcmd, --no-block) has long finished; wait for it all the same.
    await eventually(120_000, async () => {
      const state = await ssh.out(`systemctl show -p ActiveState --value ${unit}`);
      if (state === "activating") throw new Error(`${unit} is still running its first attempt`);
    }, 2000);
    const journal = await ssh.out(`sudo journalctl -u ${unit} -o cat --no-pager`);
    if (!journal.includes(`fullstack-tls: no certificate for ${DOMAIN} yet`)) {
      throw new Error(`no failed attempt in the journal of ${unit}:\n${journal.slice(-800)}`);
    }
    const paths = nginxSitePaths(currentServer!.appName);
    const enabled = await ssh.out(`readlink ${paths.enabled}`);
    if (enabled !== paths.available) throw new Error(`nginx's enabled site is ${enabled}, expected ${paths.available}`);
    const page = await site.request("/");
    if (page.status !== 200) throw new Error(`GET http://${DOMAIN}/ answered ${page.status}`);
    const why = journal.split("\n").find((l) => /Detail:|Connection refused|Timeout/.test(l));
    return `journal: "${why?.trim().slice(0, 160) ?? "no certificate yet"}"; HTTP still serves the app`;
  });

  ca.dns.address = "127.0.0.1";
  const ok = await check("once DNS points at the server, the retry unit gets a certificate from the ACME CA and nginx serves HTTPS", async () => {
    const start = Date.now();
    // What the timer does, without waiting for it: start the oneshot unit (and wait for it to finish).
    const r = await ssh.exec(`sudo systemctl start ${unit}`, 600);
    const journal = await ssh.out(`sudo journalctl -u ${unit} -o cat --no-pager -n 30`);
    if (r.code !== 0) throw new Error(`${unit} failed (exit ${r.code}):\n${journal.slice(-1500)}`);
    if (!journal.includes("fullstack-tls: nginx serves HTTPS")) throw new Error(`the deploy hook did not switch nginx:\n${journal.slice(-800)}`);
    const served = await eventually(30_000, async () => {
      const res = await httpsRequest(site.httpsPort, "/", { servername: DOMAIN, ca: ca.root, timeoutMs: 15_000 });
      if (res.status !== 200 || !res.body.includes("<title>Sample app</title>")) throw new Error(`GET https://${DOMAIN}/ answered ${res.status}`);
      return res;
    }, 1000);
    timings.https = since(start);
    if (served.certificate.subjectAltName !== `DNS:${DOMAIN}`) throw new Error(`the certificate is for ${served.certificate.subjectAltName}`);
    if (!/Pebble Intermediate CA/.test(served.certificate.issuer)) throw new Error(`the certificate was issued by ${served.certificate.issuer}`);
    if (served.headers["strict-transport-security"] !== `max-age=${HSTS_MAX_AGE_SECONDS}`) {
      throw new Error(`Strict-Transport-Security: ${served.headers["strict-transport-security"]}`);
    }
    return `${timings.https} s; certificate for ${served.certificate.subjectAltName} from ${served.certificate.issuer}, verified against the CA's root; HSTS max-age=${HSTS_MAX_AGE_SECONDS}`;
  });
  if (!ok) return;
  site.useHttps(ca.root);
  await check("over HTTP: the page redirects to HTTPS, /healthz still answers; certbot.timer renews", async () => {
    // nginx's reload is asynchronous: until the old workers let go of port 80, one may still answer from
    // the HTTP-only site. The switch is done when the redirect comes back.
    const redirect = await eventually(30_000, async () => {
      const r = await site.http("/jobs?x=1");
      if (r.status !== 301) throw new Error(`GET http://${DOMAIN}/jobs?x=1 answered ${r.status}`);
      return r;
    }, 1000);
    if (redirect.status !== 301 || redirect.headers.location !== `https://${DOMAIN}/jobs?x=1`) {
      throw new Error(`GET http://${DOMAIN}/jobs?x=1 answered ${redirect.status} ${redirect.headers.location ?? ""}`);
    }
    const health = await site.http("/healthz");
    if (health.status !== 200) throw new Error(`GET http://${DOMAIN}/healthz answered ${health.status}`);
    const timers = await ssh.out("systemctl is-enabled certbot.timer; systemctl is-active certbot.timer");
    if (timers.split("\n").join(" ") !== "enabled active") throw new Error(`certbot.timer: ${timers.replace(/\n/g, ", ")}`);
    return `301 -> https://${DOMAIN}/jobs?x=1; /healthz 200 over HTTP; certbot.timer enabled and active`;
  });
}

// ------------------------------------------------------------------------------------------ bench/RESULTS.md

/** Where the first boot's time went, by the guest's own accounting (not asserted; written to RESULTS.md). */
let profile: ProfileRow[] = [];

async function bootProfile(ssh: Ssh, releaser: Releaser | undefined): Promise<void> {
  const blame = await ssh.exec("sudo cloud-init analyze blame", 120);
  const apt = await ssh.exec("sudo cat /var/log/apt/history.log", 30);
  const booted = (await ssh.exec("uptime -s", 30)).stdout.trim();
  const modules = parseBlame(blame.stdout).filter((r) => r.seconds >= 1);
  profile = [...modules.slice(0, 8), ...parseAptHistory(apt.stdout, booted || undefined), ...parseReleaseSteps(releaser?.firstResult?.stdout ?? "")];
  if (!modules.length) warnings.push(`no boot profile: cloud-init analyze blame exited ${blame.code}: ${blame.stderr.trim().slice(0, 200)}`);
  for (const row of profile) log(`boot profile: ${row.what}: ${row.seconds.toFixed(1)} s`);
}

function writeResults(server: ServerUnderTest | undefined, accel: string, ok: boolean): void {
  const t = (k: string) => (timings[k] === undefined ? "n/a" : timings[k]!.toFixed(1));
  const roles = server ? [
    server.roles.web && "web", server.roles.postgres && "postgres", server.roles.redis && "redis",
    server.roles.worker && `${server.roles.worker.kind} worker`, server.roles.scheduler && "scheduler",
  ].filter(Boolean).join(", ") : "n/a";
  const heading = SCOPE === "full" ? "## VM boot" : `## VM first boot, ${server?.bake ? "baked" : "stock"} image`;
  const rows = [
    `| Kernel prints its banner | ${t("kernel")} |`,
    `| Login prompt on the serial console | ${t("login")} |`,
    `| First HTTP answer from nginx (any status) | ${t("firstHttp")} |`,
    `| First release pushed over SSH (the Command resource's way) finished | ${t("firstRelease")} |`,
    `| First \`/healthz\` 200 through nginx → gunicorn (first HTTP answer from the app) | ${t("firstHealthz")} |`,
    `| cloud-init done (final message on the console) | ${t("cloudInitDone")} |`,
    `| cloud-init's own count ("Up N seconds", guest uptime) | ${t("cloudInitUptime")} |`,
    `| gunicorn main process SIGKILLed → restarted by systemd and answering | ${t("restart")} |`,
    `| Reboot command → \`/healthz\` 200 again | ${t("reboot")} |`,
    `| Release in place (new commit + setting; same requirements, so the virtualenv is reused): push → release command done | ${t("releaseInPlace")} |`,
    `| Same release: push started → first request answered by the new version | ${t("releaseSwitch")} |`,
    `| Rollback to a kept release: push → done | ${t("rollback")} |`,
    `| HTTPS on the box: retry unit started (DNS now pointing at it) → page served over HTTPS with the new certificate | ${t("https")} |`,
    `| POST /jobs → row marked done by the worker | ${t("jobDone")} |`,
    `| Nightly backup run on demand: pg_dump, and the copy off the box (S3 server on the host) | ${t("backup")} |`,
    `| Restore drill: the copy fetched, restored into a throwaway cluster, counted, removed (whole unit) | ${t("drillTotal")} |`,
    `| Restore drill's own report: restore (cluster made, pg_restore) | ${t("drillRestore")} |`,
    `| Restore drill's own report: data-loss window (age of the newest backup) | ${t("drillWindow")} |`,
    `| Same after the reboot | ${t("jobDoneAfterReboot")} |`,
    `| Base image build in this run (debootstrap + mkfs; 0 when cached in .cache/vm) | ${t("imageBuild")} |`,
    ...(server?.bake ? [
      `| Server image bake in this run (the stack's builder user data booted until it powers off; 0 when cached) | ${t("bake")} |`,
      ...(timings.bake === 0 && bakeBuiltIn !== undefined ? [`| The cached server image's bake | ${bakeBuiltIn.toFixed(1)} |`] : []),
    ] : []),
    `| Whole \`npm run test:server\` | ${t("total")} |`,
    ...(timings.imageBuild === 0 && imageBuiltIn !== undefined
      ? [`| Whole run with a fresh image (this run + the cached image's build time, ${imageBuiltIn.toFixed(1)} s) | ${(timings.total! + imageBuiltIn).toFixed(1)} |`]
      : []),
  // The first boot alone leaves the later steps out: no rows for them (a failed first boot keeps its n/a rows).
  ].filter((row) => SCOPE === "full" || !(row.endsWith("| n/a |") && LATER_STEPS.some((step) => row.startsWith(`| ${step}`))));
  const section = [
    heading,
    "",
    ...(SCOPE === "full" ? [
      "`npm run test:server` (`tests/server/run.ts`): the dev stack's cloud-config, rendered by the library, booted",
      "in a local Debian 12 VM (qemu, user-mode networking, packages from Debian's mirror at boot). Seconds from",
      "qemu's start unless noted. Replaced by each run.",
    ] : [
      "`SERVER_TEST_SCOPE=first-boot npm run test:server`: the same VM test's first boot alone (the checks right after",
      "it, then power-off), on the image its heading names. Seconds from qemu's start unless noted. Replaced by each run.",
    ]),
    "",
    `- Run: ${new Date().toISOString()}, result **${ok ? "passed" : "FAILED"}**, accel ${accel}, 2 vCPUs, ${MEMORY_MB} MiB`,
    `- Server: ${server?.serverName ?? "n/a"} (stack ${STACK}${process.env.SERVER_TEST_CONFIG ? `, overrides ${process.env.SERVER_TEST_CONFIG}` : ""}); roles: ${roles}; ` +
      `image: ${server?.bake ? "baked with the server's packages (serverImage=baked)" : "stock Debian 12 (the first boot installs the packages)"}`,
    "",
    "| Step | Seconds |",
    "|---|---|",
    ...rows,
    "",
    ...(profile.length ? [
      "Where the first boot's time went, by the guest's own accounting: cloud-init's modules (`cloud-init analyze",
      "blame`, one second or more, longest first; the package module holds apt's runs), each apt run",
      "(/var/log/apt/history.log, whole seconds) and the first release's steps (its own stamps).",
      "",
      "| Part of the first boot | Seconds |",
      "|---|---|",
      ...profile.map((r) => `| ${r.what.replace(/\|/g, "\\|")} | ${r.seconds.toFixed(1)} |`),
      "",
    ] : []),
    ...(checks.some((c) => !c.ok) ? ["Failed checks:", "", ...checks.filter((c) => !c.ok).map((c) => `- ${c.name}: ${c.detail}`), ""] : []),
    ...(warnings.length ? ["Notes:", "", ...warnings.map((w) => `- ${w}`), ""] : []),
  ].join("\n");

  mkdirSync(join(ROOT, "bench"), { recursive: true });
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "# Benchmark results\n\nOne section per benchmark; each is replaced by its own run.\n";
  const start = current.search(new RegExp(`^${heading}\\s*$`, "m"));
  let next: string;
  if (start < 0) {
    next = `${current.replace(/\n*$/, "\n\n")}${section}`;
  } else {
    const rest = current.slice(start + 1);
    const endRel = rest.search(/^## /m);
    const end = endRel < 0 ? current.length : start + 1 + endRel;
    next = `${current.slice(0, start)}${section}${endRel < 0 ? "" : "\n"}${current.slice(end)}`;
  }
  writeFileSync(RESULTS, next.replace(/\n*$/, "\n"));
}

// ------------------------------------------------------------------------------------------ main

function preflight(): void {
  const tools = ensureTools(realHost(), { groups: ["server"], check: true });
  if (!tools.ok) throw new Failure(tools.line);
  if (process.getuid?.() !== 0) throw new Failure("run as root: building the image needs debootstrap and chroot");
}

async function main(): Promise<number> {
  preflight();
  mkdirSync(CACHE, { recursive: true });
  const unlock = takeLock(join(CACHE, "server-test.lock"));
  process.on("exit", unlock);

  phase = "building the base image";
  const image = await ensureImage(CACHE, log);
  timings.imageBuild = image.buildSeconds;
  imageBuiltIn = image.builtInSeconds;
  log(image.built ? `base image built in ${image.buildSeconds.toFixed(0)} s` : `base image cached: ${image.dir}`);

  phase = "rendering the cloud-config";
  for (const stale of reapStale(RUN_DIR)) log(`killed ${stale} left running by an earlier, killed run`);
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const key = join(RUN_DIR, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "fullstack-server-test", "-f", key]);
  const [gitPort, httpPort, httpsPort, sshPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // The test ACME CA: Pebble validates HTTP-01 through the guest's port 80 forward. Its DNS first points the
  // domain at an address where nothing listens, as the site's record does in production until the
  // reserved IP moves to the new server (after its first release): the attempt at boot must fail harmlessly.
  acme = new TestAcme({ dir: join(RUN_DIR, "acme"), domain: DOMAIN, httpPort, apiAddresses: [HOST_FROM_GUEST], onChild: track });
  await acme.start();
  acme.dns.address = DNS_NOT_YET;
  // Where the server's heartbeats and off-box dumps go: a ping receiver and an S3 server on the host.
  const ops = await startOperations();
  currentWiring = {
    stack: STACK, gitPort, sshPublicKey: readFileSync(`${key}.pub`, "utf8").trim(),
    installRecommends: process.env.SERVER_TEST_RECOMMENDS === "1",
    extraConfig: process.env.SERVER_TEST_CONFIG ? (JSON.parse(process.env.SERVER_TEST_CONFIG) as Record<string, unknown>) : undefined,
    acme: { domain: DOMAIN, directoryUrl: acme.directoryUrl(HOST_FROM_GUEST), caPem: acme.apiCa },
    operations: {
      heartbeatUrl: `http://${HOST_FROM_GUEST}:${ops.pings.port}/fullstack-test`, s3Host: `${HOST_FROM_GUEST}:${ops.s3.port}`,
      logSink: `syslog://${HOST_FROM_GUEST}:${ops.logs.port}`,
    },
  };
  const server = await renderServer(currentWiring);
  if (server.backupStore) configureStore(ops.s3, server.backupStore);
  writeFileSync(join(RUN_DIR, "rendered-user-data.yaml"), server.rendered);
  const r = server.roles;
  log(`stack ${STACK}: server ${server.serverName}, app ${server.appName}; roles: web=${r.web} postgres=${r.postgres} ` +
    `redis=${r.redis} worker=${r.worker ? `${r.worker.kind} (${r.worker.unit})` : "none"} scheduler=${r.scheduler?.unit ?? "none"}`);
  for (const w of server.wiring) log(`test wiring: ${w}`);
  if (!r.web) throw new Failure(`the ${STACK} stack's server has no web role (no nginx package): nothing to test from outside`);

  const gitBase = makeAppRepo(RUN_DIR, APP_DIR);
  await startGitDaemon(gitBase, gitPort, join(RUN_DIR, "git-daemon.log"));
  const seed = makeSeed(RUN_DIR, server.seed,
    `instance-id: fullstack-test-${Date.now()}\nlocal-hostname: ${server.serverName}\n`);

  let accel: Accel = "tcg";
  let accelWhy = "";
  const forced = process.env.SERVER_TEST_ACCEL;
  if (forced === "tcg" || forced === "kvm") {
    accel = forced;
    accelWhy = "SERVER_TEST_ACCEL";
  } else {
    const kvm = probeKvm();
    accel = kvm.usable ? "kvm" : "tcg";
    accelWhy = kvm.why;
  }
  // A baked image: the stack's builder user data booted first, until it powers off (cached like the base).
  let bootImage = image;
  if (server.bake) {
    phase = "baking the server image";
    bootImage = await ensureBakedImage(CACHE, image, server.bake.userData, accel, MEMORY_MB, log);
    timings.bake = bootImage.buildSeconds;
    bakeBuiltIn = bootImage.builtInSeconds;
    log(bootImage.built ? `server image baked in ${bootImage.buildSeconds.toFixed(0)} s` : `server image cached: ${bootImage.dir}`);
  }
  const vmOpts = { runDir: RUN_DIR, image: bootImage, seedIso: seed, accel, memoryMb: MEMORY_MB, httpPort, httpsPort, sshPort, volumes: server.volumes };
  const site = new Site(httpPort, httpsPort, DOMAIN);
  let vm = new Vm(vmOpts);
  activeVm = vm;
  const ssh = new Ssh(sshPort, server.adminUser, key);
  // Where the stack pushes releases over SSH, the test pushes them the same way: as the release user,
  // with the stack's release key, checking the host key the stack gave the server.
  let releaser: Releaser | undefined;
  if (server.release) {
    const releaseKey = join(RUN_DIR, "release_key");
    writeFileSync(releaseKey, server.release.privateKey, { mode: 0o600 });
    const knownHosts = join(RUN_DIR, "release_known_hosts");
    writeFileSync(knownHosts, `[127.0.0.1]:${sshPort} ${server.release.hostPublicKey}\n`);
    releaser = new Releaser(new Ssh(sshPort, server.release.user, releaseKey, knownHosts));
  }
  activeSsh = ssh;

  phase = "booting";
  log(`booting with ${accel} (${accelWhy}); http 127.0.0.1:${httpPort}, https 127.0.0.1:${httpsPort}, ssh 127.0.0.1:${sshPort}; serial log ${vm.serialLog}`);
  vm.start();
  if (accel === "kvm") {
    const start = Date.now();
    while (Date.now() - start < 30_000 && !vm.serial().includes("Linux version") && vm.running) await sleep(500);
    if (!vm.serial().includes("Linux version")) {
      log("KVM guest printed nothing in 30 s: falling back to TCG");
      vm.kill();
      await sleep(500);
      accel = "tcg";
      accelWhy = "KVM guest did not boot";
      vm = new Vm({ ...vmOpts, accel });
      activeVm = vm;
      vm.start();
    }
  }
  const accelLabel = `${accel} (${accelWhy})`;
  currentServer = server;
  currentAccel = accelLabel;

  // ---- first boot: wait for the app and for cloud-init
  // Whatever the deadline leaves after the reboot and the checks (about 150 s).
  const bootBudget = DEADLINE_S * 1000 - (Date.now() - t0) - 600_000;
  let cloudInitDoneAt = 0;
  let lastHttp = "no answer yet";
  let lastProgress = 0;
  while (Date.now() - vm.startedAt < bootBudget) {
    if (!vm.running) throw new Failure(`qemu exited during the first boot (${vm.exitDescription}); see ${RUN_DIR}/qemu.log\n${vm.serialTail()}`);
    const serial = vm.serial();
    const at = () => since(vm.startedAt);
    if (timings.kernel === undefined && serial.includes("Linux version")) timings.kernel = at();
    if (timings.login === undefined && / login: /.test(serial)) timings.login = at();
    const done = /Cloud-init v\. \S+ finished at .*Up ([\d.]+) seconds/.exec(serial);
    if (done && timings.cloudInitDone === undefined) {
      timings.cloudInitDone = at();
      timings.cloudInitUptime = Number(done[1]);
      cloudInitDoneAt = Date.now();
      log(`cloud-init finished (guest uptime ${done[1]} s)`);
    }
    try {
      const res = await site.request("/healthz", { timeoutMs: 5000 });
      lastHttp = `${res.status} ${JSON.stringify(res.body.slice(0, 80))}`;
      if (timings.firstHttp === undefined) {
        timings.firstHttp = at();
        log(`first HTTP answer from the guest: ${res.status}`);
      }
      if (res.status === 200 && res.body.trim() === "ok" && timings.firstHealthz === undefined) {
        timings.firstHealthz = at();
        log("/healthz answers 200 ok through nginx -> gunicorn");
      }
    } catch (err) {
      lastHttp = (err as Error).message;
    }
    if (releaser && !releaser.first && / login: /.test(serial)) {
      // What the Command resource does once the droplet exists: push the first release (it waits for cloud-init).
      log("pushing the first release over SSH (the release key's forced command)");
      releaser.first = releaser.push(server.release!.bundle, bootBudget);
    }
    if (releaser?.firstResult && releaser.firstResult.code !== 0) {
      throw new Failure(`the first release failed (exit ${releaser.firstResult.code}):\n${(releaser.firstResult.stdout + releaser.firstResult.stderr).slice(-3000)}`);
    }
    if (timings.firstHealthz !== undefined && cloudInitDoneAt) break;
    // Done booting: cloud-init finished, and the first release too where it is pushed.
    const bootDoneAt = releaser ? (releaser.firstResultAt ?? 0) : cloudInitDoneAt;
    if (cloudInitDoneAt && bootDoneAt && Date.now() - bootDoneAt > 60_000) break;
    if (Date.now() - lastProgress > 30_000) {
      lastProgress = Date.now();
      const lastLine = serial.replace(/\r/g, "").split("\n").filter((l) => l.trim()).pop() ?? "";
      log(`waiting: /healthz -> ${lastHttp}; console: ${lastLine.slice(0, 140)}`);
    }
    await sleep(2000);
  }
  if (timings.firstHealthz === undefined) {
    fail("app answers /healthz through nginx after the first boot",
      cloudInitDoneAt ? `cloud-init finished but /healthz never answered 200 (last: ${lastHttp})`
        : `no 200 from /healthz within ${Math.round(bootBudget / 1000)} s of boot (last: ${lastHttp})`);
    throw new Failure("the app never came up");
  }
  pass("app answers /healthz through nginx -> gunicorn after the first boot", `${timings.firstHealthz} s after qemu started`);
  if (releaser?.first) {
    // The switch answers before the release command returns; its own end is the first release's time.
    const first = await releaser.first;
    if (first.code !== 0) throw new Failure(`the first release failed (exit ${first.code}):\n${(first.stdout + first.stderr).slice(-3000)}`);
    timings.firstRelease = secs(releaser.firstResultAt! - vm.startedAt);
    log(`the first release finished ${timings.firstRelease} s after qemu started: ${first.stdout.trim().split("\n").pop()}`);
  }
  if (!cloudInitDoneAt) {
    warnings.push("cloud-init's final message did not appear on the console before the boot budget ran out");
  }

  phase = "checking the first boot";
  await check("SSH as the admin user from 10.0.2.2 (adminCidrs)", async () => {
    const out = await eventually(60_000, () => ssh.out("id -un"), 3000);
    if (out !== server.adminUser) throw new Error(`logged in as ${out}`);
    return `logged in as ${out}`;
  });
  await check("cloud-init status is done (no failed module)", async () => {
    const res = await ssh.exec("cloud-init status --wait --long", 180);
    if (!/^status: done$/m.test(res.stdout)) {
      const errs = await ssh.exec("sudo sh -c \"grep -E 'WARNING|ERROR|Traceback|Failed to run' /var/log/cloud-init.log | tail -n 15; " +
        "echo ...; tail -n 25 /var/log/cloud-init-output.log\"", 30);
      throw new Error(`${res.stdout.trim()}\n${errs.stdout}`);
    }
    return res.stdout.split("\n")[0];
  });
  await bootProfile(ssh, releaser);
  await check("no service failed to start during the first boot (but the certificate attempt, DNS not pointing yet), and the first-boot policy-rc.d is gone", async () => {
    // systemd's own "Failed to start <description>" lines; the issue unit's failure at boot is expected.
    const failed = (await ssh.out("sudo journalctl -b -o cat _PID=1 | grep -F 'Failed to start' || true"))
      .split("\n").filter((l) => l && !l.includes("TLS certificate"));
    if (failed.length) throw new Error(failed.slice(0, 5).join("; "));
    const policy = await ssh.exec("test -e /usr/sbin/policy-rc.d", 30);
    if (policy.code === 0) throw new Error("/usr/sbin/policy-rc.d is still there after the first boot");
    return "no failed start; /usr/sbin/policy-rc.d removed";
  });
  await check("the page (GET /) answers through nginx", () => checkPage(site));
  await check("static file served by nginx with cache headers", () => checkStatic(site));

  // celery beat runs from the app's own requirements; rq-scheduler is not in Debian (see the README).
  const beat = r.worker?.kind === "celery" && r.scheduler ? r.scheduler : undefined;
  const services = [server.gunicornUnit, ...(r.worker ? [r.worker.unit] : []), ...(beat ? [beat.unit] : [])];
  await check(`services running: ${services.join(", ")}`, () => servicesSteady(ssh, services));
  if (r.scheduler && !beat) {
    // Not asserted: the RQ scheduler needs rq-scheduler, which Debian does not package.
    try {
      await servicesSteady(ssh, [r.scheduler.unit], 6);
    } catch (err) {
      const why = (err as Error).message.replace(/^not steadily running: /, "");
      warnings.push(`not asserted: ${why}`);
      log(`note (not asserted): ${why}`);
    }
  }

  let jobId: number | undefined;
  if (r.postgres) {
    await check(`POST /jobs writes a row${r.worker ? " and the worker marks it done within 30 s" : ""}`, async () => {
      jobId = await postJob(site);
      if (!r.worker) return `job ${jobId} stored (no worker role: not waiting for done)`;
      timings.jobDone = await waitJobDone(site, jobId, ssh, r.worker.unit);
      return `job ${jobId} done after ${timings.jobDone} s`;
    });
  } else {
    log("no PostgreSQL in this cloud-config: skipping the job checks");
  }
  if (SCOPE === "first-boot") return powerOff(ssh, server, vm);

  if (releaser) await releaseChecks(releaser, server, site, gitBase);
  await httpsChecks(ssh, site);

  phase = "killing gunicorn";
  await check("gunicorn's main process killed with SIGKILL is restarted by systemd", async () => {
    const unit = server.gunicornUnit;
    const show = async () => {
      const out = await ssh.out(`systemctl show -p MainPID -p NRestarts -p ActiveState ${unit}`);
      const v = Object.fromEntries(out.split("\n").map((l) => l.split("=") as [string, string]));
      return { pid: Number(v.MainPID), restarts: Number(v.NRestarts), state: v.ActiveState };
    };
    const before = await show();
    if (!before.pid) throw new Error(`${unit} has no main process (${before.state})`);
    const killedAt = Date.now();
    await ssh.out(`sudo kill -KILL ${before.pid}`);
    // No HTTP traffic until systemd has acted: a request would start the service through its socket
    // and hide whether Restart= works.
    const after = await eventually(60_000, async () => {
      const s = await show();
      if (!(s.pid && s.pid !== before.pid && s.state === "active" && s.restarts > before.restarts)) {
        throw new Error(`${unit} not restarted: MainPID ${s.pid} (was ${before.pid}), NRestarts ${s.restarts} (was ${before.restarts}), ${s.state}`);
      }
      return s;
    });
    await eventually(30_000, () => expectHealthz(site));
    timings.restart = since(killedAt);
    return `pid ${before.pid} -> ${after.pid}, NRestarts ${before.restarts} -> ${after.restarts}, answering after ${timings.restart} s`;
  });

  phase = "rebooting";
  const bootsBefore = (vm.serial().match(/Linux version/g) ?? []).length;
  const rebootAt = Date.now();
  await ssh.exec("sudo systemctl reboot", 20);
  const rebooted = await check("the app answers again after a reboot", async () => {
    await eventually(180_000, async () => {
      if (!vm.running) throw new Failure(`qemu exited during the reboot (${vm.exitDescription})`);
      if ((vm.serial().match(/Linux version/g) ?? []).length <= bootsBefore) throw new Error("the guest did not restart within 180 s");
    }, 1000);
    await eventually(Math.max(60_000, Math.min(300_000, DEADLINE_S * 1000 - (Date.now() - t0) - 60_000)),
      () => expectHealthz(site), 2000);
    timings.reboot = since(rebootAt);
    return `/healthz 200 ${timings.reboot} s after the reboot command`;
  });
  if (rebooted) {
    phase = "checking after the reboot";
    await check("after the reboot: page and static file", async () => `${await checkPage(site)}; ${await checkStatic(site)}`);
    await check(`after the reboot: services running: ${services.join(", ")}`,
      () => eventually(30_000, () => servicesSteady(ssh, services), 2000));
    if (r.postgres && jobId !== undefined) {
      await check(`after the reboot: job ${jobId}'s row survived`, async () => {
        const status = await eventually(30_000, () => jobStatus(site, jobId!), 2000);
        if (status !== (r.worker ? "done" : "queued")) throw new Error(`job ${jobId} is "${status}"`);
        return `job ${jobId} is ${status}`;
      });
    }
    if (r.postgres && r.worker) {
      await check("after the reboot: a new job is marked done within 30 s", async () => {
        const id = await eventually(30_000, () => postJob(site), 2000);
        timings.jobDoneAfterReboot = await waitJobDone(site, id, ssh, r.worker!.unit);
        return `job ${id} done after ${timings.jobDoneAfterReboot} s`;
      });
    }
  }

  if (beat && r.postgres) {
    await check("celery beat's heartbeat task wrote rows (sample app: every minute)", async () => {
      const body = await eventually(90_000, async () => {
        const res = await get(site, "/heartbeats");
        const hb = JSON.parse(res.body) as { count?: number };
        if (res.status !== 200 || !hb.count) throw new Error(`GET /heartbeats: ${res.status} ${res.body.slice(0, 200)}`);
        return res.body;
      }, 5000);
      return body.trim();
    });
  }

  if (r.postgres && server.backupStore) await operationsChecks(check, ssh, server, ops, timings);

  // logSink: rsyslog on the server ships the app's services' lines (from the journal, tagged with their
  // unit's name) and nginx's access log (JSON lines) to the receiver on the host.
  await check("logs leave the box: the syslog receiver on the host has gunicorn's lines and nginx's requests as JSON", async () => {
    const app = server.appName;
    return eventually(90_000, async () => {
      const gunicorn = ops.logs.of(`${app}-gunicorn`);
      const requests = ops.logs.of(`${app}-nginx`).flatMap((text) => {
        try {
          return [JSON.parse(text) as { uri?: string; status?: number; request_time?: number }];
        } catch {
          return [];
        }
      });
      const page = requests.find((e) => e.uri === "/" && e.status === 200 && typeof e.request_time === "number");
      if (gunicorn.length === 0 || !page) {
        throw new Error(`the receiver has ${ops.logs.lines.length} lines: ${gunicorn.length} from ${app}-gunicorn, ${requests.length} JSON requests from ${app}-nginx ` +
          `(none for GET / 200 with a request time); last: ${JSON.stringify(ops.logs.lines.slice(-3).map((l) => l.text))}`);
      }
      const programs = [...new Set(ops.logs.lines.map((l) => /^<\d+>1 \S+ \S+ (\S+)/.exec(l.text)?.[1] ?? "?"))].sort();
      return `${ops.logs.lines.length} lines from ${programs.join(", ")}; e.g. ${JSON.stringify(gunicorn[gunicorn.length - 1]).slice(0, 120)}`;
    }, 2000);
  });

  // The page was fetched before and after the reboot: the first lines reached the log when nginx stopped
  // for the reboot (its buffer is written then), the later ones within the buffer's 5 s flush interval.
  await check("nginx logged the app's requests in the app's own access log, which logrotate rotates", async () => {
    const file = `/var/log/nginx/${server.appName}.access.log`;
    const count = await eventually(15_000, async () => {
      const n = Number(await ssh.out(`sudo grep -c -F '${nginxLogEntry({ method: "GET", uri: "/", status: 200 })}' ${file} || true`));
      if (!(n >= 2)) throw new Error(`${file} has ${n} lines for GET / (fetched at least once before and once after the reboot)`);
      return n;
    });
    const rotate = await ssh.exec("sudo logrotate --debug /etc/logrotate.d/nginx 2>&1", 30);
    if (!rotate.stdout.includes(`considering log ${file}`)) {
      throw new Error(`Debian's logrotate config for nginx does not rotate ${file}:\n${rotate.stdout.slice(-800)}`);
    }
    // Each line is one JSON object with the request's time and the app's part of it.
    const last = JSON.parse(await ssh.out(`sudo grep -F '${nginxLogEntry({ method: "GET", uri: "/", status: 200 })}' ${file} | tail -n 1`)) as Record<string, unknown>;
    if (typeof last.request_time !== "number" || !(Number(last.upstream_response_time) >= 0)) {
      throw new Error(`${file}'s last line for GET / has no request or upstream time: ${JSON.stringify(last)}`);
    }
    return `${count} requests for / in ${file} (JSON lines: request ${String(last.request_time)} s, app ${String(last.upstream_response_time)} s); logrotate rotates it`;
  });

  return powerOff(ssh, server, vm);
}

/** The guest's diagnostics when a check failed, then a clean power-off; the run's exit code. */
async function powerOff(ssh: Ssh, server: ServerUnderTest, vm: Vm): Promise<number> {
  if (checks.some((c) => !c.ok)) {
    const text = await diagnostics(ssh, server, vm);
    console.log(`\n---- guest diagnostics (also in ${RUN_DIR}/diagnostics.txt) ----\n${text.slice(0, 12_000)}\n----`);
  }
  phase = "powering off";
  const how = await vm.stop(60_000);
  log(`VM ${how}`);
  return checks.some((c) => !c.ok) ? 1 : 0;
}

let activeVm: Vm | undefined;
let acme: TestAcme | undefined;
let currentWiring: WiringOptions | undefined;
let imageBuiltIn: number | undefined;
let bakeBuiltIn: number | undefined;
let activeSsh: Ssh | undefined;
let currentServer: ServerUnderTest | undefined;
let currentAccel = "n/a";

function finish(code: number): never {
  timings.total = since(t0);
  try {
    writeResults(currentServer, currentAccel, code === 0);
  } catch (err) {
    console.error(`server test: could not write ${RESULTS}: ${(err as Error).message}`);
  }
  killAll();
  const failed = checks.filter((c) => !c.ok);
  console.log("");
  for (const c of checks) console.log(`${c.ok ? "ok  " : "FAIL"} ${c.name}${c.detail ? ` (${c.detail.split("\n")[0]})` : ""}`);
  for (const w of warnings) console.log(`note ${w}`);
  if (code === 0) {
    // Keep the run directory's logs; drop the multi-GB disks of a passing run.
    for (const f of ["disk.qcow2", "volume-0.qcow2", "volume-1.qcow2"]) rmSync(join(RUN_DIR, f), { force: true });
    console.log(`\nserver test passed in ${timings.total} s (timings in bench/RESULTS.md)`);
  } else {
    console.error(`\nserver test FAILED after ${timings.total} s: ${failed.length ? failed.map((c) => c.name).join("; ") : phase}` +
      `\nlogs, seed and disks kept in ${RUN_DIR}`);
  }
  process.exit(code);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    console.error(`\nserver test: ${sig} during ${phase}; stopping qemu`);
    activeVm?.kill();
    killAll();
    process.exit(sig === "SIGINT" ? 130 : 143);
  });
}
process.on("exit", () => killAll());

const deadline = setTimeout(() => {
  fail("finishes within the deadline", `still ${phase} after ${DEADLINE_S} s`);
  activeVm?.kill();
  finish(1);
}, DEADLINE_S * 1000);
deadline.unref();

main().then(finish, async (err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  if (!(err instanceof Failure)) console.error(err);
  fail(`server test (${phase})`, msg);
  if (activeVm?.running && activeSsh && currentServer) {
    const text = await diagnostics(activeSsh, currentServer, activeVm).catch((e: Error) => e.message);
    console.log(`\n---- guest diagnostics (also in ${RUN_DIR}/diagnostics.txt) ----\n${text.slice(0, 12_000)}\n----`);
  }
  activeVm?.kill();
  finish(1);
});
