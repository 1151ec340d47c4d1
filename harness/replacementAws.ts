/**
 * Replacement rules (see harness/replacement.ts) for the AWS types the library creates, and for the
 * random, tls and command types it uses on every cloud.
 *
 * AWS: terraform-provider-aws. Each rule's `source` names the file and the commit it was read at.
 * - Most at 1a5174b1 (2024-04-17). The upstream snapshot is too large to fetch here (932 MB; the limit is
 *   500 MiB, and the forks tried were 548 to 788 MB); that commit came from a fork mirror
 *   (nuno407/terraform-provider-aws) whose HEAD is an upstream merge commit.
 * - Four at a newer upstream commit, read as single files from the stored-file index (below).
 * For each resource: `ForceNew: true` among the top-level schema attributes (for Plugin Framework
 * resources, `RequiresReplace` plan modifiers), plus CustomizeDiffs that always force new; a resource
 * without an Update function has every settable attribute ForceNew. Pulumi's names are the attributes in
 * camelCase; a list or set that takes more than one item gets a plural name (`validation_option` ->
 * `validationOptions`), and a few are renamed (`alarm_name` -> `name`, `function_name` -> `name` or
 * `function`, `topic_arn` -> `topic`). Only names found in the installed @pulumi/aws Args interfaces are
 * listed.
 *
 * Re-read against the stored-file index of upstream hashicorp/terraform-provider-aws (issue #16). For
 * each file the index names one stored commit (a path holds up to 146 stored versions, but only that one
 * can be read by commit; other commits answer "not at that commit"). AWS_STORED_COPIES below lists them.
 * Each was dated in the history of 1a5174b1 (`git merge-base --is-ancestor`, committer date) where it is
 * in it, and otherwise by its content against the 1a5174b1 file:
 * - Newer than 1a5174b1, date unknown (not in its history; they carry its code further: aws-sdk-go-v2,
 *   `names.Attr*` constants, resource names in the annotations): cloudfront/origin_access_control.go
 *   09537f61, ec2/vpc_route_table.go bbb4af87, ec2/vpc_security_group_ingress_rule.go d2b7f56a,
 *   ec2/vpc_security_group_egress_rule.go 0810b274. Their replacing attributes are the same as at
 *   1a5174b1 (none; vpc_id; security_group_id plus the ModifyPlan on a change of source kind), so those
 *   four rules changed only their source commit.
 * - Every other stored copy is older than 1a5174b1: an ancestor of it (2021-10-14 to 2022-10-06), or,
 *   outside its history, aws-sdk-go v1 code without the `@SDKResource` annotation that the 1a5174b1 file
 *   has. Those 51 files keep their 1a5174b1 rule. No attribute list changed.
 *
 * The installed @pulumi/aws (7.48.0) is built on provider v6, which is newer than these commits:
 * - v6 adds a top-level `region` to most resources, and changing it replaces the resource
 *   (forceNewIfRegionChanges in internal/provider/sdkv2/region.go, read from a stored copy at commit
 *   0073593e whose date is not known here, and the provider's "Enhanced Region Support" guide). So every
 *   type here whose Args has `region` lists it. The one exception: going between unset and the
 *   provider's own region is not a change.
 * - Attributes removed by v6 are left out (noted per type). Inputs added since (in the installed Args but
 *   not in the file read) were not checked, and are not listed: among them targetGroupAttachment
 *   quicServerId and lambda permission invokedViaFunctionUrl (both resources had no Update at
 *   1a5174b1), natGateway availabilityMode and vpcId, subnet ipv4IpamPoolId, ipv4NetmaskLength,
 *   ipv6IpamPoolId and ipv6NetmaskLength, eip ipamPoolId, instance placementGroupId and
 *   primaryNetworkInterface, ebs volume volumeInitializationRate, s3 bucket bucketNamespace.
 *
 * Replacements that happen only in some cases are described in words in CONDITIONAL_REPLACEMENT below;
 * only those that replace in the usual case are also in `replaceOn`.
 */
import type { ReplacementRule, ReplacementSource } from "./replacement";

/** The commit most AWS rules were read at. */
export const AWS_BASE_COMMIT = "1a5174b1 (2024-04-17)";

const TFAWS = (file: string, commit: string = AWS_BASE_COMMIT): ReplacementSource => ({ file: `hashicorp/terraform-provider-aws ${file}`, commit });

/** A stored copy of an upstream source file, as the stored-file index names it. */
export interface StoredCopy {
  /** Its commit, with the date where it could be dated ("date unknown" otherwise). */
  readonly commit: string;
  /** Newer than AWS_BASE_COMMIT (then the rule is read at this commit) or older (the rule stays at the base). */
  readonly relation: "newer" | "older";
}

/**
 * Per source file (path in hashicorp/terraform-provider-aws), the one stored copy the index names. Dates
 * are committer dates in the history of 1a5174b1; "date unknown" copies are outside it and were placed by
 * their content.
 */
export const AWS_STORED_COPIES: Readonly<Record<string, StoredCopy>> = {
  "internal/service/acm/certificate.go": { commit: "fc271f69 (2022-04-26)", relation: "older" },
  "internal/service/acm/certificate_validation.go": { commit: "af55dfb9 (2022-06-28)", relation: "older" },
  "internal/service/autoscaling/group.go": { commit: "eeecacfa (2022-05-24)", relation: "older" },
  "internal/service/autoscaling/lifecycle_hook.go": { commit: "874c638c (2022-08-26)", relation: "older" },
  "internal/service/cloudfront/distribution.go": { commit: "acde5882 (2022-06-27)", relation: "older" },
  "internal/service/cloudfront/origin_access_control.go": { commit: "09537f61 (date unknown)", relation: "newer" },
  "internal/service/cloudwatch/metric_alarm.go": { commit: "e33a89d0 (date unknown)", relation: "older" },
  "internal/service/ec2/ebs_volume.go": { commit: "20cb798b (2022-08-25)", relation: "older" },
  "internal/service/ec2/ebs_volume_attachment.go": { commit: "1265e584 (date unknown)", relation: "older" },
  "internal/service/ec2/ec2_eip.go": { commit: "5c58e0c2 (2022-05-18)", relation: "older" },
  "internal/service/ec2/ec2_eip_association.go": { commit: "6417f751 (2022-05-25)", relation: "older" },
  "internal/service/ec2/ec2_instance.go": { commit: "5c58e0c2 (2022-05-18)", relation: "older" },
  "internal/service/ec2/ec2_launch_template.go": { commit: "c49358f8 (2022-10-06)", relation: "older" },
  "internal/service/ec2/vpc_.go": { commit: "0b2fe557 (2022-05-18)", relation: "older" },
  "internal/service/ec2/vpc_internet_gateway.go": { commit: "eeecacfa (2022-05-24)", relation: "older" },
  "internal/service/ec2/vpc_nat_gateway.go": { commit: "1265e584 (date unknown)", relation: "older" },
  "internal/service/ec2/vpc_route_table.go": { commit: "bbb4af87 (date unknown)", relation: "newer" },
  "internal/service/ec2/vpc_route_table_association.go": { commit: "5c58e0c2 (2022-05-18)", relation: "older" },
  "internal/service/ec2/vpc_security_group.go": { commit: "cc0fff0e (2022-05-27)", relation: "older" },
  "internal/service/ec2/vpc_security_group_egress_rule.go": { commit: "0810b274 (date unknown)", relation: "newer" },
  "internal/service/ec2/vpc_security_group_ingress_rule.go": { commit: "d2b7f56a (date unknown)", relation: "newer" },
  "internal/service/ec2/vpc_subnet.go": { commit: "3db496c3 (2022-05-31)", relation: "older" },
  "internal/service/elasticache/parameter_group.go": { commit: "fd91d1b7 (2022-07-14)", relation: "older" },
  "internal/service/elasticache/replication_group.go": { commit: "16a38e65 (2022-07-19)", relation: "older" },
  "internal/service/elasticache/subnet_group.go": { commit: "6286e3f1 (2022-05-12)", relation: "older" },
  "internal/service/elbv2/listener.go": { commit: "8a04c06a (2022-06-23)", relation: "older" },
  "internal/service/elbv2/load_balancer.go": { commit: "af55dfb9 (2022-06-28)", relation: "older" },
  "internal/service/elbv2/target_group.go": { commit: "acde5882 (2022-06-27)", relation: "older" },
  "internal/service/elbv2/target_group_attachment.go": { commit: "bb3ca3e6 (date unknown)", relation: "older" },
  "internal/service/iam/instance_profile.go": { commit: "cda04ab9 (date unknown)", relation: "older" },
  "internal/service/iam/role.go": { commit: "32773292 (2022-07-01)", relation: "older" },
  "internal/service/iam/role_policy.go": { commit: "33aa0b5e (2022-06-01)", relation: "older" },
  "internal/service/iam/role_policy_attachment.go": { commit: "81ae62fe (2022-10-03)", relation: "older" },
  "internal/service/lambda/function.go": { commit: "262d4da6 (2022-05-11)", relation: "older" },
  "internal/service/lambda/permission.go": { commit: "0964ed39 (date unknown)", relation: "older" },
  "internal/service/logs/group.go": { commit: "b11fc0fd (2022-06-02)", relation: "older" },
  "internal/service/rds/instance.go": { commit: "552c0468 (2022-06-16)", relation: "older" },
  "internal/service/rds/parameter_group.go": { commit: "2bf0eb17 (date unknown)", relation: "older" },
  "internal/service/rds/subnet_group.go": { commit: "21d93134 (2021-10-14)", relation: "older" },
  "internal/service/route53/health_check.go": { commit: "21d93134 (2021-10-14)", relation: "older" },
  "internal/service/route53/record.go": { commit: "6f9f4734 (2021-10-14)", relation: "older" },
  "internal/service/route53/zone.go": { commit: "7348a903 (2022-05-26)", relation: "older" },
  "internal/service/s3/bucket.go": { commit: "4c72bcc7 (2022-06-05)", relation: "older" },
  "internal/service/s3/bucket_cors_configuration.go": { commit: "4e81648b (date unknown)", relation: "older" },
  "internal/service/s3/bucket_lifecycle_configuration.go": { commit: "edd83424 (2022-09-07)", relation: "older" },
  "internal/service/s3/bucket_ownership_controls.go": { commit: "adeb8422 (date unknown)", relation: "older" },
  "internal/service/s3/bucket_policy.go": { commit: "c7cbd9b0 (2022-07-26)", relation: "older" },
  "internal/service/s3/bucket_public_access_block.go": { commit: "30b8cc6d (date unknown)", relation: "older" },
  "internal/service/s3/bucket_server_side_encryption_configuration.go": { commit: "3ab51218 (date unknown)", relation: "older" },
  "internal/service/s3/bucket_versioning.go": { commit: "0df29870 (2022-05-10)", relation: "older" },
  "internal/service/sns/topic.go": { commit: "cda04ab9 (date unknown)", relation: "older" },
  "internal/service/sns/topic_subscription.go": { commit: "7adaa6e6 (2022-05-23)", relation: "older" },
  "internal/service/sqs/queue.go": { commit: "cda04ab9 (date unknown)", relation: "older" },
  "internal/service/ssm/association.go": { commit: "eeecacfa (2022-05-24)", relation: "older" },
  "internal/service/ssm/document.go": { commit: "4fb85f42 (2022-05-05)", relation: "older" },
  "internal/service/ssm/parameter.go": { commit: "5c0ef379 (date unknown)", relation: "older" },
};

/** A rule read at the stored copy (one AWS_STORED_COPIES marks newer). */
const TFAWS_STORED = (file: string, note = ""): ReplacementSource => TFAWS(`${file}${note}`, AWS_STORED_COPIES[file].commit);

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
  "aws:cloudfront/originAccessControl:OriginAccessControl": {
    replaceOn: [], source: TFAWS_STORED("internal/service/cloudfront/origin_access_control.go"),
  },
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
  "aws:ec2/routeTable:RouteTable": { replaceOn: ["region", "vpcId"], source: TFAWS_STORED("internal/service/ec2/vpc_route_table.go") },
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
    replaceOn: ["region", "securityGroupId"],
    source: TFAWS_STORED(
      "internal/service/ec2/vpc_security_group_egress_rule.go",
      " (embeds the shared schema and ModifyPlan of vpc_security_group_ingress_rule.go, read at d2b7f56a)",
    ),
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    replaceOn: ["region", "securityGroupId"], source: TFAWS_STORED("internal/service/ec2/vpc_security_group_ingress_rule.go"),
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
