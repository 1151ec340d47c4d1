/**
 * Every component's `nodes` (components/nodes.ts): built under Pulumi's mocks, each component lists
 * exactly the custom resources the mock runtime registered under its URN, sorted into the kinds of the
 * tables in clouds/children/ (as instances of those classes) and `other`; for every component on both
 * clouds (the setups of tests/components.test.ts, plus the managed/self-hosted and one/many variants), and
 * for every component of the six checked-in stacks, FullStackApp through `nodesOf`.
 */
import type * as aws from "@pulumi/aws";
import type * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import {
  CHILDREN, CdnBucket, FullStackApp, LinuxServer, LinuxServerGroup, Network, PostgresDb, RedisCache, WebTier, WorkerQueue,
  buildAppSpec, nodesOf, typeToken, type Nodes,
} from "../components";
import { runStack, valueOf, type RunResult } from "../harness/mockRuntime";
import { loadSettings } from "../settings";
import { program } from "../stacks/program";
import { readStackConfig } from "../tools/stackConfig";
import { ROOT, withDescendants } from "./helpers";

jest.setTimeout(120_000);

type Cloud = "digitalocean" | "aws";
const CLOUDS: Cloud[] = ["digitalocean", "aws"];
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop";
const ACCESS = { adminUser: "ops", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"], sshKeyIds: [] };
const settingsFor = (cloud: Cloud) => loadSettings(cloud === "aws"
  ? { cloud, region: "eu-central-1", appRepo: "https://github.com/acme/shop.git", workerKind: "rq", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] }
  : { appRepo: "https://github.com/acme/shop.git", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] });
const networkArgs = (cloud: Cloud) => (cloud === "aws" ? { cloud, region: "eu-central-1" } : { region: "fra1" });

/** Every table kind, with its class and type token. */
const KINDS = Object.entries(CHILDREN).flatMap(([cloud, table]) =>
  Object.entries(table).map(([kind, cls]) => ({ cloud: cloud as Cloud, kind, cls: cls as unknown as new (...a: never[]) => pulumi.CustomResource, token: typeToken(cls) })));
const KIND_OF_TOKEN = new Map(KINDS.map((k) => [k.token, `${k.cloud}.${k.kind}`]));

interface Made {
  result: RunResult;
  /** Every fullstack component the program made, in the order made (a stack transformation saw each). */
  components: pulumi.ComponentResource[];
}

/** Runs `make` under mocks, collecting every component it makes (nested ones too). */
async function build(make: () => void | Promise<void>, stack = "nodes", config: Record<string, string> = { "aws:region": "eu-central-1" },
  secretKeys?: string[], project?: string): Promise<Made> {
  const components: pulumi.ComponentResource[] = [];
  const result = await runStack({
    project, stack, config, secretKeys,
    program: async () => {
      pulumi.runtime.registerStackTransformation(({ resource, type }) => {
        // Seen from inside its Resource constructor: the ComponentResource constructor has not run yet.
        if (type.startsWith("fullstack:")) components.push(resource as pulumi.ComponentResource);
        return undefined;
      });
      await make();
      return {};
    },
  });
  return { result, components };
}

/** URNs of every resource below `root` (by the parents the mock runtime recorded). */
function subtree(result: RunResult, root: string): Set<string> {
  const under = withDescendants(result, root);
  under.delete(root);
  return under;
}

const nodesOfComponent = (c: pulumi.ComponentResource): Nodes | undefined => (c as unknown as { nodes?: Nodes }).nodes;

/**
 * Checks one component's nodes against what the mock runtime registered under it: per `cloud.kind` (and
 * `other`) the same URNs, each once, each node an instance of its kind's class. Returns the counts per kind.
 */
async function checkNodes(result: RunResult, component: pulumi.ComponentResource, nodes: Nodes): Promise<Record<string, number>> {
  const root = await valueOf(component.urn);
  const under = subtree(result, root);
  const expected: Record<string, string[]> = {};
  for (const r of result.resources) {
    if (r.custom && under.has(r.urn)) (expected[KIND_OF_TOKEN.get(r.type) ?? "other"] ??= []).push(r.urn);
  }
  const actual: Record<string, string[]> = {};
  const wrongClass: string[] = [];
  for (const { cloud, kind, cls } of KINDS) {
    const list = (nodes[cloud] as Record<string, pulumi.CustomResource[]>)[kind];
    expect(Array.isArray(list)).toBe(true);
    for (const node of list) if (!(node instanceof cls)) wrongClass.push(`${cloud}.${kind}`);
    if (list.length > 0) actual[`${cloud}.${kind}`] = await Promise.all(list.map((n) => valueOf(n.urn)));
  }
  if (nodes.other.length > 0) actual.other = await Promise.all(nodes.other.map((n) => valueOf(n.urn)));
  for (const v of [...Object.values(expected), ...Object.values(actual)]) v.sort();
  expect({ component: root, wrongClass, nodes: actual }).toEqual({ component: root, wrongClass: [], nodes: expected });
  return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, v.length]));
}

/** Checks every component the run made that has `nodes`; returns the counts per component type, by name. */
async function checkAll(made: Made): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of made.components) {
    const nodes = nodesOfComponent(c);
    if (!nodes) continue;
    out[await valueOf(c.urn).then((u) => u.split("::").slice(2).join("::"))] = await checkNodes(made.result, c, nodes);
  }
  return out;
}

/** Each component alone, minimal args (as in tests/components.test.ts), plus the variants that make other children. */
const SETUPS: { what: string; clouds: Cloud[]; make: (cloud: Cloud) => void }[] = [
  { what: "Network", clouds: CLOUDS, make: (cloud) => { new Network("shop", networkArgs(cloud)); } },
  {
    what: "LinuxServer (no roles)", clouds: CLOUDS,
    make: (cloud) => { new LinuxServer("box", { network: new Network("shop", networkArgs(cloud)), roles: [], access: ACCESS }); },
  },
  {
    what: "LinuxServer (web, volume, reserved address)", clouds: CLOUDS,
    make: (cloud) => {
      const s = settingsFor(cloud);
      new LinuxServer("box", {
        network: new Network("shop", networkArgs(cloud)), roles: ["web"], access: ACCESS, volume: { sizeGb: 10 }, reservedIp: true,
        app: buildAppSpec(s.app, s.web.gunicorn.version, { hostNames: [], https: false }),
        web: { serverNames: [], maxUploadMb: 10, gunicorn: s.web.gunicorn, trustedProxies: [] },
      });
    },
  },
  {
    what: "LinuxServerGroup", clouds: ["aws"],
    make: (cloud) => {
      const s = settingsFor(cloud);
      new LinuxServerGroup("workers", {
        network: new Network("shop", networkArgs(cloud)), roles: ["worker"], count: 3, access: s.access,
        app: buildAppSpec(s.app, s.web.gunicorn.version, { hostNames: [], https: false }),
        worker: { kind: "rq", app: "shop.tasks", queues: ["default"], concurrency: 1, taskTimeLimit: 600 },
      });
    },
  },
  {
    what: "WebTier (one server)", clouds: CLOUDS,
    make: (cloud) => { const s = settingsFor(cloud); new WebTier("shop", { network: new Network("shop", networkArgs(cloud)), app: s.app, access: s.access }); },
  },
  {
    what: "WebTier (two servers behind a load balancer, its own network)", clouds: CLOUDS,
    make: (cloud) => { const s = settingsFor(cloud); new WebTier("shop", { ...networkArgs(cloud), count: 2, app: s.app, access: s.access }); },
  },
  {
    what: "PostgresDb (managed)", clouds: CLOUDS,
    make: (cloud) => { new PostgresDb("shop-db", { network: new Network("shop", networkArgs(cloud)), allowRoles: ["web"] }); },
  },
  {
    what: "PostgresDb (self-hosted)", clouds: CLOUDS,
    make: (cloud) => { new PostgresDb("shop-db", { network: new Network("shop", networkArgs(cloud)), mode: "self-hosted" }); },
  },
  {
    what: "RedisCache (managed)", clouds: CLOUDS,
    make: (cloud) => { new RedisCache("shop-redis", { network: new Network("shop", networkArgs(cloud)), allowRoles: ["web"] }); },
  },
  {
    what: "RedisCache (self-hosted)", clouds: CLOUDS,
    make: (cloud) => { new RedisCache("shop-redis", { network: new Network("shop", networkArgs(cloud)), mode: "self-hosted" }); },
  },
  { what: "CdnBucket", clouds: CLOUDS, make: (cloud) => { new CdnBucket("shop-static", { network: new Network("shop", networkArgs(cloud)) }); } },
  {
    what: "WorkerQueue (two workers)", clouds: CLOUDS,
    make: (cloud) => {
      const s = settingsFor(cloud);
      new WorkerQueue("shop", {
        network: new Network("shop", networkArgs(cloud)), app: s.app, access: s.access, environment: { REDIS_URL: "redis://redis.internal:6379/0" }, count: 2,
        worker: { kind: "celery", app: "shop", queues: ["default"], concurrency: 2, taskTimeLimit: 300 },
      });
    },
  },
];

describe("nodes: every component lists exactly the custom resources it made", () => {
  const seen = new Set<string>();
  afterAll(() => {
    // Every component class but FullStackApp has `nodes`, and each was checked on its own here.
    expect([...seen].sort()).toEqual([
      "fullstack:cdn:CdnBucket", "fullstack:compute:LinuxServer", "fullstack:compute:LinuxServerGroup", "fullstack:data:PostgresDb",
      "fullstack:data:RedisCache", "fullstack:network:Network", "fullstack:queue:WorkerQueue", "fullstack:web:WebTier",
    ]);
  });

  it.each(SETUPS.flatMap((s) => s.clouds.map((cloud) => [s.what, cloud, s] as const)))("%s on %s", async (_what, cloud, setup) => {
    const made = await build(() => setup.make(cloud));
    const counts = await checkAll(made);
    for (const c of made.components) seen.add(await valueOf(c.urn).then((u) => u.split("::")[2].split("$").pop()!));
    // Something of the tables on the setup's cloud in every component but a self-hosted data store.
    for (const [urn, byKind] of Object.entries(counts)) {
      if (/(PostgresDb|RedisCache)::/.test(urn) && _what.includes("self-hosted")) {
        expect({ urn, byKind }).toEqual({ urn, byKind: { other: expect.any(Number) } });
      } else {
        expect({ urn, kinds: Object.keys(byKind).filter((k) => k.startsWith(`${cloud}.`)).length > 0 }).toEqual({ urn, kinds: true });
      }
      expect({ urn, otherCloud: Object.keys(byKind).filter((k) => k.startsWith(`${cloud === "aws" ? "digitalocean" : "aws"}.`)) }).toEqual({ urn, otherCloud: [] });
    }
  });

  it("typed by the tables: a DigitalOcean web tier's droplets and load balancer, an AWS database's RDS instance", async () => {
    let web: WebTier | undefined;
    let db: PostgresDb | undefined;
    let network: Network | undefined;
    const made = await build(() => {
      web = new WebTier("shop", { region: "fra1", count: 2, app: settingsFor("digitalocean").app, access: ACCESS });
      network = new Network("data", networkArgs("aws"));
      db = new PostgresDb("shop-db", { network, allowRoles: ["web"] });
    });
    // Compile-time: the provider's own classes.
    const droplets: digitalocean.Droplet[] = web!.nodes.digitalocean.droplet;
    const lbs: digitalocean.LoadBalancer[] = web!.nodes.digitalocean.loadBalancer;
    const rds: aws.rds.Instance[] = db!.nodes.aws.dbInstance;
    const other: pulumi.CustomResource[] = db!.nodes.other;
    expect([droplets.length, lbs.length, rds.length, web!.nodes.aws.instance.length]).toEqual([2, 1, 1, 0]);
    expect(await Promise.all(droplets.map((d) => valueOf(d.name)))).toEqual(["shop-web-1", "shop-web-2"]);
    const urns = new Map(made.result.resources.map((r) => [r.urn, r]));
    expect(urns.get(await valueOf(rds[0].urn))?.type).toBe("aws:rds/instance:Instance");
    // The database's password is not a table kind: it is in `other`.
    expect((await Promise.all(other.map((o) => valueOf(o.urn)))).map((u) => urns.get(u)?.type)).toContain("random:index/randomPassword:RandomPassword");
    // A live view: the network's role identity, made when the database's rule named the role, after the network's constructor.
    expect(network!.nodes.aws.securityGroup.length).toBe(1);
    expect(await valueOf(network!.nodes.aws.securityGroup[0].description)).toBe("Servers with the web role");
  });

  it("nodesOf fails at construction, naming the class, when the SDK kept no record of a component's children", async () => {
    let message = "";
    await build(() => {
      class Empty extends pulumi.ComponentResource {
        constructor() {
          super("test:index:Empty", "empty");
          try {
            nodesOf(this);
          } catch (err) {
            message = (err as Error).message;
          }
          this.registerOutputs({});
        }
      }
      new Empty();
      // A component needs some resource for the run to have made anything; nothing of it is checked.
      new Network("shop", { region: "fra1" });
    });
    expect(message).toBe("nodes: this @pulumi/pulumi does not record the children of Empty where components/nodes.ts reads them " +
      "(a Set in __childResources, node_modules/@pulumi/pulumi/resource.js); update components/nodes.ts for it");
  });
});

describe("nodes over the checked-in stacks", () => {
  it.each(["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"])("%s: every component's nodes, FullStackApp's through nodesOf, are what it made", async (stack) => {
    const cfg = readStackConfig(ROOT, stack);
    const made = await build(async () => { await program(); }, stack, cfg.config, cfg.secretKeys, cfg.project);
    const counts = await checkAll(made);
    const apps = made.components.filter((c) => c instanceof FullStackApp);
    expect(apps).toHaveLength(1);
    await checkNodes(made.result, apps[0], nodesOf(apps[0]));
    // The app is everything the stack makes: no custom resource of the stack is outside its nodes.
    const inApp = subtree(made.result, await valueOf(apps[0].urn));
    expect(made.result.resources.filter((r) => r.custom && !inApp.has(r.urn)).map((r) => r.urn)).toEqual([]);
    // Network, WebTier, PostgresDb, RedisCache and servers at least: each checked above.
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(5);
  });
});
