/**
 * fullstack-pulumi: the Full Stack Python deployment diagram as Pulumi components.
 * Every component is cloud-neutral; the cloud is chosen by the Network it runs in.
 */
export { Network, type NetworkArgs } from "./network";
export { LinuxServer, type LinuxServerArgs, DATA_MOUNT } from "./linuxServer";
export { LinuxServerGroup, type LinuxServerGroupArgs } from "./serverGroup";
export { WebTier, type WebTierArgs } from "./webTier";
export { PostgresDb, type PostgresDbArgs } from "./postgresDb";
export { RedisCache, type RedisCacheArgs } from "./redisCache";
export { CdnBucket, type CdnBucketArgs } from "./cdnBucket";
export { WorkerQueue, type WorkerQueueArgs } from "./workerQueue";
export { Alerts, type AlertsArgs, type AlertThresholdArgs } from "./monitoring";
export { ServerLogs, type ServerLogsArgs } from "./logs";
export { FullStackApp } from "./fullStackApp";
export type {
  FullStackAppArgs, FullStackAccess, FullStackServer, FullStackAppSource, FullStackWeb, FullStackGunicorn, FullStackWorker,
  FullStackPostgres, FullStackRedis, FullStackBucket, FullStackBucketCredentials, FullStackDomain, FullStackAlerts, FullStackLogs,
} from "./fullStackAppArgs";
export { CHILDREN, typeToken, withTransforms, type ChildTransforms, type Transform, type TransformsOf } from "./transform";
export { argsFromConfig, loadSettings, SettingsError, isSettingsError, KEYS } from "../settings";
export type {
  Settings, AppSettings, AccessSettings, DomainSettings, GunicornSettings, WebSettings, WorkerSettings, PostgresSettings,
  RedisSettings, BucketSettings, AcmeSettings, AlertSettings, AlertThresholds,
} from "../settings";
export type { IngressRule, Source } from "../clouds";
// What LinuxServer and LinuxServerGroup take: the app as its servers run it, and each role's settings.
export { buildAppSpec } from "../provisioning";
export type { AppSpec, WebSpec, WorkerSpec, PostgresSpec, RedisSpec, Role } from "../provisioning";
// Every component's `nodes`: what it made, typed by the tables the transforms use.
export { nodesOf, type Nodes, type NodesOf } from "./nodes";
