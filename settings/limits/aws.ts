/**
 * AWS's own limits on names, descriptions and quotas, each with its source. Pure data and checks: the
 * settings refuse a config with them, the adapter builds names within them, and the harness's cloud
 * rules (harness/cloudRules/aws.ts) check every registered resource against them.
 *
 * Sources, cited by short name below:
 * - [EC2 API] Amazon EC2 API Reference: CreateSecurityGroup (GroupName, GroupDescription), IpRange /
 *   Ipv6Range / UserIdGroupPair (Description), CreateLaunchTemplate (LaunchTemplateName).
 * - [EC2 quotas] Amazon VPC User Guide, "Amazon VPC quotas": security groups per network interface, 5 by
 *   default (adjustable; rules per group x groups per interface may not pass 1,000).
 * - [ELBv2] hashicorp/terraform-provider-aws internal/service/elbv2/validate.go (`validName`,
 *   `validTargetGroupName`), matching the ELB API's CreateLoadBalancer / CreateTargetGroup Name.
 * - [RDS] hashicorp/terraform-provider-aws internal/service/rds/validate.go (`validIdentifier`,
 *   `validParamGroupName`, `validSubnetGroupName`) and the RDS API's CreateDBInstance
 *   (DBInstanceIdentifier: 1 to 63 characters) and DeleteDBInstance (FinalDBSnapshotIdentifier: 1 to 255).
 * - [ElastiCache] ElastiCache API CreateReplicationGroup (ReplicationGroupId: 1 to 40 alphanumeric
 *   characters or hyphens, first a letter, no trailing hyphen, no two consecutive hyphens).
 * - [IAM] IAM API CreateRole (RoleName 1-64), CreateInstanceProfile (1-128), PutRolePolicy (PolicyName
 *   1-128), all of the characters `[\w+=,.@-]`.
 * - [pulumi-aws] pulumi/pulumi-aws provider/autonaming.go (every input `name` is auto-named with `-` and 7
 *   random characters up to 255) and provider/resource_overrides.go (aws_iam_role `name` up to 64,
 *   aws_elasticache_replication_group `replicationGroupId` up to 40 and lower-cased, aws_sqs_queue up to
 *   80, aws_db_instance `identifier` up to 255). The bridge refuses a logical name whose auto-name would
 *   pass its maximum; the cloud refuses one that passes the cloud's own.
 * - [SQS] SQS API CreateQueue: QueueName up to 80 alphanumeric characters, hyphens and underscores;
 *   VisibilityTimeout 0 to 43,200 seconds (12 hours).
 * - [S3] Amazon S3 User Guide, "General purpose bucket naming rules".
 * - [RDS classes] Amazon RDS User Guide, "Supported DB engines for DB instance classes" (the PostgreSQL
 *   column) and "Hardware specifications for DB instance classes" (the sizes of each class type). The
 *   @pulumi/aws `rds.InstanceType` enum is no source here: it stops at db.m6g/db.r6g (no db.m7g, db.r7g,
 *   db.m8g, db.m6i) and still lists previous-generation classes.
 * - [ElastiCache nodes] ElastiCache API Reference, `CacheNode` / CreateReplicationGroup `CacheNodeType`
 *   ("The following node types are supported by ElastiCache": current generation M7g, M6g, M5, M4, T4g,
 *   T3, T2, R7g, R6g, R5, R4; previous generation "not recommended. Existing clusters are still supported
 *   but creation of new clusters is not supported"), and the ElastiCache User Guide, "Supported node
 *   types", whose "Current Generation (Valkey)" tables add M8g, R8g, C7gn, C8gn and R6gd, and whose note
 *   moves T2 to previous generation: "You will no longer be able to create new ElastiCache clusters
 *   using T2 instances".
 * - [CloudFront] CloudFront API DistributionConfig (Comment: up to 128 characters),
 *   CreateOriginAccessControl (Name: up to 64 characters), and the Developer Guide's "Use managed origin
 *   request policies" (CORS-S3Origin).
 */

import { createHash } from "node:crypto";
import { isPrivateIPv4 } from "../cidr";

/** What Pulumi's auto-naming appends to a logical name: `-` and 7 random characters [pulumi-aws]. */
export const AUTONAME_SUFFIX = 8;

/** Characters EC2 allows in security group names and descriptions and in rule descriptions [EC2 API]. */
export const EC2_DESCRIPTION_CHARS = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
/** Longest security group name, group description or rule description [EC2 API]. */
export const EC2_DESCRIPTION_MAX = 255;
/** Security groups one network interface may carry, by default [EC2 quotas]. */
export const SECURITY_GROUPS_PER_INTERFACE = 5;

/** ALB and target group names [ELBv2]. */
export const ELB_NAME_MAX = 32;
/** RDS DB instance identifiers [RDS]. */
export const RDS_IDENTIFIER_MAX = 63;
/** RDS final snapshot identifiers [RDS]. */
export const RDS_SNAPSHOT_MAX = 255;
/** ElastiCache replication group ids [ElastiCache]. */
export const REPLICATION_GROUP_ID_MAX = 40;
/** IAM role names [IAM]; pulumi-aws auto-names roles up to this length [pulumi-aws]. */
export const IAM_ROLE_NAME_MAX = 64;
/** IAM instance profile names and inline policy names [IAM]. */
export const IAM_PROFILE_NAME_MAX = 128;
/** Launch template names: 3 to 128 of `[a-zA-Z0-9().\-/_]` [EC2 API]. */
export const LAUNCH_TEMPLATE_NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;

/**
 * Systems Manager names of a server's release (provisioning/release.ts): the Command document
 * (SSM API CreateDocument Name: 3-128 of [a-zA-Z0-9_.-]; "You can't use the following strings as
 * document name prefixes ... aws, amazon, amzn, AWSEC2, AWSConfigRemediation, AWSSupport") and its
 * association (CreateAssociation AssociationName: 3-128 of [a-zA-Z0-9_.-]).
 */
export const SSM_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;
export const SSM_DOCUMENT_RESERVED_PREFIXES = ["aws", "amazon", "amzn", "AWSEC2", "AWSConfigRemediation", "AWSSupport"];

/** Why AWS would refuse an SSM document name (`document`) or association name. */
export function ssmNameProblems(what: "document" | "association", name: string): string[] {
  const out: string[] = [];
  if (!SSM_NAME.test(name)) out.push(`SSM ${what} name ${JSON.stringify(name)} is not 3 to 128 of a-z A-Z 0-9 _ . -`);
  // Checked without case: the console's and the API's own documents use AWS- (AWS-RunShellScript).
  const reserved = SSM_DOCUMENT_RESERVED_PREFIXES.find((p) => name.toLowerCase().startsWith(p.toLowerCase()));
  if (what === "document" && reserved) out.push(`SSM document name ${JSON.stringify(name)} starts with "${reserved}", a prefix AWS reserves`);
  return out;
}
/** SQS queue names [SQS]. */
export const SQS_QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
/** The longest visibility timeout SQS accepts, in seconds [SQS]. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** CloudFront distribution comments [CloudFront]. */
export const CLOUDFRONT_COMMENT_MAX = 128;
/** CloudFront origin access control names [CloudFront]. */
export const OAC_NAME_MAX = 64;
/**
 * The AWS-managed origin request policy CORS-S3Origin: forwards Origin and the CORS preflight headers so
 * S3 answers with CORS headers [CloudFront].
 */
export const CORS_S3_ORIGIN_REQUEST_POLICY = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf";

/** Seconds a worker queue's messages stay invisible while a task runs: the task's limit plus a margin. */
export const SQS_VISIBILITY_MARGIN_SECONDS = 60;

/**
 * Regions an account must opt in to before it can use them ("Regions that are disabled by default",
 * AWS General Reference / AWS Account Management Guide). We accept them: an account that opted in can
 * deploy there; one that has not gets AWS's own error, and the settings' region message says so.
 */
export const OPT_IN_REGIONS: readonly string[] = [
  "af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "eu-central-2", "eu-south-1", "eu-south-2",
  "il-central-1", "me-central-1", "me-south-1",
];

/**
 * EC2 sizes we offer, by family (x86_64 only: the AMI lookup is for amd64). Exactly the sizes of these
 * families in the EC2 InstanceType enum of @pulumi/aws 7.48 (generated from pulumi-aws
 * provider/instance-types.txt); tests/cloudRules.aws.test.ts checks the list against the installed enum.
 */
export const EC2_SIZES: Readonly<Record<string, readonly string[]>> = (() => {
  const burst = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"];
  const x = (...n: number[]) => ["large", "xlarge", ...n.map((k) => `${k}xlarge`)];
  return {
    t2: burst, t3: burst, t3a: burst,
    m5: [...x(2, 4, 8, 12, 16, 24), "metal"], m5a: x(2, 4, 8, 12, 16, 24),
    m6i: [...x(2, 4, 8, 12, 16, 24, 32), "metal"], m6a: [...x(2, 4, 8, 12, 16, 24, 32, 48), "metal"],
    m7i: [...x(2, 4, 8, 12, 16, 24, 48), "metal-24xl", "metal-48xl"], m7a: ["medium", ...x(2, 4, 8, 12, 16, 24, 32, 48), "metal-48xl"],
    c5: [...x(2, 4, 9, 12, 18, 24), "metal"], c5a: x(2, 4, 8, 12, 16, 24),
    c6i: [...x(2, 4, 8, 12, 16, 24, 32), "metal"], c6a: [...x(2, 4, 8, 12, 16, 24, 32, 48), "metal"],
    c7i: [...x(2, 4, 8, 12, 16, 24, 48), "metal-24xl", "metal-48xl"], c7a: ["medium", ...x(2, 4, 8, 12, 16, 24, 32, 48), "metal-48xl"],
    r5: [...x(2, 4, 8, 12, 16, 24), "metal"], r5a: x(2, 4, 8, 12, 16, 24),
    r6i: [...x(2, 4, 8, 12, 16, 24, 32), "metal"], r6a: [...x(2, 4, 8, 12, 16, 24, 32, 48), "metal"],
    r7i: [...x(2, 4, 8, 12, 16, 24, 48), "metal-24xl", "metal-48xl"], r7a: ["medium", ...x(2, 4, 8, 12, 16, 24, 32, 48), "metal-48xl"],
  };
})();

/** Every EC2 size we offer, e.g. `t3.small`. */
export const EC2_SIZE_LIST: readonly string[] = Object.entries(EC2_SIZES).flatMap(([family, sizes]) => sizes.map((s) => `${family}.${s}`));

/** Matches exactly the sizes of {@link EC2_SIZE_LIST}. */
export const EC2_SIZE_PATTERN = new RegExp(`^(${EC2_SIZE_LIST.map((s) => s.replace(/\./g, "\\.")).join("|")})$`);

/** A pattern that matches exactly the given sizes (dots escaped). */
function exactly(list: readonly string[]): RegExp {
  return new RegExp(`^(${list.map((s) => s.replace(/\./g, "\\.")).join("|")})$`);
}

/** `large` to `<n>xlarge` for the sizes `n` given. */
const bigSizes = (...n: number[]) => ["large", "xlarge", ...n.map((k) => `${k}xlarge`)];

/**
 * RDS for PostgreSQL instance classes we offer, by class type: current generation only, each size the
 * user guide lists with PostgreSQL 14 to 17 (our fullstack:pgVersion range) supported [RDS classes].
 * Left out on purpose: previous-generation types (db.t2, db.m4, db.r4, ...), metal sizes (PostgreSQL:
 * "No"), the Optimized Reads and SSD types (db.m6gd, db.m6id, ...), and types whose table we did not
 * check (db.r6i, db.m7i, db.r7i, db.r8g, db.x2g): adding one is a line here with its source.
 */
export const RDS_POSTGRES_CLASSES: Readonly<Record<string, readonly string[]>> = {
  // "All PostgreSQL 17, 16, 15, 14, and 13 versions; and 12.7 and higher 12 versions".
  t4g: ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  m6g: bigSizes(2, 4, 8, 12, 16),
  // Sizes from the hardware specifications, each also in the @pulumi/aws rds.InstanceType enum.
  t3: ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  r6g: bigSizes(2, 4, 8, 12, 16),
  // "All PostgreSQL 17, 16, and 15 versions, 14.5 and higher 14 versions, ...".
  m7g: bigSizes(2, 4, 8, 12, 16),
  r7g: bigSizes(2, 4, 8, 12, 16),
  // "PostgreSQL version 17.1 and higher, 16.1 and higher, 15.4 and higher, 14.9 and higher, ...".
  m8g: bigSizes(2, 4, 8, 12, 16, 24, 48),
  // "All available versions".
  m6i: bigSizes(2, 4, 8, 12, 16, 24, 32),
  // The classes many existing RDS PostgreSQL databases run on, with the sizes the @pulumi/aws
  // rds.InstanceType enum lists (8xlarge and 16xlarge, not in the enum, are left out until checked).
  m5: bigSizes(2, 4, 12, 24),
  r5: bigSizes(2, 4, 12, 24),
};

/**
 * The memory of an RDS class we offer, in GiB [RDS classes, hardware specifications]: the burstable
 * types by size (micro 1 to 2xlarge 32), the general-purpose m types 4 GiB per vCPU and the memory-
 * optimized r types 8 GiB per vCPU, with large = 2 vCPUs, xlarge = 4 and <n>xlarge = 4n.
 */
export function rdsClassMemoryGib(instanceClass: string): number | undefined {
  const m = /^db\.([a-z]+)\d+[a-z]*\.(micro|small|medium|large|xlarge|(\d+)xlarge)$/.exec(instanceClass);
  if (!m || !RDS_POSTGRES_CLASS_LIST.includes(instanceClass)) return undefined;
  const [, kind, size, n] = m;
  if (kind === "t") return { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16 }[size] ?? 16 * Number(n);
  const vcpus = size === "large" ? 2 : size === "xlarge" ? 4 : 4 * Number(n);
  return kind === "m" ? vcpus * 4 : kind === "r" ? vcpus * 8 : undefined;
}

/**
 * The connections RDS for PostgreSQL allows a class by default: `LEAST({DBInstanceClassMemory/9531392},
 * 5000)` (RDS User Guide, "Maximum number of database connections"), with DBInstanceClassMemory (the
 * class's memory less what the OS and RDS keep) estimated at three quarters of the class's memory.
 */
export function rdsDefaultMaxConnections(instanceClass: string): number | undefined {
  const gib = rdsClassMemoryGib(instanceClass);
  return gib === undefined ? undefined : Math.min(Math.floor((0.75 * gib * 2 ** 30) / 9531392), 5000);
}

/** Every RDS for PostgreSQL class we offer, e.g. `db.t4g.micro`. */
export const RDS_POSTGRES_CLASS_LIST: readonly string[] = Object.entries(RDS_POSTGRES_CLASSES).flatMap(([type, sizes]) => sizes.map((s) => `db.${type}.${s}`));

/** Matches exactly the classes of {@link RDS_POSTGRES_CLASS_LIST}. */
export const RDS_POSTGRES_CLASS_PATTERN = exactly(RDS_POSTGRES_CLASS_LIST);

/**
 * ElastiCache node types we offer for a Valkey replication group (cluster mode disabled), by family:
 * current generation only [ElastiCache nodes]. Left out on purpose: T2 (now previous generation: no new
 * clusters) and every older family (T1, M1, M2, M3, C1, R3); R6gd, whose data tiering the API requires
 * (CreateReplicationGroup DataTieringEnabled "must be set to true when using r6gd nodes") and our
 * replication group does not enable.
 */
export const ELASTICACHE_NODE_TYPES: Readonly<Record<string, readonly string[]>> = {
  t4g: ["micro", "small", "medium"],
  t3: ["micro", "small", "medium"],
  m4: bigSizes(2, 4, 10),
  m5: bigSizes(2, 4, 12, 24),
  m6g: bigSizes(2, 4, 8, 12, 16),
  m7g: bigSizes(2, 4, 8, 12, 16),
  m8g: bigSizes(2, 4, 8, 12, 16),
  r4: bigSizes(2, 4, 8, 16),
  r5: bigSizes(2, 4, 12, 24),
  r6g: bigSizes(2, 4, 8, 12, 16),
  r7g: bigSizes(2, 4, 8, 12, 16),
  r8g: bigSizes(2, 4, 8, 12, 16),
  c7gn: bigSizes(2, 4, 8, 12, 16),
  c8gn: bigSizes(2, 4, 8, 12, 16),
};

/** Every ElastiCache node type we offer, e.g. `cache.t4g.micro`. */
export const ELASTICACHE_NODE_TYPE_LIST: readonly string[] = Object.entries(ELASTICACHE_NODE_TYPES).flatMap(([family, sizes]) => sizes.map((s) => `cache.${family}.${s}`));

/** Matches exactly the node types of {@link ELASTICACHE_NODE_TYPE_LIST}. */
export const ELASTICACHE_NODE_TYPE_PATTERN = exactly(ELASTICACHE_NODE_TYPE_LIST);

// ---- character and length rules ------------------------------------------------------------------------

/** What EC2 refuses in a security group name, group description or rule description [EC2 API]. */
export function ec2TextProblems(what: string, text: string): string[] {
  const out: string[] = [];
  if (text.length > EC2_DESCRIPTION_MAX) out.push(`${what} is ${text.length} characters, over EC2's ${EC2_DESCRIPTION_MAX}`);
  const bad = [...new Set([...text].filter((c) => !EC2_DESCRIPTION_CHARS.test(c)))];
  if (bad.length > 0) out.push(`${what} ${JSON.stringify(text)} has ${bad.map((c) => JSON.stringify(c)).join(", ")}, which EC2 refuses (allowed: a-z A-Z 0-9 space ._-:/()#,@[]+=&;{}!$*)`);
  return out;
}

/** A security group name: the description's rules, and not `sg-...` [EC2 API]. */
export function securityGroupNameProblems(name: string): string[] {
  const out = ec2TextProblems("security group name", name);
  if (/^sg-/i.test(name)) out.push(`security group name ${JSON.stringify(name)} starts with "sg-", which EC2 refuses`);
  if (name.length === 0) out.push("security group name is empty");
  return out;
}

/** ALB name [ELBv2 validName]. */
export function albNameProblems(name: string): string[] {
  const out = elbCommon("load balancer name", name);
  if (/^internal-/.test(name)) out.push(`load balancer name ${JSON.stringify(name)} starts with "internal-", which ELB refuses`);
  return out;
}

/** Target group name [ELBv2 validTargetGroupName]. */
export function targetGroupNameProblems(name: string): string[] {
  return elbCommon("target group name", name);
}

function elbCommon(what: string, name: string): string[] {
  const out: string[] = [];
  if (name.length === 0 || name.length > ELB_NAME_MAX) out.push(`${what} ${JSON.stringify(name)} is ${name.length} characters; ELB allows 1 to ${ELB_NAME_MAX}`);
  if (!/^[0-9A-Za-z-]*$/.test(name)) out.push(`${what} ${JSON.stringify(name)} has characters other than letters, digits and hyphens`);
  if (/^-|-$/.test(name)) out.push(`${what} ${JSON.stringify(name)} begins or ends with a hyphen`);
  return out;
}

/**
 * The RDS rule for identifiers, snapshot identifiers and parameter group names: lowercase letters, digits
 * and single hyphens, a letter first, no hyphen last [RDS]. `extra` adds characters a kind allows (`.` for
 * parameter groups).
 */
export function rdsNameProblems(what: string, name: string, max: number, extra = ""): string[] {
  const out: string[] = [];
  const chars = new RegExp(`^[0-9a-z${extra.replace(/[\]\\^-]/g, "\\$&")}-]+$`);
  if (name.length === 0 || name.length > max) out.push(`${what} ${JSON.stringify(name)} is ${name.length} characters; AWS allows 1 to ${max}`);
  if (!chars.test(name)) out.push(`${what} ${JSON.stringify(name)} may hold only lowercase letters, digits${extra ? `, ${extra}` : ""} and hyphens`);
  if (!/^[a-z]/.test(name)) out.push(`${what} ${JSON.stringify(name)} must begin with a letter`);
  if (name.includes("--")) out.push(`${what} ${JSON.stringify(name)} has two consecutive hyphens`);
  if (name.endsWith("-")) out.push(`${what} ${JSON.stringify(name)} ends with a hyphen`);
  return out;
}

/** An RDS subnet group name: lowercase letters, digits, `_ .-`, at most 255, not "default" [RDS]. */
export function rdsSubnetGroupNameProblems(name: string): string[] {
  const out: string[] = [];
  if (!/^[0-9a-z_ .-]{1,255}$/.test(name)) out.push(`DB subnet group name ${JSON.stringify(name)} may hold only 1 to 255 lowercase letters, digits, spaces and _ . -`);
  if (/^default$/i.test(name)) out.push('DB subnet group name may not be "default"');
  return out;
}

/** An ElastiCache replication group id (also its final snapshot's name, which we derive from it) [ElastiCache]. */
export function replicationGroupIdProblems(what: string, id: string, max = REPLICATION_GROUP_ID_MAX): string[] {
  return rdsNameProblems(what, id, max);
}

/** IAM names: role (64), instance profile and inline policy (128), of `[\w+=,.@-]` [IAM]. */
export function iamNameProblems(what: string, name: string, max: number): string[] {
  const out: string[] = [];
  if (name.length === 0 || name.length > max) out.push(`${what} ${JSON.stringify(name)} is ${name.length} characters; IAM allows 1 to ${max}`);
  if (!/^[\w+=,.@-]*$/.test(name)) out.push(`${what} ${JSON.stringify(name)} has characters IAM refuses (allowed: letters, digits and _+=,.@-)`);
  return out;
}

/** S3 general purpose bucket names [S3]. */
export function bucketNameProblems(name: string): string[] {
  const out: string[] = [];
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) out.push(`bucket name ${JSON.stringify(name)} must be 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit`);
  if (name.includes("..")) out.push(`bucket name ${JSON.stringify(name)} has two adjacent dots`);
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) if (name.startsWith(prefix)) out.push(`bucket name ${JSON.stringify(name)} starts with "${prefix}", which S3 reserves`);
  for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) if (name.endsWith(suffix)) out.push(`bucket name ${JSON.stringify(name)} ends with "${suffix}", which S3 reserves`);
  return out;
}

// ---- the names the AWS adapter derives -----------------------------------------------------------------

/** RDS instance identifier of a managed PostgreSQL named `clusterName` (RDS stores it lowercase). */
export function rdsIdentifier(clusterName: string): string {
  return clusterName.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/** ElastiCache replication group id of a managed Valkey named `clusterName` (stored lowercase). */
export function replicationGroupId(clusterName: string): string {
  return clusterName.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/**
 * A target group's name: `<load balancer name>-tg` cut to fit, then `-` and 8 hex digits of a hash of
 * `replacedBy` (the inputs whose change replaces the group), so a replacement gets a new name and can be
 * made before the old group is let go. Always within ELB's 32 characters [ELBv2].
 */
export function targetGroupName(loadBalancerName: string, replacedBy: Readonly<Record<string, string | number>>): string {
  const stem = `${loadBalancerName}-tg`.replace(/[^0-9A-Za-z-]/g, "-").slice(0, ELB_NAME_MAX - 9).replace(/-+$/, "");
  const keys = Object.keys(replacedBy).sort();
  const hash = createHash("sha256").update(JSON.stringify(keys.map((k) => [k, replacedBy[k]]))).digest("hex").slice(0, 8);
  return `${stem}-${hash}`;
}

/** The S3 bucket name's stem for a CdnBucket named `name` (see components/cdnBucket.ts: stem + `-` + 6 random). */
function bucketStem(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 55);
}

/** Longest `-<index>` a server name gets: settings allow up to 50 web or worker servers. */
const MAX_INDEX = "50";

/**
 * Problems AWS would have with the names derived from a component name `prefix` (the stack program uses
 * `<appName>-<stack>`); empty when every derived name fits. Mirrors what clouds/aws/ and the components
 * name: explicit names as they are built, auto-names as logical name + {@link AUTONAME_SUFFIX} characters.
 */
export function awsNamePrefixProblems(prefix: string): string[] {
  const auto = (logical: string) => `${logical}-a1b2c3d`;
  const out: string[] = [];
  // Servers are named <prefix>-web-<n>, <prefix>-worker-<n>, groups <prefix>-web and <prefix>-workers;
  // their host names must be DNS labels, and every name built from them must be lowercase-safe for RDS.
  if (!/^[a-z]([a-z0-9]|-(?!-))*[a-z0-9]$/.test(prefix)) {
    out.push(`"${prefix}" must be lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen ` +
      "(AWS derives host names, RDS and ElastiCache identifiers from it)");
  }
  const host = `${prefix}-worker-${MAX_INDEX}`;
  if (host.length > 63) out.push(`host name "${host}" is over 63 characters`);
  out.push(...securityGroupNameProblems(`${prefix}-web`));
  out.push(...albNameProblems(`${prefix}-lb`));
  out.push(...rdsNameProblems("RDS identifier", rdsIdentifier(`${prefix}-db`), RDS_IDENTIFIER_MAX));
  out.push(...rdsNameProblems("RDS parameter group name", auto(`${prefix}-db-params`), 255, "."));
  out.push(...rdsSubnetGroupNameProblems(auto(`${prefix}-db-subnets`)));
  out.push(...replicationGroupIdProblems("ElastiCache replication group id", replicationGroupId(`${prefix}-redis`)));
  out.push(...iamNameProblems("IAM role name", auto(`${prefix}-worker-${MAX_INDEX}-role`), IAM_ROLE_NAME_MAX));
  out.push(...iamNameProblems("IAM instance profile name", auto(`${prefix}-worker-${MAX_INDEX}-profile`), IAM_PROFILE_NAME_MAX));
  // A server's or group's release runs through an SSM document and association named after it.
  out.push(...ssmNameProblems("document", `${prefix}-worker-${MAX_INDEX}-release`), ...ssmNameProblems("association", `${prefix}-worker-${MAX_INDEX}-release`));
  if (!LAUNCH_TEMPLATE_NAME.test(auto(`${prefix}-workers`))) out.push(`launch template name "${auto(`${prefix}-workers`)}" is not 3 to 128 of a-z A-Z 0-9 ( ) . - / _`);
  const oac = `${prefix}-static-oac`;
  if (oac.length > OAC_NAME_MAX) out.push(`CloudFront origin access control name "${oac}" is over ${OAC_NAME_MAX} characters`);
  const comment = `Static files of ${prefix}-static`;
  if (comment.length > CLOUDFRONT_COMMENT_MAX) out.push(`CloudFront comment is over ${CLOUDFRONT_COMMENT_MAX} characters`);
  out.push(...bucketNameProblems(`${bucketStem(`${prefix}-static`)}-a1b2c3`));
  // Alerts (clouds/aws/alerts.ts): the topics, alarms named after the servers, the webhook relay and its
  // role, the CloudWatch agent's document and association.
  if (!SNS_TOPIC_NAME.test(`${prefix}-alerts-us-east-1`)) out.push(`SNS topic name "${prefix}-alerts-us-east-1" is not 1 to 256 letters, digits, - and _`);
  for (const longest of [`${prefix}-worker-${MAX_INDEX}-disk-root`, `${prefix}-heartbeat-restore-drill-data-loss`]) {
    if (longest.length > ALARM.nameMax) out.push(`alarm name "${longest}" is over ${ALARM.nameMax} characters`);
  }
  if (!LAMBDA_FUNCTION_NAME.test(auto(`${prefix}-webhook`))) out.push(`Lambda function name "${auto(`${prefix}-webhook`)}" is not 1 to 64 letters, digits, - and _`);
  out.push(...iamNameProblems("IAM role name", auto(`${prefix}-webhook-role`), IAM_ROLE_NAME_MAX));
  out.push(...ssmNameProblems("document", `${prefix}-cloudwatch-agent`), ...ssmNameProblems("association", `${prefix}-cloudwatch-agent`));
  return [...new Set(out)];
}

/** The part of an SQS queue's logical name that comes from the worker queue `queue` (see clouds/aws/queues.ts). */
export function sqsQueuePart(queue: string): string {
  return queue.replace(/[^A-Za-z0-9_-]/g, "-");
}

/**
 * Problems SQS would have with the queues made for the worker queues `queues` of the app `prefix`: each
 * is auto-named `<prefix>-queue-<queue>[-dlq]` + 8 characters, at most 80 [SQS, pulumi-aws]; two worker
 * queues must not map to one name.
 */
export function sqsQueueNameProblems(prefix: string, queues: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  for (const q of queues) {
    const part = sqsQueuePart(q);
    const longest = `${prefix}-queue-${part}-dlq-a1b2c3d`;
    if (!SQS_QUEUE_NAME.test(longest)) out.push(`queue "${q}" gives the SQS name "${longest}", over 80 characters`);
    if (seen.has(part)) out.push(`queues "${seen.get(part)}" and "${q}" give one SQS name`);
    seen.set(part, q);
  }
  return out;
}

/** Problems with a worker's SQS visibility timeout for a task time limit of `taskTimeLimit` seconds. */
export function sqsVisibilityProblems(taskTimeLimit: number): string[] {
  const visibility = taskTimeLimit + SQS_VISIBILITY_MARGIN_SECONDS;
  return visibility > SQS_MAX_VISIBILITY_SECONDS
    ? [`the queue's visibility timeout (task limit + ${SQS_VISIBILITY_MARGIN_SECONDS} s = ${visibility} s) is over SQS's ${SQS_MAX_VISIBILITY_SECONDS} s`]
    : [];
}

// ---- alerts: CloudWatch alarms, SNS, Route 53 health checks --------------------------------------------

/**
 * CloudWatch PutMetricAlarm [CloudWatch API Reference, PutMetricAlarm]: AlarmName 1-255, AlarmDescription
 * 0-1024, ComparisonOperator and Statistic enums, ExtendedStatistic `p(\d{1,2}(\.\d{0,2})?|100)` and not
 * with Statistic, Period "10, 20, 30, and any multiple of 60", "An alarm's total current evaluation period
 * can be no longer than seven days, so Period multiplied by EvaluationPeriods can't be more than 604,800
 * seconds. For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can't
 * be longer than one day (86,400 seconds)" (PutMetricAlarm, Period), DatapointsToAlarm at most
 * EvaluationPeriods, TreatMissingData breaching|notBreaching|ignore|missing, up to 30 Dimensions and 5
 * AlarmActions; Namespace 1-255 characters, pattern `[^:].*` [CloudWatch API Reference, Metric]; a metric
 * math alarm's MetricDataQuery: Id `^[a-z][a-zA-Z0-9_]*$`, exactly one with ReturnData true.
 */
export const ALARM = {
  nameMax: 255,
  descriptionMax: 1024,
  comparisons: ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"],
  statistics: ["SampleCount", "Average", "Sum", "Minimum", "Maximum"],
  extendedStatistic: /^p(\d{1,2}(\.\d{0,2})?|100)$/,
  missingData: ["breaching", "notBreaching", "ignore", "missing"],
  /** High-resolution periods (metrics stored at 1-second resolution); any other period is a multiple of 60. */
  subMinutePeriods: [10, 20, 30],
  /** Period x EvaluationPeriods at most: a day for periods under an hour, else seven days. */
  maxEvaluationSeconds: 86_400,
  longPeriodSeconds: 3_600,
  maxLongEvaluationSeconds: 604_800,
  namespaceMax: 255,
  maxDimensions: 30,
  maxActions: 5,
  queryId: /^[a-z][a-zA-Z0-9_]*$/,
} as const;

/** SNS CreateTopic Name: 1-256 letters, digits, hyphens and underscores (a FIFO topic ends in .fifo) [SNS API Reference, CreateTopic]. */
export const SNS_TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$|^[A-Za-z0-9_-]{1,251}\.fifo$/;
/** SNS Subscribe Protocol [SNS API Reference, Subscribe]. */
export const SNS_PROTOCOLS: readonly string[] = ["http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"];

/**
 * Route 53 CreateHealthCheck's HealthCheckConfig [Route 53 API Reference, HealthCheckConfig]: Type enum,
 * RequestInterval 10 or 30, FailureThreshold 1-10, ResourcePath and FullyQualifiedDomainName up to 255,
 * Port 1-65535, Regions (when given) at least 3; an IPAddress may not be in a local, private,
 * non-routable or multicast range; an HTTP(S) check names an IPAddress or a FullyQualifiedDomainName.
 */
export const HEALTH_CHECK = {
  types: ["HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP", "CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL"],
  intervals: [10, 30],
  failureThreshold: { min: 1, max: 10 },
  pathMax: 255,
  fqdnMax: 255,
  minRegions: 3,
} as const;

/**
 * Route 53 health checkers are outside every VPC: private and reserved IPv4 ranges (RFC 1918, loopback,
 * link-local, CGNAT, multicast, reserved), which CreateHealthCheck refuses [Route 53 API Reference,
 * HealthCheckConfig IPAddress].
 */
export function healthCheckAddressProblem(ip: string): string | undefined {
  const o = ip.split(".").map(Number);
  if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return `${JSON.stringify(ip)} is not an IPv4 address`;
  const [a, b] = o;
  const refused = isPrivateIPv4(ip) || a === 0 || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  return refused ? `${ip} is in a local, private, non-routable or multicast range, which Route 53's health checkers cannot reach` : undefined;
}

/** SSM PutParameter Name: up to 1011 characters of a-zA-Z0-9_.-/, not starting with aws or ssm in any case [SSM API Reference, PutParameter]. */
export const SSM_PARAMETER_NAME = /^[a-zA-Z0-9_.\-/]{1,1011}$/;
/**
 * The longest value SSM PutParameter stores, in characters, per tier [SSM API Reference, PutParameter
 * Value: "Standard parameters have a value limit of 4 KB. Advanced parameters have a value limit of 8 KB";
 * the API's refusal reads "Standard tier parameters support a maximum parameter value of 4096 characters"].
 * Intelligent-Tiering stores a value over the standard limit as an advanced parameter.
 */
export const SSM_PARAMETER_VALUE_MAX = { Standard: 4096, Advanced: 8192, "Intelligent-Tiering": 8192 } as const;
/**
 * The periods CloudWatch Logs keeps a log group's events for, in days [CloudWatch Logs API Reference,
 * PutRetentionPolicy retentionInDays: "Valid values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365,
 * 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653"; the same list is the CloudWatch agent's
 * retention_in_days enum, aws/amazon-cloudwatch-agent translator/config/schema.json].
 */
export const CLOUDWATCH_LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/**
 * A log group's name: 1 to 512 of a-z A-Z 0-9 _ - / . # [CloudWatch Logs API Reference, CreateLogGroup
 * logGroupName, pattern `[\.\-_/#A-Za-z0-9]+`].
 */
export const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
/** A State Manager association's targets: at most 5, each with at most 50 values [SSM API Reference, Target]. */
export const SSM_TARGETS = { max: 5, maxValues: 50 } as const;
/** Lambda function names: 1-64 letters, digits, hyphens and underscores [Lambda API Reference, CreateFunction FunctionName]. */
export const LAMBDA_FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
