/**
 * The guardrails, as Pulumi policies. This module builds no PolicyPack (constructing one starts a
 * server), so tests import the rules and run them over the resources a mocked stack registers;
 * `policies/index.ts` only assembles them into the pack for `pulumi preview --policy-pack policies`.
 *
 * Each description names the Checkov / Trivy (tfsec) check it matches. "Protected" resources (Pulumi's
 * `protect`, on by default outside dev stacks) are what the rules treat as "outside dev".
 */
import type {
  EnforcementLevel, PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { gunzipSync } from "node:zlib";
import { isOpenToWorld } from "../settings/cidr";
import { parse as parseYaml } from "yaml";

export type Rule = ResourceValidationPolicy | StackValidationPolicy;
type Props = Record<string, unknown>;

const WEB_PORTS = [80, 443];

/** A rule on one resource type. */
function resourceRule(name: string, description: string, types: string[], check: (props: Props, args: ResourceValidationArgs) => string | undefined,
  enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
  return {
    name, description, enforcementLevel,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (!types.includes(args.type)) return;
      const problem = check(args.props as Props, args);
      if (problem) report(problem);
    },
  };
}

/** Resources of `type` whose `prop` points at `target` (by dependency, or by id when known). */
function referencing(resources: PolicyResource[], type: string, prop: string, target: PolicyResource): PolicyResource[] {
  return resources.filter((r) => r.type === type && (
    (r.propertyDependencies?.[prop] ?? []).some((d) => d.urn === target.urn) ||
    (target.props.id !== undefined && r.props[prop] === target.props.id)));
}

/** A rule that every resource of `type` has a companion resource meeting `ok`. */
function companionRule(name: string, description: string, type: string, companionType: string, prop: string,
  ok: (companion: Props) => boolean, missing: string): StackValidationPolicy {
  return {
    name, description, enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      for (const r of args.resources.filter((x) => x.type === type)) {
        const companions = referencing(args.resources, companionType, prop, r);
        if (!companions.some((c) => ok(c.props as Props))) report(`${r.name}: ${missing}`, r.urn);
      }
    },
  };
}

const isSet = (v: unknown) => v !== undefined && v !== null && v !== "";

/** Things that must never sit in plain user data. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/^\s*(DATABASE_URL|DATABASE_DIRECT_URL|REDIS_URL|SECRET_KEY|AWS_SECRET_ACCESS_KEY|PG_PASSWORD)\s*=/m, "an app secret"],
  [/requirepass\s+\S+/, "a Redis password"],
  [/postgres(ql)?:\/\/[^:\s/]+:[^@\s]+@/, "a database URL with a password"],
  [/redis(s)?:\/\/[^:\s/]*:[^@\s]+@/, "a Redis URL with a password"],
  [/AKIA[0-9A-Z]{16}/, "an AWS access key"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
];

function decodeUserData(props: Props, type: string): string | undefined {
  const base64 = (text: string) => {
    const raw = Buffer.from(text, "base64");
    return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
  };
  // A launch template's userData is always base64; an instance's userData is plain text.
  if (typeof props.userData === "string") return type === LAUNCH_TEMPLATE ? base64(props.userData) : props.userData;
  if (typeof props.userDataBase64 === "string") return base64(props.userDataBase64);
  return undefined;
}

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ASG = "aws:autoscaling/group:Group";

export const rules: Rule[] = [
  // ---------- AWS: RDS ----------
  resourceRule("aws-rds-storage-encrypted", "RDS storage is encrypted at rest. Checkov CKV_AWS_16; Trivy aws-rds-encrypt-instance-storage-data.",
    ["aws:rds/instance:Instance"], (p) => (p.storageEncrypted === true ? undefined : "storageEncrypted must be true")),
  resourceRule("aws-rds-not-public", "RDS is not publicly accessible. Checkov CKV_AWS_17; Trivy aws-rds-no-public-db-access.",
    ["aws:rds/instance:Instance"], (p) => (p.publiclyAccessible === true ? "publiclyAccessible must be false" : undefined)),
  resourceRule("aws-rds-backup-retention", "RDS keeps automated backups for at least 7 days. Checkov CKV_AWS_133; Trivy aws-rds-specify-backup-retention.",
    ["aws:rds/instance:Instance"], (p) => (Number(p.backupRetentionPeriod ?? 0) >= 7 ? undefined : "backupRetentionPeriod must be 7 days or more")),
  resourceRule("aws-rds-deletion-protection", "Protected (non-dev) RDS has deletion protection and keeps a final snapshot. Checkov CKV_AWS_293; Trivy aws-rds-enable-deletion-protection.",
    ["aws:rds/instance:Instance"], (p, a) => {
      if (!a.opts.protect) return undefined;
      if (p.deletionProtection !== true) return "deletionProtection must be true outside dev";
      if (p.skipFinalSnapshot === true || !isSet(p.finalSnapshotIdentifier)) return "a final snapshot must be kept outside dev";
      return undefined;
    }),
  resourceRule("aws-rds-force-ssl", "PostgreSQL parameter groups force TLS (rds.force_ssl=1). Checkov CKV2_AWS_69 (encrypted connections).",
    ["aws:rds/parameterGroup:ParameterGroup"], (p) => {
      if (!String(p.family ?? "").startsWith("postgres")) return undefined;
      const params = (p.parameters as { name: string; value: string }[] | undefined) ?? [];
      return params.some((x) => x.name === "rds.force_ssl" && String(x.value) === "1") ? undefined : "rds.force_ssl must be 1";
    }),

  // ---------- AWS: ElastiCache ----------
  resourceRule("aws-elasticache-encryption", "ElastiCache encrypts at rest and in transit and requires an auth token. Checkov CKV_AWS_29, CKV_AWS_30, CKV_AWS_31; Trivy aws-elasticache-enable-at-rest-encryption, aws-elasticache-enable-in-transit-encryption.",
    ["aws:elasticache/replicationGroup:ReplicationGroup"], (p) => {
      if (p.atRestEncryptionEnabled !== true) return "atRestEncryptionEnabled must be true";
      if (p.transitEncryptionEnabled !== true) return "transitEncryptionEnabled must be true";
      if (!isSet(p.authToken) && !isSet(p.userGroupIds)) return "an authToken (or user group) is required";
      return undefined;
    }),

  // ---------- AWS: S3 ----------
  resourceRule("aws-s3-no-force-destroy", "Buckets are never force-destroyed with their objects. Trivy (DigitalOcean analogue) DIG007.",
    ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"], (p) => (p.forceDestroy === true ? "forceDestroy must not be true" : undefined)),
  companionRule("aws-s3-public-access-block", "Every bucket blocks public ACLs and policies. Checkov CKV_AWS_53-56; Trivy aws-s3-block-public-acls, aws-s3-block-public-policy.",
    "aws:s3/bucket:Bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "bucket",
    (c) => c.blockPublicAcls === true && c.blockPublicPolicy === true && c.ignorePublicAcls === true && c.restrictPublicBuckets === true,
    "needs a public access block with all four settings true"),
  companionRule("aws-s3-encryption", "Every bucket encrypts objects at rest. Checkov CKV_AWS_19/CKV_AWS_145; Trivy aws-s3-enable-bucket-encryption.",
    "aws:s3/bucket:Bucket", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "bucket",
    (c) => ((c.rules as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } }[] | undefined) ?? [])
      .some((r) => ["AES256", "aws:kms", "aws:kms:dsse"].includes(r.applyServerSideEncryptionByDefault?.sseAlgorithm ?? "")),
    "needs default server-side encryption"),
  companionRule("aws-s3-versioning", "Every bucket keeps object versions. Checkov CKV_AWS_21; Trivy aws-s3-enable-versioning.",
    "aws:s3/bucket:Bucket", "aws:s3/bucketVersioning:BucketVersioning", "bucket",
    (c) => (c.versioningConfiguration as { status?: string } | undefined)?.status === "Enabled", "needs versioning Enabled"),
  companionRule("aws-s3-owner-enforced", "Every bucket disables ACLs (BucketOwnerEnforced). Checkov CKV2_AWS_65.",
    "aws:s3/bucket:Bucket", "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "bucket",
    (c) => (c.rule as { objectOwnership?: string } | undefined)?.objectOwnership === "BucketOwnerEnforced", "needs ownership controls BucketOwnerEnforced"),

  // ---------- AWS: CloudFront ----------
  resourceRule("aws-cloudfront-https", "CloudFront redirects viewers to HTTPS. Checkov CKV_AWS_34; Trivy aws-cloudfront-enforce-https.",
    ["aws:cloudfront/distribution:Distribution"], (p) => {
      const behaviors = [p.defaultCacheBehavior, ...((p.orderedCacheBehaviors as unknown[] | undefined) ?? [])] as { viewerProtocolPolicy?: string }[];
      return behaviors.every((b) => ["redirect-to-https", "https-only"].includes(b?.viewerProtocolPolicy ?? "")) ? undefined : "every cache behavior must redirect to HTTPS";
    }),
  resourceRule("aws-cloudfront-tls", "CloudFront with a custom certificate accepts TLS 1.2 or newer only. Checkov CKV_AWS_174; Trivy aws-cloudfront-use-secure-tls-policy.",
    ["aws:cloudfront/distribution:Distribution"], (p) => {
      const cert = p.viewerCertificate as { acmCertificateArn?: string; minimumProtocolVersion?: string } | undefined;
      if (!cert?.acmCertificateArn) return undefined;
      return /^TLSv1\.2_20(19|21)$|^TLSv1\.3/.test(cert.minimumProtocolVersion ?? "") ? undefined : "minimumProtocolVersion must be TLSv1.2_2021";
    }),
  resourceRule("aws-cloudfront-default-certificate", "CloudFront's default *.cloudfront.net certificate cannot refuse TLS 1.0/1.1: set cdnDomain for TLS 1.2+ only.",
    ["aws:cloudfront/distribution:Distribution"], (p) => ((p.viewerCertificate as { cloudfrontDefaultCertificate?: boolean } | undefined)?.cloudfrontDefaultCertificate
      ? "uses the default certificate (TLS 1.0+); set fullstack:cdnDomain" : undefined), "advisory"),
  resourceRule("aws-cloudfront-origin-access-control", "S3 origins are read through origin access control, never a public bucket. Checkov CKV2_AWS_46 (origin access).",
    ["aws:cloudfront/distribution:Distribution"], (p) => {
      const origins = (p.origins as { domainName?: string; originAccessControlId?: string }[] | undefined) ?? [];
      const bad = origins.filter((o) => /\.s3[.-]/.test(o.domainName ?? "") && !isSet(o.originAccessControlId));
      return bad.length ? `S3 origin ${bad[0].domainName} has no origin access control` : undefined;
    }),

  // ---------- AWS: security groups and EC2 ----------
  resourceRule("aws-sg-world-only-web", "Only ports 80 and 443 are open to the world. Checkov CKV_AWS_24, CKV_AWS_25, CKV_AWS_260; Trivy aws-ec2-no-public-ingress-sgr.",
    ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:ec2/securityGroup:SecurityGroup"], (p, a) => {
      const rules = a.type === "aws:ec2/securityGroup:SecurityGroup" ? ((p.ingress as Props[] | undefined) ?? [])
        : a.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type !== "ingress" ? [] : [p];
      for (const r of rules) {
        const sources = [r.cidrIpv4, r.cidrIpv6, ...((r.cidrBlocks as string[] | undefined) ?? []), ...((r.ipv6CidrBlocks as string[] | undefined) ?? [])]
          .filter((s): s is string => typeof s === "string" && s !== "");
        if (!sources.some((s) => isOpenToWorld(s))) continue;
        const from = Number(r.fromPort);
        const to = Number(r.toPort);
        if (r.ipProtocol === "-1" || r.protocol === "-1" || from !== to || !WEB_PORTS.includes(from)) {
          return `port ${from === to ? from : `${r.fromPort}-${r.toPort}`} is open to the world; only 80 and 443 may be`;
        }
      }
      return undefined;
    }),
  resourceRule("aws-sg-rule-described", "Every security group and rule says why it exists. Checkov CKV_AWS_23; Trivy aws-ec2-add-description-to-security-group-rule.",
    ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:ec2/securityGroup:SecurityGroup"],
    (p) => (isSet(p.description) && p.description !== "Managed by Pulumi" ? undefined : "needs a description")),
  resourceRule("aws-ec2-imdsv2", "Instances require IMDSv2 tokens with a hop limit of 1. Checkov CKV_AWS_79; Trivy aws-ec2-enforce-http-token-imds.",
    ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"], (p) => {
      const m = p.metadataOptions as { httpTokens?: string; httpPutResponseHopLimit?: number } | undefined;
      if (m?.httpTokens !== "required") return "metadataOptions.httpTokens must be required";
      if (Number(m.httpPutResponseHopLimit ?? 1) > 1) return "metadataOptions.httpPutResponseHopLimit must be 1";
      return undefined;
    }),
  resourceRule("aws-ec2-encrypted-root", "Instance disks are encrypted. Checkov CKV_AWS_8; Trivy aws-ec2-enable-at-rest-encryption.",
    ["aws:ec2/instance:Instance", "aws:ebs/volume:Volume", LAUNCH_TEMPLATE], (p, a) => {
      if (a.type === "aws:ebs/volume:Volume") return p.encrypted === true ? undefined : "encrypted must be true";
      if (a.type === LAUNCH_TEMPLATE) {
        // Without a mapping the AMI's own (unencrypted) root volume settings apply.
        const disks = (p.blockDeviceMappings as { ebs?: { encrypted?: unknown } }[] | undefined) ?? [];
        if (disks.length === 0) return "blockDeviceMappings must give the root volume, encrypted";
        return disks.every((d) => String(d.ebs?.encrypted) === "true") ? undefined : "every blockDeviceMappings[].ebs.encrypted must be true";
      }
      return (p.rootBlockDevice as { encrypted?: boolean } | undefined)?.encrypted === true ? undefined : "rootBlockDevice.encrypted must be true";
    }),
  resourceRule("aws-asg-launch-template", "Auto scaling groups launch from a launch template, not a launch configuration. Checkov CKV_AWS_315.",
    [ASG], (p) => (isSet(p.launchConfiguration) || !isSet((p.launchTemplate as { id?: unknown } | undefined)?.id)
      ? "launchTemplate.id must be set (launch configurations are deprecated and cannot require IMDSv2)" : undefined)),
  resourceRule("aws-asg-elb-health-check", "Auto scaling groups behind a load balancer replace servers the load balancer finds unhealthy. Checkov CKV2_AWS_15.",
    [ASG], (p) => {
      const behindLb = ((p.targetGroupArns as unknown[] | undefined) ?? []).length > 0 || ((p.loadBalancers as unknown[] | undefined) ?? []).length > 0;
      return behindLb && p.healthCheckType !== "ELB" ? "healthCheckType must be ELB when the group serves a load balancer" : undefined;
    }),
  resourceRule("aws-asg-rolling-release", "Own rule (release safety; no scanner checks it): a new launch template version rolls through the group, so the group names a version, not $Latest/$Default, and has a Rolling instance refresh that keeps full capacity.",
    [ASG], (p) => {
      const version = String((p.launchTemplate as { version?: unknown } | undefined)?.version ?? "");
      if (version === "" || version.startsWith("$")) return `launchTemplate.version "${version}" never starts an instance refresh; use the template's latestVersion`;
      const refresh = p.instanceRefresh as { strategy?: string; preferences?: { minHealthyPercentage?: number } } | undefined;
      if (refresh?.strategy !== "Rolling") return "instanceRefresh.strategy must be Rolling";
      if (Number(refresh.preferences?.minHealthyPercentage ?? 90) < 100) return "instanceRefresh.preferences.minHealthyPercentage must be 100 (launch new servers before stopping old ones)";
      return undefined;
    }),
  resourceRule("aws-ec2-no-secret-in-user-data", "User data carries no secret (EC2 stores it in plain text). Checkov CKV_AWS_46; Trivy aws-ec2-no-secrets-in-user-data.",
    ["aws:ec2/instance:Instance", LAUNCH_TEMPLATE], (p, a) => {
      const text = decodeUserData(p, a.type);
      if (text === undefined) return undefined;
      const hit = SECRET_PATTERNS.find(([re]) => re.test(text));
      return hit ? `user data contains ${hit[1]}` : undefined;
    }),

  // ---------- DigitalOcean ----------
  resourceRule("do-droplet-ssh-keys", "Droplets log in with SSH keys only: created with account keys (no root password is mailed), or with a cloud-config that turns root and password login off and locks the mailed root password (keys go to the admin user). Checkov CKV_DIO_2; Trivy digitalocean-compute-use-ssh-keys.",
    ["digitalocean:index/droplet:Droplet"], (p) => {
      if (((p.sshKeys as unknown[] | undefined) ?? []).length > 0) return undefined;
      let cc: { disable_root?: unknown; ssh_pwauth?: unknown; runcmd?: unknown } = {};
      try {
        cc = (typeof p.userData === "string" && p.userData.startsWith("#cloud-config") ? parseYaml(p.userData) : {}) ?? {};
      } catch {
        cc = {};
      }
      const runcmd = Array.isArray(cc.runcmd) ? cc.runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : String(c))) : [];
      const keysOnly = cc.disable_root === true && cc.ssh_pwauth === false && runcmd.some((c) => /^(passwd (--lock|-l)|usermod (--lock|-L)) root$/.test(c));
      return keysOnly ? undefined : "sshKeys must not be empty, or the user data must set disable_root: true, ssh_pwauth: false and lock root's password";
    }),
  resourceRule("do-firewall-world-only-web", "Only ports 80 and 443 are open to the world. Checkov CKV_DIO_4; Trivy digitalocean-compute-no-public-ingress.",
    ["digitalocean:index/firewall:Firewall"], (p) => {
      for (const r of (p.inboundRules as { portRange?: string; protocol?: string; sourceAddresses?: string[] }[] | undefined) ?? []) {
        if ((r.sourceAddresses ?? []).some((s) => isOpenToWorld(s)) && !WEB_PORTS.map(String).includes(r.portRange ?? "")) {
          return `${r.protocol} ${r.portRange ?? "all"} is open to the world; only 80 and 443 may be`;
        }
      }
      return undefined;
    }),
  {
    name: "do-database-firewall",
    description: "Every managed database sits on the private network behind a firewall that admits only tags or droplets. Trivy digitalocean-database-no-public-access (analogue).",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      for (const cluster of args.resources.filter((r) => r.type === "digitalocean:index/databaseCluster:DatabaseCluster")) {
        if (!isSet(cluster.props.privateNetworkUuid)) report(`${cluster.name}: privateNetworkUuid must be set`, cluster.urn);
        const firewalls = referencing(args.resources, "digitalocean:index/databaseFirewall:DatabaseFirewall", "clusterId", cluster);
        if (firewalls.length === 0) report(`${cluster.name}: needs a database firewall`, cluster.urn);
        for (const fw of firewalls) {
          const rules = (fw.props.rules as { type: string; value: string }[] | undefined) ?? [];
          if (rules.length === 0 || rules.some((r) => !["tag", "droplet"].includes(r.type))) {
            report(`${cluster.name}: its firewall may only admit tags or droplets`, fw.urn);
          }
        }
      }
    },
  },
  resourceRule("do-spaces-private", "Spaces buckets are private, versioned and never force-destroyed. Checkov CKV_DIO_3, CKV_DIO_1; Trivy digitalocean-spaces-acl-no-public-read, digitalocean-spaces-versioning-enabled, digitalocean-spaces-disable-force-destroy.",
    ["digitalocean:index/spacesBucket:SpacesBucket"], (p) => {
      if (p.acl !== undefined && p.acl !== "private") return `acl ${String(p.acl)} must be private`;
      if ((p.versioning as { enabled?: boolean } | undefined)?.enabled !== true) return "versioning must be enabled";
      if (p.forceDestroy === true) return "forceDestroy must not be true";
      return undefined;
    }),
];

export const mandatoryRules = rules.filter((r) => (r.enforcementLevel ?? "advisory") === "mandatory");
