/**
 * Managed data stores in the private subnets, each with its own security group that admits only the
 * roles that use it: RDS PostgreSQL forcing TLS, and ElastiCache Valkey (non-cluster mode) with
 * encryption in transit and at rest and an auth token.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { rdsIdentifier, replicationGroupId } from "../../settings/limits/aws";
import type { CloudAdapter, PostgresHandle, RedisHandle } from "../types";
import { details } from "./network";
import { dataStoreGroup } from "./securityGroups";

/** The managed data stores this adapter made, behind their neutral handles, as CloudWatch names them. */
const databases = new WeakMap<PostgresHandle, ManagedDatabase>();

/** What the adapter knows of an RDS instance it made: its names, and the ARNs its restore drill's policy names. */
export interface ManagedDatabase {
  identifier: string;
  instanceClass: string;
  arn: pulumi.Output<string>;
  subnetGroupName: pulumi.Output<string>;
  parameterGroupName: pulumi.Output<string>;
}
const caches = new WeakMap<RedisHandle, { groupId: string; nodes: number }>();

/** The RDS instance identifier (dimension DBInstanceIdentifier) and class of a database this adapter made. */
export function databaseOf(handle: PostgresHandle): ManagedDatabase {
  const db = databases.get(handle);
  if (!db) throw new Error("this database was not made by the AWS adapter");
  return db;
}

/**
 * The cache clusters (dimension CacheClusterId) of a replication group this adapter made. In a replication
 * group with cluster mode disabled, ElastiCache names node n `<replication group id>-00n`
 * (widdix/aws-cf-templates issue 571 quotes the naming; ReplicationGroup.MemberClusters lists them).
 */
export function cacheNodesOf(handle: RedisHandle): string[] {
  const cache = caches.get(handle);
  if (!cache) throw new Error("this cache was not made by the AWS adapter");
  return Array.from({ length: cache.nodes }, (_, i) => `${cache.groupId}-${String(i + 1).padStart(3, "0")}`);
}

export const managedPostgres: CloudAdapter["managedPostgres"] = (name, args, opts): PostgresHandle => {
  const net = details(args.network);
  const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: net.privateSubnetIds, description: `Private subnets of ${args.clusterName}` }, opts);
  const sg = dataStoreGroup(name, net, args.clusterName, "PostgreSQL", 5432, args.allowRoles, opts);
  // A new pgVersion needs a parameter group of the new family. The group is auto-named, so Pulumi
  // creates the new one before the database moves to it; the old one is left in place (retainOnDelete),
  // since RDS refuses to delete a group the database still uses until its upgrade is applied.
  const params = new aws.rds.ParameterGroup(`${name}-params`, {
    family: `postgres${args.version}`,
    description: `TLS-only PostgreSQL ${args.version} for ${args.clusterName}`,
    parameters: [{ name: "rds.force_ssl", value: "1" }],
  }, { ...opts, retainOnDelete: true });
  const identifier = rdsIdentifier(args.clusterName);
  const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, opts);
  const finalSnapshot = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, opts);
  const db = new aws.rds.Instance(name, {
    identifier,
    engine: "postgres",
    engineVersion: args.version,
    // A pgVersion change is a major version upgrade, which RDS refuses without this (ModifyDBInstance).
    allowMajorVersionUpgrade: true,
    instanceClass: args.size,
    allocatedStorage: 20,
    maxAllocatedStorage: 200,
    storageType: "gp3",
    storageEncrypted: true,
    dbName: args.database,
    username: args.user,
    password: password.result,
    dbSubnetGroupName: subnets.name,
    vpcSecurityGroupIds: [sg.id],
    parameterGroupName: params.name,
    multiAz: args.nodes > 1,
    publiclyAccessible: false,
    backupRetentionPeriod: 7,
    copyTagsToSnapshot: true,
    deletionProtection: args.protect,
    skipFinalSnapshot: !args.protect,
    finalSnapshotIdentifier: args.protect ? pulumi.interpolate`${identifier}-final-${finalSnapshot.hex}` : undefined,
    autoMinorVersionUpgrade: true,
    applyImmediately: false,
  }, { ...opts, protect: args.protect });
  const url = pulumi.secret(pulumi.interpolate`postgresql://${args.user}:${password.result}@${db.address}:${db.port}/${args.database}?sslmode=require`);
  const handle: PostgresHandle = { host: db.address, port: db.port, database: pulumi.output(args.database), user: pulumi.output(args.user), url, directUrl: url };
  databases.set(handle, { identifier, instanceClass: args.size, arn: db.arn, subnetGroupName: subnets.name, parameterGroupName: params.name });
  return handle;
};

export const managedRedis: CloudAdapter["managedRedis"] = (name, args, opts): RedisHandle => {
  const net = details(args.network);
  const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, { subnetIds: net.privateSubnetIds, description: `Private subnets of ${args.clusterName}` }, opts);
  const sg = dataStoreGroup(name, net, args.clusterName, "Valkey", 6379, args.allowRoles, opts);
  const params = new aws.elasticache.ParameterGroup(`${name}-params`, {
    family: "valkey8",
    description: `Broker-safe Valkey for ${args.clusterName}`,
    parameters: [{ name: "maxmemory-policy", value: args.evictionPolicy === "noeviction" ? "noeviction" : "allkeys-lru" }],
  }, opts);
  const token = new random.RandomPassword(`${name}-token`, { length: 32, special: false }, opts);
  const groupId = replicationGroupId(args.clusterName);
  const group = new aws.elasticache.ReplicationGroup(name, {
    replicationGroupId: groupId,
    description: `Valkey for ${args.clusterName} (non-cluster mode: Celery and RQ need it)`,
    engine: "valkey",
    engineVersion: "8.0",
    nodeType: args.size,
    numCacheClusters: args.nodes,
    automaticFailoverEnabled: args.nodes > 1,
    multiAzEnabled: args.nodes > 1,
    port: 6379,
    parameterGroupName: params.name,
    subnetGroupName: subnets.name,
    securityGroupIds: [sg.id],
    atRestEncryptionEnabled: true,
    transitEncryptionEnabled: true,
    authToken: token.result,
    snapshotRetentionLimit: args.protect ? 7 : 0,
    // Protected (non-dev) caches keep a snapshot if they are ever deleted.
    finalSnapshotIdentifier: args.protect ? `${groupId}-final` : undefined,
    autoMinorVersionUpgrade: true,
  }, { ...opts, protect: args.protect });
  const handle: RedisHandle = {
    host: group.primaryEndpointAddress,
    port: pulumi.output(6379),
    url: pulumi.secret(pulumi.interpolate`rediss://:${token.result}@${group.primaryEndpointAddress}:6379/0`),
  };
  caches.set(handle, { groupId, nodes: args.nodes });
  return handle;
};
