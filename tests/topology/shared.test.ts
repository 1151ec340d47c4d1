/**
 * The topology promises of the README, written once and checked on both clouds for every profile:
 * what faces the internet, who reaches the data stores, what stays secret, how many schedulers and
 * migrators run, where the single box keeps its data, and that shipping the app never touches data.
 * Each cloud's resources are read through ./inspect, so no assertion here names a resource type.
 */
import type { RunResult } from "../../harness/mockRuntime";
import { readStackConfig } from "../../tools/stackConfig";
import { CATALOG } from "../../settings";
import { ROOT, planStack, runPython, sourceShell } from "../helpers";
import {
  POSTGRES_ENV, POSTGRES_SETUP, REDIS_CONF, VOLUME_SCRIPT, WORLD,
  cloudOf, dataSnapshot, dataStores, dataVolumes, file, hasFile, ingress, rulesOnPort, secretAtoms, secretFiles, serverCount, servers,
  secretsInFile, statefulResources, stringLeaves, visibleText, worldOpenPorts, type Cloud, type Server,
} from "./inspect";

type Profile = "single" | "standard" | "scaled";
const STACKS: { stack: string; cloud: Cloud; profile: Profile }[] = [
  { stack: "dev", cloud: "digitalocean", profile: "single" },
  { stack: "staging", cloud: "digitalocean", profile: "standard" },
  { stack: "prod", cloud: "digitalocean", profile: "scaled" },
  { stack: "aws-dev", cloud: "aws", profile: "single" },
  { stack: "aws-staging", cloud: "aws", profile: "standard" },
  { stack: "aws-prod", cloud: "aws", profile: "scaled" },
];

const ADMIN_CIDRS = ["203.0.113.7/32", "2001:db8::/48"];
/** Where releases come from over SSH in the changed plan (DigitalOcean pushes releases over SSH). */
const RELEASE_CIDRS = ["198.51.100.4/32"];
const BIGGER: Record<Cloud, string> = { digitalocean: "s-4vcpu-8gb", aws: "m7i.xlarge" };

/** The stack config's own value of a key, as the program reads it. */
function stackValue<T>(stack: string, key: string, fallback: T): T {
  const raw = readStackConfig(ROOT, stack).config[`fullstack:${key}`];
  if (raw === undefined) return fallback;
  // Strings arrive as they are; lists and numbers as JSON.
  try {
    return JSON.parse(raw) as T;
  } catch {
    return raw as T;
  }
}

const DEPLOY_CONF = "/etc/shop/deploy.conf";
const DEPLOY_SCRIPT = "/usr/local/sbin/shop-deploy";

/**
 * Stand-ins for the PostgreSQL drivers and for `manage.py` that log, in order, what a migrate script
 * does: connect, statements (and whether a transaction was open), commit, rollback, close, migrate.
 */
const MIGRATE_STUBS: Record<string, string> = (() => {
  const driver = [
    "import os",
    "",
    "def log(line):",
    "    with open(os.environ['STUB_LOG'], 'a') as f:",
    "        f.write(line + '\\n')",
    "",
    "class Cursor:",
    "    def __init__(self, conn):",
    "        self.conn = conn",
    "    def __enter__(self):",
    "        return self",
    "    def __exit__(self, *exc):",
    "        return False",
    "    def close(self):",
    "        pass",
    "    def execute(self, sql, params=()):",
    "        mode = 'autocommit' if self.conn.autocommit else 'in transaction'",
    "        log(mode + ': ' + sql.replace('%s', '{}').format(*params))",
    "",
    "class Connection:",
    "    def __init__(self, autocommit):",
    "        self.autocommit = autocommit",
    "    def cursor(self):",
    "        return Cursor(self)",
    "    def commit(self):",
    "        log('commit')",
    "    def rollback(self):",
    "        log('rollback')",
    "    def close(self):",
    "        log('close')",
    "",
    "def connect(url, autocommit=False, **kwargs):",
    "    log('connect ' + url)",
    "    return Connection(autocommit)",
    "",
  ].join("\n");
  return {
    "psycopg.py": driver,
    "psycopg2.py": driver,
    "manage.py": "import os, sys\nwith open(os.environ['STUB_LOG'], 'a') as f:\n    f.write('manage.py ' + ' '.join(sys.argv[1:]) + '\\n')\n",
  };
})();

/** Plans of the checked-in stacks, shared by the blocks below. */
const base: Record<string, RunResult> = {};

const names = (list: { name: string }[]) => list.map((x) => x.name);

describe.each(STACKS)("$stack ($cloud, $profile)", ({ stack, cloud, profile }) => {
  const environment = stackValue<string>(stack, "environment", "production");
  const configuredAdmins = stackValue<string[]>(stack, "adminCidrs", []);
  const flippedAdmins = configuredAdmins.length > 0 ? [] : ADMIN_CIDRS;
  // Where releases arrive over SSH, port 22 also admits where they come from (releaseCidrs, default adminCidrs).
  const pushesReleases = CATALOG[cloud].releaseDelivery === "push";
  const configuredRelease = pushesReleases ? stackValue<string[]>(stack, "releaseCidrs", configuredAdmins) : [];
  const webCount = stackValue(stack, "webCount", profile === "scaled" ? 2 : 1);
  // One more plan per stack: a new release on more and bigger web servers, with SSH access flipped
  // (open where the stack keeps it closed, closed where it is open). None of it may touch data.
  const changedWebCount = profile === "single" ? 1 : webCount + 2;
  const change = {
    appRef: "v9.9.9", webSize: BIGGER[cloud], adminCidrs: flippedAdmins,
    ...(pushesReleases ? { releaseCidrs: RELEASE_CIDRS } : {}),
    ...(profile === "single" ? {} : { webCount: changedWebCount }),
  };

  let r: RunResult;
  let changed: RunResult;
  beforeAll(async () => {
    r = await planStack(stack);
    base[stack] = r;
    changed = await planStack(stack, change);
  });

  it("is read as the expected cloud, with every server carrying its roles", () => {
    expect(cloudOf(r)).toBe(cloud);
    const all = servers(r);
    expect(serverCount(all.filter((s) => s.roles.includes("web")))).toBe(webCount);
    for (const s of all) expect(`${s.name}: ${s.roles.length}`).not.toBe(`${s.name}: 0`);
    if (profile === "single") expect(all.map((s) => s.roles)).toEqual([["postgres", "redis", "scheduler", "web", "worker"]]);
  });

  it("faces the internet only with HTTP(S), and only on a load balancer or a web server", () => {
    const open = worldOpenPorts(r);
    expect(open.length).toBeGreaterThan(0); // the app is reachable at all
    const wrong = open.filter((p) => p.from !== p.to || ![80, 443].includes(p.from) || p.fronts === "other");
    expect(wrong.map((p) => `${p.from}-${p.to} from ${p.cidr} to ${p.target} (${p.rule.name})`)).toEqual([]);
    // Once a load balancer stands in front, no web server is reachable from the internet directly.
    if (open.some((p) => p.fronts === "loadBalancer")) {
      expect(open.filter((p) => p.fronts === "webServer").map((p) => p.target)).toEqual([]);
      for (const rule of rulesOnPort(r, 80).filter((x) => x.targets.some((t) => t.kind === "server"))) {
        expect({ cidrs: rule.cidrs, fromLoadBalancer: rule.fromLoadBalancer }).toEqual({ cidrs: [], fromLoadBalancer: true });
      }
    }
  });

  it("opens servers to nothing but HTTP and SSH", () => {
    const serverRules = ingress(r).filter((x) => x.targets.some((t) => t.kind === "server"));
    expect(serverRules.length).toBeGreaterThan(0);
    const other = serverRules.filter((x) => !(x.from === x.to && [22, 80].includes(x.from)));
    expect(other.map((x) => `${x.from}-${x.to} on ${x.rule.name}`)).toEqual([]);
  });

  it.each([["as configured", false], ["with adminCidrs flipped", true]])("keeps SSH closed unless adminCidrs (or releaseCidrs, where releases arrive over SSH) lists addresses, then opens it to them alone (%s)", (_label, flip) => {
    const plan = flip ? changed : r;
    const admins = [...new Set([...(flip ? flippedAdmins : configuredAdmins), ...(flip ? (pushesReleases ? RELEASE_CIDRS : []) : configuredRelease)])];
    const ssh = rulesOnPort(plan, 22);
    expect(worldOpenPorts(plan).filter((p) => p.from <= 22 && 22 <= p.to)).toEqual([]);
    if (admins.length === 0) {
      // Closed at the cloud firewall: no rule mentions port 22 at all.
      expect(ssh.map((x) => x.rule.name)).toEqual([]);
      return;
    }
    for (const rule of ssh) {
      expect(rule.cidrs.every((c) => admins.includes(c))).toBe(true);
      expect({ roles: rule.roles, lb: rule.fromLoadBalancer, other: rule.otherSources }).toEqual({ roles: [], lb: false, other: [] });
    }
    // Every server is reachable from every admin address.
    for (const server of servers(plan)) {
      const reach = ssh.filter((x) => x.targets.some((t) => t.resource === server.resource)).flatMap((x) => x.cidrs);
      expect(`${server.name}: ${[...new Set(reach)].sort().join(" ")}`).toBe(`${server.name}: ${[...admins].sort().join(" ")}`);
    }
  });

  it("never exposes a data store and admits only the web and worker roles on its port", () => {
    const stores = dataStores(r);
    expect(stores.map((s) => s.kind).sort()).toEqual(["postgres", "redis"]);
    for (const store of stores) {
      expect({ store: store.name, exposure: store.exposure }).toEqual({ store: store.name, exposure: [] });
      expect(store.managed).toBe(profile !== "single");
      if (store.managed) {
        expect(store.admits.length).toBeGreaterThan(0);
        for (const rule of store.admits) {
          expect({ from: rule.from, to: rule.to, cidrs: rule.cidrs, lb: rule.fromLoadBalancer, other: rule.otherSources })
            .toEqual({ from: store.port, to: store.port, cidrs: [], lb: false, other: [] });
        }
        expect([...new Set(store.admits.flatMap((x) => x.roles))].sort()).toEqual(["web", "worker"]);
      } else {
        // The single box's PostgreSQL and Redis listen on loopback and no firewall rule names their port.
        expect(store.localhostOnly).toBe(true);
        expect(store.admits.map((x) => x.rule.name)).toEqual([]);
      }
    }
  });

  it("keeps connection URLs secret", () => {
    expect(r.outputs.databaseUrl).toEqual({ value: expect.stringMatching(/^postgresql:\/\//), secret: true });
    expect(r.outputs.redisUrl).toEqual({ value: expect.stringMatching(/^rediss?:\/\//), secret: true });
  });

  it("shows no secret in any input or output that is not itself secret", () => {
    const atoms = secretAtoms(r);
    // The database password, the Redis password and the app's SECRET_KEY at the very least.
    expect(atoms.length).toBeGreaterThanOrEqual(3);
    const leaks: string[] = [];
    for (const res of r.resources) {
      const visible = visibleText(r, res);
      if (atoms.some((a) => visible.includes(a))) leaks.push(`${res.type} ${res.name}`);
    }
    for (const [key, out] of Object.entries(r.outputs)) {
      if (!out.secret && atoms.some((a) => stringLeaves(out.value).includes(a))) leaks.push(`output ${key}`);
    }
    expect(leaks).toEqual([]);
  });

  it("keeps every secret file private, and secret wherever it travels", () => {
    for (const server of servers(r)) {
      const files = secretFiles(server);
      // Every app server has the app's environment among its secret files.
      expect(files.map((f) => f.path)).toContain("/etc/shop/app.env");
      // DATABASE_URL's password, REDIS_URL's password and SECRET_KEY at least.
      expect(secretsInFile(file(server, "/etc/shop/app.env").content).length).toBeGreaterThanOrEqual(3);
      for (const f of files) {
        expect(`${f.path} ${f.permissions}`).toMatch(/ 0[0-7][0-7]0$/);
        // Wherever it travels (user data, secret store), its holder keeps its passwords and keys out of sight.
        const visible = visibleText(r, f.holder);
        const shown = secretsInFile(f.content).filter((v) => visible.includes(v));
        expect(`${server.name} ${f.path} in ${f.location} shows ${shown.length} secrets`).toBe(`${server.name} ${f.path} in ${f.location} shows 0 secrets`);
      }
    }
  });

  it("runs exactly one scheduler, outside any group; migrates from one web server, or from one web group a server at a time under a lock; never from workers", () => {
    const all = servers(r);
    const schedulers = all.filter((s) => hasFile(s, "/etc/systemd/system/shop-scheduler.service"));
    expect(names(schedulers)).toHaveLength(1);
    // A group is no place for it: it may run more servers than its count during a rolling release,
    // and two schedulers send every periodic task twice.
    expect(schedulers.map((s) => `${s.name}: ${s.count} server${s.group ? " in a group" : ""}`)).toEqual([`${schedulers[0].name}: 1 server`]);
    expect(schedulers[0].roles).toEqual(expect.arrayContaining(["scheduler", "worker"]));

    const conf = (s: Server) => sourceShell(file(s, DEPLOY_CONF).content, ["APP_RUN_MIGRATIONS", "APP_MIGRATE_SCRIPT", "APP_FRAMEWORK"]);
    const migrating = all.filter((s) => conf(s).APP_RUN_MIGRATIONS === "yes");
    // Workers only run code, whether alone or in a group (the single box is a web server as well).
    const workers = all.filter((s) => s.roles.includes("worker") && !s.roles.includes("web"));
    expect(workers.map((s) => `${s.name}: ${conf(s).APP_RUN_MIGRATIONS}`)).toEqual(workers.map((s) => `${s.name}: no`));
    // One migrator: one web server (the others leave it to that one), or one web group.
    expect(names(migrating)).toHaveLength(1);
    const [migrator] = migrating;
    expect(migrator.roles).toContain("web");
    if (migrator.group === undefined) return;

    // Every server of a group migrates as it boots, and a rolling release (or a replacement) boots
    // several at once: the deploy script migrates only through the migrate script...
    const { APP_MIGRATE_SCRIPT: script, APP_FRAMEWORK: framework } = conf(migrator);
    const runs = file(migrator, DEPLOY_SCRIPT).content.split("\n")
      .filter((l) => !/^\s*(#|echo\b|say\b)/.test(l) && /\bmigrate\b|APP_MIGRATE_SCRIPT/.test(l));
    expect(runs).toEqual([expect.stringMatching(/^\s*if \[ "\$APP_RUN_MIGRATIONS" = yes \]; then as_app .* "\$APP_MIGRATE_SCRIPT"; fi$/)]);
    if (framework !== "django") return; // the deploy script migrates Django apps only
    // ...which, run as the deploy script runs it, takes a transaction-scoped advisory lock, migrates while
    // holding it, and only then ends the transaction that releases it.
    expect(hasFile(migrator, script)).toBe(true);
    const run = runPython(file(migrator, script).content, MIGRATE_STUBS, { DATABASE_URL: "postgresql://shop:pw@db.internal:5432/shop" });
    expect({ status: run.status, output: run.output }).toEqual({ status: 0, output: expect.any(String) });
    const log = run.log;
    const lock = log.findIndex((l) => /^in transaction: SELECT pg_advisory_xact_lock\(\d+\)$/.test(l));
    const migrate = log.indexOf("manage.py migrate --noinput");
    const released = log.findIndex((l, i) => i > lock && /^(commit|rollback|close)$/.test(l));
    expect({ log, lock: lock >= 0, migratesHoldingIt: lock < migrate && migrate < released })
      .toEqual({ log, lock: true, migratesHoldingIt: true });
    expect(log.filter((l) => l.startsWith("manage.py"))).toEqual(["manage.py migrate --noinput"]);
  });

  it("protects stateful resources outside dev and never force-destroys them", () => {
    const stateful = statefulResources(r);
    const kinds = new Set(stateful.map((s) => s.kind));
    if (profile === "single") expect([...kinds]).toEqual(["volume"]);
    else expect([...kinds]).toEqual(expect.arrayContaining(["database", "cache", "bucket"]));
    for (const s of stateful) {
      expect(`${s.resource.name}: protect ${s.protect}`).toBe(`${s.resource.name}: protect ${environment !== "dev"}`);
      expect(`${s.resource.name}: forceDestroy ${s.forceDestroy === true}`).toBe(`${s.resource.name}: forceDestroy false`);
    }
  });

  it(profile === "single" ? "keeps the data on a volume mounted before PostgreSQL is set up" : "keeps no data on servers", () => {
    const hosts = servers(r).filter((s) => s.roles.includes("postgres") || s.roles.includes("redis"));
    const volumes = dataVolumes(r);
    if (profile !== "single") {
      expect({ hosts: names(hosts), volumes: volumes.map((v) => v.volume.name) }).toEqual({ hosts: [], volumes: [] });
      return;
    }
    expect(hosts).toHaveLength(1);
    const server: Server = hosts[0];
    expect(volumes.map((v) => v.server.name)).toEqual([server.name]);
    const [{ volume, device }] = volumes;
    expect(statefulResources(r).map((s) => s.resource)).toContain(volume);
    // The old server goes before its replacement boots, so the volume can move.
    expect(server.resource.deleteBeforeReplace).toBe(true);
    // The mount script's settings, read by a real shell (only its assignments: the rest waits for a device).
    const script = file(server, VOLUME_SCRIPT).content.split("\n").filter((l) => /^(device|target)=/.test(l)).join("\n");
    const mount = sourceShell(script, ["device", "target"]);
    expect(mount).toEqual({ device, target: "/mnt/data" });
    const setup = server.runcmd.indexOf(POSTGRES_SETUP);
    expect(server.runcmd.indexOf(VOLUME_SCRIPT)).toBeGreaterThanOrEqual(0);
    expect(server.runcmd.indexOf(VOLUME_SCRIPT)).toBeLessThan(setup);
    expect(server.secretsReadyAfter).toBeLessThan(setup);
    const pg = sourceShell(file(server, POSTGRES_ENV).content, ["PG_DATA_ROOT", "PG_BACKUP_DIR"]);
    expect(pg.PG_DATA_ROOT.startsWith(`${mount.target}/`)).toBe(true);
    expect(pg.PG_BACKUP_DIR.startsWith(`${mount.target}/`)).toBe(true);
    expect(/^dir (.+)$/m.exec(file(server, REDIS_CONF).content)?.[1].startsWith(`${mount.target}/`)).toBe(true);
  });

  it("leaves every stateful resource's URN and inputs unchanged on a new release, server count, size or SSH access", () => {
    const before = dataSnapshot(r);
    const after = dataSnapshot(changed);
    expect(before.length).toBeGreaterThan(0);
    expect(after).toEqual(before);
    // The change did reach the servers (the comparison is not vacuous).
    expect(serverCount(servers(changed).filter((s) => s.roles.includes("web")))).toBe(changedWebCount);
    const ud = (p: RunResult) => servers(p).find((s) => s.roles.includes("web"))!.userData;
    expect(ud(changed)).not.toBe(ud(r));
  });
});

describe("both clouds build the same shape for a profile", () => {
  const pairs: [Profile, string, string][] = [["single", "dev", "aws-dev"], ["standard", "staging", "aws-staging"], ["scaled", "prod", "aws-prod"]];
  const runs = base;
  beforeAll(async () => {
    for (const stack of pairs.flatMap(([, a, b]) => [a, b])) runs[stack] ??= await planStack(stack);
  });

  // A group stands for `count` servers of one shape.
  // DigitalOcean's migrating web server alone also holds the database admin's connection, to grant the app
  // role its rights (the admin owns the database there; RDS's app role owns its own): not a shape difference.
  // How releases travel differs too: a bundle file among AWS's secret files; a sudoers drop-in (0440) for the
  // release user where releases are pushed over SSH. Both clouds end with the same app.env. Heartbeats reach
  // CloudWatch on AWS when alerts are on (its heartbeat.env names the namespace), and need a heartbeatUrl on
  // DigitalOcean, which has no custom metrics: tests/heartbeatMetrics.test.ts covers both.
  const CLOUD_SPECIFIC = /\/db-admin\.env$|\/release\.json$|^\/etc\/sudoers\.d\/|^\/etc\/fullstack\/heartbeat\.env$/;
  const shape = (r: RunResult) => servers(r)
    .flatMap((s) => Array.from({ length: s.count }, () => `${s.roles.join("+")}: ${secretFiles(s).map((f) => f.path).filter((p) => !CLOUD_SPECIFIC.test(p)).sort().join(" ")}`))
    .sort();

  it.each(pairs)("%s: same roles per server and the same secret files", (_profile, doStack, awsStack) => {
    // prod and aws-prod both run 3 web servers and 2 workers; the others use the defaults.
    expect(shape(runs[awsStack])).toEqual(shape(runs[doStack]));
    const stores = (r: RunResult) => dataStores(r).map((s) => `${s.kind} ${s.managed ? "managed" : "self-hosted"}`).sort();
    expect(stores(runs[awsStack])).toEqual(stores(runs[doStack]));
  });

  it("treats an open world rule the same on both clouds", () => {
    for (const stack of ["prod", "aws-prod"]) {
      const ports = [...new Set(worldOpenPorts(runs[stack]).map((p) => `${p.from} ${p.fronts}`))].sort();
      expect(`${stack}: ${ports.join(", ")}`).toBe(`${stack}: 443 loadBalancer, 80 loadBalancer`);
      expect(worldOpenPorts(runs[stack]).map((p) => p.cidr).every((c) => WORLD.includes(c))).toBe(true);
    }
  });
});
