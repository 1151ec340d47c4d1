/**
 * Network identities only for roles something connects to (components/network.ts): a role's identity
 * (a DigitalOcean tag, an AWS security group) is made when a rule, a data store's allowRoles or a load
 * balancer first names the role, and a server wears only the identities of its roles that exist. Over
 * the six checked-in stacks: the one-box stacks make none, every identity a stack makes is referenced by
 * something, and each server wears exactly the identities of its roles that exist. A rule that names a
 * role after its servers were made is an error on both clouds.
 */
import { LinuxServer, Network, RedisCache, WorkerQueue } from "../components";
import { AWS_TYPES, interfaceSecurityGroups } from "../harness/cloudRules/aws";
import { runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { loadSettings } from "../settings";
import { T, ofType, planStack } from "./helpers";
import { servers } from "./topology/inspect";

jest.setTimeout(120_000);

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop";
const STACKS = ["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"];
const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  for (const stack of STACKS) runs[stack] = await planStack(stack);
});

const DB_FIREWALL = "digitalocean:index/databaseFirewall:DatabaseFirewall";
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

interface Identity {
  role: string;
  /** What rules and servers name it by: the tag's name, the security group's id. */
  ref: string;
  resource: RecordedResource;
}

/** The role identities a stack makes: DigitalOcean tags, AWS security groups tagged with a Role. */
function identities(r: RunResult): Identity[] {
  const prefix = String(ofType(r, "fullstack:network:Network")[0].name);
  const tags = ofType(r, T.tag).map((t) => ({ role: String(t.inputs.name).slice(prefix.length + 1), ref: String(t.inputs.name), resource: t }));
  const groups = ofType(r, AWS_TYPES.securityGroup).filter((g) => (g.inputs.tags as Record<string, string> | undefined)?.Role)
    .map((g) => ({ role: (g.inputs.tags as Record<string, string>).Role, ref: g.id!, resource: g }));
  return [...tags, ...groups];
}

/** What names an identity by its ref: firewall sources and attachments, database firewall rules, load balancers, security group rules. */
function references(r: RunResult): { ref: string; by: string }[] {
  return [
    ...ofType(r, T.firewall).flatMap((fw) => [
      ...strings(fw.inputs.tags),
      ...((fw.inputs.inboundRules as { sourceTags?: string[] }[] | undefined) ?? []).flatMap((rule) => strings(rule.sourceTags)),
    ].map((ref) => ({ ref, by: fw.name }))),
    ...ofType(r, DB_FIREWALL).flatMap((fw) => ((fw.inputs.rules as { type: string; value: string }[] | undefined) ?? [])
      .filter((rule) => rule.type === "tag").map((rule) => ({ ref: rule.value, by: fw.name }))),
    ...ofType(r, T.loadBalancer).filter((lb) => lb.inputs.dropletTag).map((lb) => ({ ref: String(lb.inputs.dropletTag), by: lb.name })),
    ...[...ofType(r, AWS_TYPES.ingressRule), ...ofType(r, AWS_TYPES.egressRule)].filter((rule) => rule.plainInputs.referencedSecurityGroupId)
      .map((rule) => ({ ref: String(rule.plainInputs.referencedSecurityGroupId), by: rule.name })),
  ];
}

/** The identities a server (droplet, instance or group template) wears. */
function worn(r: RunResult, spec: RecordedResource): string[] {
  const refs = new Set(identities(r).map((i) => i.ref));
  const named = spec.type === T.droplet ? strings(spec.inputs.tags) : interfaceSecurityGroups(spec);
  return named.filter((ref) => refs.has(ref));
}

describe("network identities only for roles something connects to", () => {
  it.each(["dev", "aws-dev"])("%s (single): the one box's roles (web, worker, scheduler, postgres, redis) make no identity, and it wears none", (stack) => {
    const r = runs[stack];
    const [box] = servers(r);
    expect(box.roles).toEqual(["postgres", "redis", "scheduler", "web", "worker"]);
    expect(identities(r).map((i) => i.role)).toEqual([]);
    if (stack === "dev") expect(box.resource.inputs.tags).toEqual([]);
    else expect(interfaceSecurityGroups(box.spec)).toHaveLength(1);
  });

  it.each(STACKS)("%s: every identity the stack makes is referenced by something", (stack) => {
    const r = runs[stack];
    const refs = references(r);
    const unreferenced = identities(r).filter((i) => !refs.some((x) => x.ref === i.ref)).map((i) => i.resource.name);
    expect(unreferenced).toEqual([]);
  });

  it.each(STACKS)("%s: each server wears the identities of exactly those of its roles that have one", (stack) => {
    const r = runs[stack];
    const byRole = new Map(identities(r).map((i) => [i.role, i.ref]));
    for (const s of servers(r)) {
      const expected = s.roles.filter((role) => byRole.has(role)).map((role) => byRole.get(role)!).sort();
      expect(`${s.name}: ${worn(r, s.spec).sort().join(" ")}`).toBe(`${s.name}: ${expected.join(" ")}`);
    }
  });

  it("the identities the stacks make: web and worker where data stores admit them or a load balancer selects by them, never the scheduler", () => {
    const roles = Object.fromEntries(STACKS.map((stack) => [stack, identities(runs[stack]).map((i) => i.role).sort()]));
    expect(roles).toEqual({
      "dev": [], "staging": ["web", "worker"], "prod": ["web", "worker"],
      "aws-dev": [], "aws-staging": ["web", "worker"], "aws-prod": ["web", "worker"],
    });
  });

  // FullStackApp passes the managed data stores `allowRoles: ["web"]` when there is no worker.
  it.each(["staging", "aws-staging"])("%s without workers: no worker identity, and the data stores admit only web", async (stack) => {
    const r = await planStack(stack, { workerKind: null, workerApp: null, taskTimeLimit: null });
    expect(servers(r).flatMap((s) => s.roles)).not.toContain("worker");
    expect(identities(r).map((i) => i.role)).toEqual(["web"]);
  });
});

describe("a rule that names a role after its servers were made is an error, not a server the rule misses", () => {
  it.each(["digitalocean", "aws"] as const)("%s: a cache admitting the worker role made after the workers", async (cloud) => {
    const settings = loadSettings(cloud === "aws"
      ? { cloud, region: "eu-central-1", appRepo: "https://github.com/acme/shop.git", workerKind: "rq" }
      : { appRepo: "https://github.com/acme/shop.git", workerKind: "rq", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] });
    const build = (cacheFirst: boolean) => runStack({
      stack: "order", config: { "aws:region": "eu-central-1" },
      program: async () => {
        const network = new Network("t", cloud === "aws" ? { cloud, region: "eu-central-1" } : { region: "fra1" });
        const cache = () => new RedisCache("t-redis", { network, allowRoles: ["worker"] });
        if (cacheFirst) cache();
        new WorkerQueue("t", {
          network, app: settings.app, access: settings.access, environment: { REDIS_URL: "redis://redis.internal:6379/0" },
          worker: { kind: "rq", app: "shop.tasks", queues: ["default"], concurrency: 1, taskTimeLimit: 600 },
        });
        if (!cacheFirst) cache();
        return {};
      },
    });
    await expect(build(false)).rejects.toThrow('Network "t": a rule admits the worker role after its servers (t-worker-1) were made without its network identity; ' +
      "make data stores, load balancers and role rules before the servers they admit");
    // In order, the worker wears the identity the cache admits.
    const r = await build(true);
    const [identity] = identities(r);
    expect(identity.role).toBe("worker");
    expect(servers(r).map((s) => `${s.name}: ${worn(r, s.spec).join(" ")}`)).toEqual([`${servers(r)[0].name}: ${identity.ref}`]);
  });

  it.each(["digitalocean", "aws"] as const)("%s: a server's own rule may admit its own role (Redis replicas admitting each other): it wears the identity", async (cloud) => {
    const r = await runStack({
      stack: "order", config: { "aws:region": "eu-central-1" },
      program: async () => {
        const network = new Network("t", cloud === "aws" ? { cloud, region: "eu-central-1" } : { region: "fra1" });
        const redis = new RedisCache("t-redis", { network, mode: "self-hosted" });
        new LinuxServer("t-redis-1", {
          network, roles: ["redis"], redis: redis.serverSpec!,
          access: { adminUser: "ops", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"], sshKeyIds: [] },
          ingress: [{ port: 6379, protocol: "tcp", source: { kind: "role", role: network.role("redis") }, description: "Redis from the redis role" }],
        });
        return {};
      },
    });
    const [identity] = identities(r);
    expect(identity.role).toBe("redis");
    expect(servers(r).map((s) => worn(r, s.spec))).toEqual([[identity.ref]]);
    expect(references(r).map((x) => x.ref)).toContain(identity.ref);
  });
});
