/**
 * The alerts section: who is told when something breaks (email addresses, a Slack-compatible webhook) and
 * the thresholds. No recipients: no alerts, and no threshold may be set (it would have no effect).
 */
import { SettingsError } from "../errors";
import type { ConfigReader } from "../reader";
import { defaultOf, fullKey as k, keysNeeding } from "../schema";
import type { AlertSettings, AlertThresholds, PostgresSettings, WebSettings, WorkerSettings } from "../types";
import * as v from "../validate";
import { usesLoadBalancer } from "./web";
import type { StackContext } from "./stack";

/** A plain address: it reaches the cloud's notification APIs as data, never a command line. */
const EMAIL = /^[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** The most addresses one alert names (a sanity bound; neither cloud documents a lower one for email). */
export const MAX_ALERT_EMAILS = 10;

/**
 * The email addresses alerts go to, checked one by one.
 * @param key the config key or component argument to blame.
 */
export function alertEmails(key: string, value: unknown): string[] {
  const emails = v.stringList(key, value).map((e, i) => v.matches(`${key}[${i}]`, e, EMAIL, "an email address", 'use a plain address, e.g. "ops@example.com"'));
  const seen = new Set<string>();
  emails.forEach((e, i) => {
    if (seen.has(e.toLowerCase())) throw new SettingsError(`${key}[${i}]`, e, "is listed twice", "list each address once");
    seen.add(e.toLowerCase());
  });
  if (emails.length > MAX_ALERT_EMAILS) {
    throw new SettingsError(key, emails, `lists ${emails.length} addresses, more than ${MAX_ALERT_EMAILS}`, "use a mailing list address for a larger team");
  }
  return emails;
}

/**
 * A Slack-compatible incoming webhook: an https:// URL with a host, no spaces. Errors never show it (it
 * is a secret: the URL is the credential).
 * @param key the config key or component argument to blame.
 */
export function alertWebhookUrl(key: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === "string" && !/\s/.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== "https:" || url.hostname === "" || (value as string).length > 2048) {
    throw new SettingsError(key, "[secret]", "is not an https:// webhook URL", 'use the incoming webhook URL your chat gives, e.g. "https://hooks.slack.com/services/T000/B000/XXXX"');
  }
  return value as string;
}

/**
 * Recipients and thresholds; undefined when nobody is named (then setting a threshold is refused).
 * @throws SettingsError naming the first bad key.
 */
export function readAlerts(r: ConfigReader, { profile, catalog }: StackContext, web: WebSettings, postgres: PostgresSettings, worker: WorkerSettings | undefined): AlertSettings | undefined {
  const emails = alertEmails(k("alertEmails"), r.get("alertEmails"));
  const url = r.get("alertWebhookUrl") === undefined ? undefined : alertWebhookUrl(k("alertWebhookUrl"), r.get("alertWebhookUrl"));
  if (emails.length === 0 && url === undefined) {
    for (const key of keysNeeding("alerts")) {
      if (r.explicit(key)) {
        throw new SettingsError(k(key), r.shown(key), `needs alert recipients (${k("alertEmails")} or ${k("alertWebhookUrl")})`,
          `set ${k("alertEmails")}, e.g. ["ops@example.com"], or remove ${k(key)}`);
      }
    }
    return undefined;
  }
  const channel = v.matches(k("alertSlackChannel"), r.get("alertSlackChannel"), /^[#@]?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, "a Slack channel name",
    `use a channel name such as "${defaultOf("alertSlackChannel")}"`);
  if (url === undefined && r.explicit("alertSlackChannel")) {
    throw new SettingsError(k("alertSlackChannel"), channel, `needs ${k("alertWebhookUrl")}`, `set ${k("alertWebhookUrl")} too, or remove ${k("alertSlackChannel")}`);
  }
  if (r.explicit("alertErrorRatePercent") && !usesLoadBalancer(web.count, web.loadBalancer)) {
    throw new SettingsError(k("alertErrorRatePercent"), r.get("alertErrorRatePercent"), "has no effect without a load balancer (nothing else counts the app's 5xx answers)",
      `remove it, or put a load balancer in front (${k("loadBalancer")} true, or 2 or more web servers)`);
  }
  if (r.explicit("alertQueueAgeSeconds") && worker?.backend !== "sqs") {
    throw new SettingsError(k("alertQueueAgeSeconds"), r.get("alertQueueAgeSeconds"), `has no effect without SQS queues (${k("queueBackend")} sqs)`,
      `remove it, or set ${k("queueBackend")} sqs`);
  }
  // (A stack with no server to run its default drill takes the threshold and makes no alarm: README, "Backups and the restore drill".)
  if (r.explicit("alertDataLossHours") && r.choice("restoreDrill", "a restore drill schedule") === "off") {
    throw new SettingsError(k("alertDataLossHours"), r.get("alertDataLossHours"), `has no effect without a restore drill (${k("restoreDrill")} off)`,
      `remove it, or set ${k("restoreDrill")} daily, weekly or monthly`);
  }
  const maxConnections = profile !== "single" ? catalog.defaultDbConnections?.(postgres.size) : undefined;
  const thresholds: AlertThresholds = {
    cpuPercent: r.int("alertCpuPercent"),
    memoryPercent: r.int("alertMemoryPercent"),
    diskPercent: r.int("alertDiskPercent", profile === "single" ? 80 : 90),
    loadPerCpu: r.int("alertLoadPerCpu"),
    latencyMs: r.int("alertLatencyMs", { single: 2000, standard: 1500, scaled: 1000 }[profile]),
    errorRatePercent: r.int("alertErrorRatePercent"),
    dbFreeStorageGb: r.int("alertDbFreeStorageGb"),
    queueAgeSeconds: r.int("alertQueueAgeSeconds", Math.max(600, 2 * (worker?.taskTimeLimit ?? 300))),
    dataLossHours: r.int("alertDataLossHours"),
  };
  if (r.get("alertDbConnections") !== undefined || maxConnections !== undefined) {
    thresholds.dbConnections = r.int("alertDbConnections", Math.max(1, Math.floor(0.8 * (maxConnections ?? 100))));
  }
  return { emails, webhook: url === undefined ? undefined : { url, channel }, thresholds };
}
