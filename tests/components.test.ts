/**
 * Each component built on its own, as a program importing it would (minimal args), under Pulumi's mocks:
 * the children it makes (by type, under the component) and its outputs, resolved. The stack tests build
 * everything through FullStackApp; these show that each piece stands alone.
 */
import * as pulumi from "@pulumi/pulumi";
import { CdnBucket, LinuxServer, LinuxServerGroup, Network, PostgresDb, RedisCache, WebTier, WorkerQueue, buildAppSpec } from "../components";
import { runStack, type RunResult } from "../harness/mockRuntime";
import { loadSettings } from "../settings";
import { withDescendants } from "./helpers";

jest.setTimeout(120_000);

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop";
const ACCESS = { adminUser: "ops", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"], sshKeyIds: [] };
const settings = loadSettings({ appRepo: "https://github.com/acme/shop.git", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] });

type Cloud = "digitalocean" | "aws";
const region = (cloud: Cloud) => (cloud === "aws" ? { cloud, region: "eu-central-1" } : { region: "fra1" });

/** Builds what `make` returns under mocks; its outputs are the component's outputs to check. */
function build(make: () => Record<string, pulumi.Input<unknown>>): Promise<RunResult> {
  return runStack({ stack: "component", config: { "aws:region": "eu-central-1" }, program: async () => make() });
}

/** How many custom resources of each type sit anywhere under the component of `type`. */
function childrenOf(result: RunResult, type: string): Record<string, number> {
  const component = result.resources.find((r) => r.type === type);
  if (!component) throw new Error(`no ${type} was made`);
  const under = withDescendants(result, component.urn);
  const counts: Record<string, number> = {};
  for (const r of result.resources) if (r.custom && under.has(r.urn)) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

const out = (result: RunResult, key: string) => result.outputs[key];

describe("each component on its own", () => {
  it("Network: a VPC, its id and range", async () => {
    const r = await build(() => {
      const n = new Network("shop", { region: "fra1" });
      return { id: n.id, cidr: n.cidr };
    });
    expect(childrenOf(r, "fullstack:network:Network")).toEqual({ "digitalocean:index/vpc:Vpc": 1 });
    expect(out(r, "id").value).toEqual(expect.any(String));
    expect(out(r, "cidr").value).toMatch(/^10\.\d+\.\d+\.\d+\/\d+$/);
  });

  it.each<Cloud>(["digitalocean", "aws"])("LinuxServer (%s, no roles): the hardened server and its firewall, with its addresses", async (cloud) => {
    const r = await build(() => {
      const network = new Network("shop", region(cloud));
      const box = new LinuxServer("box", { network, roles: [], access: ACCESS });
      return { publicIp: box.publicIp, privateIp: box.privateIp, address: box.address };
    });
    const children = childrenOf(r, "fullstack:compute:LinuxServer");
    if (cloud === "digitalocean") expect(children).toEqual(expect.objectContaining({ "digitalocean:index/droplet:Droplet": 1, "digitalocean:index/firewall:Firewall": 1 }));
    else expect(children).toEqual(expect.objectContaining({ "aws:ec2/instance:Instance": 1, "aws:ec2/securityGroup:SecurityGroup": 1 }));
    expect(out(r, "publicIp").value).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(out(r, "privateIp").value).toMatch(/^10\.\d+\.\d+\.\d+$/);
  });

  it("LinuxServerGroup (AWS): a launch template and an auto scaling group of the count asked", async () => {
    const aws = loadSettings({ cloud: "aws", region: "eu-central-1", appRepo: "https://github.com/acme/shop.git", workerKind: "rq" });
    const r = await build(() => {
      const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
      const group = new LinuxServerGroup("workers", {
        network, roles: ["worker"], count: 3, access: aws.access,
        app: buildAppSpec(aws.app, aws.web.gunicorn.version, { hostNames: [], https: false }),
        worker: { kind: "rq", app: "shop.tasks", queues: ["default"], concurrency: 1, taskTimeLimit: 600 },
      });
      return { groupName: group.groupName };
    });
    const children = childrenOf(r, "fullstack:compute:LinuxServerGroup");
    expect(children).toEqual(expect.objectContaining({ "aws:ec2/launchTemplate:LaunchTemplate": 1, "aws:autoscaling/group:Group": 1 }));
    const asg = r.resources.find((x) => x.type === "aws:autoscaling/group:Group")!;
    expect([asg.inputs.desiredCapacity, asg.inputs.minSize]).toEqual([3, 3]);
    expect(out(r, "groupName").value).toEqual(expect.any(String));
  });

  it("WebTier (one server): a droplet that serves the app, its reserved address and the URL", async () => {
    const r = await build(() => {
      const network = new Network("shop", { region: "fra1" });
      const web = new WebTier("shop", { network, app: settings.app, access: settings.access });
      return { url: web.url };
    });
    const children = childrenOf(r, "fullstack:web:WebTier");
    expect(children).toEqual(expect.objectContaining({ "digitalocean:index/droplet:Droplet": 1, "digitalocean:index/reservedIp:ReservedIp": 1 }));
    expect(children["digitalocean:index/loadBalancer:LoadBalancer"]).toBeUndefined();
    expect(out(r, "url").value).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+$/);
  });

  it("PostgresDb (managed): cluster, database, user, pool and firewall; the URL is secret", async () => {
    const r = await build(() => {
      const network = new Network("shop", { region: "fra1" });
      const db = new PostgresDb("shop-db", { network, allowRoles: ["web"] });
      return { url: db.url, host: db.host };
    });
    expect(childrenOf(r, "fullstack:data:PostgresDb")).toEqual(expect.objectContaining({
      "digitalocean:index/databaseCluster:DatabaseCluster": 1, "digitalocean:index/databaseDb:DatabaseDb": 1,
      "digitalocean:index/databaseUser:DatabaseUser": 1, "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": 1,
      "digitalocean:index/databaseFirewall:DatabaseFirewall": 1,
    }));
    expect(out(r, "url")).toEqual({ value: expect.stringMatching(/^postgres(ql)?:\/\//), secret: true });
  });

  it("PostgresDb (self-hosted): no cloud database, a role spec for the server that runs it", async () => {
    const r = await build(() => {
      const network = new Network("shop", { region: "fra1" });
      const db = new PostgresDb("shop-db", { network, mode: "self-hosted" });
      return { url: db.url, spec: db.serverSpec!.apply((s) => JSON.stringify(Object.keys(s).sort())) };
    });
    expect(Object.keys(childrenOf(r, "fullstack:data:PostgresDb")).filter((t) => t.startsWith("digitalocean:"))).toEqual([]);
    expect(out(r, "url").secret).toBe(true);
    expect(JSON.parse(out(r, "spec").value as string)).toEqual(expect.arrayContaining(["database", "user"]));
  });

  it("RedisCache (managed): a cluster and its firewall; the URL is secret", async () => {
    const r = await build(() => {
      const network = new Network("shop", { region: "fra1" });
      const redis = new RedisCache("shop-redis", { network, allowRoles: ["web"] });
      return { url: redis.url };
    });
    expect(childrenOf(r, "fullstack:data:RedisCache")).toEqual(expect.objectContaining({
      "digitalocean:index/databaseCluster:DatabaseCluster": 1, "digitalocean:index/databaseFirewall:DatabaseFirewall": 1,
    }));
    expect(out(r, "url")).toEqual({ value: expect.stringMatching(/^rediss?:\/\//), secret: true });
  });

  it("CdnBucket: a private bucket behind the CDN, and the app's own key (secret)", async () => {
    const r = await build(() => {
      const network = new Network("shop", { region: "fra1" });
      const cdn = new CdnBucket("shop-static", { network });
      return { publicUrl: cdn.publicUrl, secretKey: cdn.appCredentials!.secretKey };
    });
    expect(childrenOf(r, "fullstack:cdn:CdnBucket")).toEqual(expect.objectContaining({
      "digitalocean:index/spacesBucket:SpacesBucket": 1, "digitalocean:index/cdn:Cdn": 1,
    }));
    expect(out(r, "publicUrl").value).toMatch(/^https:\/\/\S+\.cdn\.digitaloceanspaces\.com$/);
    expect(out(r, "secretKey").secret).toBe(true);
    // Wherever the key goes (the app's environment, in secret inputs), it is masked like every secret.
    const key = String(out(r, "secretKey").value);
    expect(key.length).toBeGreaterThan(8);
    expect(r.resources.filter((x) => JSON.stringify(x.inputs).includes(key)).map((x) => x.name)).toEqual([]);
  });

  it("WorkerQueue: the workers and exactly one scheduler, each a droplet", async () => {
    const r = await build(() => {
      const network = new Network("shop", { region: "fra1" });
      const queue = new WorkerQueue("shop", {
        network, app: settings.app, access: settings.access, environment: { REDIS_URL: "redis://redis.internal:6379/0" }, count: 2,
        worker: { kind: "celery", app: "shop", queues: ["default"], concurrency: 2, taskTimeLimit: 300 },
      });
      return { ids: queue.serverIds };
    });
    expect(childrenOf(r, "fullstack:queue:WorkerQueue")).toEqual(expect.objectContaining({ "digitalocean:index/droplet:Droplet": 2 }));
    const units = r.resources.filter((x) => x.type === "digitalocean:index/droplet:Droplet")
      .map((d) => String(d.plainInputs.userData).includes("-scheduler.service") ? "scheduler" : "worker");
    expect(units.sort()).toEqual(["scheduler", "worker"]);
    expect(out(r, "ids").value).toHaveLength(2);
  });
});

describe("operating systems per cloud (settings/catalog.ts unavailableOs)", () => {
  it("LinuxServer on AWS refuses Debian 12 (its AMIs have no SSM agent to run releases), naming the arg; DigitalOcean takes it", async () => {
    await expect(build(() => {
      new LinuxServer("box", { network: new Network("shop", region("aws")), roles: [], access: ACCESS, os: "debian-12" });
      return {};
    })).rejects.toThrow(/LinuxServer\.os "debian-12" is not available on AWS: its Debian AMIs carry no SSM agent.*; use ubuntu-24\.04/);
    const r = await build(() => {
      new LinuxServer("box", { network: new Network("shop", region("digitalocean")), roles: [], access: ACCESS, os: "debian-12" });
      return {};
    });
    expect(r.resources.find((x) => x.type === "digitalocean:index/droplet:Droplet")!.inputs.image).toBe("debian-12-x64");
  });
});

describe("ingress sources (one object with a kind, as a package schema describes it)", () => {
  it.each<Cloud>(["digitalocean", "aws"])("LinuxServer (%s): each kind of source becomes the cloud's rule", async (cloud) => {
    const r = await build(() => {
      const network = new Network("shop", region(cloud));
      new LinuxServer("box", {
        network, roles: [], access: ACCESS, ingress: [
          { port: 80, protocol: "tcp", source: { kind: "anywhere" }, description: "HTTP" },
          { port: 8080, protocol: "tcp", source: { kind: "cidrs", cidrs: ["198.51.100.0/24", "2001:db8::/48"] }, description: "office" },
          { port: 9100, protocol: "tcp", source: { kind: "role", role: network.role("worker") }, description: "metrics" },
        ],
      });
      return {};
    });
    if (cloud === "digitalocean") {
      const fw = r.resources.find((x) => x.type === "digitalocean:index/firewall:Firewall")!;
      const rules = fw.inputs.inboundRules as Record<string, unknown>[];
      expect(rules.map((x) => [x.portRange, x.sourceAddresses ?? x.sourceTags])).toEqual([
        ["22", ["203.0.113.7/32"]], ["80", ["0.0.0.0/0", "::/0"]], ["8080", ["198.51.100.0/24", "2001:db8::/48"]], ["9100", ["shop-worker"]],
      ]);
    } else {
      const rules = r.resources.filter((x) => x.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && x.inputs.fromPort !== 22);
      expect(rules.map((x) => [x.inputs.fromPort, x.inputs.cidrIpv4 ?? x.inputs.cidrIpv6 ?? (x.inputs.referencedSecurityGroupId ? "sg" : undefined)])).toEqual([
        [80, "0.0.0.0/0"], [80, "::/0"], [8080, "198.51.100.0/24"], [8080, "2001:db8::/48"], [9100, "sg"],
      ]);
    }
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["an unknown kind", { kind: "everyone" }, /LinuxServer\.ingress\[0\]\.source\.kind "everyone" is not a kind of source; use one of anywhere, cidrs, role, loadBalancer/],
    ["cidrs without ranges", { kind: "cidrs" }, /LinuxServer\.ingress\[0\]\.source\.cidrs \(unset\) must list at least one range/],
    ["cidrs with an empty list", { kind: "cidrs", cidrs: [] }, /LinuxServer\.ingress\[0\]\.source\.cidrs \[\] must list at least one range/],
    ["a range that is not a CIDR", { kind: "cidrs", cidrs: ["203.0.113.7"] }, /LinuxServer\.ingress\[0\]\.source\.cidrs\[0\] "203\.0\.113\.7" is not a CIDR block/],
    ["anywhere with ranges (a mix-up)", { kind: "anywhere", cidrs: ["10.0.0.0/8"] }, /LinuxServer\.ingress\[0\]\.source\.cidrs .* is set, but kind is "anywhere"; use kind "cidrs" for it/],
    ["role without a role", { kind: "role" }, /LinuxServer\.ingress\[0\]\.source\.role \(unset\) is required with kind "role"/],
    ["loadBalancer without one", { kind: "loadBalancer" }, /LinuxServer\.ingress\[0\]\.source\.loadBalancer \(unset\) is required with kind "loadBalancer"/],
  ])("refuses %s, naming the arg, before the server is registered", async (_what, source, message) => {
    expect(await refusal({ port: 80, protocol: "tcp", source: source as never, description: "x" })).toMatch(message);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["port 0", { port: 0 }, "fra1", /LinuxServer\.ingress\[0\]\.port 0 is not a whole number in range; use a whole number from 1 to 65535/],
    ["port 70000", { port: 70000 }, "fra1", /\.port 70000 is not a whole number in range/],
    ["udp", { protocol: "udp" }, "fra1", /LinuxServer\.ingress\[0\]\.protocol "udp" is not a protocol rules admit here; use one of tcp/],
    ["an empty description", { description: " " }, "fra1", /LinuxServer\.ingress\[0\]\.description " " is empty/],
    // EC2's rule descriptions: a-z A-Z 0-9 space ._-:/()#,@[]+=&;{}!$* (settings/limits/aws.ts ec2TextProblems).
    ["on AWS, a description with an apostrophe", { description: "from the LB's host" }, "eu-central-1", /LinuxServer\.ingress\[0\]\.description "from the LB's host" is refused by AWS; it .*"'", which EC2 refuses/],
  ])("refuses %s, naming the arg", async (_what, change, where, message) => {
    expect(await refusal({ port: 80, protocol: "tcp", source: { kind: "anywhere" }, description: "HTTP", ...change }, where)).toMatch(message);
  });

  it("takes on DigitalOcean a description EC2 would refuse (its firewall rules carry none)", async () => {
    expect(await refusal({ port: 80, protocol: "tcp", source: { kind: "anywhere" }, description: "from the LB's host" })).toBe("");
  });
});

/** What building a LinuxServer with the one ingress rule `rule` throws ("" when nothing), checking nothing was registered when it threw. */
async function refusal(rule: Record<string, unknown>, where = "fra1"): Promise<string> {
  let error: unknown;
  const r = await build(() => {
    const network = new Network("shop", where === "fra1" ? { region: "fra1" } : { cloud: "aws", region: where });
    try {
      new LinuxServer("box", { network, roles: [], access: ACCESS, ingress: [rule as never] });
    } catch (e) {
      error = e;
    }
    return {};
  });
  if (error === undefined) return "";
  // The component registers before any child of it: none of it means nothing of the server was made.
  expect(r.resources.filter((x) => x.type.startsWith("fullstack:compute:"))).toEqual([]);
  return String(error);
}
