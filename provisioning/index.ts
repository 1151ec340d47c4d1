/** Pure renderers: settings-shaped data in, server files out. No Pulumi import below this folder. */
export { decodedWriteFiles, renderServerFiles, writtenContent, ProvisioningError, type ServerFiles, type UserDataBudget } from "./cloudConfig";
export {
  renderNginxSite, renderNginxHttpsSite, nginxSitePaths, certificatePaths, nginxAccessLog, nginxLogEntry, ACME_WEBROOT, HSTS_MAX_AGE_SECONDS, NGINX_LOG_FIELDS,
} from "./nginx";
export { logStreams, type LogStream } from "./logs";
export { tlsRole, acmeDirectory, certbotArgs, renderIssueScript, renderDeployHook, TLS_ISSUE_SCRIPT, TLS_DEPLOY_HOOK, TLS_ISSUE_UNIT, ISSUE_RETRY_MINUTES } from "./roles/tls";
export { renderGunicornConfig, renderGunicornService, renderGunicornSocket } from "./gunicorn";
export { renderDeployConf, renderDeployScript, KEEP_RELEASES } from "./deploy";
export { releaseBundle, renderReleaseBundle, renderReleaseScript, RELEASE_USER, RELEASE_FORMAT, type ReleaseBundle } from "./release";
export { renderFirewallScript } from "./roles/base";
export * from "./types";
export { renderAdminEnv, renderAppGrantSql, renderGrantScript, type AdminConnection, type AppGrant } from "./postgresGrants";
export { libraryEnvironment, buildAppSpec, type EnvironmentContext } from "./environment";
export { renderWorkerService, renderSchedulerService, workerStopSeconds, workerUnits } from "./roles/worker";
export { renderPostgresSetup, renderPostgresBackup, renderPostgresEnv, BACKUP_EVERY_SECONDS, DRILL_EVERY_SECONDS, JOB_RANDOM_DELAY_MINUTES, MANAGED_DRILL_SECONDS, POSTGRES_DRILL_UNIT, POSTGRES_RESTORE_DRILL } from "./roles/postgres";
export { renderRedisConf } from "./roles/redis";
export { decodeFetchedFiles, encodeFetchedFiles, fetchSecretDelivery, SECRET_FETCH_SCRIPT, type FetchedFile } from "./aws/secretFetch";
export { groupDrainPart, renderDrainScript, DRAIN_HEARTBEAT_SECONDS, DRAIN_HOOK, DRAIN_SCRIPT, DRAIN_UNIT } from "./aws/groupDrain";
export { renderNatInstanceConfig } from "./aws/natInstance";
export {
  rdsRestoreDrillPart, rdsDrillIdentifier, renderRdsDrillChecks, renderRdsDrillEntry, renderRdsDrillScript, RDS_DRILL_CHECKS, RDS_DRILL_SCRIPT,
  RDS_DRILL_SUFFIX, RDS_DRILL_TAG,
} from "./aws/rdsRestoreDrill";
export {
  doRestoreDrillPart, doDrillName, renderDoDrillScript, DO_API_URL, DO_DRILL_SCRIPT, DO_DRILL_TOKEN_FILE, DO_METADATA_URL, DO_PG_PORT,
} from "./digitalocean/doRestoreDrill";
export { renderAlertWebhookSource, ALERT_WEBHOOK_HANDLER, ALERT_WEBHOOK_PARAMETER_ENV, ALERT_WEBHOOK_RUNTIME } from "./aws/alertWebhook";
export {
  renderCloudWatchAgentConfig, publishedDimensionSets, type AgentLogGroup, CW_AGENT_CTL, CW_AGENT_NAMESPACE, CW_AGENT_PARAMETER_PREFIX, CW_AGGREGATION_DIMENSIONS, CW_APPEND_DIMENSIONS,
  CW_DISK_METRIC, CW_MEMORY_METRIC,
} from "./aws/cloudwatchAgent";
export { HEARTBEAT_AGE_CHECKS, HEARTBEAT_CHECKS, HEARTBEAT_REPORTER, type HeartbeatCheckName } from "./roles/heartbeat";
export {
  heartbeatNamespace, heartbeatReporterPart, renderHeartbeatReporter, HEARTBEAT_DIMENSION, HEARTBEAT_METRIC, HEARTBEAT_STATE_DIR,
} from "./aws/heartbeatMetrics";
export { bootOnBakedImage, imageBake, IMAGE_BAKE_SCRIPT, renderImageBakeScript, type CloudConfigDoc, type ImageBake } from "./image";
