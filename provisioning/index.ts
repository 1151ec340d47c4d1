/** Pure renderers: settings-shaped data in, server files out. No Pulumi import below this folder. */
export { renderCloudConfig, renderServerFiles, userDataBytes, ProvisioningError, type ServerFiles } from "./cloudConfig";
export { renderNginxSite } from "./nginx";
export { renderGunicornConfig, renderGunicornService, renderGunicornSocket } from "./gunicorn";
export { renderDeployConf, renderDeployScript, KEEP_RELEASES } from "./deploy";
export { releaseBundle, renderReleaseBundle, renderReleaseScript, RELEASE_USER, RELEASE_FORMAT, type ReleaseBundle } from "./release";
export { renderFirewallScript } from "./roles/base";
export * from "./types";
export { renderAdminEnv, renderAppGrantSql, renderGrantScript, type AdminConnection, type AppGrant } from "./postgresGrants";
export { libraryEnvironment, buildAppSpec, type EnvironmentContext } from "./environment";
export { renderWorkerService, renderSchedulerService, workerStopSeconds, workerUnits } from "./roles/worker";
export { renderPostgresSetup, renderPostgresBackup, renderPostgresEnv } from "./roles/postgres";
export { renderRedisConf } from "./roles/redis";
