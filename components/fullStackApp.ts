import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { HeartbeatSpec, Role, WorkerSpec } from "../provisioning";
import {
  argsError, checkNamePrefix, configFromArgs, inArgsTerms, isSettingsError, loadSettings, type FlatArgs, type PendingSecret, type RawConfig, type Settings,
} from "../settings";
import { CdnBucket } from "./cdnBucket";
import type { FullStackAppArgs } from "./fullStackAppArgs";
import { Alerts } from "./monitoring";
import { ServerLogs } from "./logs";
import { Network } from "./network";
import { PostgresDb } from "./postgresDb";
import { RedisCache } from "./redisCache";
import { WebTier } from "./webTier";
import { WorkerQueue } from "./workerQueue";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms } from "./transform";

/**
 * The whole right-hand side of the diagram in one component: web tier, PostgreSQL, Redis/Valkey, task
 * queue workers with exactly one scheduler, static files on a CDN, DNS and TLS, in one private network.
 * Every app server gets DATABASE_URL, REDIS_URL, SECRET_KEY, STATIC_URL (and the bucket's settings) in its
 * 0600 environment file. Data stores never get a public address or a rule open to the world.
 *
 * The args are the stack config keys, nested by what they configure ({@link FullStackAppArgs}); unset
 * fields get the keys' defaults, and a mistake is refused before any resource is registered, naming the
 * field. Secrets (`app.deployKey`, `app.pipIndexUrl`, `app.env` values, `bucket.credentials.secretKey`)
 * may be Outputs: they are checked by the same rules once known.
 *
 * @example
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import { FullStackApp } from "fullstack-pulumi";
 * const config = new pulumi.Config();
 * const shop = new FullStackApp("shop", {
 *   profile: "standard",
 *   region: "fra1",
 *   app: {
 *     repo: "https://github.com/acme/shop.git",
 *     ref: "v1.4.2",
 *     framework: "django",
 *     env: { SENTRY_DSN: config.requireSecret("sentryDsn") },
 *   },
 *   worker: { kind: "celery" },
 *   access: {
 *     sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"],
 *     cidrs: ["203.0.113.7/32"],
 *   },
 * });
 * export const url = shop.url;
 * ```
 */
export class FullStackApp extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly serverAddresses: pulumi.Output<string[]>;
  readonly loadBalancerAddress?: pulumi.Output<string>;
  /** Secret. */
  readonly databaseUrl: pulumi.Output<string>;
  /** Secret. */
  readonly redisUrl: pulumi.Output<string>;
  readonly staticUrl: pulumi.Output<string>;
  /** One command that follows the app's logs: `aws logs tail ... --follow` on AWS, journalctl over SSH on DigitalOcean. */
  readonly tailLogs: pulumi.Output<string>;
  readonly web: WebTier;
  readonly network: Network;
  /** What the app made, by cloud and kind of child, its components' children included ({@link Nodes}). */
  readonly nodes: Nodes;

  constructor(name: string, args: FullStackAppArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered.
    const { settings: s, warnings } = resolveFullStackAppArgs(name, args);
    super("fullstack:app:FullStackApp", name, {}, withTransforms(opts, args.transform));
    for (const warning of warnings) void pulumi.log.warn(warning, this);
    const single = s.profile === "single";
    const protect = s.protect;

    // Admin keys reach servers through cloud-init (the admin user), not as cloud account keys.
    this.network = new Network(name, { cloud: s.cloud, region: s.region, natMode: s.natMode }, { parent: this });
    const network = this.network;
    // Managed data stores admit the roles that connect to them; each role's network identity is made
    // when something first admits it, so a stack without workers has no worker identity.
    const allowRoles = s.worker ? ["web", "worker"] : ["web"];

    const db = new PostgresDb(`${name}-db`, single
      ? {
        network, mode: "self-hosted", database: dbIdent(s.app.name), user: dbIdent(s.app.name), backupRetentionDays: s.postgres.backupRetentionDays, protect,
        offsiteBackups: s.operations.offsiteBackups, restoreDrill: s.operations.restoreDrill, restoreProbeSql: s.operations.restoreProbeSql, djangoApp: s.app.framework === "django" ? s.app.name : undefined,
      }
      : {
        network, mode: "managed", database: dbIdent(s.app.name), user: dbIdent(s.app.name), version: s.postgres.version,
        size: s.postgres.size, nodes: s.postgres.nodes, poolSize: s.postgres.poolSize, protect, allowRoles,
        // Its drill (AWS) runs on one server: the scheduler's, else the one web server, else the first worker (settings: restoreDrillHome).
        restoreDrill: s.operations.restoreDrill, restoreProbeSql: s.operations.restoreProbeSql, djangoApp: s.app.framework === "django" ? s.app.name : undefined,
        ...(s.operations.restoreDrillToken !== undefined ? { restoreDrillToken: pulumi.secret(s.operations.restoreDrillToken) } : {}),
      }, { parent: this });
    const drillOn = (...homes: ("scheduler" | "web" | "worker")[]) =>
      (homes.some((h) => s.operations.restoreDrillHome === h) ? db.restoreDrillJob : undefined);
    const redis = new RedisCache(`${name}-redis`, single
      ? { network, mode: "self-hosted", maxMemoryMb: s.redis.maxMemoryMb, protect }
      : { network, mode: "managed", size: s.redis.size, nodes: s.redis.nodes, protect, allowRoles }, { parent: this });

    const secretKey = new random.RandomPassword(`${name}-secret-key`, { length: 50, special: false }, { parent: this });
    const environment: Record<string, pulumi.Input<string>> = {
      DATABASE_URL: db.url,
      DATABASE_DIRECT_URL: db.directUrl,
      REDIS_URL: redis.url,
      SECRET_KEY: pulumi.secret(secretKey.result),
      STATIC_URL: "/static/",
      ...(s.operations.sentryDsn !== undefined ? { SENTRY_DSN: pulumi.secret(s.operations.sentryDsn) } : {}),
    };
    // Checks are named after this app (e.g. shop-prod-backup), so stacks can share one ping key.
    const logSink = s.operations.logSink;
    const hb = s.operations.heartbeat;
    // With alert recipients on a cloud that takes custom metrics (AWS), every check also goes there and the
    // alerts watch it (README, "Heartbeats"); without a URL that is the only heartbeat.
    const metrics = hb?.metrics ? network.adapter.heartbeatMetrics?.(name, network.handle.region) : undefined;
    const spec = (url?: string): HeartbeatSpec => ({ ...(url !== undefined ? { url } : {}), prefix: name, everyMinutes: hb!.everyMinutes, ...(metrics ? { metrics } : {}) });
    const heartbeat = hb?.url !== undefined ? pulumi.secret(pulumi.output(hb.url).apply(spec)) : metrics ? pulumi.output(spec()) : undefined;

    // A zone this stack creates is created first, so that everything put into it (the web tier's records
    // and certificate, the CDN's certificate and custom domain) waits for it. It used to be the web tier's
    // child: the alias keeps its URN, so existing stacks do not replace their zone.
    const dnsZone = s.domain?.createZone
      ? network.adapter.dnsZone(`${name}-zone`, { zone: s.domain.zone, create: true }, {
        parent: this, protect, aliases: [{ parent: pulumi.createUrn(name, "fullstack:web:WebTier", this) }],
      })
      : undefined;

    let staticUrl: pulumi.Output<string> = pulumi.output("/static/");
    let bucketAccess: pulumi.Output<string>[] = [];
    if (s.bucket) {
      const cdn = new CdnBucket(`${name}-static`, {
        network,
        credentials: s.bucket.credentials && { accessId: s.bucket.credentials.accessId, secretKey: pulumi.secret(s.bucket.credentials.secretKey) },
        corsOrigins: s.bucket.corsOrigins,
        customDomain: s.bucket.cdnDomain && s.domain ? { name: s.bucket.cdnDomain, zone: s.domain.zone, dnsZone } : undefined,
        protect,
      }, { parent: this });
      staticUrl = pulumi.interpolate`${cdn.publicUrl}/static/`;
      bucketAccess = [cdn.bucketName];
      Object.assign(environment, {
        STATIC_URL: staticUrl,
        AWS_STORAGE_BUCKET_NAME: cdn.bucketName,
        AWS_S3_ENDPOINT_URL: cdn.endpoint,
        AWS_S3_REGION_NAME: cdn.region,
        ...(cdn.appCredentials ? { AWS_ACCESS_KEY_ID: cdn.appCredentials.accessId, AWS_SECRET_ACCESS_KEY: cdn.appCredentials.secretKey } : {}),
      });
    }

    const worker: WorkerSpec | undefined = s.worker && {
      kind: s.worker.kind, app: s.worker.app, queues: s.worker.queues,
      concurrency: s.worker.concurrency, taskTimeLimit: s.worker.taskTimeLimit,
    };
    const colocated: Exclude<Role, "web">[] = [];
    if (single) {
      if (worker) colocated.push("worker");
      if (worker && s.worker?.scheduler) colocated.push("scheduler");
      colocated.push("postgres", "redis");
    }

    // Workers first: with an SQS broker the web tier needs the queues to enqueue tasks.
    let queue: WorkerQueue | undefined;
    if (!single && worker && s.worker) {
      queue = new WorkerQueue(name, {
        network,
        app: s.app,
        worker,
        count: s.worker.count,
        scheduler: s.worker.scheduler,
        size: s.worker.size,
        os: s.os,
        image: s.serverImage,
        access: s.access,
        environment,
        gunicornVersion: s.web.gunicorn.version,
        timezone: s.server.timezone,
        broker: s.worker.backend,
        bucketAccess,
        heartbeat,
        logSink,
        protect,
        restoreDrill: drillOn("scheduler", "worker"),
      }, { parent: this });
    }

    this.web = new WebTier(name, {
      network,
      app: s.app,
      count: s.web.count,
      loadBalancer: s.web.loadBalancer,
      size: s.web.size,
      os: s.os,
      image: s.serverImage,
      access: s.access,
      gunicorn: s.web.gunicorn,
      maxUploadMb: s.web.maxUploadMb,
      domain: s.domain,
      acme: s.acme,
      dnsZone,
      environment: { ...environment, ...(queue?.brokerEnvironment ?? {}) },
      timezone: s.server.timezone,
      swapMb: s.server.swapMb,
      protect,
      bucketAccess,
      queueAccess: queue?.queueArns,
      databaseGrant: db.grant,
      restoreDrill: drillOn("web"),
      backupAccess: db.backupBucket ? [db.backupBucket] : undefined,
      heartbeat,
      logSink,
      colocate: single ? { roles: colocated, worker, postgres: db.serverSpec, redis: redis.serverSpec, volumeGb: s.volumeSizeGb } : undefined,
    }, { parent: this });

    this.url = this.web.url;
    this.serverAddresses = this.web.serverAddresses;
    this.loadBalancerAddress = this.web.loadBalancerAddress;
    this.databaseUrl = db.url;
    this.redisUrl = redis.url;
    this.staticUrl = staticUrl;
    this.nodes = nodesOf(this);

    // The servers' logs (README, "Logs"): off the servers where the cloud has a log service. With alerts,
    // the alerts' agent ships them (one agent per server).
    const logs = new ServerLogs(name, {
      network, app: s.app.name, web: this.web, workers: queue, adminUser: s.access.adminUser,
      retentionDays: s.operations.logRetentionDays, agent: !s.alerts,
    }, { parent: this });
    this.tailLogs = logs.tailCommand;

    // Alerts to people (README, "Alerts"): with recipients only, on everything made above.
    if (s.alerts) {
      new Alerts(name, {
        network, emails: s.alerts.emails, thresholds: s.alerts.thresholds, web: this.web, workers: queue, postgres: db, redis, logs,
        heartbeats: metrics && hb ? { prefix: name, everyMinutes: hb.everyMinutes } : undefined,
        webhook: s.alerts.webhook && { url: pulumi.secret(s.alerts.webhook.url), channel: s.alerts.webhook.channel },
      }, { parent: this });
    }
    this.registerOutputs({
      url: this.url, serverAddresses: this.serverAddresses, databaseUrl: this.databaseUrl, redisUrl: this.redisUrl, staticUrl, tailLogs: this.tailLogs,
    });
  }
}

/** PostgreSQL identifiers from the app name (dashes are not allowed unquoted). */
function dbIdent(appName: string): string {
  return appName.replace(/-/g, "_");
}

/**
 * The args as validated, defaulted settings: the same reader as stack config (settings/args.ts maps one
 * onto the other), errors naming the args' fields (or the config keys, for args made from config).
 * Secrets not known yet are validated by the same rules when they are, and kept secret.
 * @throws SettingsError naming the first bad field.
 */
export function resolveFullStackAppArgs(name: string, args: FullStackAppArgs): { settings: Settings<pulumi.Input<string>>; warnings: string[] } {
  const component = `FullStackApp "${name}"`;
  let fromConfig = false;
  const load = (raw: RawConfig): Settings => {
    try {
      return loadSettings(raw);
    } catch (err) {
      throw isSettingsError(err) && !fromConfig ? argsError(err, component) : err;
    }
  };
  let flat: FlatArgs;
  try {
    flat = configFromArgs(args);
  } catch (err) {
    throw isSettingsError(err) ? argsError(err, component) : err;
  }
  fromConfig = flat.fromConfig;
  const settings = load(flat.raw);
  if (!fromConfig) {
    try {
      checkNamePrefix(settings, name, component);
    } catch (err) {
      throw isSettingsError(err) ? argsError(err, component) : err;
    }
  }
  const s: Settings<pulumi.Input<string>> = {
    ...settings,
    app: { ...settings.app, env: { ...settings.app.env } },
    bucket: settings.bucket && { ...settings.bucket, credentials: settings.bucket.credentials && { ...settings.bucket.credentials } },
    operations: { ...settings.operations, heartbeat: settings.operations.heartbeat && { ...settings.operations.heartbeat } },
    alerts: settings.alerts && { ...settings.alerts, webhook: settings.alerts.webhook && { ...settings.alerts.webhook } },
  };
  for (const pending of flat.pending) {
    // Secret first, then checked: the checked value derives from the secret, so it stays secret.
    const known = pulumi.secret(pending.value as pulumi.Input<string>).apply((value) => secretFrom(load(withValue(flat.raw, pending, value)), pending));
    if (pending.key === "appRepoDeployKey") s.app.repoDeployKey = known;
    else if (pending.key === "pipIndexUrl") s.app.pipIndexUrl = known;
    else if (pending.key === "spacesSecretKey") s.bucket!.credentials!.secretKey = known;
    else if (pending.key === "heartbeatUrl") s.operations.heartbeat!.url = known;
    else if (pending.key === "sentryDsn") s.operations.sentryDsn = known;
    else if (pending.key === "restoreDrillToken") s.operations.restoreDrillToken = known;
    else if (pending.key === "alertWebhookUrl") s.alerts!.webhook!.url = known;
    else s.app.env[pending.name!] = known;
  }
  return { settings: s, warnings: fromConfig ? settings.warnings : settings.warnings.map((w) => `${component}: ${inArgsTerms(w)}`) };
}

/** The flat args with a pending secret's known value in place of its stand-in. */
function withValue(raw: RawConfig, pending: PendingSecret, value: unknown): RawConfig {
  if (pending.key !== "appEnv") return { ...raw, [pending.key]: value };
  const entries = raw.appEnv as string[];
  return { ...raw, appEnv: entries.map((e) => (e.startsWith(`${pending.name}=`) ? `${pending.name}=${String(value)}` : e)) };
}

/** The secret's value as the settings hold it once checked (a deploy key normalised, for one). */
function secretFrom(settings: Settings, pending: PendingSecret): string {
  switch (pending.key) {
    case "appRepoDeployKey": return settings.app.repoDeployKey!;
    case "pipIndexUrl": return settings.app.pipIndexUrl!;
    case "spacesSecretKey": return settings.bucket!.credentials!.secretKey;
    case "heartbeatUrl": return settings.operations.heartbeat!.url!;
    case "sentryDsn": return settings.operations.sentryDsn!;
    case "restoreDrillToken": return settings.operations.restoreDrillToken!;
    case "alertWebhookUrl": return settings.alerts!.webhook!.url;
    default: return settings.app.env[pending.name!];
  }
}
