/**
 * AWS: a VPC with public and private subnets in two availability zones, a security group per role that
 * something admits (every rule described), EC2 instances with IMDSv2 and encrypted gp3 disks whose user
 * data carries no secret (servers fetch their secret files from SSM Parameter Store at boot with their
 * instance role), an ALB with TLS from ACM, RDS PostgreSQL forcing TLS, ElastiCache Valkey with
 * encryption and an auth token, a private S3 bucket behind CloudFront with origin access control,
 * Route 53 and SQS.
 *
 * This file assembles the adapter; each concern is in its own file beside it. What the servers run
 * (the secret fetch script, the group drain watcher, the NAT instance's cloud-config) is rendered in
 * provisioning/aws/.
 */
import { fetchSecretDelivery, heartbeatNamespace, heartbeatReporterPart, rdsRestoreDrillPart } from "../../provisioning";
import { CATALOG } from "../../settings";
import type { CloudAdapter } from "../types";
import { backupStore } from "./backups";
import { alerts } from "./alerts";
import { logs } from "./logs";
import { bucket } from "./bucket";
import { databaseOf, managedPostgres, managedRedis } from "./dataStores";
import { certificate, dnsRecord, dnsZone } from "./dns";
import { attachToLoadBalancer, loadBalancer } from "./loadBalancer";
import { network } from "./network";
import { queues } from "./queues";
import { role } from "./roleGroups";
import { groupMemberPart, serverGroup } from "./serverGroup";
import { DATA_VOLUME_DEVICE, gzipUserData, secretParameterName, server, serverFirewall } from "./servers";

export const awsAdapter: CloudAdapter = {
  name: "aws",
  userDataLimit: CATALOG.aws.userDataLimit,

  // cloud-init reads gzip-compressed user data; the limit applies to what EC2 stores.
  userDataBytes(cloudConfig) {
    return gzipUserData(cloudConfig).length;
  },

  // The release bundle is one of the secret files; Systems Manager's agent runs it (release.ts).
  releaseDelivery: "file",

  // EC2 user data is readable by anyone who can describe the instance: no secret goes there.
  secretDelivery(hostname, region) {
    return fetchSecretDelivery(secretParameterName(hostname), region);
  },

  volumeDevicePath() {
    // Known only once the volume exists: server() puts the real path in (dataVolumeDevice).
    return DATA_VOLUME_DEVICE;
  },

  // Heartbeats also go to CloudWatch, into the stack's own namespace (provisioning/aws/heartbeatMetrics.ts).
  heartbeatMetrics(prefix, region) {
    return { namespace: heartbeatNamespace(prefix), region };
  },
  heartbeatReporterPart,
  // A managed database's restore drill: RDS point-in-time restore into a throwaway copy (provisioning/aws/rdsRestoreDrill.ts).
  restoreDrillPart: rdsRestoreDrillPart,
  managedDatabaseId: (handle) => databaseOf(handle).identifier,

  network,
  role,
  server,
  groupMemberPart,
  serverGroup,
  serverFirewall,
  loadBalancer,
  attachToLoadBalancer,
  dnsZone,
  certificate,
  dnsRecord,
  managedPostgres,
  managedRedis,
  bucket,
  backupStore,
  queues,
  alerts,
  logs,
};
