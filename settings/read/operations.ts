/** The operations section: backups off the box and their restore drill, heartbeats, error tracking. */
import { SettingsError } from "../errors";
import { CLOUDWATCH_LOG_RETENTION_DAYS } from "../limits/aws";
import type { ConfigReader } from "../reader";
import { fullKey as k, keysNeeding } from "../schema";
import type { HeartbeatSettings, OperationsSettings } from "../types";
import * as v from "../validate";
import type { StackContext } from "./stack";

/**
 * The restore drill, heartbeats and the Sentry DSN.
 * @throws SettingsError naming the first bad key.
 */
export function readOperations(r: ConfigReader, { environment }: Pick<StackContext, "environment">): OperationsSettings {
  const offsiteBackups = r.get("offsiteBackups") === undefined ? environment !== "dev" : v.boolean(k("offsiteBackups"), r.get("offsiteBackups"));
  const probe = r.get("restoreProbeSql");
  if (probe !== undefined && !(typeof probe === "string" && /^(select|with)\b[^\n\r;]{1,1000};?$/i.test(probe.trim()))) {
    throw new SettingsError(k("restoreProbeSql"), probe, "is not one SELECT (or WITH) query on one line",
      'use e.g. "SELECT count(*) > 0 FROM auth_user": one row whose first column is true means the restore is good');
  }
  return {
    offsiteBackups,
    restoreDrill: r.choice("restoreDrill", "a restore drill schedule"),
    ...(probe !== undefined ? { restoreProbeSql: (probe as string).trim().replace(/;$/, "") } : {}),
    heartbeat: readHeartbeat(r),
    ...readSentry(r),
    logRetentionDays: readLogRetention(r),
  };
}

function readLogRetention(r: ConfigReader): number {
  const days = r.int("logRetentionDays");
  if (!(CLOUDWATCH_LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
    const near = CLOUDWATCH_LOG_RETENTION_DAYS.find((d) => d >= days) ?? CLOUDWATCH_LOG_RETENTION_DAYS[CLOUDWATCH_LOG_RETENTION_DAYS.length - 1];
    throw new SettingsError(k("logRetentionDays"), days, "is not a period CloudWatch Logs keeps logs for",
      `use one of ${CLOUDWATCH_LOG_RETENTION_DAYS.join(", ")} (e.g. ${near})`);
  }
  return days;
}

function readHeartbeat(r: ConfigReader): HeartbeatSettings | undefined {
  const url = r.get("heartbeatUrl");
  if (url === undefined) {
    for (const key of keysNeeding("heartbeat")) {
      if (r.explicit(key)) throw new SettingsError(k(key), r.shown(key), `needs ${k("heartbeatUrl")}`, `set ${k("heartbeatUrl")} too, or remove ${k(key)}`);
    }
    return undefined;
  }
  // A secret (the ping key is in it): a refusal never shows it.
  if (!(typeof url === "string" && /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/.test(url))) {
    throw new SettingsError(k("heartbeatUrl"), "[secret]", "is not an https:// ping URL",
      "use the URL with your ping key, e.g. https://hc-ping.com/<ping-key> (no query string; each job adds its own name)");
  }
  return { url: url.replace(/\/+$/, ""), everyMinutes: r.int("heartbeatMinutes") };
}

function readSentry(r: ConfigReader): { sentryDsn?: string } {
  const dsn = r.get("sentryDsn");
  if (dsn === undefined) return {};
  if (!(typeof dsn === "string" && /^https?:\/\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?@[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._-]+)*\/[0-9]+$/.test(dsn))) {
    throw new SettingsError(k("sentryDsn"), "[secret]", "is not a Sentry DSN", "copy it from the project's Client Keys (DSN) page: https://<key>@<host>/<project id>");
  }
  return { sentryDsn: dsn };
}
