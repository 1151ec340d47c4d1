/** The operations section: backups off the box and their restore drill, heartbeats, error tracking. */
import { SettingsError } from "../errors";
import { isPrivateIPv4 } from "../cidr";
import { CLOUDWATCH_LOG_RETENTION_DAYS } from "../limits/aws";
import type { ConfigReader } from "../reader";
import { fullKey as k, keysNeeding } from "../schema";
import type { RestoreDrill } from "../catalog";
import type { HeartbeatSettings, OperationsSettings, WebSettings, WorkerSettings } from "../types";
import * as v from "../validate";
import type { StackContext } from "./stack";

/**
 * The restore drill, heartbeats and the Sentry DSN.
 * @throws SettingsError naming the first bad key.
 */
export function readOperations(r: ConfigReader, { environment, catalog, profile }: Pick<StackContext, "environment" | "catalog" | "profile">, alerts: boolean,
  web: Pick<WebSettings, "count">, worker: Pick<WorkerSettings, "scheduler"> | undefined): OperationsSettings {
  const offsiteBackups = r.get("offsiteBackups") === undefined ? environment !== "dev" : v.boolean(k("offsiteBackups"), r.get("offsiteBackups"));
  const probe = r.get("restoreProbeSql");
  if (probe !== undefined && !(typeof probe === "string" && /^(select|with)\b[^\n\r;]{1,1000};?$/i.test(probe.trim()))) {
    throw new SettingsError(k("restoreProbeSql"), probe, "is not one SELECT (or WITH) query on one line",
      'use e.g. "SELECT count(*) > 0 FROM auth_user": one row whose first column is true means the restore is good');
  }
  const drill = restoreDrillOf(r, { catalog, profile }, web, worker);
  // (A stack with no server to run the drill on keeps the token unused, as its default drill is off.)
  const token = readDrillToken(r, r.choice("restoreDrill", "a restore drill schedule") !== "off");
  if (probe !== undefined && profile !== "single" && catalog.managedRestoreDrill === "token" && token === undefined) {
    throw new SettingsError(k("restoreProbeSql"), probe, `has no effect without a restore drill, which needs ${k("restoreDrillToken")} on this cloud's managed databases`,
      `set ${k("restoreDrillToken")} (--secret) to drill the managed database, or remove ${k("restoreProbeSql")}`);
  }
  return {
    offsiteBackups,
    restoreDrill: drill.schedule,
    ...(drill.home ? { restoreDrillHome: drill.home } : {}),
    ...(token !== undefined && drill.home !== undefined ? { restoreDrillToken: token } : {}),
    ...(probe !== undefined ? { restoreProbeSql: (probe as string).trim().replace(/;$/, "") } : {}),
    heartbeat: readHeartbeat(r, catalog.heartbeatMetrics && alerts),
    ...readSentry(r),
    logRetentionDays: readLogRetention(r),
    ...readLogSink(r),
  };
}

/**
 * The restore drill and the one server that runs it: the single box; on a managed profile where the cloud
 * has a drill (AWS), the scheduler's server (a server of its own, never in a group), else the web server
 * when there is one (a group of two or more would run it on every member), else the first worker, which
 * is then a server of its own beside the workers' group. With none of them (a scaled stack without
 * workers), the default drill is off and asking for one is refused.
 * @throws SettingsError naming restoreDrill.
 */
export function restoreDrillOf(r: ConfigReader, { catalog, profile }: Pick<StackContext, "catalog" | "profile">, web: Pick<WebSettings, "count">,
  worker: Pick<WorkerSettings, "scheduler"> | undefined): { schedule: RestoreDrill; home?: NonNullable<OperationsSettings["restoreDrillHome"]> } {
  const asked = r.choice("restoreDrill", "a restore drill schedule") as RestoreDrill;
  // A cloud whose drill needs an API token (DigitalOcean) has none without it: the default is then off,
  // and asking for one is refused naming both keys.
  const tokenMissing = catalog.managedRestoreDrill === "token" && r.get("restoreDrillToken") === undefined;
  if (profile !== "single" && tokenMissing) {
    if (r.explicit("restoreDrill") && asked !== "off") {
      throw new SettingsError(k("restoreDrill"), asked, `needs ${k("restoreDrillToken")} on this cloud's managed databases: the drill forks the cluster through the API, and only a token given for it may`,
        `set ${k("restoreDrillToken")} (--secret; README, "Backups and the restore drill"), or remove ${k("restoreDrill")}`);
    }
    return { schedule: "off" };
  }
  const home = profile === "single" ? "single" : !catalog.managedRestoreDrill ? undefined
    : worker?.scheduler ? "scheduler" : web.count === 1 ? "web" : worker ? "worker" : undefined;
  if (asked === "off") return { schedule: "off" };
  if (home === undefined) {
    if (r.explicit("restoreDrill") && catalog.managedRestoreDrill) {
      throw new SettingsError(k("restoreDrill"), asked, "has no server to run on: the drill runs on a worker server (the scheduler's first) or on the one web server, and this stack has no workers and a group of web servers",
        `add workers (${k("workerKind")} celery or rq), or set ${k("restoreDrill")} off`);
    }
    return { schedule: "off" };
  }
  return { schedule: asked, home };
}

/**
 * The API token a managed database's drill uses where servers have no identity of their own (DigitalOcean):
 * a token as DigitalOcean issues them (`dop_v1_` and 64 hex digits, or an older 64-hex one), one line.
 * Refused with the drill off (`used` false): it would be a credential given for nothing.
 * @throws SettingsError naming restoreDrillToken.
 */
function readDrillToken(r: ConfigReader, used: boolean): string | undefined {
  const token = r.get("restoreDrillToken");
  if (token === undefined) return undefined;
  if (typeof token !== "string" || !/^(do[a-z]_v1_)?[0-9a-f]{64}$/.test(token.trim())) {
    throw new SettingsError(k("restoreDrillToken"), "[secret]", "is not a DigitalOcean API token (dop_v1_ and 64 hex digits)",
      "generate one with custom scopes under API, Tokens (README, \"Backups and the restore drill\"), and set it with --secret");
  }
  if (!used) {
    throw new SettingsError(k("restoreDrillToken"), "[secret]", `has no effect with ${k("restoreDrill")} off`,
      `remove it, or set ${k("restoreDrill")} daily, weekly or monthly`);
  }
  return token.trim();
}

function readLogSink(r: ConfigReader): { logSink?: { host: string; port: number; tls: boolean } } {
  const sink = r.get("logSink");
  if (sink === undefined) return {};
  const m = typeof sink === "string" ? /^syslog(\+tls)?:\/\/([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})$/.exec(sink) : null;
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new SettingsError(k("logSink"), sink, "is not a syslog receiver", "use syslog+tls://host:port, e.g. syslog+tls://logs.papertrailapp.com:12345 (or syslog://host:port to a private address)");
  }
  const host = m[2].replace(/^\[|\]$/g, "");
  const tls = m[1] !== undefined;
  if (!tls && !isPrivateHost(host)) {
    throw new SettingsError(k("logSink"), sink, "sends logs over the internet in clear text",
      `use syslog+tls://${m[2]}:${port} (plain syslog:// only to a private address such as 10.0.0.5)`);
  }
  return { logSink: { host, port, tls } };
}

/** An address of a private network (RFC 1918, loopback, IPv6 unique local): plain TCP stays inside. */
function isPrivateHost(host: string): boolean {
  return isPrivateIPv4(host) || /^f[cd][0-9a-f]{2}:/i.test(host) || host === "::1";
}

function readLogRetention(r: ConfigReader): number {
  return logRetentionDays(k("logRetentionDays"), r.int("logRetentionDays"));
}

/**
 * Days of log retention, one of CloudWatch Logs' periods (the config key's and ServerLogs' one rule).
 * @param key what the error names: the config key, or the component's field.
 * @throws SettingsError naming `key` and the nearest period.
 */
export function logRetentionDays(key: string, days: number): number {
  if (!(CLOUDWATCH_LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
    const near = CLOUDWATCH_LOG_RETENTION_DAYS.find((d) => d >= days) ?? CLOUDWATCH_LOG_RETENTION_DAYS[CLOUDWATCH_LOG_RETENTION_DAYS.length - 1];
    throw new SettingsError(key, days, "is not a period CloudWatch Logs keeps logs for", `use one of ${CLOUDWATCH_LOG_RETENTION_DAYS.join(", ")} (e.g. ${near})`);
  }
  return days;
}

/**
 * The heartbeats: to the URL when one is set, and to the cloud's metrics when `metrics` (the cloud takes
 * them and alerts exist, which watch them). Neither: no heartbeats, and their keys are refused.
 */
function readHeartbeat(r: ConfigReader, metrics: boolean): HeartbeatSettings | undefined {
  const url = r.get("heartbeatUrl");
  if (url === undefined) {
    if (metrics) return { metrics, everyMinutes: r.int("heartbeatMinutes") };
    for (const key of keysNeeding("heartbeat")) {
      if (r.explicit(key)) {
        throw new SettingsError(k(key), r.shown(key), `needs ${k("heartbeatUrl")} (or, on AWS, alert recipients: heartbeats then go to CloudWatch)`,
          `set ${k("heartbeatUrl")} too, or remove ${k(key)}`);
      }
    }
    return undefined;
  }
  // A secret (the ping key is in it): a refusal never shows it.
  if (!(typeof url === "string" && /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/.test(url))) {
    throw new SettingsError(k("heartbeatUrl"), "[secret]", "is not an https:// ping URL",
      "use the URL with your ping key, e.g. https://hc-ping.com/<ping-key> (no query string; each job adds its own name)");
  }
  return { url: url.replace(/\/+$/, ""), metrics, everyMinutes: r.int("heartbeatMinutes") };
}

function readSentry(r: ConfigReader): { sentryDsn?: string } {
  const dsn = r.get("sentryDsn");
  if (dsn === undefined) return {};
  if (!(typeof dsn === "string" && /^https?:\/\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?@[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._-]+)*\/[0-9]+$/.test(dsn))) {
    throw new SettingsError(k("sentryDsn"), "[secret]", "is not a Sentry DSN", "copy it from the project's Client Keys (DSN) page: https://<key>@<host>/<project id>");
  }
  return { sentryDsn: dsn };
}
