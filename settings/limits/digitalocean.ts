/**
 * DigitalOcean's own limits on names and plans, each with its source. Pure data and checks: the
 * settings refuse a config with them, the adapter builds names within them, and the harness's cloud
 * rules (harness/cloudRules/digitalocean.ts) check every registered resource against them.
 *
 * Sources, cited below by these short names:
 * - OPENAPI: github.com/digitalocean/openapi, `specification/resources/<area>/...` (the API reference).
 * - TFDO: github.com/digitalocean/terraform-provider-digitalocean, `digitalocean/<area>/...` (the
 *   provider that @pulumi/digitalocean bridges).
 */
import { createHash } from "node:crypto";

/** A name rule: what DigitalOcean accepts for one kind of name, and where that is written. */
export interface NameRule {
  /** What the name names, for messages ("volume name"). */
  readonly what: string;
  readonly min: number;
  readonly max: number;
  readonly pattern: RegExp;
  /** The allowed form in words, for messages. */
  readonly allowed: string;
  readonly source: string;
}

export const DO_NAME_RULES = {
  volume: {
    what: "volume name", min: 1, max: 64, pattern: /^[a-z][a-z0-9-]*$/,
    allowed: "lowercase letters, digits and -, starting with a letter",
    source: "OPENAPI volumes/models/volume_base.yml `name`",
  },
  // The API accepts up to 255 characters with dots, but the name becomes the droplet's hostname
  // (OPENAPI droplets/models/droplet_single_create.yml `name`), so it must be one DNS label.
  droplet: {
    what: "droplet name (its hostname)", min: 1, max: 63, pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    allowed: "one host name label: lowercase letters, digits and -, not starting or ending with -",
    source: "OPENAPI droplets/models/droplet_single_create.yml `name` (sets the hostname; RFC 1123 label)",
  },
  tag: {
    what: "tag", min: 1, max: 255, pattern: /^[a-zA-Z0-9_:-]+$/,
    allowed: "letters, digits, _, : and -",
    source: "OPENAPI tags/models/tags.yml `name`; TFDO tag/tags.go tagNameRe",
  },
  firewall: {
    what: "firewall name", min: 2, max: 255, pattern: /^[a-zA-Z0-9][a-zA-Z0-9.-]+$/,
    allowed: "letters, digits, . and -, starting with a letter or digit",
    source: "OPENAPI firewalls/models/firewall.yml `name`",
  },
  vpc: {
    what: "VPC name", min: 1, max: 255, pattern: /^[a-zA-Z0-9.-]+$/,
    allowed: "letters, digits, . and -",
    source: "OPENAPI vpcs/models/vpc.yml `name`",
  },
  // The cluster name becomes the first label of its host names, `<name>-do-user-<account>-0.db.ondigitalocean.com`
  // (OPENAPI databases/models/database_connection.yml `host` example), so it must fit in one DNS label.
  databaseCluster: {
    what: "database cluster name", min: 1, max: 63, pattern: /^[a-z]([a-z0-9-]*[a-z0-9])?$/,
    allowed: "lowercase letters, digits and -, starting with a letter, not ending with -",
    source: "OPENAPI databases/models/database_connection.yml (the name is the host name's first label)",
  },
  connectionPool: {
    what: "connection pool name", min: 3, max: 60, pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "3 to 60 letters, digits, _ or -",
    source: "OPENAPI databases/models/connection_pool.yml `name` (3 to 60 characters); TFDO database/resource_database_connection_pool.go `name`",
  },
  // Spaces speaks S3 (and serves buckets as <name>.<region>.digitaloceanspaces.com): bucket names are
  // global, 3 to 63 characters, lowercase letters, digits and - (we use no dots: they break the CDN's
  // and the vhost's wildcard certificates, docs.digitalocean.com/products/spaces/details/limits/).
  bucket: {
    what: "Spaces bucket name", min: 3, max: 63, pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    allowed: "3 to 63 lowercase letters, digits and -, starting and ending with a letter or digit",
    source: "S3 bucket naming rules (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html), which S3-compatible Spaces follows; docs.digitalocean.com/products/spaces/details/limits/ (no dots)",
  },
} as const satisfies Record<string, NameRule>;

/** What is wrong with `name` under `rule`, or undefined when DigitalOcean accepts it. */
export function nameProblem(rule: NameRule, name: string): string | undefined {
  if (name.length < rule.min || name.length > rule.max) {
    return `${rule.what} "${name}" is ${name.length} characters; DigitalOcean allows ${rule.min} to ${rule.max}`;
  }
  if (!rule.pattern.test(name)) return `${rule.what} "${name}" must use ${rule.allowed}`;
  return undefined;
}

/**
 * How the DigitalOcean adapter turns a component name into a resource name (tags, firewalls, load
 * balancer, clusters, VPC): lowercase, anything but letters, digits, `.` and `-` becomes `-`, at most 63.
 */
export function doResourceName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.-]/g, "-").slice(0, 63);
}

/** What a baked image's builder droplet is named after the image: `<image name>-builder` (provisioning/digitalocean/imageBake.ts). */
export const DO_BUILDER_SUFFIX = "-builder";

/**
 * A baked image's snapshot name (clouds/digitalocean.ts bakeImage): readable (the network's name and the
 * kind of server, cut to fit), a short hash of both (two kinds cut alike stay apart) and the bake's key.
 * At most 55 characters, so its builder droplet's name (+ DO_BUILDER_SUFFIX, the droplet's hostname) is
 * one DNS label (DO_NAME_RULES.droplet; checked for every stack's prefix in digitaloceanDerivedNames).
 */
export function doBakedImageName(prefix: string, kind: string, key: string): string {
  const readable = `${prefix}-${kind}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, 35).replace(/-+$/, "");
  const hash = createHash("sha256").update(`${prefix}\n${kind}`).digest("hex").slice(0, 6);
  return `${readable}-${hash}-${key}`;
}

/** Most servers of one role the settings allow (fullstack:webCount, fullstack:workerCount). */
const MAX_SERVERS = 50;

/**
 * Every DigitalOcean name the library derives from a component name `prefix` (the stack program uses
 * `<appName>-<stack>`), with the rule it must meet. The longest of each kind stands for its siblings.
 */
export function digitaloceanDerivedNames(prefix: string): { name: string; rule: NameRule }[] {
  const r = DO_NAME_RULES;
  return [
    { name: `${prefix}-web-${MAX_SERVERS}`, rule: r.droplet },
    { name: `${prefix}-worker-${MAX_SERVERS}`, rule: r.droplet },
    // The single profile's data volume: `<hostname>-data` of the one web server.
    { name: `${prefix}-web-1-data`, rule: r.volume },
    { name: doResourceName(`${prefix}-web`), rule: r.tag },
    { name: doResourceName(`${prefix}-worker`), rule: r.tag },
    { name: doResourceName(`${prefix}-worker-${MAX_SERVERS}-fw`), rule: r.firewall },
    { name: doResourceName(`${prefix}-vpc`), rule: r.vpc },
    { name: doResourceName(`${prefix}-db`), rule: r.databaseCluster },
    { name: doResourceName(`${prefix}-redis`), rule: r.databaseCluster },
    // A baked image's builder droplet, for the longest kind of server (OS, size, every role) and a 12-digit key.
    { name: `${doBakedImageName(prefix, "ubuntu2404-s-8vcpu-16gb-amd-postgres-redis-scheduler-web-worker", "0123456789ab")}${DO_BUILDER_SUFFIX}`, rule: r.droplet },
    // `<prefix>-static` (lowercased, at most 55 characters) + `-` + 6 random characters (components/cdnBucket.ts).
    { name: `${`${prefix}-static`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 55)}-abc123`, rule: r.bucket },
  ];
}

/**
 * Problems DigitalOcean would have with the names derived from a component name `prefix` (the stack
 * program uses `<appName>-<stack>`); empty when every derived name fits.
 */
export function digitaloceanNamePrefixProblems(prefix: string): string[] {
  const problems = digitaloceanDerivedNames(prefix).map(({ name, rule }) => nameProblem(rule, name));
  return [...new Set(problems.filter((p): p is string => p !== undefined))];
}

/**
 * Regions with Spaces (and so the Spaces CDN). TFDO spaces/spaces_entities.go `SpacesRegions`, which
 * the provider validates `region` of every Spaces resource against.
 */
export const SPACES_REGIONS: readonly string[] = ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"];

/**
 * Droplet size slugs for new droplets: @pulumi/digitalocean `types/enums` `DropletSlug` (the provider's
 * own list), without the retired memory-only slugs (`1gb`, `512mb`, ...) and the GPU plans (they need
 * GPU images, not ubuntu-24-04-x64 or debian-12-x64).
 */
export const DROPLET_SIZES: readonly string[] = [
  "s-1vcpu-512mb-10gb", "s-1vcpu-1gb", "s-1vcpu-1gb-amd", "s-1vcpu-1gb-intel", "s-1vcpu-1gb-35gb-intel",
  "s-1vcpu-2gb", "s-1vcpu-2gb-amd", "s-1vcpu-2gb-intel", "s-1vcpu-2gb-70gb-intel",
  "s-2vcpu-2gb", "s-2vcpu-2gb-amd", "s-2vcpu-2gb-intel", "s-2vcpu-2gb-90gb-intel",
  "s-2vcpu-4gb", "s-2vcpu-4gb-amd", "s-2vcpu-4gb-intel", "s-2vcpu-4gb-120gb-intel",
  "s-2vcpu-8gb-amd", "s-2vcpu-8gb-160gb-intel",
  "s-4vcpu-8gb", "s-4vcpu-8gb-amd", "s-4vcpu-8gb-intel", "s-4vcpu-8gb-240gb-intel",
  "s-4vcpu-16gb-amd", "s-4vcpu-16gb-320gb-intel",
  "s-8vcpu-16gb", "s-8vcpu-16gb-amd", "s-8vcpu-16gb-intel", "s-8vcpu-16gb-480gb-intel",
  "s-8vcpu-32gb-amd", "s-8vcpu-32gb-640gb-intel",
  "c-2", "c-4", "c-4-intel", "c-8", "c-8-intel", "c-16", "c-16-intel", "c-32", "c-32-intel", "c-48", "c-48-intel", "c-60-intel",
  "c2-2vcpu-4gb", "c2-4vcpu-8gb", "c2-4vcpu-8gb-intel", "c2-8vcpu-16gb", "c2-8vcpu-16gb-intel", "c2-16vcpu-32gb",
  "c2-16vcpu-32gb-intel", "c2-32vcpu-64gb", "c2-32vcpu-64gb-intel", "c2-48vcpu-96gb", "c2-48vcpu-96gb-intel", "c2-60vcpu-120gb-intel",
  "g-2vcpu-8gb", "g-2vcpu-8gb-intel", "g-4vcpu-16gb", "g-4vcpu-16gb-intel", "g-8vcpu-32gb", "g-8vcpu-32gb-intel",
  "g-16vcpu-64gb", "g-16vcpu-64gb-intel", "g-32vcpu-128gb", "g-32vcpu-128gb-intel", "g-40vcpu-160gb", "g-48vcpu-192gb-intel", "g-60vcpu-240gb-intel",
  "gd-2vcpu-8gb", "gd-2vcpu-8gb-intel", "gd-4vcpu-16gb", "gd-4vcpu-16gb-intel", "gd-8vcpu-32gb", "gd-8vcpu-32gb-intel",
  "gd-16vcpu-64gb", "gd-16vcpu-64gb-intel", "gd-32vcpu-128gb", "gd-32vcpu-128gb-intel", "gd-40vcpu-160gb", "gd-48vcpu-192gb-intel", "gd-60vcpu-240gb-intel",
  "m-2vcpu-16gb", "m-2vcpu-16gb-intel", "m-4vcpu-32gb", "m-4vcpu-32gb-intel", "m-8vcpu-64gb", "m-8vcpu-64gb-intel",
  "m-16vcpu-128gb", "m-16vcpu-128gb-intel", "m-24vcpu-192gb", "m-24vcpu-192gb-intel", "m-32vcpu-256gb", "m-32vcpu-256gb-intel", "m-48vcpu-384gb-intel",
  "m3-2vcpu-16gb", "m3-2vcpu-16gb-intel", "m3-4vcpu-32gb", "m3-4vcpu-32gb-intel", "m3-8vcpu-64gb", "m3-8vcpu-64gb-intel",
  "m3-16vcpu-128gb", "m3-16vcpu-128gb-intel", "m3-24vcpu-192gb", "m3-24vcpu-192gb-intel", "m3-32vcpu-256gb", "m3-32vcpu-256gb-intel", "m3-48vcpu-384gb-intel",
  "m6-2vcpu-16gb", "m6-4vcpu-32gb", "m6-8vcpu-64gb", "m6-16vcpu-128gb", "m6-24vcpu-192gb", "m6-32vcpu-256gb",
  "so-2vcpu-16gb", "so-2vcpu-16gb-intel", "so-4vcpu-32gb", "so-4vcpu-32gb-intel", "so-8vcpu-64gb", "so-8vcpu-64gb-intel",
  "so-16vcpu-128gb", "so-16vcpu-128gb-intel", "so-24vcpu-192gb", "so-24vcpu-192gb-intel", "so-32vcpu-256gb", "so-32vcpu-256gb-intel", "so-48vcpu-384gb-intel",
  "so1_5-2vcpu-16gb", "so1_5-2vcpu-16gb-intel", "so1_5-4vcpu-32gb", "so1_5-4vcpu-32gb-intel", "so1_5-8vcpu-64gb", "so1_5-8vcpu-64gb-intel",
  "so1_5-16vcpu-128gb", "so1_5-16vcpu-128gb-intel", "so1_5-24vcpu-192gb", "so1_5-24vcpu-192gb-intel", "so1_5-32vcpu-256gb", "so1_5-32vcpu-256gb-intel",
];

/**
 * The vCPUs of a droplet size or a managed database plan, as its slug names them (`s-2vcpu-4gb`,
 * `db-s-1vcpu-1gb`; the CPU-optimized `c-<n>` plans have n vCPUs); undefined for a slug that does not say.
 */
export function slugVcpus(slug: string): number | undefined {
  const m = /(?:^|-)(\d+)vcpu-/.exec(slug) ?? /^c-(\d+)(-|$)/.exec(slug);
  return m ? Number(m[1]) : undefined;
}

/**
 * Managed database plans by engine and node count: OPENAPI databases/responses/options.yml (the
 * `GET /v2/databases/options` answer, `options.<engine>.layouts[].{num_nodes,sizes}`). The smallest
 * plan, db-s-1vcpu-1gb (and its -amd/-intel twins), has a one-node layout only: no standby nodes.
 */
const PG_COMMON = [
  "db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb", "db-s-6vcpu-16gb",
  "gd-2vcpu-8gb", "gd-4vcpu-16gb", "gd-8vcpu-32gb", "gd-16vcpu-64gb", "gd-32vcpu-128gb", "gd-40vcpu-160gb",
  "so1_5-2vcpu-16gb", "so1_5-4vcpu-32gb", "so1_5-8vcpu-64gb", "so1_5-16vcpu-128gb", "so1_5-24vcpu-192gb", "so1_5-32vcpu-256gb",
  "db-intel-1vcpu-2gb", "db-amd-1vcpu-2gb", "db-amd-2vcpu-4gb", "db-intel-2vcpu-4gb", "db-amd-2vcpu-8gb", "db-intel-2vcpu-8gb",
  "db-intel-4vcpu-8gb", "db-amd-4vcpu-8gb", "db-amd-4vcpu-16gb", "db-intel-4vcpu-16gb", "db-intel-8vcpu-32gb", "db-amd-8vcpu-32gb",
  "db-intel-16vcpu-64gb", "db-amd-16vcpu-64gb",
];
const VALKEY_COMMON = [
  "db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb", "db-s-6vcpu-16gb", "db-s-8vcpu-32gb", "db-s-16vcpu-64gb",
  "m-2vcpu-16gb", "m-4vcpu-32gb", "m-8vcpu-64gb", "m-16vcpu-128gb", "m-24vcpu-192gb", "m-32vcpu-256gb",
];
export const DB_PLANS: Record<"pg" | "valkey", Record<1 | 2 | 3, readonly string[]>> = {
  pg: {
    1: ["db-s-1vcpu-1gb", "db-intel-1vcpu-1gb", "db-amd-1vcpu-1gb", ...PG_COMMON],
    2: PG_COMMON,
    3: PG_COMMON,
  },
  valkey: {
    1: ["db-s-1vcpu-1gb", ...VALKEY_COMMON],
    2: VALKEY_COMMON,
    3: VALKEY_COMMON,
  },
};

export const DB_PLANS_SOURCE = "DigitalOcean API GET /v2/databases/options (OPENAPI databases/responses/options.yml, layouts by num_nodes)";

/** What DigitalOcean would refuse about a cluster of `nodes` nodes of plan `size`, or undefined. */
export function dbPlanProblem(engine: "pg" | "valkey", size: string, nodes: number): string | undefined {
  const plans = DB_PLANS[engine];
  const label = engine === "pg" ? "PostgreSQL" : "Valkey";
  if (!plans[1].includes(size)) return `"${size}" is not a managed ${label} plan`;
  if (nodes !== 1 && nodes !== 2 && nodes !== 3) return `managed ${label} clusters have 1 to 3 nodes, not ${nodes}`;
  if (!plans[nodes].includes(size)) return `plan "${size}" has no ${nodes}-node layout (no standby nodes on it)`;
  return undefined;
}

/**
 * Most connections a PostgreSQL cluster's pools may hold: 25 per GiB of the primary's memory, less 3
 * reserved (OPENAPI databases/models/connection_pool.yml `size`: 22 for 1 GiB, 97 for 4 GiB).
 */
export function maxPoolConnections(size: string): number | undefined {
  const m = /-(\d+)gb(-|$)/.exec(size);
  return m ? Number(m[1]) * 25 - 3 : undefined;
}

// ---- monitoring: alert policies and uptime checks ------------------------------------------------------

/**
 * Alert policy types by the entity they watch [OPENAPI monitoring/models/alert_policy_request.yml `type`;
 * monitoring/monitoring_create_alertPolicy.yml's table of valid entities: droplet IDs, load balancer IDs,
 * database cluster UUIDs, autoscale pool IDs]. TFDO monitoring/resource_monitor_alert.go validates `type`
 * against the droplet, lbaas and dbaas types.
 */
export const MONITOR_ALERT_TYPES = {
  droplet: [
    "v1/insights/droplet/load_1", "v1/insights/droplet/load_5", "v1/insights/droplet/load_15",
    "v1/insights/droplet/memory_utilization_percent", "v1/insights/droplet/disk_utilization_percent", "v1/insights/droplet/cpu",
    "v1/insights/droplet/disk_read", "v1/insights/droplet/disk_write",
    "v1/insights/droplet/public_outbound_bandwidth", "v1/insights/droplet/public_inbound_bandwidth",
    "v1/insights/droplet/private_outbound_bandwidth", "v1/insights/droplet/private_inbound_bandwidth",
  ],
  loadBalancer: [
    "v1/insights/lbaas/avg_cpu_utilization_percent", "v1/insights/lbaas/connection_utilization_percent", "v1/insights/lbaas/droplet_health",
    "v1/insights/lbaas/tls_connections_per_second_utilization_percent",
    "v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx", "v1/insights/lbaas/increase_in_http_error_rate_percentage_4xx",
    "v1/insights/lbaas/increase_in_http_error_rate_count_5xx", "v1/insights/lbaas/increase_in_http_error_rate_count_4xx",
    "v1/insights/lbaas/high_http_request_response_time", "v1/insights/lbaas/high_http_request_response_time_50p",
    "v1/insights/lbaas/high_http_request_response_time_95p", "v1/insights/lbaas/high_http_request_response_time_99p",
  ],
  databaseCluster: [
    "v1/dbaas/alerts/load_15_alerts", "v1/dbaas/alerts/memory_utilization_alerts", "v1/dbaas/alerts/disk_utilization_alerts", "v1/dbaas/alerts/cpu_alerts",
  ],
} as const;
/** Droplet alert types whose numbers come from the droplet's metrics agent (`monitoring: true`), not the hypervisor. */
export const AGENT_ALERT_TYPES: readonly string[] = [
  "v1/insights/droplet/load_1", "v1/insights/droplet/load_5", "v1/insights/droplet/load_15",
  "v1/insights/droplet/memory_utilization_percent", "v1/insights/droplet/disk_utilization_percent",
];
/** Alert policy `compare` and `window` [OPENAPI alert_policy_request.yml; TFDO resource_monitor_alert.go]. */
export const MONITOR_ALERT_COMPARES: readonly string[] = ["GreaterThan", "LessThan"];
export const MONITOR_ALERT_WINDOWS: readonly string[] = ["5m", "10m", "30m", "1h"];
/** Uptime check `type` and `regions` [OPENAPI uptime/models/check.yml; TFDO uptime/resource_uptime_check.go]. */
export const UPTIME_CHECK_TYPES: readonly string[] = ["ping", "http", "https"];
export const UPTIME_CHECK_REGIONS: readonly string[] = ["us_east", "us_west", "eu_west", "se_asia"];
/** Uptime alert `type`, `comparison` and `period` [OPENAPI uptime/models/alert.yml; TFDO uptime/resource_uptime_alert.go]. */
export const UPTIME_ALERT_TYPES: readonly string[] = ["latency", "down", "down_global", "ssl_expiry"];
export const UPTIME_ALERT_COMPARISONS: readonly string[] = ["greater_than", "less_than"];
export const UPTIME_ALERT_PERIODS: readonly string[] = ["2m", "3m", "5m", "10m", "15m", "30m", "1h"];
