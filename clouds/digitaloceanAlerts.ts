/**
 * DigitalOcean's alerts to people: resource alert policies (`MonitorAlert`) on each role's droplets, the
 * load balancer and the managed database clusters, and an uptime check of the public URL with its alerts.
 * Every alert names the same recipients: emails (verified members of the team) and a Slack-compatible webhook.
 *
 * What the API accepts, cited by short name:
 * - [OPENAPI] digitalocean/openapi specification/resources/monitoring/models/alert_policy_request.yml
 *   (`type`, `compare` GreaterThan|LessThan, `window` 5m|10m|30m|1h) and monitoring_create_alertPolicy.yml
 *   (which entity each type takes: droplet IDs, load balancer ID, database cluster UUID; "If both the `tags`
 *   array and `entities` array are empty the alert policy applies to all entities of the relevant type");
 *   uptime/models/check.yml (`type` ping|http|https, `regions` us_east|us_west|eu_west|se_asia),
 *   uptime/models/alert.yml (`type` latency|down|down_global|ssl_expiry, `comparison` greater_than|less_than,
 *   `period` 2m to 1h), uptime/models/notification.yml ("The Email has to be one that is verified on that
 *   DigitalOcean account").
 * - [TFDO] digitalocean/terraform-provider-digitalocean digitalocean/monitoring/resource_monitor_alert.go
 *   and digitalocean/uptime/resource_uptime_{check,alert}.go validate the same lists (snake_case: the
 *   @pulumi/digitalocean docs' `downGlobal`, `greaterThan` and `usEast` are camel-cased by its doc
 *   generator; the provider sends and checks `down_global`, `greater_than`, `us_east`).
 * - Droplet memory, disk and load come from the metrics agent (`monitoring: true` on every droplet);
 *   "Disk Utilization: The percentage of the root disk storage being used" (docs.digitalocean.com/products/
 *   monitoring/how-to/set-up-alerts/): a data volume has no alert here.
 */
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { slugVcpus } from "../settings/limits/digitalocean";
import type { AlertsHandle, AlertsRequest, PostgresHandle, RedisHandle } from "./types";

/** The managed clusters this adapter made, behind their neutral handles: UUID and plan. */
const clusters = new WeakMap<PostgresHandle | RedisHandle, { id: pulumi.Output<string>; size: string; engine: string }>();

/** Records the cluster behind a managed data store's handle (clouds/digitalocean.ts). */
export function rememberCluster(handle: PostgresHandle | RedisHandle, cluster: { id: pulumi.Output<string>; size: string; engine: string }): void {
  clusters.set(handle, cluster);
}

/** Alert policy types [OPENAPI alert_policy_request.yml]. */
export const DO_ALERT_TYPES = {
  cpu: "v1/insights/droplet/cpu",
  memory: "v1/insights/droplet/memory_utilization_percent",
  disk: "v1/insights/droplet/disk_utilization_percent",
  load: "v1/insights/droplet/load_5",
  lb5xx: "v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx",
  dbCpu: "v1/dbaas/alerts/cpu_alerts",
  dbMemory: "v1/dbaas/alerts/memory_utilization_alerts",
  dbDisk: "v1/dbaas/alerts/disk_utilization_alerts",
  dbLoad: "v1/dbaas/alerts/load_15_alerts",
} as const;

/** The uptime checkers' regions nearest each droplet region [OPENAPI uptime/models/check.yml]. */
const UPTIME_REGION: Readonly<Record<string, string>> = {
  nyc1: "us_east", nyc2: "us_east", nyc3: "us_east", tor1: "us_east", atl1: "us_east", ric1: "us_east",
  sfo2: "us_west", sfo3: "us_west",
  ams3: "eu_west", lon1: "eu_west", fra1: "eu_west",
  sgp1: "se_asia", blr1: "se_asia", syd1: "se_asia",
};

/** The nearest checkers' region and one other: "down everywhere" then means down from two continents. */
export function uptimeRegions(region: string): string[] {
  const near = UPTIME_REGION[region] ?? "us_east";
  return [near, near === "eu_west" ? "us_east" : "eu_west"];
}

/** Days before the certificate expires that the uptime check alerts. */
const SSL_EXPIRY_DAYS = 14;

export function digitaloceanAlerts(name: string, args: AlertsRequest, opts: pulumi.ComponentResourceOptions): AlertsHandle {
  const t = args.thresholds;
  const names: string[] = [];
  const slacks = args.webhook ? [{ url: args.webhook.url, channel: args.webhook.channel }] : [];
  const recipients = { emails: [...args.emails], slacks };

  const policy = (id: string, description: string, props: Omit<digitalocean.MonitorAlertArgs, "alerts" | "description" | "enabled">) => {
    names.push(description);
    new digitalocean.MonitorAlert(`${name}-${id}`, { ...props, description, enabled: true, alerts: recipients }, opts);
  };

  for (const role of args.roles) {
    if (role.groups.length > 0) throw new Error(`${name}: DigitalOcean has no server groups to alert on (${role.role})`);
    if (role.servers.length === 0) continue;
    // Every droplet of the role, by ID: an alert with neither entities nor tags would watch every droplet of the account.
    const entities = pulumi.all(role.servers.map((s) => s.handle.id));
    const also = [...new Set(role.servers.flatMap((s) => s.roles))].filter((r) => r !== role.role);
    const what = `${args.name} ${role.role} server${role.servers.length > 1 ? "s" : ""}${also.length > 0 ? ` (also ${also.join(", ")})` : ""}`;
    // The smallest droplet of the role sets the load threshold (its vCPUs saturate first).
    const vcpus = Math.min(...role.servers.map((s) => slugVcpus(s.size) ?? 1));
    policy(`${role.role}-cpu`, `${what}: CPU above ${t.cpuPercent}% for 10 minutes`,
      { type: DO_ALERT_TYPES.cpu, compare: "GreaterThan", value: t.cpuPercent, window: "10m", entities });
    policy(`${role.role}-memory`, `${what}: memory above ${t.memoryPercent}% for 10 minutes`,
      { type: DO_ALERT_TYPES.memory, compare: "GreaterThan", value: t.memoryPercent, window: "10m", entities });
    policy(`${role.role}-disk`, `${what}: root disk above ${t.diskPercent}% full`,
      { type: DO_ALERT_TYPES.disk, compare: "GreaterThan", value: t.diskPercent, window: "5m", entities });
    policy(`${role.role}-load`, `${what}: 5-minute load above ${t.loadPerCpu * vcpus} (${t.loadPerCpu} per vCPU) for 10 minutes`,
      { type: DO_ALERT_TYPES.load, compare: "GreaterThan", value: t.loadPerCpu * vcpus, window: "10m", entities });
  }

  if (args.loadBalancer) {
    policy("lb-5xx", `${args.name} load balancer: 5xx error rate up more than ${t.errorRatePercent}% over 5 minutes`,
      { type: DO_ALERT_TYPES.lb5xx, compare: "GreaterThan", value: t.errorRatePercent, window: "5m", entities: [args.loadBalancer.id] });
  }

  for (const [id, label, handle] of [["db", "PostgreSQL", args.postgres], ["redis", "Valkey", args.redis]] as const) {
    if (!handle) continue;
    const cluster = clusters.get(handle);
    if (!cluster) throw new Error(`${name}: the ${label} handle was not made by the DigitalOcean adapter`);
    const entities = [cluster.id];
    const vcpus = slugVcpus(cluster.size) ?? 1;
    const what = `${args.name} managed ${label}`;
    policy(`${id}-cpu`, `${what}: CPU above ${t.cpuPercent}% for 10 minutes`,
      { type: DO_ALERT_TYPES.dbCpu, compare: "GreaterThan", value: t.cpuPercent, window: "10m", entities });
    policy(`${id}-memory`, `${what}: memory above ${t.memoryPercent}% for 10 minutes`,
      { type: DO_ALERT_TYPES.dbMemory, compare: "GreaterThan", value: t.memoryPercent, window: "10m", entities });
    policy(`${id}-disk`, `${what}: disk above ${t.diskPercent}% full`,
      { type: DO_ALERT_TYPES.dbDisk, compare: "GreaterThan", value: t.diskPercent, window: "5m", entities });
    policy(`${id}-load`, `${what}: 15-minute load above ${t.loadPerCpu * vcpus} (${t.loadPerCpu} per vCPU) for 10 minutes`,
      { type: DO_ALERT_TYPES.dbLoad, compare: "GreaterThan", value: t.loadPerCpu * vcpus, window: "10m", entities });
  }

  if (args.publicUrl) {
    const { url, https } = args.publicUrl;
    const check = new digitalocean.UptimeCheck(`${name}-uptime`, {
      name: `${args.name} ${args.healthCheckPath}`,
      type: https ? "https" : "http",
      target: pulumi.interpolate`${url}${args.healthCheckPath}`,
      regions: uptimeRegions(args.region),
      enabled: true,
    }, opts);
    const uptimeAlert = (id: string, alertName: string, props: Omit<digitalocean.UptimeAlertArgs, "checkId" | "name" | "notifications">) => {
      names.push(alertName);
      new digitalocean.UptimeAlert(`${name}-${id}`, { ...props, checkId: check.id, name: alertName, notifications: [recipients] }, opts);
    };
    uptimeAlert("down", `${args.name} is down (${args.healthCheckPath} fails from every checking region)`, { type: "down_global", period: "2m" });
    uptimeAlert("slow", `${args.name} is slow (${args.healthCheckPath} takes over ${t.latencyMs} ms for 5 minutes)`,
      { type: "latency", threshold: t.latencyMs, comparison: "greater_than", period: "5m" });
    if (https) {
      uptimeAlert("certificate", `${args.name}'s certificate expires in less than ${SSL_EXPIRY_DAYS} days`,
        { type: "ssl_expiry", threshold: SSL_EXPIRY_DAYS, comparison: "less_than", period: "2m" });
    }
  }
  return { names };
}
