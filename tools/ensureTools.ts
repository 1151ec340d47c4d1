/**
 * Finds the real programs the tests need (tools/debianTools.ts) and installs what is missing with apt.
 * `npm test` runs it first (package.json `pretest`); `.ci/run` runs it for the VM test's tools too.
 *
 *   tsx tools/ensureTools.ts [--check] [--for test,server] [--need-root] [--root DIR]
 *
 * Nothing missing: one line, exit 0, apt untouched. Something missing: `apt-get update`, then
 * `apt-get install -y --no-install-recommends` (DEBIAN_FRONTEND=noninteractive, through `sudo -n` when
 * not root) of the first package of each tool this release has. Where that cannot be done (`--check`,
 * not root and no passwordless sudo, no apt-get, no package on this release, apt fails, or the tool is
 * still not found afterwards) it prints ONE line naming what is missing and how to get it, and exits 1.
 * `--need-root` (npm test's pretest) also insists on running as root: the tests cannot pass as another
 * user (see NEEDS_ROOT), so that too is one line before any test. `--root DIR` looks for everything under
 * DIR instead of / (for tests of the missing-tool path).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { isExecutable } from "../harness/local";
import { neededBy, TOOLS, type Probe, type Tool, type ToolGroup } from "./debianTools";

export const SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** What ensureTools asks of the machine; tests pass a fake one. */
export interface Host {
  /** Whether the probe holds. */
  probe(p: Probe): boolean;
  /** The effective uid (0: root). */
  uid: number;
  /** apt-get and apt-cache are there. */
  hasApt(): boolean;
  /** `sudo -n true` works (passwordless sudo). */
  canSudo(): boolean;
  /** Runs a command (argv[0] is the program); apt's own output is returned, not printed. */
  run(argv: string[], env?: Record<string, string>): { status: number; output: string };
  /** Whether apt has an installation candidate for the package (after `apt-get update`). */
  hasCandidate(pkg: string): boolean;
  /** Progress for a person (stderr); never part of the one-line verdict. */
  log(line: string): void;
}

export interface Outcome {
  ok: boolean;
  /** The one line to print: what was found or installed, or what is missing and how to get it. */
  line: string;
  /** Packages installed (empty when nothing was missing). */
  installed: string[];
}

export interface EnsureOptions {
  groups: ToolGroup[];
  /** Only look; never install. */
  check?: boolean;
  /** The caller is about to run the tests, which only pass as root. */
  needRoot?: boolean;
}

/** Why `npm test` runs as root: what its checks do that another user cannot (measured as nobody). */
export const NEEDS_ROOT = "nginx -t binds the sites' port 80, Debian's /etc/redis/redis.conf (which the Redis config includes) "
  + "is readable only by redis, and PostgreSQL is run as the postgres user";

/** The project's command that installs the tools of `groups`. */
export const installCommand = (groups: ToolGroup[]) => (groups.join() === "test" ? "npm run tools" : `npm run tools -- --for ${groups.join(",")}`);

const named = (t: Tool) => `${t.name} (${t.packages.join(" or ")})`;
const list = (tools: Tool[]) => tools.map(named).join(", ");

export function missingTools(host: Pick<Host, "probe">, groups: ToolGroup[]): Tool[] {
  return TOOLS.filter((t) => neededBy(t, groups) && !t.probes.every((p) => host.probe(p)));
}

function lastAptError(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.filter((l) => /^E:/.test(l)).at(-1) ?? lines.at(-1) ?? "no output";
}

/** Finds the tools of `groups`; installs the missing ones unless `check`. Never throws for a missing tool. */
export function ensureTools(host: Host, options: EnsureOptions): Outcome {
  const wanted = TOOLS.filter((t) => neededBy(t, options.groups));
  const missing = missingTools(host, options.groups);
  if (options.needRoot && host.uid !== 0) {
    const then = missing.length > 0 ? `; it then installs what is missing: ${list(missing)}` : "";
    return { ok: false, line: `npm test runs as root (${NEEDS_ROOT}): run \`sudo npm test\`${then}`, installed: [] };
  }
  if (missing.length === 0) return { ok: true, line: `tools: all ${wanted.length} found (${options.groups.join(", ")})`, installed: [] };

  const packages = [...new Set(missing.map((t) => t.packages[0]))];
  const byHand = `apt-get install ${packages.join(" ")}`;
  if (options.check) {
    return { ok: false, line: `tools missing: ${list(missing)}; install them with \`${installCommand(options.groups)}\` (as root or with passwordless sudo) or \`${byHand}\``, installed: [] };
  }
  if (!host.hasApt()) {
    return { ok: false, line: `tools missing: ${list(missing)}; this machine has no apt-get: install those Debian/Ubuntu packages' programs by hand`, installed: [] };
  }
  let sudo: string[] = [];
  if (host.uid !== 0) {
    if (!host.canSudo()) {
      return { ok: false, line: `tools missing: ${list(missing)}; installing needs root, and \`sudo -n\` cannot be used here: run \`sudo ${byHand}\` or install as root`, installed: [] };
    }
    sudo = ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"];
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  // Wait for another apt or dpkg (unattended-upgrades, a parallel run) rather than fail on its lock.
  const lock = ["-o", "DPkg::Lock::Timeout=600"];

  // No progress line before the install itself: a failure up to there is the one line printed.
  const update = host.run([...sudo, "apt-get", "-qq", ...lock, "update"], env);
  if (update.status !== 0) {
    return { ok: false, line: `tools missing: ${list(missing)}; apt-get update failed (${lastAptError(update.output)}): fix apt's sources, then npm test`, installed: [] };
  }

  const chosen: string[] = [];
  const unavailable: Tool[] = [];
  for (const t of missing) {
    const pkg = t.packages.find((p) => host.hasCandidate(p));
    if (pkg) chosen.push(pkg);
    else unavailable.push(t);
  }
  if (unavailable.length > 0) {
    return {
      ok: false, installed: [],
      line: `tools missing: ${list(unavailable)}; this release's apt sources have none of those packages: enable the distribution's main/universe sources or install the programs by hand`,
    };
  }

  const install = [...new Set(chosen)];
  host.log(`tools missing: ${missing.map((t) => t.name).join(", ")}; apt-get install ${install.join(" ")}`);
  const started = Date.now();
  const r = host.run([...sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", ...lock, ...install], env);
  if (r.status !== 0) {
    return { ok: false, line: `tools missing: ${list(missing)}; apt-get install ${install.join(" ")} failed: ${lastAptError(r.output)}`, installed: [] };
  }
  const still = missingTools(host, options.groups);
  if (still.length > 0) {
    return { ok: false, line: `tools missing after installing ${install.join(" ")}: ${list(still)}; not where the tests look (see tools/debianTools.ts)`, installed: install };
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  return { ok: true, line: `tools: installed ${install.join(" ")} in ${seconds} s; all ${wanted.length} found (${options.groups.join(", ")})`, installed: install };
}

// --- the real machine --------------------------------------------------------------------------------

/** Paths matching `pattern` under `root`, where `*` stands for one path segment. */
export function expand(root: string, pattern: string): string[] {
  let paths = [root];
  for (const segment of pattern.split("/").filter(Boolean)) {
    if (segment.includes("*")) {
      const re = new RegExp(`^${segment.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
      paths = paths.flatMap((p) => {
        try {
          return readdirSync(p).filter((e) => re.test(e)).map((e) => join(p, e));
        } catch {
          return [];
        }
      });
    } else paths = paths.map((p) => join(p, segment));
  }
  return paths.filter(present);
}

/** The path exists, or is there but hidden from this user (e.g. /etc/redis/redis.conf for anyone but redis). */
function present(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EACCES";
  }
}

/** This machine, or a tree under `root` (then nothing is run: apt is absent and python probes fail unless root has /usr/bin/python3). */
export function realHost(root = "/"): Host {
  const inRoot = (p: string) => join(root, p);
  const dirs = `${root === "/" ? `${process.env.PATH ?? ""}:` : ""}${SBIN_PATH}`.split(":").filter(Boolean);
  const run = (argv: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(argv[0], argv.slice(1), {
      env: { ...process.env, PATH: `${process.env.PATH ?? ""}:${SBIN_PATH}`, ...env },
      encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: r.error ? 127 : (r.status ?? 1), output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
  };
  return {
    uid: process.getuid?.() ?? 0,
    probe(p) {
      if ("command" in p) return p.command.some((c) => dirs.some((d) => isExecutable(join(root, d, c))));
      if ("path" in p) return expand(root, p.path).length > 0;
      const python = inRoot("/usr/bin/python3");
      return existsSync(python) && spawnSync(python, ["-c", `import ${p.python}`], { stdio: "ignore" }).status === 0;
    },
    hasApt: () => root === "/" && ["apt-get", "apt-cache"].every((c) => dirs.some((d) => isExecutable(join(d, c)))),
    canSudo: () => spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0,
    run,
    hasCandidate(pkg) {
      const r = run(["apt-cache", "policy", pkg]);
      const m = /Candidate:\s*(\S+)/.exec(r.output);
      return r.status === 0 && m !== null && m[1] !== "(none)";
    },
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

function main(argv: string[]): number {
  let check = false;
  let groups: ToolGroup[] = ["test"];
  let root = "/";
  let needRoot = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--check") check = true;
    else if (a === "--for") groups = (argv[++i] ?? "").split(",") as ToolGroup[];
    else if (a === "--root") root = argv[++i] ?? "/";
    else if (a === "--need-root") needRoot = true;
    else {
      process.stderr.write(`usage: tsx tools/ensureTools.ts [--check] [--for test,server] [--need-root] [--root DIR] (unknown argument ${a})\n`);
      return 2;
    }
  }
  const known: ToolGroup[] = ["test", "server"];
  const bad = groups.filter((g) => !known.includes(g));
  if (bad.length > 0 || groups.length === 0) {
    process.stderr.write(`--for takes ${known.join(", ")} (comma-separated), not ${bad.join(", ") || "nothing"}\n`);
    return 2;
  }
  const outcome = ensureTools(realHost(root), { groups, check, needRoot });
  (outcome.ok ? process.stdout : process.stderr).write(`${outcome.line}\n`);
  return outcome.ok ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
