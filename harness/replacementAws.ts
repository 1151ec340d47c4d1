/**
 * Replacement rules (see harness/replacement.ts) for the AWS types the library creates, and for the
 * random, tls and command types it uses on every cloud.
 *
 * AWS: terraform-provider-aws, read at commit 1a5174b1 (2024-04-17). The upstream snapshot is too large
 * to fetch here; that commit came from a fork mirror (nuno407/terraform-provider-aws) whose HEAD is an
 * upstream merge commit. For each resource: `ForceNew: true` among the top-level schema attributes, plus
 * CustomizeDiffs that always force new; a resource without an Update function has every settable
 * attribute ForceNew. Pulumi's names are the attributes in camelCase; a list or set that takes more than
 * one item gets a plural name (`validation_option` -> `validationOptions`), and a few are renamed
 * (`alarm_name` -> `name`, `function_name` -> `name` or `function`, `topic_arn` -> `topic`). Only names
 * found in the installed @pulumi/aws Args interfaces are listed.
 *
 * The installed @pulumi/aws (7.48.0) is built on provider v6, which is newer than that commit:
 * - v6 adds a top-level `region` to most resources, and changing it replaces the resource
 *   (forceNewIfRegionChanges in internal/provider/sdkv2/region.go, read from a stored copy at commit
 *   0073593e whose date is not known here, and the provider's "Enhanced Region Support" guide). So every type here whose Args has `region` lists it. The one exception: going
 *   between unset and the provider's own region is not a change.
 * - Attributes removed by v6 are left out (noted per type). Attributes added since the commit were not
 *   checked, and are not listed.
 *
 * Replacements that happen only in some cases are described in words in CONDITIONAL_REPLACEMENT below;
 * only those that replace in the usual case are also in `replaceOn`.
 */
import type { ReplacementRule, ReplacementSource } from "./replacement";

const TFAWS = (file: string): ReplacementSource => ({ file: `hashicorp/terraform-provider-aws ${file}`, commit: "1a5174b1 (2024-04-17)" });

export const AWS_REPLACEMENT: Readonly<Record<string, ReplacementRule>> = {
  "aws:acm/certificate:Certificate": {
    replaceOn: ["certificateAuthorityArn", "domainName", "keyAlgorithm", "region", "subjectAlternativeNames", "validationMethod", "validationOptions"],
    source: TFAWS("internal/service/acm/certificate.go"),
  },
  "aws:acm/certificateValidation:CertificateValidation": {
    replaceOn: ["certificateArn", "region", "validationRecordFqdns"], source: TFAWS("internal/service/acm/certificate_validation.go (no Update)"),
  },
  "aws:autoscaling/group:Group": {
    // Launch template, sizes and subnets update in place (an instance refresh, if set, rolls the instances).
    replaceOn: ["initialLifecycleHooks", "name", "namePrefix", "region"], source: TFAWS("internal/service/autoscaling/group.go"),
  },
  "aws:autoscaling/lifecycleHook:LifecycleHook": { replaceOn: ["name", "region"], source: TFAWS("internal/service/autoscaling/lifecycle_hook.go") },
  // CloudFront is global: no `region`.
  "aws:cloudfront/distribution:Distribution": { replaceOn: ["staging"], source: TFAWS("internal/service/cloudfront/distribution.go") },
  "aws:cloudfront/originAccessControl:OriginAccessControl": { replaceOn: [], source: TFAWS("internal/service/cloudfront/origin_access_control.go") },
  "aws:cloudwatch/logGroup:LogGroup": { replaceOn: ["logGroupClass", "name", "namePrefix", "region"], source: TFAWS("internal/service/logs/group.go") },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    // `name` is the provider's alarm_name.
    replaceOn: ["name", "region"], source: TFAWS("internal/service/cloudwatch/metric_alarm.go"),
  },
  "aws:ebs/volume:Volume": {
    // size, type, iops and throughput are modified in place.
    replaceOn: ["availabilityZone", "encrypted", "kmsKeyId", "multiAttachEnabled", "outpostArn", "region", "snapshotId"],
    source: TFAWS("internal/service/ec2/ebs_volume.go"),
  },
  "aws:ec2/eip:Eip": {
    // The provider's `vpc` flag (ForceNew) was removed in v6.
    replaceOn: ["address", "domain", "networkBorderGroup", "publicIpv4Pool", "region"], source: TFAWS("internal/service/ec2/ec2_eip.go"),
  },
  "aws:ec2/eipAssociation:EipAssociation": {
    replaceOn: ["allocationId", "allowReassociation", "instanceId", "networkInterfaceId", "privateIpAddress", "publicIp", "region"],
    source: TFAWS("internal/service/ec2/ec2_eip_association.go (no Update)"),
  },
  "aws:ec2/instance:Instance": {
    // instanceType, userData, iamInstanceProfile, vpcSecurityGroupIds and metadataOptions update in place
    // (some with a stop and start). Nested-only ForceNew: cpuOptions (all three fields), ebsBlockDevices
    // (every field), enclaveOptions.enabled, networkInterfaces (every field), rootBlockDevice.encrypted
    // and .kmsKeyId. cpu_core_count and cpu_threads_per_core (ForceNew) were removed in v6.
    replaceOn: [
      "ami", "associatePublicIpAddress", "availabilityZone", "ebsOptimized", "ephemeralBlockDevices", "hibernation", "hostId",
      "instanceMarketOptions", "ipv6Addresses", "keyName", "launchTemplate", "placementGroup", "placementPartitionNumber",
      "privateDnsNameOptions", "privateIp", "region", "securityGroups", "subnetId", "tenancy",
    ],
    // user_data and user_data_base64 replace the instance when user_data_replace_on_change is true
    // (their CustomizeDiff); clouds/aws/servers.ts sets it.
    replaceOnWhen: { input: "userDataReplaceOnChange", replaces: ["userData", "userDataBase64"] },
    source: TFAWS("internal/service/ec2/ec2_instance.go"),
  },
  "aws:ec2/internetGateway:InternetGateway": { replaceOn: ["region"], source: TFAWS("internal/service/ec2/vpc_internet_gateway.go") },
  "aws:ec2/launchTemplate:LaunchTemplate": {
    // Every other change makes a new version of the template; no nested attribute is ForceNew.
    replaceOn: ["name", "namePrefix", "region"], source: TFAWS("internal/service/ec2/ec2_launch_template.go"),
  },
  "aws:ec2/natGateway:NatGateway": {
    replaceOn: ["allocationId", "connectivityType", "privateIp", "region", "secondaryPrivateIpAddressCount", "subnetId"],
    source: TFAWS("internal/service/ec2/vpc_nat_gateway.go"),
  },
  "aws:ec2/routeTable:RouteTable": { replaceOn: ["region", "vpcId"], source: TFAWS("internal/service/ec2/vpc_route_table.go") },
  "aws:ec2/routeTableAssociation:RouteTableAssociation": {
    // routeTableId is updated in place (ReplaceRouteTableAssociation).
    replaceOn: ["gatewayId", "region", "subnetId"], source: TFAWS("internal/service/ec2/vpc_route_table_association.go"),
  },
  "aws:ec2/securityGroup:SecurityGroup": {
    replaceOn: ["description", "name", "namePrefix", "region", "vpcId"], source: TFAWS("internal/service/ec2/vpc_security_group.go"),
  },
  "aws:ec2/subnet:Subnet": {
    replaceOn: ["availabilityZone", "availabilityZoneId", "cidrBlock", "ipv6Native", "outpostArn", "region", "vpcId"],
    source: TFAWS("internal/service/ec2/vpc_subnet.go"),
  },
  "aws:ec2/volumeAttachment:VolumeAttachment": {
    replaceOn: ["deviceName", "instanceId", "region", "volumeId"], source: TFAWS("internal/service/ec2/ebs_volume_attachment.go"),
  },
  "aws:ec2/vpc:Vpc": {
    // cidrBlock and instanceTenancy are forced by the CustomizeDiff (exceptions in CONDITIONAL_REPLACEMENT).
    replaceOn: ["cidrBlock", "instanceTenancy", "ipv4IpamPoolId", "ipv4NetmaskLength", "region"], source: TFAWS("internal/service/ec2/vpc_.go"),
  },
  "aws:elasticache/parameterGroup:ParameterGroup": {
    replaceOn: ["description", "family", "name", "region"], source: TFAWS("internal/service/elasticache/parameter_group.go"),
  },
  "aws:elasticache/replicationGroup:ReplicationGroup": {
    // nodeType, engineVersion (upgrades), numCacheClusters and parameterGroupName update in place. A later
    // copy of the provider (not tied to a commit here) lets engine go from redis to valkey in place.
    replaceOn: [
      "atRestEncryptionEnabled", "dataTieringEnabled", "engine", "globalReplicationGroupId", "kmsKeyId", "networkType", "port", "region",
      "replicationGroupId", "securityGroupNames", "snapshotArns", "snapshotName", "subnetGroupName", "transitEncryptionEnabled",
    ],
    source: TFAWS("internal/service/elasticache/replication_group.go"),
  },
  "aws:elasticache/subnetGroup:SubnetGroup": { replaceOn: ["name", "region"], source: TFAWS("internal/service/elasticache/subnet_group.go") },
  // IAM is global: no `region`.
  "aws:iam/instanceProfile:InstanceProfile": { replaceOn: ["name", "namePrefix", "path"], source: TFAWS("internal/service/iam/instance_profile.go") },
  "aws:iam/role:Role": { replaceOn: ["name", "namePrefix", "path"], source: TFAWS("internal/service/iam/role.go") },
  "aws:iam/rolePolicy:RolePolicy": { replaceOn: ["name", "namePrefix", "role"], source: TFAWS("internal/service/iam/role_policy.go") },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
    replaceOn: ["policyArn", "role"], source: TFAWS("internal/service/iam/role_policy_attachment.go (no Update)"),
  },
  "aws:lb/listener:Listener": { replaceOn: ["loadBalancerArn", "region"], source: TFAWS("internal/service/elbv2/listener.go") },
  "aws:lb/loadBalancer:LoadBalancer": {
    replaceOn: ["customerOwnedIpv4Pool", "internal", "loadBalancerType", "name", "namePrefix", "region"],
    source: TFAWS("internal/service/elbv2/load_balancer.go"),
  },
  "aws:lb/targetGroup:TargetGroup": {
    replaceOn: ["ipAddressType", "name", "namePrefix", "port", "protocol", "protocolVersion", "region", "targetType", "vpcId"],
    source: TFAWS("internal/service/elbv2/target_group.go"),
  },
  "aws:lb/targetGroupAttachment:TargetGroupAttachment": {
    replaceOn: ["availabilityZone", "port", "region", "targetGroupArn", "targetId"], source: TFAWS("internal/service/elbv2/target_group_attachment.go (no Update)"),
  },
  "aws:rds/instance:Instance": {
    // instanceClass, engineVersion, allocatedStorage, storageType, identifier, password, multiAz and
    // dbSubnetGroupName are modified in place. Nested-only ForceNew: s3Import.
    replaceOn: [
      "availabilityZone", "backupTarget", "characterSetName", "customIamInstanceProfile", "dbName", "engine", "kmsKeyId",
      "ncharCharacterSetName", "region", "restoreToPointInTime", "snapshotIdentifier", "storageEncrypted", "timezone", "username",
    ],
    source: TFAWS("internal/service/rds/instance.go"),
  },
  "aws:rds/parameterGroup:ParameterGroup": {
    replaceOn: ["description", "family", "name", "namePrefix", "region"], source: TFAWS("internal/service/rds/parameter_group.go"),
  },
  "aws:rds/subnetGroup:SubnetGroup": { replaceOn: ["name", "namePrefix", "region"], source: TFAWS("internal/service/rds/subnet_group.go") },
  // Route 53 is global: no `region`.
  "aws:route53/healthCheck:HealthCheck": {
    replaceOn: ["measureLatency", "referenceName", "requestInterval", "routingControlArn", "type"], source: TFAWS("internal/service/route53/health_check.go"),
  },
  "aws:route53/record:Record": {
    // type, records, ttl and alias update in place.
    replaceOn: ["name", "zoneId"], source: TFAWS("internal/service/route53/record.go"),
  },
  "aws:route53/zone:Zone": { replaceOn: ["delegationSetId", "name"], source: TFAWS("internal/service/route53/zone.go") },
  "aws:s3/bucket:Bucket": {
    // Nested-only ForceNew: objectLockConfiguration.objectLockEnabled (deprecated).
    replaceOn: ["bucket", "bucketPrefix", "objectLockEnabled", "region"], source: TFAWS("internal/service/s3/bucket.go"),
  },
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": {
    replaceOn: ["bucket", "expectedBucketOwner", "region"], source: TFAWS("internal/service/s3/bucket_cors_configuration.go"),
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
    replaceOn: ["bucket", "region"], source: TFAWS("internal/service/s3/bucket_ownership_controls.go"),
  },
  "aws:s3/bucketPolicy:BucketPolicy": { replaceOn: ["bucket", "region"], source: TFAWS("internal/service/s3/bucket_policy.go") },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
    replaceOn: ["bucket", "region"], source: TFAWS("internal/service/s3/bucket_public_access_block.go"),
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    replaceOn: ["bucket", "expectedBucketOwner", "region"], source: TFAWS("internal/service/s3/bucket_server_side_encryption_configuration.go"),
  },
  "aws:s3/bucketVersioning:BucketVersioning": {
    replaceOn: ["bucket", "expectedBucketOwner", "region"],
    refuses: ["versioningConfiguration.status: \"Disabled\" once Enabled or Suspended (\"versioning_configuration.status cannot be updated from ...\", its CustomizeDiff)"],
    source: TFAWS("internal/service/s3/bucket_versioning.go"),
  },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
    replaceOn: ["bucket", "expectedBucketOwner", "region"], source: TFAWS("internal/service/s3/bucket_lifecycle_configuration.go"),
  },
  "aws:sns/topic:Topic": { replaceOn: ["fifoTopic", "name", "namePrefix", "region"], source: TFAWS("internal/service/sns/topic.go") },
  "aws:sns/topicSubscription:TopicSubscription": {
    // `topic` is the provider's topic_arn.
    replaceOn: ["endpoint", "protocol", "region", "topic"], source: TFAWS("internal/service/sns/topic_subscription.go"),
  },
  "aws:sqs/queue:Queue": { replaceOn: ["fifoQueue", "name", "namePrefix", "region"], source: TFAWS("internal/service/sqs/queue.go") },
  "aws:ssm/association:Association": {
    // parameters, targets and documentVersion update in place. The provider's instance_id (ForceNew) was
    // removed in v6.
    replaceOn: ["name", "region"], source: TFAWS("internal/service/ssm/association.go"),
  },
  "aws:ssm/document:Document": { replaceOn: ["name", "region"], source: TFAWS("internal/service/ssm/document.go") },
  "aws:ssm/parameter:Parameter": { replaceOn: ["dataType", "name", "region"], source: TFAWS("internal/service/ssm/parameter.go") },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
    // Plugin Framework: RequiresReplace on security_group_id only (the schema is shared with the ingress rule).
    replaceOn: ["region", "securityGroupId"], source: TFAWS("internal/service/ec2/vpc_security_group_ingress_rule.go (shared schema; egress in vpc_security_group_egress_rule.go)"),
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    replaceOn: ["region", "securityGroupId"], source: TFAWS("internal/service/ec2/vpc_security_group_ingress_rule.go"),
  },
  "aws:lambda/function:Function": {
    // `name` is the provider's function_name. Code, runtime, role, environment and vpcConfig update in place.
    replaceOn: ["name", "packageType", "region"], source: TFAWS("internal/service/lambda/function.go"),
  },
  "aws:lambda/permission:Permission": {
    // `function` is the provider's function_name.
    replaceOn: [
      "action", "eventSourceToken", "function", "functionUrlAuthType", "principal", "principalOrgId", "qualifier", "region",
      "sourceAccount", "sourceArn", "statementId", "statementIdPrefix",
    ],
    source: TFAWS("internal/service/lambda/permission.go (no Update)"),
  },
};

/**
 * random and tls are Plugin Framework providers: `RequiresReplace` plan modifiers. pulumi-command is a
 * native provider: `provider:"replaceOnChanges"` field tags.
 */
export const OTHER_REPLACEMENT: Readonly<Record<string, ReplacementRule>> = {
  "random:index/randomId:RandomId": {
    // keepers: RequiresReplaceIfValuesNotNull (a keeper going to or from null alone is not a change).
    replaceOn: ["byteLength", "keepers", "prefix"],
    source: { file: "hashicorp/terraform-provider-random internal/provider/resource_id.go", commit: "ad788e23 (2026-06-11)" },
  },
  "random:index/randomPassword:RandomPassword": {
    // Every input; overrideSpecial except from "" to unset. The Update only moves state.
    replaceOn: ["keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number", "numeric", "overrideSpecial", "special", "upper"],
    source: { file: "hashicorp/terraform-provider-random internal/provider/resource_password.go (passwordSchemaV3)", commit: "ad788e23 (2026-06-11)" },
  },
  "random:index/randomString:RandomString": {
    replaceOn: ["keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number", "numeric", "overrideSpecial", "special", "upper"],
    source: { file: "hashicorp/terraform-provider-random internal/provider/resource_string.go (stringSchemaV3)", commit: "ad788e23 (2026-06-11)" },
  },
  "tls:index/privateKey:PrivateKey": {
    // Every input; its Update is a no-op.
    replaceOn: ["algorithm", "ecdsaCurve", "rsaBits"],
    source: { file: "hashicorp/terraform-provider-tls internal/provider/resource_private_key.go", commit: "d72d90e1 (2026-04-28)" },
  },
  // Only `triggers` replaces (the shared inputs in common/inputs.go); a change to create, update, stdin,
  // environment or connection runs the update (or create) command in place. Same tag at v1.2.1 (7f3eb6f3),
  // the installed version.
  "command:local:Command": {
    replaceOn: ["triggers"],
    source: { file: "pulumi/pulumi-command provider/pkg/provider/common/inputs.go (local/command.go embeds it)", commit: "010bd8e0 (2026-08-21)" },
  },
  "command:remote:Command": {
    replaceOn: ["triggers"],
    source: { file: "pulumi/pulumi-command provider/pkg/provider/common/inputs.go (remote/command.go embeds it)", commit: "010bd8e0 (2026-08-21)" },
  },
};

/** A replacement that happens only in some cases, as the provider's CustomizeDiff or plan modifier decides. */
export interface ConditionalReplacement {
  /** The top-level input (Pulumi's name). */
  readonly input: string;
  /** When its change replaces the resource. */
  readonly when: string;
}

/**
 * Per type, the cases that replace only sometimes. They are not in `replaceOn`, except where `when` says
 * "listed in replaceOn" (the usual case replaces; the exception is noted). `region` (listed in every type
 * that has it) is not repeated here.
 */
export const CONDITIONAL_REPLACEMENT: Readonly<Record<string, readonly ConditionalReplacement[]>> = {
  "aws:ec2/instance:Instance": [
    { input: "userData", when: "userDataReplaceOnChange is true (clouds/aws/servers.ts sets it); otherwise a stop and start" },
    { input: "userDataBase64", when: "userDataReplaceOnChange is true" },
    { input: "instanceType", when: "the old and new types share no CPU architecture (the provider looks both up)" },
    { input: "launchTemplate", when: "its version now resolves to another version than the instance was launched from" },
  ],
  "aws:ec2/vpc:Vpc": [
    { input: "cidrBlock", when: "listed in replaceOn; not when ipv4NetmaskLength is set (IPAM gives the block, and the change is dropped)" },
    { input: "instanceTenancy", when: "listed in replaceOn; not from dedicated to default" },
  ],
  "aws:elasticache/replicationGroup:ReplicationGroup": [{ input: "engineVersion", when: "a downgrade" }],
  "aws:lb/loadBalancer:LoadBalancer": [
    { input: "subnetMappings", when: "an existing mapping changes or (network) any is removed; adding mappings alone is in place" },
    { input: "subnets", when: "network load balancer: the count does not grow" },
    { input: "securityGroups", when: "network load balancer: going from none to some, or from some to none" },
  ],
  "aws:ssm/parameter:Parameter": [{ input: "tier", when: "from Advanced to Standard" }],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
    { input: "cidrIpv4", when: "the kind of source changes (cidrIpv4, cidrIpv6, prefixListId, referencedSecurityGroupId): its ModifyPlan" },
    { input: "cidrIpv6", when: "the kind of source changes" },
    { input: "prefixListId", when: "the kind of source changes" },
    { input: "referencedSecurityGroupId", when: "the kind of source changes" },
  ],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
    { input: "cidrIpv4", when: "the kind of source changes (cidrIpv4, cidrIpv6, prefixListId, referencedSecurityGroupId): its ModifyPlan" },
    { input: "cidrIpv6", when: "the kind of source changes" },
    { input: "prefixListId", when: "the kind of source changes" },
    { input: "referencedSecurityGroupId", when: "the kind of source changes" },
  ],
  "random:index/randomPassword:RandomPassword": [{ input: "overrideSpecial", when: "listed in replaceOn; not from \"\" to unset" }],
  "random:index/randomString:RandomString": [{ input: "overrideSpecial", when: "listed in replaceOn; not from \"\" to unset" }],
};
