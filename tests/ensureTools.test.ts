/**
 * tools/ensureTools.ts: what `npm test` runs first to find or install the real programs the tests need
 * (tools/debianTools.ts). The missing-tool paths run against a fake machine (probes, uid, sudo, apt) and,
 * end to end, the real command against an empty root; this machine itself must have every tool.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { neededBy, TOOLS, type Probe, type ToolGroup } from "../tools/debianTools";
import { ensureTools, expand, realHost, type Host } from "../tools/ensureTools";

const ROOT = resolve(__dirname, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const run = promisify(execFile);

const key = (p: Probe) => ("command" in p ? `command:${p.command.join("|")}` : "path" in p ? `path:${p.path}` : `python:${p.python}`);

interface FakeOptions {
  /** Tools (by name) that are missing at first; every other tool is there. */
  missing: string[];
  uid?: number;
  apt?: boolean;
  sudo?: boolean;
  /** Packages this release has; default: every package the list names. */
  candidates?: string[];
  /** What `apt-get install` answers. */
  install?: { status: number; output: string };
  /** Packages that install without providing what the probes look for. */
  hollow?: string[];
}

/** A machine where installing a package makes the probes of the tools it provides hold. */
function fakeHost(o: FakeOptions): Host & { ran: { argv: string[]; env?: Record<string, string> }[]; logged: string[] } {
  const present = new Set(TOOLS.filter((t) => !o.missing.includes(t.name)).flatMap((t) => t.probes.map(key)));
  for (const name of o.missing) for (const p of TOOLS.find((t) => t.name === name)!.probes) present.delete(key(p));
  const candidates = new Set(o.candidates ?? TOOLS.flatMap((t) => t.packages));
  const ran: { argv: string[]; env?: Record<string, string> }[] = [];
  const logged: string[] = [];
  return {
    ran, logged,
    uid: o.uid ?? 0,
    probe: (p) => present.has(key(p)),
    hasApt: () => o.apt ?? true,
    canSudo: () => o.sudo ?? false,
    hasCandidate: (pkg) => candidates.has(pkg),
    log: (line) => logged.push(line),
    run(argv, env) {
      ran.push({ argv, env });
      const i = argv.indexOf("install");
      if (i < 0) return { status: 0, output: "" };
      const r = o.install ?? { status: 0, output: "" };
      if (r.status === 0) {
        const pkgs = argv.slice(i + 1).filter((a) => !a.startsWith("-") && !a.includes("="));
        for (const t of TOOLS) {
          if (t.packages.some((p) => pkgs.includes(p) && !(o.hollow ?? []).includes(p))) for (const p of t.probes) present.add(key(p));
        }
      }
      return r;
    },
  };
}

const oneLine = (s: string) => expect(s).not.toMatch(/\n/);

describe("ensureTools: everything there", () => {
  it("says so in one line and leaves apt alone", () => {
    const host = fakeHost({ missing: [] });
    const r = ensureTools(host, { groups: ["test"] });
    expect(r).toEqual({ ok: true, line: `tools: all ${TOOLS.filter((t) => neededBy(t, ["test"])).length} found (test)`, installed: [] });
    expect(host.ran).toEqual([]);
  });

  it("looks only at the groups asked for: the VM test's tools are not npm test's", () => {
    const host = fakeHost({ missing: ["qemu-img", "debootstrap"] });
    expect(ensureTools(host, { groups: ["test"], check: true }).ok).toBe(true);
    const both = ensureTools(host, { groups: ["test", "server"], check: true });
    expect(both.ok).toBe(false);
    expect(both.line).toContain("qemu-img (qemu-utils), debootstrap (debootstrap)");
  });
});

describe("ensureTools: a tool is missing and cannot be installed -> one line naming it and how to get it", () => {
  it("--check: names each missing tool with its package, installs nothing", () => {
    const host = fakeHost({ missing: ["nginx", "psycopg2"] });
    const r = ensureTools(host, { groups: ["test"], check: true });
    expect(r.ok).toBe(false);
    oneLine(r.line);
    expect(r.line).toBe("tools missing: nginx (nginx-light or nginx), psycopg2 (python3-psycopg2); install them with `npm run tools` "
      + "(as root or with passwordless sudo) or `apt-get install nginx-light python3-psycopg2`");
    expect(host.ran).toEqual([]);
  });

  it("--check for the VM test's tools names the command that installs them", () => {
    const r = ensureTools(fakeHost({ missing: ["qemu-system-x86_64"] }), { groups: ["server"], check: true });
    expect(r.line).toContain("install them with `npm run tools -- --for server`");
    expect(r.line).toContain("qemu-system-x86_64 (qemu-system-x86)");
  });

  it("not root and no passwordless sudo: the sudo command to run, nothing run", () => {
    const host = fakeHost({ missing: ["shellcheck", "pgbouncer"], uid: 1000, sudo: false });
    const r = ensureTools(host, { groups: ["test"] });
    expect(r.ok).toBe(false);
    oneLine(r.line);
    expect(r.line).toBe("tools missing: shellcheck (shellcheck), pgbouncer (pgbouncer); installing needs root, and `sudo -n` cannot be used here: "
      + "run `sudo apt-get install shellcheck pgbouncer` or install as root");
    expect(host.ran).toEqual([]);
  });

  it("npm test (--need-root) as another user: says it runs as root and why, with what it would then install; nothing run", () => {
    const host = fakeHost({ missing: ["gunicorn"], uid: 1000, sudo: true });
    const r = ensureTools(host, { groups: ["test"], needRoot: true });
    expect(r.ok).toBe(false);
    oneLine(r.line);
    expect(r.line).toMatch(/^npm test runs as root \(nginx -t binds the sites' port 80, .*\): run `sudo npm test`; it then installs what is missing: gunicorn \(gunicorn\)$/);
    expect(host.ran).toEqual([]);
    expect(ensureTools(fakeHost({ missing: [], uid: 1000 }), { groups: ["test"], needRoot: true }).line).toMatch(/run `sudo npm test`$/);
    expect(ensureTools(fakeHost({ missing: [], uid: 0 }), { groups: ["test"], needRoot: true }).ok).toBe(true);
  });

  it("no apt-get (not Debian or Ubuntu)", () => {
    const host = fakeHost({ missing: ["cloud-init"], apt: false });
    const r = ensureTools(host, { groups: ["test"] });
    expect(r.ok).toBe(false);
    oneLine(r.line);
    expect(r.line).toBe("tools missing: cloud-init (cloud-init); this machine has no apt-get: install those Debian/Ubuntu packages' programs by hand");
    expect(host.ran).toEqual([]);
  });

  it("no package on this release: names the tool and every package tried, installs nothing", () => {
    const all = TOOLS.flatMap((t) => t.packages);
    const host = fakeHost({ missing: ["nginx", "redis-server"], candidates: all.filter((p) => !p.startsWith("nginx")) });
    const r = ensureTools(host, { groups: ["test"] });
    expect(r.ok).toBe(false);
    oneLine(r.line);
    expect(r.line).toMatch(/^tools missing: nginx \(nginx-light or nginx\); this release's apt sources have none of those packages/);
    expect(host.ran.map((c) => c.argv.join(" "))).toEqual(["apt-get -qq -o DPkg::Lock::Timeout=600 update"]);
    expect(host.logged).toEqual([]); // the verdict is the only line printed
  });

  it("apt-get install fails: apt's own error on the one line", () => {
    const output = "Reading package lists...\nE: Could not get lock /var/lib/dpkg/lock-frontend\nsomething else\n";
    const r = ensureTools(fakeHost({ missing: ["gunicorn"], install: { status: 100, output } }), { groups: ["test"] });
    expect(r.ok).toBe(false);
    oneLine(r.line);
    expect(r.line).toBe("tools missing: gunicorn (gunicorn); apt-get install gunicorn failed: E: Could not get lock /var/lib/dpkg/lock-frontend");
  });

  it("installed, but the tool is still not where the tests look", () => {
    const r = ensureTools(fakeHost({ missing: ["sshd"], hollow: ["openssh-server"] }), { groups: ["test"] });
    expect(r.ok).toBe(false);
    oneLine(r.line);
    expect(r.line).toBe("tools missing after installing openssh-server: sshd (openssh-server); not where the tests look (see tools/debianTools.ts)");
  });
});

describe("ensureTools: installs what is missing", () => {
  it("as root: apt-get update, then one non-interactive install without recommends of each missing tool's package", () => {
    const host = fakeHost({ missing: ["cloud-init", "postgresql", "pgbouncer", "psycopg2"] });
    const r = ensureTools(host, { groups: ["test"] });
    expect(r.ok).toBe(true);
    oneLine(r.line);
    expect(r.installed).toEqual(["cloud-init", "postgresql", "pgbouncer", "python3-psycopg2"]);
    expect(r.line).toMatch(/^tools: installed cloud-init postgresql pgbouncer python3-psycopg2 in \d+ s; all \d+ found \(test\)$/);
    expect(host.ran.map((c) => c.argv.join(" "))).toEqual([
      "apt-get -qq -o DPkg::Lock::Timeout=600 update",
      "apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 cloud-init postgresql pgbouncer python3-psycopg2",
    ]);
    for (const c of host.ran) expect(c.env).toEqual({ DEBIAN_FRONTEND: "noninteractive" });
    expect(ensureTools(host, { groups: ["test"], check: true }).ok).toBe(true);
  });

  it("not root with passwordless sudo: the same through sudo -n, keeping DEBIAN_FRONTEND", () => {
    const host = fakeHost({ missing: ["redis-server"], uid: 1000, sudo: true });
    expect(ensureTools(host, { groups: ["test"] }).ok).toBe(true);
    for (const c of host.ran) expect(c.argv.slice(0, 5)).toEqual(["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
  });

  it("a release without nginx-light gets plain nginx", () => {
    const all = TOOLS.flatMap((t) => t.packages);
    const host = fakeHost({ missing: ["nginx"], candidates: all.filter((p) => p !== "nginx-light") });
    const r = ensureTools(host, { groups: ["test"] });
    expect(r.ok).toBe(true);
    expect(r.installed).toEqual(["nginx"]);
  });

  it("one package for two tools is installed once", () => {
    const host = fakeHost({ missing: ["ssh-keygen", "ssh"] });
    const r = ensureTools(host, { groups: ["test", "server"] });
    expect(r.installed).toEqual(["openssh-client"]);
  });
});

describe("the real command", () => {
  let empty: string;
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), "fullstack-empty-root-"));
  });
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  const cli = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(TSX, [join(ROOT, "tools", "ensureTools.ts"), ...args], { cwd: ROOT });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it.each<[ToolGroup[], string[]]>([
    [["test"], ["--check"]],
    [["test", "server"], ["--check", "--for", "test,server"]],
    [["test"], []], // not --check, but a root without apt-get: it cannot install
  ])("on a machine that has none of the %j tools (an empty --root) exits 1 with one line naming each", async (groups, args) => {
    const r = await cli([...args, "--root", empty]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    for (const t of TOOLS.filter((x) => neededBy(x, groups))) expect(lines[0]).toContain(`${t.name} (${t.packages.join(" or ")})`);
    if (!args.includes("--check")) expect(lines[0]).toContain("no apt-get");
  });

  it("this machine has every tool npm test needs (npm test's pretest installs them)", async () => {
    expect(ensureTools(realHost(), { groups: ["test"], check: true }).line).toMatch(/^tools: all \d+ found \(test\)$/);
    const r = await cli(["--check"]);
    expect(r).toEqual({ code: 0, stdout: `tools: all ${TOOLS.filter((t) => neededBy(t, ["test"])).length} found (test)\n`, stderr: "" });
  });

  it("an unknown group is refused", async () => {
    const r = await cli(["--for", "tset"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--for takes test, server");
  });

  it("probes: a `*` stands for one path segment", () => {
    expect(expand("/", "/usr/lib/postgresql/*/bin/postgres").every((p) => /^\/usr\/lib\/postgresql\/[^/]+\/bin\/postgres$/.test(p))).toBe(true);
    expect(expand(empty, "/usr/lib/postgresql/*/bin/postgres")).toEqual([]);
  });
});

describe("one home for the list", () => {
  it("npm test runs the installer first, and .ci/run installs through it, naming no package itself", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.pretest).toBe("tsx tools/ensureTools.ts --need-root");
    const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    expect(ci).not.toMatch(/apt-get|apt install/);
    expect(ci).toMatch(/^npm run tools -- --for test,server$/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it("every tool has a package, and every probe is something this machine's check can look at", () => {
    for (const t of TOOLS) {
      expect(t.packages.length).toBeGreaterThan(0);
      expect(t.probes.length).toBeGreaterThan(0);
    }
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(TOOLS.length);
  });
});
