/**
 * Stack config -> typed, validated, defaulted settings. Pure: no Pulumi import, so it can be tested
 * with plain objects and fuzzed. Every failure is a {@link SettingsError} naming the key.
 *
 * `loadSettings` composes one reader per section of the config (settings/read/), in a fixed order so the
 * first bad key is always the same one. Where a key applies and its bounds are data in settings/schema.ts;
 * facts about each cloud are data in settings/catalog.ts: no reader branches on a cloud's name.
 */
import { CATALOG } from "./catalog";
import { SettingsError } from "./errors";
import { sqsQueueNameProblems } from "./limits/aws";
import { configReader, type RawConfig } from "./reader";
import { readAccess, readServer } from "./read/access";
import { readAlerts } from "./read/alerts";
import { readApp } from "./read/app";
import { readBucket } from "./read/bucket";
import { readDataStores } from "./read/dataStores";
import { readOperations } from "./read/operations";
import { readStack } from "./read/stack";
import { readWorker } from "./read/worker";
import { readAcme, readDomain, readWeb } from "./read/web";
import { fullKey } from "./schema";
import type { AppSettings, Settings } from "./types";

export { SettingsError, isSettingsError } from "./errors";
export { MAX_ALERT_EMAILS, alertEmails, alertWebhookUrl } from "./read/alerts";
export { logRetentionDays } from "./read/operations";
export * from "./catalog";
export { isOpenToWorld, parseCidr, WORLD_PREFIX, type Cidr } from "./cidr";
export { ARG_GROUPS, CONTEXT_KEYS, KEYS, alternativesOf, appliesIn, KEY_NAMES, NAMESPACE, boundsOf, defaultOf, fullKey, valuesOf, whereItApplies } from "./schema";
export type { Applicability, ApplicabilityContext, DefaultOf, KeyDecl, KeyName, KeyType } from "./schema";
export type { RawConfig } from "./reader";
export { FROM_CONFIG, argPathOf, argsError, argsFromConfig, configFromArgs, inArgsTerms, isPending, type FlatArgs, type PendingSecret } from "./args";
export type * from "./types";
export { usesLoadBalancer } from "./read/web";
export * as validate from "./validate";

/**
 * Reads and validates stack config.
 * @param raw config values keyed without the namespace (`region`, not `fullstack:region`).
 * @throws SettingsError naming the first bad key.
 */
export function loadSettings(raw: RawConfig): Settings {
  const r = configReader(raw);
  const stack = readStack(r);
  const access = readAccess(r, stack);
  const server = readServer(r);
  const app = readApp(r, stack, access.adminUser);
  const web = readWeb(r, stack);
  const domain = readDomain(r);
  const acme = readAcme(r, domain, web);
  const worker = readWorker(r, stack, app.wsgiApp);
  const { postgres, redis, volumeSizeGb } = readDataStores(r, stack);
  const bucket = readBucket(r, stack, domain);
  // Alerts first: heartbeats go to the cloud's metrics when there are alert recipients to tell.
  const alerts = readAlerts(r, stack, web, postgres, worker);
  const operations = readOperations(r, stack, alerts !== undefined, web, worker);
  if (operations.sentryDsn !== undefined && "SENTRY_DSN" in app.env) {
    throw new SettingsError(fullKey("appEnv"), "SENTRY_DSN=[...]", `sets SENTRY_DSN, which ${fullKey("sentryDsn")} sets`, `keep it in ${fullKey("sentryDsn")} (a secret) and remove it from appEnv`);
  }
  const { profile, cloud, region, environment, protect, os, serverImage, natMode } = stack;
  return {
    warnings: warnings(stack, app, alerts), profile, cloud, region, environment, protect, os, serverImage, access, server, app, web, domain, acme, worker,
    postgres, redis, volumeSizeGb, bucket, natMode, operations, alerts,
  };
}

/** Things allowed but worth a second look. */
function warnings({ environment, protect }: Pick<Settings, "environment" | "protect">, app: AppSettings, alerts: Settings["alerts"]): string[] {
  const k = fullKey;
  const found: string[] = [];
  if (environment === "production" && !protect) {
    found.push(`${k("protect")} is false on a production environment: Pulumi will delete or replace volumes, databases and buckets when a change asks for it; set ${k("environment")} to staging or dev if this stack is not production`);
  }
  if (/^(http|git):\/\//i.test(app.repo)) {
    found.push(`${k("appRepo")} uses ${app.repo.split(":")[0]}://, which nobody authenticates (${k("insecureRepoTransport")} is true): anyone on the path can change the code you deploy`);
  }
  if (environment === "production" && !alerts) {
    found.push(`${k("alertEmails")} is empty and ${k("alertWebhookUrl")} unset on a production environment: nobody is told when a server, a data store or the app goes down; ` +
      `list who to tell with \`pulumi config set --path 'alertEmails[0]' ops@example.com\` (README, "Alerts")`);
  }
  return found;
}

/**
 * Refuses a component name from which the cloud could not derive valid resource names. The stack program
 * names its app `<appName>-<stack>`, so the error names fullstack:appName; a program's own FullStackApp
 * passes `component` (e.g. `FullStackApp "shop"`) and the error names that.
 * @throws SettingsError naming fullstack:appName, or the component's name.
 */
export function checkNamePrefix(settings: Pick<Settings, "cloud"> & Partial<Pick<Settings, "worker">>, prefix: string, component?: string): void {
  const problems = CATALOG[settings.cloud].namePrefixProblems(prefix);
  if (problems.length > 0) {
    const shown = problems.length > 3 ? [...problems.slice(0, 3), `and ${problems.length - 3} more`] : problems;
    if (component) {
      throw new SettingsError(`${component} name`, prefix, `makes names ${CATALOG[settings.cloud].title} refuses: ${shown.join("; ")}`,
        "use a shorter name, of lowercase letters, digits and -");
    }
    throw new SettingsError(fullKey("appName"), prefix, `(with the stack name) makes names ${CATALOG[settings.cloud].title} refuses: ${shown.join("; ")}`,
      "use a shorter app or stack name, of lowercase letters, digits and -");
  }
  // SQS queue names carry the app name and the worker queue's (auto-named, at most 80 characters).
  const queues = settings.worker?.backend === "sqs" ? sqsQueueNameProblems(prefix, settings.worker.queues) : [];
  if (queues.length > 0) {
    throw new SettingsError(fullKey("workerQueues"), settings.worker!.queues, `make SQS queue names SQS refuses (with ${component ? `the ${component} name` : `${fullKey("appName")} and the stack name`}): ${queues.join("; ")}`,
      "use shorter queue names with letters, digits, _ and -, each distinct");
  }
}

/**
 * Refuses an AWS provider region other than fullstack:region. Every resource goes to the provider's
 * region (aws:region, or AWS_REGION / AWS_DEFAULT_REGION when unset), while the servers' boot script reads
 * its secrets from Parameter Store in fullstack:region and SQS clients use it: they must be one region.
 * @param providerRegion the region the default AWS provider will use, if any.
 * @throws SettingsError naming fullstack:region and aws:region.
 */
export function checkProviderRegion(region: string, providerRegion: string | undefined): void {
  if (providerRegion === region) return;
  throw new SettingsError(fullKey("region"), region,
    providerRegion === undefined ? "has no matching aws:region (the AWS provider's region is unset)" : `differs from aws:region "${providerRegion}", where AWS creates the resources`,
    `set both to one region: \`pulumi config set aws:region ${region}\`, or set ${fullKey("region")} to ${providerRegion ?? "your AWS region"}`);
}
