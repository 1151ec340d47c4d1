import * as pulumi from "@pulumi/pulumi";
import type { AlertRole, AlertServer, AlertServerGroup, HeartbeatAlerts, HeartbeatWatch } from "../clouds";
import { BACKUP_EVERY_SECONDS, DRILL_EVERY_SECONDS, HEARTBEAT_AGE_CHECKS, HEARTBEAT_CHECKS, JOB_RANDOM_DELAY_MINUTES, type HeartbeatCheckName } from "../provisioning";
import { SettingsError, alertEmails, alertWebhookUrl, defaultOf, validate, type AlertThresholds, type KeyName } from "../settings";
import type { LinuxServer } from "./linuxServer";
import type { ServerLogs } from "./logs";
import type { Network } from "./network";
import type { PostgresDb } from "./postgresDb";
import type { RedisCache } from "./redisCache";
import type { LinuxServerGroup } from "./serverGroup";
import type { FullStackAlerts } from "./fullStackAppArgs";
import { withTransforms, type ChildTransforms } from "./transform";
import type { WebTier } from "./webTier";
import type { WorkerQueue } from "./workerQueue";

/**
 * When each alert fires: the threshold fields of FullStackApp's `alerts` (generated from the config keys,
 * so each field documents its key and default once). Unset fields take those defaults.
 */
export type AlertThresholdArgs = Omit<FullStackAlerts, "emails" | "webhookUrl" | "slackChannel">;

export interface AlertsArgs {
  /** The app's network: decides the cloud and the region. */
  network: Network;
  /**
   * Email addresses every alert (and its all-clear) goes to. DigitalOcean mails only verified members of
   * the team that owns the API token; AWS mails each address a subscription confirmation first.
   * @default [] (give emails, a webhook, or both)
   */
  emails?: string[];
  /**
   * A Slack-compatible incoming webhook every alert is posted to (the URL is a secret: pass a secret Output).
   * On AWS a small Lambda function relays the alert topic to it.
   * @default none
   */
  webhook?: {
    /** The webhook's https:// URL. */
    url: pulumi.Input<string>;
    /**
     * DigitalOcean: the channel its alerts name (its API requires one).
     * @default "#alerts"
     */
    channel?: string;
  };
  /**
   * The web tier: each web server (or its group) gets CPU, memory, disk and load or status alerts, its load
   * balancer 5xx, unhealthy-server and latency alerts, and its URL an uptime check from outside.
   * @default none
   */
  web?: WebTier;
  /**
   * The task queue's workers: each server (or group) gets the same alerts as a web server; SQS queues get
   * oldest-task and dead-letter alerts.
   * @default none
   */
  workers?: WorkerQueue;
  /**
   * More servers to watch (e.g. a database server of your own), by their first role.
   * @default []
   */
  servers?: LinuxServer[];
  /**
   * The database: a managed one gets CPU, memory, disk and load alerts (DigitalOcean) or CPU, free storage
   * and connections alarms (AWS); a self-hosted one is watched through its server.
   * @default none
   */
  postgres?: PostgresDb;
  /**
   * The cache and broker: a managed one gets memory alerts (and evictions on AWS, load and disk on
   * DigitalOcean); a self-hosted one is watched through its server.
   * @default none
   */
  redis?: RedisCache;
  /**
   * The public URL checked from outside (no path) and whether it is https://.
   * @default the web tier's `url` and `https`
   */
  publicUrl?: {
    /** e.g. https://shop.example.com */
    url: pulumi.Input<string>;
    /** Whether `url` is https:// (an https check also alerts before the certificate expires, on DigitalOcean). */
    https: boolean;
  };
  /**
   * The path of the public URL that answers 200 when the app is healthy.
   * @default "/healthz"
   */
  healthCheckPath?: string;
  /**
   * When each alert fires.
   * @default the config keys' defaults (cpu 90%, memory 90%, disk 90%, ...)
   */
  thresholds?: AlertThresholdArgs;
  /**
   * The same servers' logs, made with `agent: false`: the agent these alerts install (AWS: the CloudWatch
   * agent, for memory and disk) ships those logs too, one agent per server.
   * @default none
   */
  logs?: ServerLogs;
  /**
   * The servers' heartbeats (the `prefix` and `everyMinutes` of the HeartbeatSpec they were given with
   * `metrics`): where the cloud has custom metrics (AWS: CloudWatch), each check their roles run (the
   * backup and, per `postgres.restoreDrill`, the restore drill on a postgres server; the workers; the
   * scheduler) alerts when its successes stop for longer than its period and grace, at once when it fails,
   * and the drill when its data-loss window is over `thresholds.dataLossHours`. Elsewhere (DigitalOcean, no
   * custom metrics) it makes nothing: give the servers a heartbeat URL.
   * @default none (no heartbeat alerts)
   */
  heartbeats?: {
    /** The servers' heartbeat prefix, e.g. "shop-prod". */
    prefix: string;
    /**
     * How often their services check in, minutes.
     * @default 5
     */
    everyMinutes?: number;
  };
  /**
   * Adjusts the resources this component makes (an alert's window, a topic's policy, ...) with the
   * provider's own argument types: `{ aws: { metricAlarm: (args) => { ... } } }`.
   * Reaches children of nested components too. See `ChildTransforms` for the kinds each cloud has.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

/** Each threshold's config key: its bounds and default live in settings/schema.ts. */
const THRESHOLD_KEYS: Readonly<Record<keyof AlertThresholdArgs, KeyName>> = {
  cpuPercent: "alertCpuPercent", memoryPercent: "alertMemoryPercent", diskPercent: "alertDiskPercent", loadPerCpu: "alertLoadPerCpu",
  latencyMs: "alertLatencyMs", errorRatePercent: "alertErrorRatePercent", dbConnections: "alertDbConnections",
  dbFreeStorageGb: "alertDbFreeStorageGb", queueAgeSeconds: "alertQueueAgeSeconds", dataLossHours: "alertDataLossHours",
};

/** The component's defaults where the config key's depends on the profile (the standard profile's). */
const COMPONENT_DEFAULTS = { diskPercent: 90, latencyMs: 1500, queueAgeSeconds: 600 } as const;

/**
 * Alerts to people: everything the app runs on is watched, and every alert reaches the same recipients
 * (emails, a Slack-compatible webhook). Each server of each role (or its group) gets CPU, memory and disk
 * alerts (and load on DigitalOcean, status checks on AWS); the load balancer, managed data stores and SQS
 * queues get theirs; the public URL is checked from outside (a DigitalOcean uptime check, a Route 53
 * health check). The component never branches on the cloud: the network's adapter makes the cloud's alerts.
 *
 * Cost note: DigitalOcean's alert policies and uptime checks are free; on AWS each alarm is about $0.10 a
 * month (a scaled stack has about 30), the Route 53 health check under $2, and the CloudWatch agent's
 * memory and disk metrics about $0.30 each.
 *
 * @example
 * ```ts
 * import { Alerts, Network, RedisCache, WebTier, loadSettings } from "fullstack-pulumi";
 *
 * const settings = loadSettings({
 *   appRepo: "https://github.com/acme/shop.git", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"],
 * });
 * const network = new Network("shop", { region: "fra1" });
 * const redis = new RedisCache("shop-redis", { network, allowRoles: ["web"] });
 * const web = new WebTier("shop", { network, count: 2, app: settings.app, access: settings.access, environment: { REDIS_URL: redis.url } });
 * const alerts = new Alerts("shop", { network, web, redis, emails: ["ops@example.com"], thresholds: { cpuPercent: 80 } });
 * export const alertNames = alerts.names;
 * ```
 */
export class Alerts extends pulumi.ComponentResource {
  /** Every alert made, as the cloud shows it (its description or name). */
  readonly names: string[];
  /** The thresholds in force. */
  readonly thresholds: AlertThresholds;

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    const emails = alertEmails("Alerts.emails", args.emails ?? []);
    if (emails.length === 0 && !args.webhook) {
      throw new SettingsError("Alerts.emails", [], "is empty and there is no webhook: nobody would be told", 'give emails, e.g. ["ops@example.com"], or a webhook');
    }
    const channel = args.webhook ? validate.matches("Alerts.webhook.channel", args.webhook.channel ?? defaultOf("alertSlackChannel"),
      /^[#@]?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, "a Slack channel name", `use a channel name such as "${defaultOf("alertSlackChannel")}"`) : undefined;
    if (args.logs?.installsAgent) {
      throw new SettingsError("Alerts.logs", args.logs.name, "installs its own agent", "make the ServerLogs with agent: false, so that one agent per server carries the logs and the alerts' metrics");
    }
    const thresholds = thresholdsOf(args.thresholds ?? {});
    const path = validate.matches("Alerts.healthCheckPath", args.healthCheckPath ?? "/healthz", /^\/[A-Za-z0-9._~/-]{0,254}$/, "a URL path", 'use a path such as "/healthz"');
    const everyMinutes = args.heartbeats ? validate.bounded("Alerts.heartbeats.everyMinutes", args.heartbeats.everyMinutes ?? defaultOf("heartbeatMinutes"), "heartbeatMinutes") : 0;
    if (args.heartbeats) {
      validate.matches("Alerts.heartbeats.prefix", args.heartbeats.prefix, /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "a heartbeat prefix", 'use the servers\' heartbeat prefix, e.g. "shop-prod"');
    }
    super("fullstack:monitoring:Alerts", name, {}, withTransforms(opts, args.transform));

    // The webhook URL is the credential: secret, and checked as soon as it is known.
    const webhook = args.webhook && channel ? {
      url: typeof args.webhook.url === "string"
        ? pulumi.secret(alertWebhookUrl("Alerts.webhook.url", args.webhook.url))
        : pulumi.secret(pulumi.output(args.webhook.url).apply((u) => alertWebhookUrl("Alerts.webhook.url", u))),
      channel,
    } : undefined;

    const roles = serverRoles("Alerts", args);
    const metrics = args.heartbeats && args.network.adapter.heartbeatMetrics?.(args.heartbeats.prefix, args.network.handle.region);
    // A managed database with a drill (PostgresDb.restoreDrillJob, which the program gives to one server) has it watched too.
    const heartbeats: HeartbeatAlerts | undefined = metrics
      ? { metrics, checks: heartbeatWatches(roles, everyMinutes, args.postgres?.restoreDrill, args.postgres?.restoreDrillJob !== undefined) }
      : undefined;
    const handle = args.network.adapter.alerts(name, {
      name,
      region: args.network.handle.region,
      emails,
      webhook,
      thresholds,
      roles,
      loadBalancer: args.web?.loadBalancer,
      postgres: args.postgres?.handle,
      redis: args.redis?.handle,
      queues: args.workers?.queues,
      publicUrl: args.publicUrl ?? (args.web ? { url: args.web.url, https: args.web.https } : undefined),
      healthCheckPath: path,
      logs: args.logs?.handle,
      heartbeats: heartbeats && heartbeats.checks.length > 0 ? heartbeats : undefined,
    }, { parent: this });
    this.names = [...handle.names];
    this.thresholds = thresholds;
    this.registerOutputs({ names: this.names });
  }
}

/** How late a job's success may be before it alerts: its timer's random delay and a run of up to 90 minutes. */
const JOB_GRACE_SECONDS = JOB_RANDOM_DELAY_MINUTES * 60 + 90 * 60;

/**
 * The checks the servers of `roles` run (provisioning/roles/heartbeat.ts), each with its period and grace:
 * the workers and the scheduler every `everyMinutes` (grace: one more period), the backup daily and the
 * drill on its schedule where a server runs postgres (grace: {@link JOB_GRACE_SECONDS}). The drill's age
 * comes with every report on its server, the nightly backup's at least (HEARTBEAT_AGE_CHECKS).
 */
export function heartbeatWatches(roles: readonly AlertRole[], everyMinutes: number, restoreDrill: string | undefined, managedDrill = false): HeartbeatWatch[] {
  const runs = (role: string) => roles.some((r) => [...r.servers, ...r.groups].some((s) => s.roles.includes(role)));
  const watch = (name: HeartbeatCheckName, what: string, everySeconds: number, graceSeconds: number): HeartbeatWatch =>
    ({ name, what, everySeconds, graceSeconds, ...(HEARTBEAT_AGE_CHECKS.includes(name) ? { age: { everySeconds: BACKUP_EVERY_SECONDS, graceSeconds: JOB_GRACE_SECONDS } } : {}) });
  const out: HeartbeatWatch[] = [];
  if (runs("postgres")) out.push(watch(HEARTBEAT_CHECKS.backup, "the nightly backup", BACKUP_EVERY_SECONDS, JOB_GRACE_SECONDS));
  if (runs("postgres") || managedDrill) {
    if (restoreDrill !== undefined && restoreDrill in DRILL_EVERY_SECONDS) {
      const every = DRILL_EVERY_SECONDS[restoreDrill as keyof typeof DRILL_EVERY_SECONDS];
      out.push(watch(HEARTBEAT_CHECKS.drill, `the ${restoreDrill} restore drill`, every, JOB_GRACE_SECONDS));
    }
  }
  if (runs("worker")) out.push(watch(HEARTBEAT_CHECKS.worker, "the task queue workers", everyMinutes * 60, everyMinutes * 60));
  if (runs("scheduler")) out.push(watch(HEARTBEAT_CHECKS.scheduler, "the scheduler", everyMinutes * 60, everyMinutes * 60));
  return out;
}

/** The thresholds given, each within its config key's bounds, the rest defaulted. */
function thresholdsOf(given: AlertThresholdArgs): AlertThresholds {
  const pick = (field: keyof AlertThresholdArgs, fallback: number) =>
    validate.bounded(`Alerts.thresholds.${field}`, given[field] ?? fallback, THRESHOLD_KEYS[field]);
  return {
    cpuPercent: pick("cpuPercent", defaultOf("alertCpuPercent")),
    memoryPercent: pick("memoryPercent", defaultOf("alertMemoryPercent")),
    diskPercent: pick("diskPercent", COMPONENT_DEFAULTS.diskPercent),
    loadPerCpu: pick("loadPerCpu", defaultOf("alertLoadPerCpu")),
    latencyMs: pick("latencyMs", COMPONENT_DEFAULTS.latencyMs),
    errorRatePercent: pick("errorRatePercent", defaultOf("alertErrorRatePercent")),
    dbFreeStorageGb: pick("dbFreeStorageGb", defaultOf("alertDbFreeStorageGb")),
    queueAgeSeconds: pick("queueAgeSeconds", COMPONENT_DEFAULTS.queueAgeSeconds),
    dataLossHours: pick("dataLossHours", defaultOf("alertDataLossHours")),
    ...(given.dbConnections !== undefined ? { dbConnections: validate.bounded("Alerts.thresholds.dbConnections", given.dbConnections, "alertDbConnections") } : {}),
  };
}

/**
 * The servers of a web tier, a task queue and any others, by role: the web tier's, the workers', then the
 * others by their first role. `label` names the component in the error for a server given twice.
 */
export function serverRoles(label: string, args: { web?: WebTier; workers?: WorkerQueue; servers?: LinuxServer[] }): AlertRole[] {
  const byRole = new Map<string, { servers: AlertServer[]; groups: AlertServerGroup[] }>();
  const entry = (role: string) => {
    if (!byRole.has(role)) byRole.set(role, { servers: [], groups: [] });
    return byRole.get(role)!;
  };
  const server = (s: LinuxServer): AlertServer => ({ name: s.physicalName, roles: s.roles, handle: s.handle, size: s.size, dataMount: s.dataMount });
  const group = (g: LinuxServerGroup): AlertServerGroup => ({ name: g.physicalName, roles: g.roles, handle: g.handle, size: g.size });
  for (const [role, tier] of [["web", args.web], ["worker", args.workers]] as const) {
    if (!tier) continue;
    entry(role).servers.push(...tier.servers.map(server));
    if (tier.serverGroup) entry(role).groups.push(group(tier.serverGroup));
  }
  for (const s of args.servers ?? []) entry(s.roles[0] ?? "server").servers.push(server(s));
  const seen = new Set<string>();
  for (const { servers } of byRole.values()) {
    for (const s of servers) {
      if (seen.has(s.name)) throw new SettingsError(`${label}.servers`, s.name, "is given twice", "list each server once (the web tier's and workers' servers are in already)");
      seen.add(s.name);
    }
  }
  return [...byRole.entries()].map(([role, { servers, groups }]) => ({ role, servers, groups }));
}
