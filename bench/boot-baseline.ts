/**
 * `npm run bench:boot`: the floor for a first boot. Boots the server test's Debian 12 image (qemu, the
 * same CPU emulation, memory and apt wiring) with a user data that only installs nginx, and times qemu's
 * start to nginx's first 200. `npm run test:server` times the same image to the app's first `/healthz`;
 * issue #13 asks that to stay within twice this floor. Runs BENCH_BOOT_RUNS boots (default 3) and
 * writes the "Boot baseline" section of bench/RESULTS.md (median and spread, beside the VM test's figure).
 * Needs root and the `server` tools, like the VM test; never runs beside it (the same lock).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "../harness/local";
import { ensureImage, httpRequest, killAll, makeSeed, probeKvm, sleep, takeLock, Vm } from "../tests/server/vm";

const ROOT = resolve(__dirname, "..");
const CACHE = join(ROOT, ".cache", "vm");
const RUN_DIR = join(CACHE, "baseline");
const RESULTS = join(ROOT, "bench", "RESULTS.md");
const RUNS = Number(process.env.BENCH_BOOT_RUNS ?? 3);
const MEMORY_MB = 1024;
const LIMIT_S = 900;

/** What the server test's seed adds for apt (tests/server/wiring.ts), so both boots install alike. */
const USER_DATA = [
  "#cloud-config",
  "package_update: true",
  "packages: [nginx]",
  "write_files:",
  "  - path: /etc/apt/apt.conf.d/99-fullstack-server-test",
  "    permissions: '0644'",
  "    content: |",
  "      APT::Install-Recommends \"false\";",
  "      Acquire::Languages \"none\";",
  "",
].join("\n");

async function bootOnce(i: number): Promise<number> {
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const image = await ensureImage(CACHE, (s) => console.log(`[boot-baseline] ${s}`));
  const seed = makeSeed(RUN_DIR, USER_DATA, `instance-id: baseline-${Date.now()}-${i}\nlocal-hostname: baseline\n`);
  const [httpPort, httpsPort, sshPort] = [await freePort(), await freePort(), await freePort()];
  const accel = probeKvm().usable ? "kvm" : "tcg";
  const vm = new Vm({ runDir: RUN_DIR, image, seedIso: seed, accel, memoryMb: MEMORY_MB, httpPort, httpsPort, sshPort, volumes: [] });
  vm.start();
  try {
    while (Date.now() - vm.startedAt < LIMIT_S * 1000) {
      if (!vm.running) throw new Error(`qemu exited (${vm.exitDescription})`);
      try {
        const r = await httpRequest(httpPort, "/", { timeoutMs: 5000 });
        if (r.status === 200) return (Date.now() - vm.startedAt) / 1000;
      } catch {
        // not up yet
      }
      await sleep(1000);
    }
    throw new Error(`nginx did not answer within ${LIMIT_S} s`);
  } finally {
    vm.kill();
  }
}

/** The first `/healthz` of each VM test section in the results ("VM boot", "VM first boot, stock image"), with its heading. */
function vmTestFirstHealthz(): { heading: string; seconds: number }[] {
  if (!existsSync(RESULTS)) return [];
  return readFileSync(RESULTS, "utf8").split(/^(?=## )/m).flatMap((section) => {
    const heading = /^## (VM [^\n]*)/.exec(section)?.[1];
    const m = /\| First `\/healthz` 200 through nginx → gunicorn[^|]*\| ([\d.]+) \|/.exec(section);
    if (!heading || !m) return [];
    const image = /image: (baked|stock)/.exec(section)?.[1];
    return [{ heading: `${heading}${image && !heading.includes(image) ? `, ${image} image` : ""}`, seconds: Number(m[1]) }];
  });
}

async function main(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  const unlock = takeLock(join(CACHE, "server-test.lock"));
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const s = await bootOnce(i);
      console.log(`[boot-baseline] boot ${i + 1}/${RUNS}: nginx answered 200 after ${s.toFixed(1)} s`);
      times.push(s);
    }
  } finally {
    unlock();
    killAll();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const app = vmTestFirstHealthz();
  const section = [
    "## Boot baseline",
    "",
    "`npm run bench:boot` (`bench/boot-baseline.ts`): the server test's image (Debian 12, qemu TCG, 2 vCPUs,",
    `${MEMORY_MB} MiB, apt without Recommends) booted with a user data that only installs nginx; seconds from qemu's`,
    "start to nginx's first 200. The floor for any first boot on this machine. Replaced by each run.",
    "",
    `- Run: ${new Date().toISOString()}, ${RUNS} boots, host load average at the end ${(await import("node:os")).loadavg()[0].toFixed(2)}`,
    `- Seconds: ${times.map((t) => t.toFixed(1)).join(", ")}; median **${median.toFixed(1)}**, spread ${(sorted[sorted.length - 1] - sorted[0]).toFixed(1)}`,
    ...(app.length
      ? app.map((a) => `- The VM test's last first \`/healthz\` ("${a.heading}" in this file): ${a.seconds.toFixed(1)} s, ${(a.seconds / median).toFixed(2)}× this median (target: at most 2×)`)
      : ["- No VM test figure in this file yet."]),
    "",
  ].join("\n");
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "# Benchmark results\n";
  const start = current.search(/^## Boot baseline\s*$/m);
  let next: string;
  if (start < 0) next = `${current.replace(/\n*$/, "\n\n")}${section}`;
  else {
    const rest = current.slice(start + 1);
    const endRel = rest.search(/^## /m);
    next = `${current.slice(0, start)}${section}${endRel < 0 ? "" : `\n${current.slice(start + 1 + endRel)}`}`;
  }
  writeFileSync(RESULTS, next.replace(/\n*$/, "\n"));
  console.log(`[boot-baseline] median ${median.toFixed(1)} s over ${RUNS} boots; written to bench/RESULTS.md`);
}

main().catch((err) => {
  console.error(err);
  killAll();
  process.exit(1);
});
