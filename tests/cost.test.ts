/**
 * `npm run plan -- --cost` (issue 16, item 2): the monthly cost of every checked-in stack from the price
 * catalog (tools/prices.ts). Every resource is priced, billed by use, free, or named as not priced; no
 * size outside the catalog is guessed; the catalog holds only sizes the settings accept, and every size
 * the settings default to or suggest.
 */
import type { RunResult } from "../harness/mockRuntime";
import { CATALOG } from "../settings/catalog";
import { DB_PLANS, DROPLET_SIZES } from "../settings/limits/digitalocean";
import { EC2_SIZE_LIST, ELASTICACHE_NODE_TYPE_LIST, RDS_POSTGRES_CLASS_LIST } from "../settings/limits/aws";
import { costChange, costOf, formatCost, formatCostChange } from "../tools/cost";
import { AWS_REGIONS, DO_BAKED_IMAGE_USAGE, DO_DATABASE_NODE_MONTHLY, DO_DROPLET_MONTHLY, FREE, SOURCES, UNPRICED, USAGE } from "../tools/prices";
import { planStack } from "./helpers";

const STACKS = ["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"];
const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  for (const stack of STACKS) runs[stack] = await planStack(stack);
}, 180_000);

const linesOf = (r: ReturnType<typeof costOf>, name: string) => r.lines.filter((l) => l.name === name).map((l) => `${l.item}: ${l.monthly}`);

describe("the cost of each checked-in stack", () => {
  it.each(STACKS)("%s: every cloud resource is priced, billed by use, free, or named as not priced", (stack) => {
    const report = costOf(runs[stack]);
    const accounted = new Set([...report.lines, ...report.usage, ...report.unpriced].map((l) => `${l.type} ${l.name}`));
    const missing = runs[stack].resources
      .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && FREE[r.type] === undefined)
      .filter((r) => !accounted.has(`${r.type} ${r.name}`))
      .map((r) => `${r.type} ${r.name}`);
    expect(missing).toEqual([]);
    // The only gap today is DigitalOcean's uptime check, named with where its price is.
    expect(report.unpriced.map((u) => u.type).filter((t) => !(t in UNPRICED))).toEqual([]);
    expect(report.monthly).toBeCloseTo(report.lines.reduce((s, l) => s + l.monthly, 0), 2);
  });

  it("single box on DigitalOcean: the $6 droplet and its 10 GiB volume", () => {
    const report = costOf(runs.dev);
    expect(report.monthly).toBe(7);
    expect(linesOf(report, "shop-dev-web-1")).toEqual(["s-1vcpu-1gb droplet: 6"]);
    expect(linesOf(report, "shop-dev-web-1-data")).toEqual(["10 GiB volume: 1"]);
    // Transfer beyond the allowance is billed by use: listed, not added.
    expect(report.usage.map((u) => u.name)).toContain("shop-dev-web-1");
  });

  it("a baked image on DigitalOcean: the snapshot its bake keeps is listed as billed by size, nothing added", async () => {
    const baked = await planStack("dev", { serverImage: "baked" });
    const report = costOf(baked);
    const bake = baked.resources.find((r) => r.type === "command:local:Command")!;
    expect(report.usage.find((u) => u.name === bake.name)).toEqual(expect.objectContaining({
      billedBy: DO_BAKED_IMAGE_USAGE.billedBy, source: "https://docs.digitalocean.com/products/snapshots/details/pricing/",
    }));
    expect(report.monthly).toBe(costOf(runs.dev).monthly);
  });

  it("scaled on DigitalOcean: a cluster is priced per node, the load balancer per node, Spaces once", () => {
    const report = costOf(runs.prod);
    expect(linesOf(report, "shop-prod-db")).toEqual(["PostgreSQL db-s-2vcpu-4gb x 2 nodes: 120"]);
    expect(linesOf(report, "shop-prod-lb")).toEqual(["load balancer, 1 node: 12"]);
    expect(report.lines.filter((l) => l.item.startsWith("Spaces subscription"))).toHaveLength(1);
    expect(report.unpriced.map((u) => u.name)).toEqual(["shop-prod-uptime"]);
  });

  it("scaled on AWS: Multi-AZ doubles the database and its storage, an auto scaling group counts its running instances, public IPv4 is billed", () => {
    const report = costOf(runs["aws-prod"]);
    const h = AWS_REGIONS["eu-central-1"];
    expect(linesOf(report, "shop-aws-prod-db")).toEqual([
      `PostgreSQL db.m7g.large, Multi-AZ: ${Math.round(2 * h.rdsPostgresHourly["db.m7g.large"] * 730 * 100) / 100}`,
      `20 GB gp3 storage, Multi-AZ: ${Math.round(2 * 20 * h.rdsGp3GbMonthly * 100) / 100}`,
    ]);
    expect(linesOf(report, "shop-aws-prod-web")[0]).toBe(`m7i.large instances, 3 running (min 3, max 6): ${Math.round(3 * h.ec2Hourly["m7i.large"] * 730 * 100) / 100}`);
    expect(report.lines.filter((l) => l.item.includes("public IPv4")).map((l) => l.name).sort()).toEqual(["shop-aws-prod-lb", "shop-aws-prod-vpc-nat"]);
    // The custom metrics the alarms read (the agent's memory and disk per server or group, the heartbeats'
    // success and failure per check) are billed per metric: counted once each.
    const metrics = report.lines.filter((l) => l.name === "CloudWatch");
    expect(metrics).toHaveLength(1);
    expect(metrics[0].item).toMatch(/^\d+ custom metrics the alarms read/);
    expect(metrics[0].monthly).toBeCloseTo(0.3 * Number(/^(\d+)/.exec(metrics[0].item)![1]), 2);
    expect(costOf(runs.prod).lines.some((l) => l.name === "CloudWatch")).toBe(false);
    // The load balancer's and the NAT gateway's traffic, the queues and the CDN are billed by use.
    expect(report.usage.map((u) => u.name)).toEqual(expect.arrayContaining(["shop-aws-prod-lb", "shop-aws-prod-vpc-nat", "shop-aws-prod-queue-default", "shop-aws-prod-static-cdn"]));
  });

  it("an instance with an Elastic IP pays for that address once", () => {
    const report = costOf(runs["aws-dev"]);
    expect(report.lines.filter((l) => l.item.includes("public IPv4")).map((l) => `${l.name} ${l.item}`)).toEqual(["shop-aws-dev-web-1-ip 1 public IPv4 address (Elastic IP)"]);
  });

  it("prints the total, the lines, what is billed by use and what is not priced", () => {
    const text = formatCost(costOf(runs.prod), "prod");
    expect(text).toMatch(/^Monthly cost of stack prod: \$\d+\.\d\d a month/);
    expect(text).toContain("Billed by use, on top (not estimated):");
    expect(text).toContain("NOT PRICED (the total leaves these out):\n  shop-prod-uptime:");
  });
});

describe("never guessed", () => {
  it("a droplet size outside the catalog is named as not priced, and left out of the total", async () => {
    const run = await planStack("dev", { webSize: "s-2vcpu-8gb-160gb-intel" });
    const report = costOf(run);
    expect(report.unpriced).toEqual([expect.objectContaining({ name: "shop-dev-web-1", why: expect.stringContaining("s-2vcpu-8gb-160gb-intel") })]);
    expect(report.monthly).toBe(1);
  });

  it("an AWS region outside the catalog prices nothing there", async () => {
    const run = await planStack("aws-dev", { "aws:region": "ap-southeast-2", region: "ap-southeast-2" });
    const report = costOf(run);
    expect(report.lines.filter((l) => !l.item.includes("public IPv4"))).toEqual([]);
    expect(report.unpriced.map((u) => u.why)).toContainEqual(expect.stringContaining("region ap-southeast-2 is not in the price catalog"));
  });
});

describe("the cost change a diff shows", () => {
  it("a fourth web server adds its droplet and nothing else", async () => {
    const change = costChange(costOf(runs.prod), costOf(await planStack("prod", { webCount: 4 })));
    expect(change.delta).toBe(24);
    expect(change.lines).toEqual([{ name: "shop-prod-web-4", item: "s-2vcpu-4gb droplet", after: 24 }]);
    expect(formatCostChange(change)).toMatch(/^Monthly cost: \$317\.00 -> \$341\.00 \(\+\$24\.00\)/);
  });

  it("no change, no cost change", () => {
    const change = costChange(costOf(runs["aws-prod"]), costOf(runs["aws-prod"]));
    expect(change).toEqual(expect.objectContaining({ delta: 0, lines: [] }));
  });
});

describe("the catalog", () => {
  it("holds only sizes the settings accept (a typo would price nothing real)", () => {
    expect(Object.keys(DO_DROPLET_MONTHLY).filter((s) => !DROPLET_SIZES.includes(s))).toEqual([]);
    const dbPlans = new Set([...Object.values(DB_PLANS.pg).flat(), ...Object.values(DB_PLANS.valkey).flat()]);
    expect(Object.keys(DO_DATABASE_NODE_MONTHLY).filter((s) => !dbPlans.has(s))).toEqual([]);
    for (const region of Object.values(AWS_REGIONS)) {
      expect(Object.keys(region.ec2Hourly).filter((s) => !EC2_SIZE_LIST.includes(s))).toEqual([]);
      expect(Object.keys(region.rdsPostgresHourly).filter((s) => !RDS_POSTGRES_CLASS_LIST.includes(s))).toEqual([]);
      expect(Object.keys(region.elastiCacheValkeyHourly).filter((s) => !ELASTICACHE_NODE_TYPE_LIST.includes(s))).toEqual([]);
    }
  });

  it("prices every size the settings default to or suggest, in every AWS region it holds", () => {
    const d = CATALOG.digitalocean;
    const doSizes = [d.defaultSize, ...d.sizeExamples];
    const doDb = [d.defaultDbSize, d.scaledDbSize, ...d.dbSizeExamples, d.defaultCacheSize, d.scaledCacheSize, ...d.cacheSizeExamples];
    expect(doSizes.filter((s) => DO_DROPLET_MONTHLY[s] === undefined)).toEqual([]);
    expect(doDb.filter((s) => s && DO_DATABASE_NODE_MONTHLY[s] === undefined)).toEqual([]);
    const a = CATALOG.aws;
    for (const [name, region] of Object.entries(AWS_REGIONS)) {
      expect([name, [a.defaultSize, ...a.sizeExamples].filter((s) => region.ec2Hourly[s] === undefined)]).toEqual([name, []]);
      expect([name, [a.defaultDbSize, ...a.dbSizeExamples].filter((s) => region.rdsPostgresHourly[s] === undefined)]).toEqual([name, []]);
      expect([name, [a.defaultCacheSize, a.scaledCacheSize, ...a.cacheSizeExamples].filter((s) => s && region.elastiCacheValkeyHourly[s] === undefined)]).toEqual([name, []]);
    }
  });

  it("every price names its source page and the date of its price list", () => {
    for (const s of Object.values(SOURCES)) {
      expect(s.url).toMatch(/^https:\/\//);
      expect(s.asOf).toMatch(/^20\d\d-(0[1-9]|1[0-2])$/);
      expect(s.note.length).toBeGreaterThan(10);
    }
    for (const u of Object.values(USAGE)) expect(u.source).toMatch(/^https:\/\//);
  });

  it("a type is either priced by use, free, or not priced: never two of them", () => {
    const groups = [Object.keys(USAGE), Object.keys(FREE), Object.keys(UNPRICED)];
    const all = groups.flat();
    expect(all.length).toBe(new Set(all).size);
  });
});
