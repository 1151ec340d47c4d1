/**
 * What AWS refuses that Pulumi's mocks accept. See ./index.ts. The facts and their sources live in
 * settings/limits/aws.ts; each rule here names the source it applies.
 */
import type { RecordedResource } from "../mockRuntime";
import { nameSentToCloud, type CloudRule } from "./rule";
import {
  CLOUDFRONT_COMMENT_MAX, CORS_S3_ORIGIN_REQUEST_POLICY, ELASTICACHE_NODE_TYPE_LIST, IAM_PROFILE_NAME_MAX, IAM_ROLE_NAME_MAX, LAUNCH_TEMPLATE_NAME, OAC_NAME_MAX,
  RDS_IDENTIFIER_MAX, RDS_POSTGRES_CLASS_LIST, RDS_SNAPSHOT_MAX, SECURITY_GROUPS_PER_INTERFACE, SQS_MAX_VISIBILITY_SECONDS, SQS_QUEUE_NAME, albNameProblems,
  bucketNameProblems, ec2TextProblems, iamNameProblems, ssmNameProblems, rdsNameProblems, rdsSubnetGroupNameProblems, replicationGroupIdProblems,
  securityGroupNameProblems, targetGroupNameProblems,
} from "../../settings/limits/aws";

export const AWS_TYPES = {
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  rds: "aws:rds/instance:Instance",
  rdsParams: "aws:rds/parameterGroup:ParameterGroup",
  rdsSubnets: "aws:rds/subnetGroup:SubnetGroup",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  iamRole: "aws:iam/role:Role",
  instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  queue: "aws:sqs/queue:Queue",
  bucket: "aws:s3/bucket:Bucket",
  distribution: "aws:cloudfront/distribution:Distribution",
  oac: "aws:cloudfront/originAccessControl:OriginAccessControl",
  ssmDocument: "aws:ssm/document:Document",
  ssmAssociation: "aws:ssm/association:Association",
} as const;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? v as Record<string, unknown> : {});

/** The security groups on an instance's or a launch template's network interface (one interface here). */
export function interfaceSecurityGroups(r: RecordedResource): string[] {
  const i = r.plainInputs;
  return [...new Set([
    ...list(i.vpcSecurityGroupIds ?? i.securityGroups).map(String),
    ...list(i.networkInterfaces).flatMap((ni) => list(obj(ni).securityGroups).map(String)),
  ])];
}

export const awsRules: readonly CloudRule[] = [
  {
    id: "aws-sg-text",
    source: "EC2 API Reference: CreateSecurityGroup GroupName/GroupDescription; IpRange, Ipv6Range, UserIdGroupPair Description",
    types: [AWS_TYPES.securityGroup, AWS_TYPES.ingressRule, AWS_TYPES.egressRule, AWS_TYPES.sgRule],
    check(r) {
      const i = r!.plainInputs;
      const out: string[] = [];
      if (r!.type === AWS_TYPES.securityGroup) {
        out.push(...securityGroupNameProblems(nameSentToCloud(r!)));
        // The provider's default description is "Managed by Pulumi" (pulumi-aws resource_overrides.go).
        if (str(i.description) !== undefined) out.push(...ec2TextProblems("security group description", str(i.description)!));
        for (const rule of [...list(i.ingress), ...list(i.egress)]) {
          const d = str(obj(rule).description);
          if (d !== undefined) out.push(...ec2TextProblems("rule description", d));
        }
      } else {
        const d = str(i.description);
        if (d !== undefined) out.push(...ec2TextProblems("rule description", d));
      }
      return out;
    },
  },
  {
    id: "aws-sg-per-interface",
    source: "Amazon VPC quotas: security groups per network interface (5 by default)",
    types: [AWS_TYPES.instance, AWS_TYPES.launchTemplate],
    check(r) {
      const groups = interfaceSecurityGroups(r!);
      return groups.length > SECURITY_GROUPS_PER_INTERFACE
        ? `${groups.length} security groups on one network interface; the default quota is ${SECURITY_GROUPS_PER_INTERFACE}`
        : undefined;
    },
  },
  {
    id: "aws-elb-names",
    source: "terraform-provider-aws internal/service/elbv2/validate.go validName, validTargetGroupName; names checked after Pulumi auto-naming",
    types: [AWS_TYPES.alb, AWS_TYPES.targetGroup],
    check(r) {
      // With a prefix the provider appends 26 characters: ELB takes prefixes of up to 6 (validNamePrefix,
      // validTargetGroupNamePrefix).
      const prefix = str(r!.plainInputs.namePrefix);
      if (prefix !== undefined && str(r!.plainInputs.name) === undefined) {
        return /^(?!-)[0-9A-Za-z-]{1,6}$/.test(prefix) ? undefined : `name prefix ${JSON.stringify(prefix)} is not 1 to 6 letters, digits and hyphens`;
      }
      const name = nameSentToCloud(r!);
      return r!.type === AWS_TYPES.alb ? albNameProblems(name) : targetGroupNameProblems(name);
    },
  },
  {
    id: "aws-rds-names",
    source: "terraform-provider-aws internal/service/rds/validate.go; RDS API CreateDBInstance (identifier 1-63), DeleteDBInstance (final snapshot 1-255)",
    types: [AWS_TYPES.rds, AWS_TYPES.rdsParams, AWS_TYPES.rdsSubnets],
    check(r) {
      const i = r!.plainInputs;
      if (r!.type === AWS_TYPES.rdsParams) return rdsNameProblems("parameter group name", nameSentToCloud(r!), 255, ".");
      if (r!.type === AWS_TYPES.rdsSubnets) return rdsSubnetGroupNameProblems(nameSentToCloud(r!));
      const out = rdsNameProblems("DB instance identifier", nameSentToCloud(r!, "identifier"), RDS_IDENTIFIER_MAX);
      const snapshot = str(i.finalSnapshotIdentifier);
      // Snapshot identifiers may hold capitals (terraform-provider-aws: ^[0-9A-Za-z-]+$); the rest of the rule is the same.
      if (snapshot !== undefined) out.push(...rdsNameProblems("final snapshot identifier", snapshot.toLowerCase(), RDS_SNAPSHOT_MAX));
      return out;
    },
  },
  {
    id: "aws-rds-major-upgrade",
    source: "RDS API ModifyDBInstance AllowMajorVersionUpgrade; RDS User Guide, upgrading the PostgreSQL major version (a parameter group of the new family)",
    types: [AWS_TYPES.rds],
    check(r, all) {
      const i = r!.plainInputs;
      if (str(i.engine) !== "postgres") return undefined;
      const out: string[] = [];
      if (i.allowMajorVersionUpgrade !== true) out.push("a pgVersion change would be refused: allowMajorVersionUpgrade is not set");
      const group = all.find((g) => g.type === AWS_TYPES.rdsParams && [g.id, g.name, nameSentToCloud(g)].includes(String(i.parameterGroupName)));
      const major = String(i.engineVersion ?? "").split(".")[0];
      if (group) {
        if (group.plainInputs.family !== `postgres${major}`) out.push(`parameter group family ${String(group.plainInputs.family)} does not match engine version ${major}`);
        if (str(group.plainInputs.name)) out.push("the parameter group has a fixed name: a new family could not be created before the old group is deleted");
      }
      return out;
    },
  },
  {
    id: "aws-data-store-sizes",
    source: "RDS User Guide, Supported DB engines for DB instance classes (PostgreSQL); ElastiCache API Reference CacheNode and User Guide, Supported node types (Valkey; T2 is previous generation)",
    types: [AWS_TYPES.rds, AWS_TYPES.replicationGroup],
    check(r) {
      const i = r!.plainInputs;
      if (r!.type === AWS_TYPES.rds) {
        const size = String(i.instanceClass);
        return str(i.engine) === "postgres" && !RDS_POSTGRES_CLASS_LIST.includes(size)
          ? `instance class ${JSON.stringify(size)} is not a current-generation RDS for PostgreSQL class` : undefined;
      }
      const size = String(i.nodeType);
      return ELASTICACHE_NODE_TYPE_LIST.includes(size) ? undefined : `node type ${JSON.stringify(size)} is not a current-generation ElastiCache node type for Valkey`;
    },
  },
  {
    id: "aws-elasticache-ids",
    source: "ElastiCache API CreateReplicationGroup ReplicationGroupId; pulumi-aws resource_overrides.go (auto-name up to 40, lower-cased)",
    types: [AWS_TYPES.replicationGroup],
    check(r) {
      const i = r!.plainInputs;
      const out = replicationGroupIdProblems("replication group id", nameSentToCloud(r!, "replicationGroupId").toLowerCase());
      const snapshot = str(i.finalSnapshotIdentifier);
      if (snapshot !== undefined) out.push(...replicationGroupIdProblems("final snapshot name", snapshot.toLowerCase(), 255));
      return out;
    },
  },
  {
    id: "aws-iam-names",
    source: "IAM API CreateRole (RoleName 1-64), CreateInstanceProfile and PutRolePolicy (1-128), [\\w+=,.@-]; pulumi-aws resource_overrides.go (role auto-name up to 64)",
    types: [AWS_TYPES.iamRole, AWS_TYPES.instanceProfile, AWS_TYPES.rolePolicy],
    check(r) {
      if (r!.type === AWS_TYPES.iamRole) return iamNameProblems("role name", nameSentToCloud(r!), IAM_ROLE_NAME_MAX);
      return iamNameProblems(r!.type === AWS_TYPES.instanceProfile ? "instance profile name" : "role policy name", nameSentToCloud(r!), IAM_PROFILE_NAME_MAX);
    },
  },
  {
    id: "aws-launch-template-name",
    source: "EC2 API CreateLaunchTemplate LaunchTemplateName: 3-128 of [a-zA-Z0-9().\\-/_]",
    types: [AWS_TYPES.launchTemplate],
    check(r) {
      const name = nameSentToCloud(r!);
      return LAUNCH_TEMPLATE_NAME.test(name) ? undefined : `launch template name ${JSON.stringify(name)} is not 3 to 128 of a-z A-Z 0-9 ( ) . - / _`;
    },
  },
  {
    id: "aws-ssm-names",
    source: "SSM API CreateDocument Name (3-128 of [a-zA-Z0-9_.-], no aws/amazon/amzn/AWSEC2/AWSConfigRemediation/AWSSupport prefix) and CreateAssociation AssociationName (3-128 of [a-zA-Z0-9_.-])",
    types: [AWS_TYPES.ssmDocument, AWS_TYPES.ssmAssociation],
    check(r) {
      if (r!.type === AWS_TYPES.ssmDocument) return ssmNameProblems("document", nameSentToCloud(r!));
      return ssmNameProblems("association", String(r!.plainInputs.associationName ?? ""));
    },
  },
  {
    id: "aws-sqs",
    source: "SQS API CreateQueue: QueueName up to 80 of [A-Za-z0-9_-]; VisibilityTimeout 0 to 43200 s",
    types: [AWS_TYPES.queue],
    check(r) {
      const i = r!.plainInputs;
      const out: string[] = [];
      const name = nameSentToCloud(r!);
      if (!SQS_QUEUE_NAME.test(name)) out.push(`queue name ${JSON.stringify(name)} is not 1 to 80 letters, digits, hyphens and underscores`);
      const visibility = Number(i.visibilityTimeoutSeconds ?? 30);
      if (visibility > SQS_MAX_VISIBILITY_SECONDS) out.push(`visibility timeout ${visibility} s is over SQS's ${SQS_MAX_VISIBILITY_SECONDS} s`);
      return out;
    },
  },
  {
    id: "aws-s3-bucket-name",
    source: "Amazon S3 User Guide, general purpose bucket naming rules",
    types: [AWS_TYPES.bucket],
    check(r) {
      return bucketNameProblems(nameSentToCloud(r!, "bucket"));
    },
  },
  {
    id: "aws-cloudfront",
    source: "CloudFront API DistributionConfig Comment (128), CreateOriginAccessControl Name (64); Developer Guide, managed origin request policy CORS-S3Origin",
    types: [AWS_TYPES.distribution, AWS_TYPES.oac],
    check(r) {
      const i = r!.plainInputs;
      if (r!.type === AWS_TYPES.oac) {
        const name = nameSentToCloud(r!);
        return name.length > OAC_NAME_MAX ? `origin access control name ${JSON.stringify(name)} is over ${OAC_NAME_MAX} characters` : undefined;
      }
      const out: string[] = [];
      const comment = str(i.comment) ?? "";
      if (comment.length > CLOUDFRONT_COMMENT_MAX) out.push(`comment is ${comment.length} characters, over ${CLOUDFRONT_COMMENT_MAX}`);
      // S3 answers with CORS headers only when the request carries Origin, which CloudFront drops unless
      // an origin request policy forwards it: every behaviour serving an S3 origin with OAC needs one.
      const s3Origins = new Set(list(i.origins).map(obj).filter((o) => o.originAccessControlId !== undefined).map((o) => o.originId));
      const behaviours = [obj(i.defaultCacheBehavior), ...list(i.orderedCacheBehaviors).map(obj)];
      for (const b of behaviours) {
        if (s3Origins.has(b.targetOriginId) && b.originRequestPolicyId !== CORS_S3_ORIGIN_REQUEST_POLICY) {
          out.push(`the behaviour for ${String(b.pathPattern ?? "*")} serves the bucket without the CORS-S3Origin origin request policy (${CORS_S3_ORIGIN_REQUEST_POLICY}): S3 never sees Origin, so cross-origin requests fail`);
        }
      }
      return out;
    },
  },
];
