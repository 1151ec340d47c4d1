/**
 * The three profiles of the diagram on DigitalOcean: who can reach the data stores, what faces the
 * internet, what is secret, how many schedulers run, where the single box keeps its data, and that an
 * app-level change never touches a stateful resource.
 */
import type { RecordedResource, RunResult } from "../harness/mockRuntime";
import { SECRET } from "../harness/mockRuntime";
import { T, cloudConfig, inboundRules, ofType, planStack, sourceShell, releasedEnvFile, writtenFile } from "./helpers";
import { servers } from "./topology/inspect";

const DB_CLUSTER = "digitalocean:index/databaseCluster:DatabaseCluster";
const DB_FIREWALL = "digitalocean:index/databaseFirewall:DatabaseFirewall";
const BUCKET = "digitalocean:index/spacesBucket:SpacesBucket";
const STATEFUL = [T.volume, DB_CLUSTER, "digitalocean:index/databaseDb:DatabaseDb", BUCKET];
const DATA_PORTS = ["5432", "6379", "25060", "25061"];

const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  for (const stack of ["dev", "staging", "prod"]) runs[stack] = await planStack(stack);
});

/** The droplets that play `role` (a droplet wears only the role tags something selects it by: the topology inspector reads its roles). */
const withRole = (r: RunResult, role: string): RecordedResource[] => servers(r).filter((s) => s.roles.includes(role)).map((s) => s.resource);

describe.each(["dev", "staging", "prod"])("stack %s", (stack) => {
  const r = () => runs[stack];

  it("admits only the web and worker roles to PostgreSQL and Redis", () => {
    const firewalls = ofType(r(), DB_FIREWALL);
    for (const fw of firewalls) {
      const rules = fw.inputs.rules as { type: string; value: string }[];
      expect(rules.map((x) => x.type)).toEqual(rules.map(() => "tag"));
      expect(rules.map((x) => x.value).sort()).toEqual([`shop-${stack}-web`, `shop-${stack}-worker`]);
    }
    // Every managed cluster has its firewall; none is left open.
    expect(firewalls).toHaveLength(ofType(r(), DB_CLUSTER).length);
    // No droplet firewall opens a data port, to anyone.
    expect(inboundRules(r()).filter(({ rule }) => DATA_PORTS.includes(rule.portRange))).toEqual([]);
  });

  it("gives nothing data-bearing a public face", () => {
    const [vpc] = ofType(r(), T.vpc);
    for (const cluster of ofType(r(), DB_CLUSTER)) expect(cluster.inputs.privateNetworkUuid).toBe(vpc.id);
    for (const bucket of ofType(r(), BUCKET)) {
      expect(bucket.inputs.acl).toBe("private");
      expect(bucket.inputs.forceDestroy).toBe(false);
    }
    for (const server of withRole(r(), "postgres")) {
      const env = sourceShell(writtenFile(server, "/etc/fullstack/postgres.env").content, ["PG_LISTEN", "PG_ALLOWED"]);
      expect(env.PG_LISTEN).toBe("localhost");
      expect(env.PG_ALLOWED.split(" ").sort()).toEqual(["127.0.0.1/32", "::1/128"]);
    }
    for (const server of withRole(r(), "redis")) {
      expect(writtenFile(server, "/etc/redis/fullstack.conf").content).toMatch(/^bind 127\.0\.0\.1 -::1$/m);
    }
  });

  it("keeps every connection URL, password and key secret", async () => {
    expect(r().outputs.databaseUrl.secret).toBe(true);
    expect(r().outputs.redisUrl.secret).toBe(true);
    const secrets = new Set(r().resources.flatMap((x) => x.secretValues).filter((v) => v.length >= 8));
    // Server user data carries secrets (the host key, admin connections), so it is secret as a whole;
    // the environment file arrives with each release, on the release Command's secret stdin.
    for (const d of ofType(r(), T.droplet)) expect(d.inputs.userData).toBe(SECRET);
    // No secret value shows up in any input that is not itself marked secret.
    for (const res of r().resources) {
      const visible = JSON.stringify(res.inputs);
      for (const s of secrets) expect(visible.includes(s) ? `${res.name} leaks a secret` : "ok").toBe("ok");
    }
    for (const [key, out] of Object.entries(r().outputs)) {
      if (!out.secret) for (const s of secrets) expect(JSON.stringify(out.value).includes(s) ? `output ${key} leaks a secret` : "ok").toBe("ok");
    }
  });

  it("runs exactly one scheduler across the stack", () => {
    const schedulers = ofType(r(), T.droplet).filter((d) => cloudConfig(d).write_files.some((f) => f.path === "/etc/systemd/system/shop-scheduler.service"));
    expect(schedulers).toHaveLength(1);
    const services = sourceShell(writtenFile(schedulers[0], "/etc/shop/deploy.conf").content, ["APP_SERVICES"]).APP_SERVICES.split(" ");
    expect(services.filter((s) => s === "shop-scheduler.service")).toHaveLength(1);
    // Workers stop only after the longest task has had time to finish.
    const worker = writtenFile(withRole(r(), "worker")[0], "/etc/systemd/system/shop-worker.service").content;
    const stop = Number(/^TimeoutStopSec=(\d+)$/m.exec(worker)![1]);
    const limit = { dev: 300, staging: 600, prod: 900 }[stack]!;
    expect(stop).toBeGreaterThan(limit);
    expect(worker).toMatch(/^User=shop$/m);
  });

  it("migrates from exactly one server", () => {
    const migrating = ofType(r(), T.droplet).filter((d) =>
      sourceShell(writtenFile(d, "/etc/shop/deploy.conf").content, ["APP_RUN_MIGRATIONS"]).APP_RUN_MIGRATIONS === "yes");
    expect(migrating).toHaveLength(1);
    expect(withRole(r(), "web")).toContain(migrating[0]);
  });

  it("protects stateful resources outside dev", () => {
    const stateful = r().resources.filter((x) => STATEFUL.includes(x.type as never));
    expect(stateful.length).toBeGreaterThan(0);
    for (const res of stateful) expect(`${res.name}: ${res.protect}`).toBe(`${res.name}: ${stack !== "dev"}`);
  });
});

describe("resource counts per profile", () => {
  const count = (r: RunResult) => {
    const c: Record<string, number> = {};
    for (const x of r.resources.filter((y) => y.custom && !y.type.startsWith("pulumi:"))) {
      const short = x.type.split(":").pop()!;
      c[short] = (c[short] ?? 0) + 1;
    }
    return c;
  };
  it("single: one droplet with a volume, self-hosted data stores", () => {
    expect(count(runs.dev)).toEqual({
      // No role tags: nothing selects the one box by role (its data stores listen on localhost).
      Vpc: 1, Droplet: 1, Volume: 1, ReservedIp: 1, ReservedIpAssignment: 1, Firewall: 1, RandomPassword: 3,
      // Releases in place: the release Command, and its key and the droplet's host key.
      Command: 1, PrivateKey: 2,
    });
  });
  it("standard: web and worker droplets, managed PostgreSQL and Valkey, CDN bucket", () => {
    expect(count(runs.staging)).toEqual({
      // Tags of the roles the database firewalls admit (web, worker); the scheduler has none.
      Vpc: 1, Tag: 2, Droplet: 2, ReservedIp: 1, ReservedIpAssignment: 1, Firewall: 2, RandomPassword: 1, RandomString: 1,
      DatabaseCluster: 2, DatabaseDb: 1, DatabaseUser: 1, DatabaseConnectionPool: 1, DatabaseFirewall: 2,
      SpacesBucket: 1, SpacesBucketCorsConfiguration: 1, Cdn: 1, SpacesKey: 2,
      Command: 2, PrivateKey: 4,
    });
  });
  it("scaled: load-balanced web tier, several workers, standby database nodes", () => {
    const c = count(runs.prod);
    expect(c.Droplet).toBe(5);
    expect(c.LoadBalancer).toBe(1);
    expect(c.Certificate).toBe(2);
    const clusters = ofType(runs.prod, DB_CLUSTER);
    expect(clusters.map((x) => [x.inputs.engine, x.inputs.nodeCount])).toEqual([["pg", 2], ["valkey", 2]]);
    expect(withRole(runs.prod, "worker")).toHaveLength(2);
  });
});

describe("the single profile's data", () => {
  it("lives on the attached volume", () => {
    const [droplet] = ofType(runs.dev, T.droplet);
    const [volume] = ofType(runs.dev, T.volume);
    expect(droplet.inputs.volumeIds).toEqual([volume.id]);
    // The droplet goes before its replacement boots, so the volume can move.
    expect(droplet.deleteBeforeReplace).toBe(true);
    const cc = cloudConfig(droplet);
    const device = `/dev/disk/by-id/scsi-0DO_Volume_${volume.inputs.name}`;
    // The script's settings, read by a real shell (only its assignment lines: the rest waits for a device).
    const script = writtenFile(droplet, "/usr/local/sbin/fullstack-data-volume").content;
    const settings = script.split("\n").filter((l) => /^(device|target)=/.test(l)).join("\n");
    expect(sourceShell(settings, ["device", "target"])).toEqual({ device, target: "/mnt/data" });
    // The volume is mounted before anything that keeps data there starts.
    const runcmd = (cc.runcmd as string[][]).map((c) => c.join(" "));
    expect(runcmd.indexOf("/usr/local/sbin/fullstack-data-volume")).toBeLessThan(runcmd.indexOf("/usr/local/sbin/fullstack-postgres-setup"));
    const pg = sourceShell(writtenFile(droplet, "/etc/fullstack/postgres.env").content, ["PG_DATA_ROOT", "PG_BACKUP_DIR"]);
    expect(pg.PG_DATA_ROOT.startsWith("/mnt/data/")).toBe(true);
    expect(pg.PG_BACKUP_DIR.startsWith("/mnt/data/")).toBe(true);
    expect(writtenFile(droplet, "/etc/redis/fullstack.conf").content).toMatch(/^dir \/mnt\/data\/redis$/m);
    // The app reaches both over loopback.
    const env = releasedEnvFile(runs.dev, droplet);
    expect(env).toMatch(/^DATABASE_URL="postgresql:\/\/shop:[A-Za-z0-9]{32}@localhost:5432\/shop"$/m);
    expect(env).toMatch(/^REDIS_URL="redis:\/\/:[A-Za-z0-9]{32}@localhost:6379\/0"$/m);
  });
});

describe("no data loss on app-level changes", () => {
  // Ids differ between runs; references are compared by the URN of the resource they point at.
  const stateful = (r: RunResult) => {
    const urnOfId = new Map(r.resources.filter((x) => x.id).map((x) => [x.id!, x.urn]));
    const byUrn = (v: unknown): unknown => typeof v === "string" && urnOfId.has(v) ? `ref:${urnOfId.get(v)}`
      : Array.isArray(v) ? v.map(byUrn) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, byUrn(x)])) : v;
    return r.resources
      .filter((x) => [...STATEFUL, "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString"].includes(x.type))
      .map((x) => ({ urn: x.urn, inputs: byUrn(x.plainInputs), protect: x.protect }));
  };

  it.each([
    ["dev", { appRef: "v9.9.9", gunicornWorkers: 5, appEnv: ["NEW=1"] }],
    ["staging", { appRef: "v9.9.9", webCount: 3, webSize: "s-4vcpu-8gb", workerCount: 3 }],
    ["prod", { appRef: "v9.9.9", webCount: 5, webSize: "s-8vcpu-16gb", workerConcurrency: 16, maxUploadMb: 50 }],
  ])("%s keeps every stateful resource's name and inputs", async (stack, change) => {
    const before = stateful(runs[stack]);
    const after = stateful(await planStack(stack, change));
    expect(before.length).toBeGreaterThan(0);
    expect(after).toEqual(before);
  });
});
