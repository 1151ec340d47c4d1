/**
 * Facts about each cloud that settings validate against. Pure data: adding a cloud adds an entry here
 * and an adapter in `clouds/`, nothing else in the settings layer.
 */
import { EC2_SIZE_PATTERN, ELASTICACHE_NODE_TYPE_PATTERN, RDS_POSTGRES_CLASS_PATTERN, awsNamePrefixProblems, ec2TextProblems, rdsDefaultMaxConnections } from "./limits/aws";
import {
  DB_PLANS, DROPLET_SIZES, SPACES_REGIONS, dbPlanProblem, digitaloceanNamePrefixProblems, maxPoolConnections,
} from "./limits/digitalocean";

/** A pattern that matches exactly the given slugs. */
const oneOfSlugs = (slugs: readonly string[]) => new RegExp(`^(${slugs.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`);

export type CloudName = "digitalocean" | "aws";

export interface CloudCatalog {
  /** Human name used in error messages. */
  readonly title: string;
  /** Regions that accept new resources. */
  readonly regions: readonly string[];
  /** The region a stack gets when it sets none. */
  readonly defaultRegion: string;
  /** A server size is valid when it matches this pattern. */
  readonly sizePattern: RegExp;
  /** Example sizes for error messages and docs. */
  readonly sizeExamples: readonly string[];
  /** The smallest sensible size for each server role (the "$6 box"). */
  readonly defaultSize: string;
  /** Cloud-init user data limit in bytes. */
  readonly userDataLimit: number;
  /**
   * The cloud takes custom metrics (AWS: CloudWatch PutMetricData), so heartbeats also go there when alerts
   * exist; DigitalOcean's monitoring has no custom metrics API, so its heartbeats are pings to a URL only.
   */
  readonly heartbeatMetrics: boolean;
  /**
   * Whether its managed PostgreSQL has a restore drill (a restore of its latest backup into a throwaway
   * copy, on one server): `true` with the server's own identity (AWS's RDS, by the instance role); `"token"`
   * only with an API token given for it (DigitalOcean, whose droplets have no identity: fullstack:restoreDrillToken);
   * `false`: only the single box has one.
   */
  readonly managedRestoreDrill: boolean | "token";
  /** Managed database node sizes match this pattern. */
  readonly dbSizePattern: RegExp;
  readonly dbSizeExamples: readonly string[];
  readonly defaultDbSize: string;
  /** Managed Redis/Valkey node sizes. */
  readonly cacheSizePattern: RegExp;
  readonly cacheSizeExamples: readonly string[];
  readonly defaultCacheSize: string;
  /** The size the scaled profile picks for Redis/Valkey (a standby needs more than the smallest plan). */
  readonly scaledCacheSize: string;
  /** The bucket API needs access keys in config (Spaces); else servers use their instance role. */
  readonly bucketNeedsKeys: boolean;
  /** How the private network reaches the internet is a choice here (AWS NAT). */
  readonly hasNatChoice: boolean;
  /** Operating systems servers cannot run here, each with why (the error says it). */
  readonly unavailableOs?: Partial<Record<OperatingSystem, string>>;
  /** Servers must be created with an SSH key (else DigitalOcean mails a root password). */
  readonly requiresSshKey: boolean;
  /**
   * How a release in place reaches the servers (provisioning/release.ts). `push`: over SSH from where
   * `pulumi up` runs, so port 22 must admit that address (fullstack:releaseCidrs). `file`: through the
   * secret store and the cloud's own agent (AWS Systems Manager), no inbound port.
   */
  readonly releaseDelivery: "push" | "file";
  /**
   * What the cloud would refuse in the names it derives from a component name (`<appName>-<stack>` in
   * the stack program): lengths and character rules after Pulumi's auto-naming. Empty when all fit.
   */
  readonly namePrefixProblems: (prefix: string) => string[];
  /** What the cloud refuses in a firewall rule's description (none where rules carry no description). */
  readonly ruleDescriptionProblems?: (what: string, text: string) => string[];
  /** The size the scaled profile picks for PostgreSQL (standby nodes need more than the smallest plan). */
  readonly scaledDbSize?: string;
  /** Regions whose object storage the bucket can use, where not every region has it (Spaces). */
  readonly bucketRegions?: readonly string[];
  /** What the cloud refuses about a managed cluster's plan and node count (standby nodes need a bigger plan). */
  readonly clusterPlanProblem?: (engine: "pg" | "valkey", size: string, nodes: number) => string | undefined;
  /** Most connections a managed PostgreSQL plan's pools may hold. */
  readonly maxPoolConnections?: (size: string) => number | undefined;
  /** Connections a managed PostgreSQL plan allows by default, where its connections are alerted on (RDS). */
  readonly defaultDbConnections?: (size: string) => number | undefined;
}

export const CATALOG: Record<CloudName, CloudCatalog> = {
  digitalocean: {
    title: "DigitalOcean",
    // ams2, sfo1 and a few others no longer accept new droplets.
    regions: ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc1", "nyc2", "nyc3", "ric1", "sfo2", "sfo3", "sgp1", "syd1", "tor1"],
    defaultRegion: "fra1",
    // Real slugs only (settings/limits/digitalocean.ts cites the lists): a pattern let through sizes
    // that do not exist, which only the API refused.
    sizePattern: oneOfSlugs(DROPLET_SIZES),
    sizeExamples: ["s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-4gb", "c-2", "g-2vcpu-8gb"],
    defaultSize: "s-1vcpu-1gb",
    userDataLimit: 64 * 1024,
    heartbeatMetrics: false,
    managedRestoreDrill: "token",
    dbSizePattern: oneOfSlugs(DB_PLANS.pg[1]),
    dbSizeExamples: ["db-s-1vcpu-1gb", "db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb"],
    defaultDbSize: "db-s-1vcpu-1gb",
    scaledDbSize: "db-s-1vcpu-2gb",
    cacheSizePattern: oneOfSlugs(DB_PLANS.valkey[1]),
    cacheSizeExamples: ["db-s-1vcpu-1gb", "db-s-1vcpu-2gb", "db-s-2vcpu-4gb"],
    defaultCacheSize: "db-s-1vcpu-1gb",
    scaledCacheSize: "db-s-1vcpu-2gb",
    bucketNeedsKeys: true,
    hasNatChoice: false,
    requiresSshKey: true,
    releaseDelivery: "push",
    namePrefixProblems: digitaloceanNamePrefixProblems,
    bucketRegions: SPACES_REGIONS,
    clusterPlanProblem: dbPlanProblem,
    maxPoolConnections,
  },
  aws: {
    title: "AWS",
    // Includes the regions an account must opt in to first (OPT_IN_REGIONS in ./limits/aws.ts): accepted,
    // since an account that opted in can use them; one that has not gets AWS's own "not enabled" error.
    regions: [
      "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
      "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2",
      "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
      "ap-southeast-3", "ap-southeast-4", "ap-east-1", "me-south-1", "me-central-1", "af-south-1", "il-central-1",
    ],
    defaultRegion: "eu-central-1",
    // x86_64 families only (the AMI lookup is for amd64 images), and only the sizes each family has:
    // EC2_SIZES in ./limits/aws.ts, checked against @pulumi/aws's InstanceType enum.
    sizePattern: EC2_SIZE_PATTERN,
    sizeExamples: ["t3.small", "t3.medium", "m7i.large", "c7i.xlarge"],
    defaultSize: "t3.small",
    userDataLimit: 16 * 1024,
    heartbeatMetrics: true,
    managedRestoreDrill: true,
    // Exact lists, not patterns: a pattern let through classes that do not exist (db.t4g.24xlarge,
    // cache.m7g.nano), which only the API refused. RDS_POSTGRES_CLASSES and ELASTICACHE_NODE_TYPES in
    // ./limits/aws.ts cite their sources; previous-generation types cannot create new clusters.
    dbSizePattern: RDS_POSTGRES_CLASS_PATTERN,
    dbSizeExamples: ["db.t4g.micro", "db.t4g.small", "db.m7g.large", "db.r7g.large"],
    defaultDbSize: "db.t4g.micro",
    cacheSizePattern: ELASTICACHE_NODE_TYPE_PATTERN,
    cacheSizeExamples: ["cache.t4g.micro", "cache.t4g.small", "cache.m7g.large"],
    defaultCacheSize: "cache.t4g.micro",
    scaledCacheSize: "cache.t4g.small",
    bucketNeedsKeys: false,
    hasNatChoice: true,
    // Releases (an SSM association) and the CloudWatch agent reach servers through the SSM agent. Canonical's
    // Ubuntu AMIs carry it (a snap); the Debian AMIs do not (AWS Systems Manager guide, agent-install-deb:
    // "AMIs for Debian Server ... do not come with SSM Agent preinstalled"; debian-cloud-images'
    // bookworm EC2 package list has no amazon-ssm-agent), and Debian has no package of it.
    unavailableOs: { "debian-12": "its Debian AMIs carry no SSM agent, which runs releases and the CloudWatch agent" },
    requiresSshKey: false,
    releaseDelivery: "file",
    namePrefixProblems: awsNamePrefixProblems,
    // Security group rules carry their description (DigitalOcean's firewall rules have none).
    ruleDescriptionProblems: ec2TextProblems,
    defaultDbConnections: rdsDefaultMaxConnections,
  },
};

export const CLOUDS = Object.keys(CATALOG) as CloudName[];

/** Operating systems we render cloud-init for; adapters map them to their own images. */
/** How often the single profile's restore drill runs (a systemd calendar each, provisioning/roles/postgres.ts). */
export const RESTORE_DRILLS = ["daily", "weekly", "monthly", "off"] as const;
export type RestoreDrill = (typeof RESTORE_DRILLS)[number];

export const OPERATING_SYSTEMS = ["ubuntu-24.04", "debian-12"] as const;
export type OperatingSystem = (typeof OPERATING_SYSTEMS)[number];

/**
 * What servers boot from: the cloud's stock image of the OS (the first boot installs the roles' packages)
 * or an image baked with them first (provisioning/image.ts), which boots in a fraction of the time.
 */
export const SERVER_IMAGES = ["stock", "baked"] as const;
export type ServerImage = (typeof SERVER_IMAGES)[number];

export const FRAMEWORKS = ["django", "flask"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const PROFILES = ["single", "standard", "scaled"] as const;
export type Profile = (typeof PROFILES)[number];

export const WORKER_KINDS = ["celery", "rq", "none"] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

/** Celery's brokers: the RedisCache, or SQS (clouds with a queue service). */
export const QUEUE_BACKENDS = ["redis", "sqs"] as const;
export type QueueBackend = (typeof QUEUE_BACKENDS)[number];

/** Managed PostgreSQL major versions offered. */
export const PG_VERSIONS = ["14", "15", "16", "17"] as const;

export const NAT_MODES = ["none", "instance", "gateway"] as const;
export type NatMode = (typeof NAT_MODES)[number];

/** What each profile picks for the keys whose default depends on it (settings/schema.ts `derived`). */
export interface ProfileDefaults {
  readonly webCount: number;
  readonly workerCount: number;
  readonly dbNodes: number;
  readonly redisNodes: number;
  /** Where the cloud has the choice (AWS): how private subnets reach the internet. */
  readonly natMode: NatMode;
  readonly bucket: boolean;
}

export const PROFILE_DEFAULTS: Record<Profile, ProfileDefaults> = {
  single: { webCount: 1, workerCount: 1, dbNodes: 1, redisNodes: 1, natMode: "none", bucket: false },
  standard: { webCount: 1, workerCount: 1, dbNodes: 1, redisNodes: 1, natMode: "none", bucket: true },
  // "You may have five web servers ... all talking to the database": a load balancer, standby nodes.
  scaled: { webCount: 2, workerCount: 2, dbNodes: 2, redisNodes: 2, natMode: "gateway", bucket: true },
};

export const ENVIRONMENTS = ["dev", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
