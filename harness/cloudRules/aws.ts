/**
 * What AWS refuses that Pulumi's mocks accept. See ./index.ts. The facts and their sources live in
 * settings/limits/aws.ts; each rule here names the source it applies.
 */
import type { RecordedResource } from "../mockRuntime";
import { nameSentToCloud, type CloudRule } from "./rule";
import {
  ALARM, CLOUDWATCH_LOG_RETENTION_DAYS, HEALTH_CHECK, LAMBDA_FUNCTION_NAME, LOG_GROUP_NAME, SNS_PROTOCOLS, SNS_TOPIC_NAME, SSM_PARAMETER_NAME, SSM_PARAMETER_VALUE_MAX, SSM_TARGETS, healthCheckAddressProblem,
} from "../../settings/limits/aws";
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
  ssmParameter: "aws:ssm/parameter:Parameter",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  healthCheck: "aws:route53/healthCheck:HealthCheck",
  lambda: "aws:lambda/function:Function",
  provider: "pulumi:providers:aws",
} as const;

/** Where Route 53 publishes health check metrics (Route 53 Developer Guide, "Monitoring health checks using CloudWatch"). */
const ROUTE53_METRICS_REGION = "us-east-1";

/** The region an AWS resource is made in: its explicit provider's, else the stack's `aws:region` (undefined when unknown). */
export function regionOf(r: RecordedResource, all: readonly RecordedResource[]): string | undefined {
  if (!r.provider) return undefined;
  const id = r.provider.split("::").pop();
  const provider = all.find((p) => p.type === AWS_TYPES.provider && p.id === id);
  return str(provider?.plainInputs.region);
}

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

/** What PutMetricAlarm would refuse about an alarm's inputs [ALARM in settings/limits/aws.ts]. */
function alarmProblems(i: Record<string, unknown>): string[] {
  const out: string[] = [];
  const name = str(i.name) ?? "";
  if (name.length < 1 || name.length > ALARM.nameMax) out.push(`alarm name is ${name.length} characters, not 1 to ${ALARM.nameMax}`);
  if ((str(i.alarmDescription) ?? "").length > ALARM.descriptionMax) out.push(`description is over ${ALARM.descriptionMax} characters`);
  if (!(ALARM.comparisons as readonly string[]).includes(String(i.comparisonOperator))) out.push(`comparison operator ${JSON.stringify(i.comparisonOperator)} is not one of ${ALARM.comparisons.join(", ")}`);
  if (i.treatMissingData !== undefined && !(ALARM.missingData as readonly string[]).includes(String(i.treatMissingData))) {
    out.push(`treatMissingData ${JSON.stringify(i.treatMissingData)} is not one of ${ALARM.missingData.join(", ")}`);
  }
  const queries = list(i.metricQueries).map(obj);
  const evaluations = Number(i.evaluationPeriods);
  if (!Number.isInteger(evaluations) || evaluations < 1) out.push(`evaluationPeriods ${JSON.stringify(i.evaluationPeriods)} is not a whole number of at least 1`);
  if (i.datapointsToAlarm !== undefined && Number(i.datapointsToAlarm) > evaluations) out.push("datapointsToAlarm is more than evaluationPeriods");
  const periodProblem = (period: number) => {
    if (!((ALARM.subMinutePeriods as readonly number[]).includes(period) || (Number.isInteger(period) && period > 0 && period % 60 === 0))) {
      return [`period ${period} is not ${ALARM.subMinutePeriods.join(", ")} or a multiple of 60`];
    }
    const max = period < ALARM.longPeriodSeconds ? ALARM.maxEvaluationSeconds : ALARM.maxLongEvaluationSeconds;
    return period * evaluations > max
      ? [`period x evaluationPeriods is ${period * evaluations} s, over ${max} (${period < ALARM.longPeriodSeconds ? "a day, for periods under an hour" : "seven days"})`]
      : [];
  };
  const namespaceProblem = (namespace: unknown) => (namespace !== undefined && !(typeof namespace === "string" && namespace.length >= 1 && namespace.length <= ALARM.namespaceMax && !namespace.startsWith(":"))
    ? [`namespace ${JSON.stringify(namespace)} is not 1 to ${ALARM.namespaceMax} characters not starting with ":"`]
    : []);
  if (queries.length > 0) {
    if (i.metricName !== undefined || i.namespace !== undefined || i.statistic !== undefined || i.extendedStatistic !== undefined || i.period !== undefined) {
      out.push("a metric math alarm (metricQueries) also sets metricName, namespace, statistic or period");
    }
    if (queries.filter((q) => q.returnData === true).length !== 1) out.push("metricQueries: exactly one query must return data");
    for (const q of queries) {
      if (!ALARM.queryId.test(String(q.id))) out.push(`metric query id ${JSON.stringify(q.id)} does not start with a lowercase letter, or holds characters other than letters, digits and _`);
      const metric = obj(q.metric);
      if (q.metric !== undefined) {
        if (!(ALARM.statistics as readonly string[]).includes(String(metric.stat)) && !ALARM.extendedStatistic.test(String(metric.stat))) out.push(`metric query ${String(q.id)}: stat ${JSON.stringify(metric.stat)} is no statistic`);
        out.push(...periodProblem(Number(metric.period)), ...namespaceProblem(metric.namespace));
      } else if (!str(q.expression)) out.push(`metric query ${String(q.id)} has neither a metric nor an expression`);
    }
  } else {
    if (!str(i.metricName) || !str(i.namespace)) out.push("names no metric (metricName and namespace) and no metricQueries");
    const stat = i.statistic !== undefined;
    const extended = i.extendedStatistic !== undefined;
    if (stat === extended) out.push("sets both or neither of statistic and extendedStatistic");
    if (stat && !(ALARM.statistics as readonly string[]).includes(String(i.statistic))) out.push(`statistic ${JSON.stringify(i.statistic)} is not one of ${ALARM.statistics.join(", ")}`);
    if (extended && !ALARM.extendedStatistic.test(String(i.extendedStatistic))) out.push(`extended statistic ${JSON.stringify(i.extendedStatistic)} is not a percentile such as p95`);
    out.push(...periodProblem(Number(i.period)), ...namespaceProblem(i.namespace));
    if (Object.keys(obj(i.dimensions)).length > ALARM.maxDimensions) out.push(`more than ${ALARM.maxDimensions} dimensions`);
  }
  for (const key of ["alarmActions", "okActions", "insufficientDataActions"]) {
    if (list(i[key]).length > ALARM.maxActions) out.push(`${key}: more than ${ALARM.maxActions} actions`);
  }
  return out;
}

export const awsRules: readonly CloudRule[] = [
  {
    id: "aws-cloudwatch-alarm",
    source: "CloudWatch API Reference, PutMetricAlarm (AlarmName, AlarmDescription, ComparisonOperator, Statistic / ExtendedStatistic, Period 10, 20, 30 or a multiple of 60, EvaluationPeriods x Period up to 86,400 s for periods under an hour and 604,800 s otherwise, DatapointsToAlarm, TreatMissingData, Dimensions, actions), Metric (Namespace) and MetricDataQuery (Id, ReturnData)",
    types: [AWS_TYPES.metricAlarm],
    check: (r) => alarmProblems(r!.plainInputs),
  },
  {
    // The metric exists only in us-east-1: an alarm anywhere else watches nothing and never fires.
    id: "aws-route53-alarm-region",
    source: "Route 53 Developer Guide, \"Monitoring health checks using CloudWatch\" (health check metrics are published in US East (N. Virginia) only)",
    types: [AWS_TYPES.metricAlarm],
    check: (r, all) => {
      if (r!.plainInputs.namespace !== "AWS/Route53") return undefined;
      const region = regionOf(r!, all);
      return region === ROUTE53_METRICS_REGION ? undefined
        : `watches a Route 53 health check from ${region ?? "the stack's default provider"}; Route 53 publishes its metrics in ${ROUTE53_METRICS_REGION} only`;
    },
  },
  {
    id: "aws-sns",
    source: "SNS API Reference, CreateTopic (Name: 1 to 256 letters, digits, - and _; .fifo for FIFO topics) and Subscribe (Protocol)",
    types: [AWS_TYPES.topic, AWS_TYPES.subscription],
    check: (r) => {
      const i = r!.plainInputs;
      if (r!.type === AWS_TYPES.topic) {
        const name = nameSentToCloud(r!);
        return SNS_TOPIC_NAME.test(name) ? undefined : `topic name ${JSON.stringify(name)} is not 1 to 256 letters, digits, - and _`;
      }
      const out: string[] = [];
      if (!SNS_PROTOCOLS.includes(String(i.protocol))) out.push(`protocol ${JSON.stringify(i.protocol)} is not one of ${SNS_PROTOCOLS.join(", ")}`);
      if (i.protocol === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(String(i.endpoint))) out.push(`email endpoint ${JSON.stringify(i.endpoint)} is not an address`);
      return out;
    },
  },
  {
    id: "aws-route53-health-check",
    source: "Route 53 API Reference, CreateHealthCheck / HealthCheckConfig (Type, RequestInterval 10 or 30, FailureThreshold 1 to 10, ResourcePath and FullyQualifiedDomainName up to 255, Port, Regions at least 3, IPAddress not private)",
    types: [AWS_TYPES.healthCheck],
    check: (r) => {
      const i = r!.plainInputs;
      const out: string[] = [];
      const type = String(i.type);
      if (!(HEALTH_CHECK.types as readonly string[]).includes(type)) out.push(`type ${JSON.stringify(type)} is not one of ${HEALTH_CHECK.types.join(", ")}`);
      if (i.requestInterval !== undefined && !(HEALTH_CHECK.intervals as readonly number[]).includes(Number(i.requestInterval))) out.push(`request interval ${String(i.requestInterval)} is not 10 or 30`);
      const threshold = Number(i.failureThreshold ?? 3);
      if (!Number.isInteger(threshold) || threshold < HEALTH_CHECK.failureThreshold.min || threshold > HEALTH_CHECK.failureThreshold.max) out.push(`failure threshold ${threshold} is not 1 to 10`);
      if ((str(i.resourcePath) ?? "").length > HEALTH_CHECK.pathMax) out.push(`resource path is over ${HEALTH_CHECK.pathMax} characters`);
      if ((str(i.fqdn) ?? "").length > HEALTH_CHECK.fqdnMax) out.push(`domain name is over ${HEALTH_CHECK.fqdnMax} characters`);
      if (i.port !== undefined && !(Number.isInteger(Number(i.port)) && Number(i.port) >= 1 && Number(i.port) <= 65535)) out.push(`port ${String(i.port)} is not 1 to 65535`);
      if (i.regions !== undefined && list(i.regions).length < HEALTH_CHECK.minRegions) out.push(`names ${list(i.regions).length} checker regions; at least ${HEALTH_CHECK.minRegions}`);
      if (/^HTTPS?(_STR_MATCH)?$|^TCP$/.test(type)) {
        if (!str(i.fqdn) && !str(i.ipAddress)) out.push(`a ${type} check names neither an IP address nor a domain name`);
        if (str(i.ipAddress)) {
          const problem = healthCheckAddressProblem(str(i.ipAddress)!);
          if (problem) out.push(problem);
        }
      }
      return out;
    },
  },
  {
    id: "aws-ssm-parameters-and-targets",
    source: "SSM API Reference, PutParameter (Name: up to 1011 of a-zA-Z0-9_.-/, no aws or ssm prefix; Value: 4 KB standard, 8 KB advanced) and Target (at most 5 targets of at most 50 values)",
    types: [AWS_TYPES.ssmParameter, AWS_TYPES.ssmAssociation],
    check: (r) => {
      const i = r!.plainInputs;
      if (r!.type === AWS_TYPES.ssmParameter) {
        const name = nameSentToCloud(r!);
        const bare = name.replace(/^\//, "").toLowerCase();
        const out: string[] = [];
        if (!SSM_PARAMETER_NAME.test(name)) out.push(`parameter name ${JSON.stringify(name)} is not up to 1011 of a-z A-Z 0-9 _ . - /`);
        if (bare.startsWith("aws") || bare.startsWith("ssm")) out.push(`parameter name ${JSON.stringify(name)} starts with aws or ssm, which SSM reserves`);
        const tier = (str(i.tier) ?? "Standard") as keyof typeof SSM_PARAMETER_VALUE_MAX;
        const max = SSM_PARAMETER_VALUE_MAX[tier];
        const length = [...String(i.value ?? "")].length;
        if (max === undefined) out.push(`tier ${JSON.stringify(tier)} is not one of ${Object.keys(SSM_PARAMETER_VALUE_MAX).join(", ")}`);
        else if (length > max) out.push(`parameter ${JSON.stringify(name)} holds ${length} characters, more than the ${max} of a ${tier} parameter`);
        return out;
      }
      const targets = list(i.targets).map(obj);
      const out: string[] = [];
      if (targets.length > SSM_TARGETS.max) out.push(`${targets.length} targets, more than ${SSM_TARGETS.max}`);
      for (const t of targets) if (list(t.values).length > SSM_TARGETS.maxValues) out.push(`target ${String(t.key)} lists ${list(t.values).length} values, more than ${SSM_TARGETS.maxValues}`);
      return out;
    },
  },
  {
    id: "aws-log-group",
    source: "CloudWatch Logs API Reference: CreateLogGroup (logGroupName 1 to 512 of [.-_/#A-Za-z0-9]) and PutRetentionPolicy (retentionInDays one of 1, 3, 5, ... 3653)",
    types: [AWS_TYPES.logGroup],
    check: (r) => {
      const i = r!.plainInputs;
      const name = nameSentToCloud(r!);
      const out: string[] = [];
      if (!LOG_GROUP_NAME.test(name)) out.push(`log group name ${JSON.stringify(name)} is not 1 to 512 of a-z A-Z 0-9 . - _ / #`);
      const days = i.retentionInDays;
      if (days !== undefined && days !== 0 && !(CLOUDWATCH_LOG_RETENTION_DAYS as readonly unknown[]).includes(days)) {
        out.push(`retention of ${String(days)} days is not one of ${CLOUDWATCH_LOG_RETENTION_DAYS.join(", ")}`);
      }
      return out;
    },
  },
  {
    id: "aws-lambda-name",
    source: "Lambda API Reference, CreateFunction (FunctionName: 1 to 64 letters, digits, - and _)",
    types: [AWS_TYPES.lambda],
    check: (r) => {
      const name = nameSentToCloud(r!);
      return LAMBDA_FUNCTION_NAME.test(name) ? undefined : `function name ${JSON.stringify(name)} is not 1 to 64 letters, digits, - and _`;
    },
  },
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
