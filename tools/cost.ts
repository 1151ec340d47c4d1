/**
 * The monthly cost of a planned stack, from the price catalog (tools/prices.ts): every cloud resource of
 * the plan is priced, listed as billed by use, or named free; anything else is reported as not in the
 * catalog, so a total is never silently short. Used by `npm run plan -- --cost` and by `--diff`.
 */
import type { RecordedResource, RunResult } from "../harness/mockRuntime";
import {
  AWS_ALARM_METRIC_MONTHLY, AWS_CUSTOM_METRIC_MONTHLY, AWS_PUBLIC_IPV4_HOURLY, AWS_REGIONS, AWS_ROUTE53_HEALTH_CHECK_FEATURE_MONTHLY, AWS_ROUTE53_HEALTH_CHECK_MONTHLY,
  AWS_ROUTE53_ZONE_MONTHLY, DO_BAKED_IMAGE_USAGE, DO_DATABASE_NODE_MONTHLY, DO_DROPLET_MONTHLY, DO_LOAD_BALANCER_NODE_MONTHLY, DO_SPACES_SUBSCRIPTION_MONTHLY,
  DO_VOLUME_GIB_MONTHLY, FREE, HOURS_PER_MONTH, SOURCES, UNPRICED, USAGE, type AwsRegionPrices, type SourceId,
} from "./prices";
import { BAKE_ENV } from "../provisioning/digitalocean/imageBake";

/** One priced line: a resource (or part of one) and its monthly price in USD. */
export interface CostLine {
  /** The resource's name in the plan. */
  name: string;
  type: string;
  /** What was priced, e.g. "s-1vcpu-1gb droplet" or "db.t4g.micro, Multi-AZ". */
  item: string;
  /** USD per month (730 hours for hourly prices). */
  monthly: number;
  /** The catalog entry's source and the date of its price list. */
  source: string;
}

/** Something billed by use (traffic, requests), listed and never guessed. */
export interface UsageLine {
  name: string;
  type: string;
  billedBy: string;
  source: string;
}

export interface CostReport {
  /** USD per month for everything with a fixed price. */
  monthly: number;
  lines: CostLine[];
  usage: UsageLine[];
  /** Resources whose price the catalog does not hold (a size, a region or a type), with why. */
  unpriced: { name: string; type: string; why: string }[];
  /** The oldest price list the total relies on (YYYY-MM). */
  pricesAsOf?: string;
}

export interface CostChange {
  before: number;
  after: number;
  delta: number;
  /** Priced lines added, removed or repriced (by resource name and item). */
  lines: { name: string; item: string; before?: number; after?: number }[];
  /** Resources the catalog cannot price, after the change. */
  unpriced: CostReport["unpriced"];
}

const cite = (id: SourceId) => `${SOURCES[id].url} (${SOURCES[id].asOf})`;
const round2 = (n: number) => Math.round(n * 100) / 100;

interface Pricer {
  line(r: RecordedResource, item: string, monthly: number, source: SourceId): void;
  unpriced(r: RecordedResource, why: string): void;
}

/** Inputs of the resource whose (mock) id is `id`. */
function byId(result: RunResult, id: unknown): RecordedResource | undefined {
  return typeof id === "string" ? result.resources.find((r) => r.custom && r.id === id) : undefined;
}

function priceDigitalOcean(r: RecordedResource, p: Pricer, spaces: { counted: boolean }): boolean {
  const i = r.inputs;
  switch (r.type) {
    case "digitalocean:index/droplet:Droplet": {
      const size = String(i.size);
      const monthly = DO_DROPLET_MONTHLY[size];
      if (monthly === undefined) p.unpriced(r, `droplet size ${size} is not in the price catalog (tools/prices.ts)`);
      else p.line(r, `${size} droplet`, monthly, "doDroplets");
      return false;
    }
    case "digitalocean:index/volume:Volume":
      p.line(r, `${Number(i.size)} GiB volume`, Number(i.size) * DO_VOLUME_GIB_MONTHLY, "doVolumes");
      return true;
    case "digitalocean:index/loadBalancer:LoadBalancer": {
      const nodes = Number(i.sizeUnit ?? 1);
      p.line(r, `load balancer, ${nodes} node${nodes === 1 ? "" : "s"}`, nodes * DO_LOAD_BALANCER_NODE_MONTHLY, "doLoadBalancers");
      return true;
    }
    case "digitalocean:index/databaseCluster:DatabaseCluster": {
      const size = String(i.size);
      const nodes = Number(i.nodeCount ?? 1);
      const node = DO_DATABASE_NODE_MONTHLY[size];
      const engine = i.engine === "pg" ? "PostgreSQL" : i.engine === "valkey" ? "Valkey" : String(i.engine);
      if (node === undefined) p.unpriced(r, `database size ${size} is not in the price catalog (tools/prices.ts)`);
      else p.line(r, `${engine} ${size} x ${nodes} node${nodes === 1 ? "" : "s"}`, node * nodes, "doDatabases");
      return true;
    }
    case "digitalocean:index/spacesBucket:SpacesBucket":
      // One subscription per team, whatever the number of buckets: priced once per stack.
      if (!spaces.counted) p.line(r, "Spaces subscription (per team: free if the team already has one)", DO_SPACES_SUBSCRIPTION_MONTHLY, "doSpaces");
      spaces.counted = true;
      return false;
    case "digitalocean:index/reservedIp:ReservedIp":
      p.line(r, "reserved IP, assigned", 0, "doReservedIps");
      return true;
    default:
      return false;
  }
}

function priceAws(result: RunResult, r: RecordedResource, p: Pricer, region: AwsRegionPrices | undefined, regionName: string): boolean {
  const i = r.inputs;
  const need = (): AwsRegionPrices | undefined => {
    if (!region) p.unpriced(r, `region ${regionName} is not in the price catalog (tools/prices.ts has ${Object.keys(AWS_REGIONS).join(", ")})`);
    return region;
  };
  const hourly = (table: Readonly<Record<string, number>>, size: string, what: string): number | undefined => {
    const h = table[size];
    if (h === undefined) p.unpriced(r, `${what} ${size} in ${regionName} is not in the price catalog (tools/prices.ts)`);
    return h;
  };
  const ipv4 = (what: string, count = 1) => p.line(r, `${count} public IPv4 address${count === 1 ? "" : "es"} (${what})`, count * AWS_PUBLIC_IPV4_HOURLY * HOURS_PER_MONTH, "awsPublicIpv4");
  switch (r.type) {
    case "aws:ec2/instance:Instance": {
      const reg = need();
      if (!reg) return true;
      const h = hourly(reg.ec2Hourly, String(i.instanceType), "instance type");
      if (h !== undefined) p.line(r, `${String(i.instanceType)} instance`, h * HOURS_PER_MONTH, "awsEc2");
      const root = (i.rootBlockDevice ?? {}) as { volumeSize?: number };
      if (root.volumeSize) p.line(r, `${root.volumeSize} GB gp3 root volume`, root.volumeSize * reg.ebsGp3GbMonthly, "awsEbs");
      // An instance's own public address; one with an Elastic IP uses that one instead (priced with the EIP).
      const hasEip = result.resources.some((a) => a.type === "aws:ec2/eipAssociation:EipAssociation" && a.inputs.instanceId === r.id);
      if (i.associatePublicIpAddress === true && !hasEip) ipv4("the instance's public address");
      return true;
    }
    case "aws:autoscaling/group:Group": {
      const reg = need();
      if (!reg) return true;
      const template = byId(result, (i.launchTemplate as { id?: string } | undefined)?.id);
      const count = Number(i.desiredCapacity ?? i.minSize ?? 0);
      if (!template) {
        p.unpriced(r, "its launch template is not in the plan");
        return true;
      }
      const t = template.inputs;
      const type = String(t.instanceType);
      const h = hourly(reg.ec2Hourly, type, "instance type");
      const range = `${count} running (min ${String(i.minSize)}, max ${String(i.maxSize)})`;
      if (h !== undefined) p.line(r, `${type} instances, ${range}`, count * h * HOURS_PER_MONTH, "awsEc2");
      const disks = (t.blockDeviceMappings ?? []) as { ebs?: { volumeSize?: number } }[];
      const gb = disks.reduce((sum, d) => sum + Number(d.ebs?.volumeSize ?? 0), 0);
      if (gb > 0) p.line(r, `${gb} GB gp3 root volume x ${count}`, count * gb * reg.ebsGp3GbMonthly, "awsEbs");
      const nics = (t.networkInterfaces ?? []) as { associatePublicIpAddress?: string | boolean }[];
      if (nics.some((n) => String(n.associatePublicIpAddress) === "true")) ipv4("one per running instance", count);
      return true;
    }
    case "aws:ebs/volume:Volume": {
      const reg = need();
      if (reg) p.line(r, `${Number(i.size)} GB ${String(i.type ?? "gp3")} volume`, Number(i.size) * reg.ebsGp3GbMonthly, "awsEbs");
      return true;
    }
    case "aws:ec2/eip:Eip":
      ipv4("Elastic IP");
      return true;
    case "aws:rds/instance:Instance": {
      const reg = need();
      if (!reg) return true;
      const copies = i.multiAz === true ? 2 : 1;
      const cls = String(i.instanceClass);
      const h = hourly(reg.rdsPostgresHourly, cls, "RDS class");
      const az = copies === 2 ? "Multi-AZ" : "Single-AZ";
      if (h !== undefined) p.line(r, `PostgreSQL ${cls}, ${az}`, copies * h * HOURS_PER_MONTH, "awsRds");
      const gb = Number(i.allocatedStorage ?? 0);
      if (gb > 0) p.line(r, `${gb} GB gp3 storage, ${az}`, copies * gb * reg.rdsGp3GbMonthly, "awsRds");
      return false;
    }
    case "aws:elasticache/replicationGroup:ReplicationGroup": {
      const reg = need();
      if (!reg) return true;
      const nodes = i.numCacheClusters !== undefined ? Number(i.numCacheClusters)
        : Number(i.numNodeGroups ?? 1) * (1 + Number(i.replicasPerNodeGroup ?? 0));
      const type = String(i.nodeType);
      if (i.engine !== "valkey") {
        p.unpriced(r, `engine ${String(i.engine)}: the catalog prices Valkey nodes only`);
        return true;
      }
      const h = hourly(reg.elastiCacheValkeyHourly, type, "cache node type");
      if (h !== undefined) p.line(r, `Valkey ${type} x ${nodes} node${nodes === 1 ? "" : "s"}`, nodes * h * HOURS_PER_MONTH, "awsElastiCache");
      return true;
    }
    case "aws:lb/loadBalancer:LoadBalancer": {
      const reg = need();
      if (!reg) return true;
      p.line(r, "Application Load Balancer", reg.albHourly * HOURS_PER_MONTH, "awsElb");
      // An internet-facing load balancer holds a public address in each of its subnets' AZs.
      if (i.internal !== true) ipv4("one per AZ of the load balancer", ((i.subnets ?? []) as unknown[]).length || 2);
      return false;
    }
    case "aws:ec2/natGateway:NatGateway": {
      const reg = need();
      if (reg) p.line(r, "NAT gateway", reg.natGatewayHourly * HOURS_PER_MONTH, "awsVpc");
      return false;
    }
    case "aws:route53/zone:Zone":
      p.line(r, "hosted zone", AWS_ROUTE53_ZONE_MONTHLY, "awsRoute53");
      return true;
    case "aws:route53/healthCheck:HealthCheck": {
      const features = [String(i.type).startsWith("HTTPS") && "HTTPS", String(i.type).endsWith("STR_MATCH") && "string matching",
        Number(i.requestInterval ?? 30) === 10 && "fast interval", i.measureLatency === true && "latency"].filter(Boolean) as string[];
      p.line(r, `health check${features.length ? ` with ${features.join(", ")}` : ""}`,
        AWS_ROUTE53_HEALTH_CHECK_MONTHLY + features.length * AWS_ROUTE53_HEALTH_CHECK_FEATURE_MONTHLY, "awsRoute53");
      return true;
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      // Billed per metric the alarm reads; a metric-math alarm reads each of its metrics.
      const queries = (i.metricQueries ?? []) as { metric?: unknown }[];
      const metrics = queries.length > 0 ? queries.filter((q) => q.metric).length : 1;
      p.line(r, `alarm on ${metrics} metric${metrics === 1 ? "" : "s"}`, metrics * AWS_ALARM_METRIC_MONTHLY, "awsCloudWatch");
      return true;
    }
    default:
      return false;
  }
}

/** The custom metrics (outside the AWS/ namespaces) the stack's alarms read, one key per metric. */
function customMetrics(result: RunResult): string[] {
  const keys = new Set<string>();
  for (const r of result.resources) {
    if (r.type !== "aws:cloudwatch/metricAlarm:MetricAlarm") continue;
    const i = r.inputs;
    const queries = (i.metricQueries ?? []) as { metric?: { namespace?: string; metricName?: string; dimensions?: unknown } }[];
    const metrics = queries.length > 0 ? queries.flatMap((q) => (q.metric ? [q.metric] : []))
      : [{ namespace: i.namespace as string | undefined, metricName: i.metricName as string | undefined, dimensions: i.dimensions }];
    for (const m of metrics) if (m.namespace && !m.namespace.startsWith("AWS/")) keys.add(JSON.stringify([m.namespace, m.metricName, m.dimensions]));
  }
  return [...keys].sort();
}

/** The stack's monthly cost from the price catalog. */
export function costOf(result: RunResult): CostReport {
  // The stack's own aws:region (the provider has no default): unset, nothing regional is priced.
  const regionName = result.config?.["aws:region"] ?? "(aws:region unset)";
  const region = AWS_REGIONS[regionName];
  const lines: CostLine[] = [];
  const usage: UsageLine[] = [];
  const unpriced: CostReport["unpriced"] = [];
  const used = new Set<SourceId>();
  const p: Pricer = {
    line: (r, item, monthly, source) => {
      used.add(source);
      lines.push({ name: r.name, type: r.type, item, monthly: round2(monthly), source: cite(source) });
    },
    unpriced: (r, why) => unpriced.push({ name: r.name, type: r.type, why }),
  };
  const spaces = { counted: false };
  for (const r of result.resources) {
    if (!r.custom || r.type.startsWith("pulumi:providers:")) continue;
    // `true`: fully priced; `false`: priced in part (or not at all) and possibly billed by use too.
    const done = r.type.startsWith("digitalocean:") ? priceDigitalOcean(r, p, spaces) : r.type.startsWith("aws:") ? priceAws(result, r, p, region, regionName) : false;
    if (done) continue;
    // A bake Command (clouds/digitalocean.ts bakeImage) is free itself; the snapshot it keeps is billed by size.
    const bakes = r.type === "command:local:Command" && typeof (r.plainInputs.environment as Record<string, unknown> | undefined)?.[BAKE_ENV.name] === "string";
    const u = bakes ? DO_BAKED_IMAGE_USAGE : USAGE[r.type];
    if (u) usage.push({ name: r.name, type: r.type, billedBy: u.billedBy, source: u.source });
    else if (FREE[r.type] === undefined && !lines.some((l) => l.name === r.name && l.type === r.type)) {
      unpriced.push({ name: r.name, type: r.type, why: UNPRICED[r.type] ?? "type not in the price catalog (tools/prices.ts)" });
    }
  }
  // Custom metrics are billed per metric a month once anything puts them: count those the alarms read
  // (the CloudWatch agent's memory and disk, the heartbeats'). A lower bound: the agent puts more.
  const custom = customMetrics(result);
  if (custom.length > 0) {
    used.add("awsCloudWatch");
    lines.push({ name: "CloudWatch", type: "aws:cloudwatch/metric", item: `${custom.length} custom metrics the alarms read (the agent's and the heartbeats')`, monthly: round2(custom.length * AWS_CUSTOM_METRIC_MONTHLY), source: cite("awsCloudWatch") });
  }
  const asOf = [...used].map((s) => SOURCES[s].asOf).sort()[0];
  return { monthly: round2(lines.reduce((s, l) => s + l.monthly, 0)), lines, usage, unpriced, ...(asOf ? { pricesAsOf: asOf } : {}) };
}

/** What changes in the monthly cost from one plan to the other. */
export function costChange(before: CostReport, after: CostReport): CostChange {
  const key = (l: CostLine) => `${l.name}\u0000${l.item}`;
  const b = new Map(before.lines.map((l) => [key(l), l]));
  const a = new Map(after.lines.map((l) => [key(l), l]));
  const lines: CostChange["lines"] = [];
  for (const [k, l] of a) {
    const old = b.get(k);
    if (!old) lines.push({ name: l.name, item: l.item, after: l.monthly });
    else if (old.monthly !== l.monthly) lines.push({ name: l.name, item: l.item, before: old.monthly, after: l.monthly });
  }
  for (const [k, l] of b) if (!a.has(k)) lines.push({ name: l.name, item: l.item, before: l.monthly });
  return { before: before.monthly, after: after.monthly, delta: round2(after.monthly - before.monthly), lines, unpriced: after.unpriced };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

export function formatCost(r: CostReport, stack: string): string {
  const width = Math.max(...r.lines.map((l) => l.name.length), 4);
  const out = [`Monthly cost of stack ${stack}: ${usd(r.monthly)} a month in list prices${r.pricesAsOf ? ` (price lists from ${r.pricesAsOf} on; sources: tools/prices.ts)` : ""}`, ""];
  for (const l of r.lines) out.push(`  ${usd(l.monthly).padStart(9)}  ${l.name.padEnd(width)}  ${l.item}`);
  if (r.usage.length > 0) {
    out.push("", "Billed by use, on top (not estimated):");
    const byWhat = new Map<string, string[]>();
    for (const u of r.usage) byWhat.set(u.billedBy, [...(byWhat.get(u.billedBy) ?? []), u.name]);
    for (const [billedBy, names] of byWhat) out.push(`  ${names.join(", ")}: ${billedBy}`);
  }
  if (r.unpriced.length > 0) {
    out.push("", "NOT PRICED (the total leaves these out):");
    for (const u of r.unpriced) out.push(`  ${u.name}: ${u.why}`);
  }
  return `${out.join("\n")}\n`;
}

export function formatCostChange(c: CostChange): string {
  const sign = c.delta > 0 ? "+" : c.delta < 0 ? "-" : "±";
  const out = [`Monthly cost: ${usd(c.before)} -> ${usd(c.after)} (${sign}${usd(Math.abs(c.delta))}), list prices (tools/prices.ts)`];
  for (const l of c.lines) {
    const what = l.before === undefined ? `+${usd(l.after!)}` : l.after === undefined ? `-${usd(l.before)}` : `${usd(l.before)} -> ${usd(l.after)}`;
    out.push(`  ${what}  ${l.name}: ${l.item}`);
  }
  for (const u of c.unpriced) out.push(`  not priced: ${u.name}: ${u.why}`);
  return `${out.join("\n")}\n`;
}
