/** IAM: what a server's instance role may do, and what a group's servers may do to leave their group. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CW_AGENT_NAMESPACE, rdsDrillIdentifier, RDS_DRILL_TAG } from "../../provisioning";
import type { MachineRequest } from "../types";
import { databaseOf } from "./dataStores";

function assumeRolePolicy(service: string): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
}

/**
 * A server's instance role and its instance profile: Systems Manager's agent, the CloudWatch agent, its
 * own secret files in Parameter Store and no other parameter, the app's buckets and queues, and with
 * heartbeat metrics, PutMetricData into their namespace and the agent's only.
 *
 * The namespace condition: CloudWatch User Guide, "Using condition keys to limit access to CloudWatch
 * namespaces" (`cloudwatch:namespace` on `cloudwatch:PutMetricData`; a Deny for every other namespace,
 * since CloudWatchAgentServerPolicy allows PutMetricData on any).
 */
export function instanceRole(name: string, physicalName: string,
  access: Pick<MachineRequest, "bucketAccess" | "queueAccess" | "backupAccess" | "heartbeatMetrics" | "restoreDrillOf"> & { parameterArn: pulumi.Output<string> },
  opts: pulumi.ComponentResourceOptions) {
  const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), tags: { Name: physicalName } }, opts);
  new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, opts);
  new aws.iam.RolePolicyAttachment(`${name}-cloudwatch`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy" }, opts);
  const buckets = pulumi.output(access.bucketAccess ?? []);
  const queues = pulumi.output(access.queueAccess ?? []);
  const backups = pulumi.output(access.backupAccess ?? []);
  // Not secret (a namespace), whatever the heartbeat settings it came with hold.
  const metrics = pulumi.unsecret(pulumi.output(access.heartbeatMetrics));
  new aws.iam.RolePolicy(`${name}-own`, {
    role: role.id,
    policy: pulumi.all([access.parameterArn, buckets, queues, backups, metrics]).apply(([paramArn, bucketNames, queueArns, backupBuckets, heartbeat]) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "OwnSecrets", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [paramArn] },
        // AmazonSSMManagedInstanceCore allows ssm:GetParameter(s) on every parameter of the account, which
        // would let any server read every other server's (and every other stack's) secret files. Only this
        // server's own parameter, and the CloudWatch agent's configuration, stay readable.
        {
          Sid: "NoOtherParameters", Effect: "Deny", Action: ["ssm:GetParameter*"],
          NotResource: [paramArn, "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"],
        },
        ...(bucketNames.length ? [
          { Sid: "StaticBucketList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketNames.map((b) => `arn:aws:s3:::${b}`) },
          { Sid: "StaticBucketObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: bucketNames.map((b) => `arn:aws:s3:::${b}/*`) },
        ] : []),
        // Backups: written and read, never deleted (the bucket's lifecycle rule expires them), so a
        // compromised server cannot remove the copies that outlive it.
        ...(backupBuckets.length ? [
          { Sid: "BackupList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: backupBuckets.map((b) => `arn:aws:s3:::${b}`) },
          { Sid: "BackupObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: backupBuckets.map((b) => `arn:aws:s3:::${b}/*`) },
        ] : []),
        // Heartbeats (provisioning/aws/heartbeatMetrics.ts): their namespace, and no other but the agent's.
        ...(heartbeat ? [
          {
            Sid: "HeartbeatMetrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": heartbeat.namespace } },
          },
          {
            Sid: "NoOtherMetrics", Effect: "Deny", Action: ["cloudwatch:PutMetricData"], Resource: "*",
            Condition: { StringNotEquals: { "cloudwatch:namespace": [heartbeat.namespace, CW_AGENT_NAMESPACE] } },
          },
        ] : []),
        ...(queueArns.length ? [{
          Sid: "TaskQueues", Effect: "Allow",
          Action: ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueues"],
          Resource: queueArns,
        }] : []),
      ],
    })),
  }, opts);
  if (access.restoreDrillOf) drillPolicy(name, role, access.restoreDrillOf, opts);
  const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, opts);
  return { role, profile };
}

/** Lets the servers of the group `name` find their group and complete (or extend) its drain lifecycle hook. */
export function drainPolicy(name: string, role: aws.iam.Role, groupArn: pulumi.Output<string>, opts: pulumi.ComponentResourceOptions): void {
  new aws.iam.RolePolicy(`${name}-drain`, {
    role: role.id,
    policy: groupArn.apply((arn) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "FindOwnGroup", Effect: "Allow", Action: ["autoscaling:DescribeAutoScalingInstances"], Resource: "*" },
        { Sid: "LeaveOwnGroup", Effect: "Allow", Action: ["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"], Resource: [arn] },
      ],
    })),
  }, opts);
}

/**
 * The restore drill's rights (provisioning/aws/rdsRestoreDrill.ts), on the one server that runs it: restore
 * the app's database into `<source>-drill` and nowhere else, describe the two, tag and delete the copy only.
 *
 * Resource types per action, from the Service Authorization Reference, "Actions, resources, and condition
 * keys for Amazon RDS" (docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html):
 * - RestoreDBInstanceToPointInTime: db* (the source and the target instance), og*, subgrp*, and pg when a
 *   parameter group is named; dependent action iam:PassRole only for a monitoring or domain role (none here).
 *   The option group is the engine's default (`default:postgres-<major>`, the source's), named by pattern so a
 *   major version upgrade does not break the drill. The VPC security groups are EC2's, not RDS's `secgrp`.
 * - DescribeDBInstances: db*; DeleteDBInstance: db*; AddTagsToResource (the restore's Tags): db.
 * The source is encrypted with the AWS managed key aws/rds, whose key policy lets any principal of the
 * account use it through RDS (kms:ViaService): no KMS grant is needed here.
 * A Deny makes a mistake harmless: no instance but the copy can be deleted or changed by this role, whatever
 * another policy allows.
 */
export function drillPolicy(name: string, role: aws.iam.Role, database: MachineRequest["restoreDrillOf"] & object, opts: pulumi.ComponentResourceOptions): void {
  const db = databaseOf(database);
  const drillId = rdsDrillIdentifier(db.identifier);
  new aws.iam.RolePolicy(`${name}-restore-drill`, {
    role: role.id,
    policy: pulumi.all([db.arn, db.subnetGroupName, db.parameterGroupName]).apply(([source, subnetGroup, paramGroup]) => {
      // arn:<partition>:rds:<region>:<account>:db:<identifier>; the groups' ARNs beside it (:subgrp:<name>, :pg:<name>).
      const prefix = source.slice(0, source.lastIndexOf(":db:"));
      const drill = `${prefix}:db:${drillId}`;
      const subnets = `${prefix}:subgrp:${subnetGroup}`;
      const params = `${prefix}:pg:${paramGroup}`;
      return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "DrillDescribe", Effect: "Allow", Action: ["rds:DescribeDBInstances"], Resource: [source, drill] },
          {
            Sid: "DrillRestore", Effect: "Allow", Action: ["rds:RestoreDBInstanceToPointInTime"],
            Resource: [source, drill, subnets, params, `${prefix}:og:default:postgres-*`],
          },
          {
            Sid: "DrillTag", Effect: "Allow", Action: ["rds:AddTagsToResource"], Resource: [drill],
            Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": [RDS_DRILL_TAG] } },
          },
          { Sid: "DrillDelete", Effect: "Allow", Action: ["rds:DeleteDBInstance"], Resource: [drill] },
          {
            Sid: "NothingButTheDrill", Effect: "Deny",
            Action: ["rds:DeleteDBInstance", "rds:ModifyDBInstance", "rds:RebootDBInstance", "rds:StopDBInstance"], NotResource: [drill],
          },
        ],
      });
    }),
  }, opts);
}
