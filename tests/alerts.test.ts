/**
 * Issue 15, item 1, under mocks on every checked-in stack with alert recipients configured: every alert
 * targets the configured people (emails and the webhook), every server of every role has its CPU, memory
 * and disk alerts (and load on DigitalOcean, status checks on AWS), the load balancer, data stores and
 * queues have theirs where the profile has them, the public URL is checked from outside, thresholds from
 * config reach the resources, and nothing is made without recipients. The AWS memory and disk alarms name
 * exactly the dimensions the rendered CloudWatch agent configuration publishes; the webhook relay posts
 * what a Slack-compatible webhook reads.
 */
import * as pulumi from "@pulumi/pulumi";
import { Alerts, Network, PostgresDb, RedisCache, WebTier, WorkerQueue } from "../components";
import { DO_TYPES } from "../harness/cloudRules/digitalocean";
import { AWS_TYPES, regionOf } from "../harness/cloudRules/aws";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { SECRET, runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import {
  ALERT_WEBHOOK_PARAMETER_ENV, CW_AGENT_NAMESPACE, CW_DISK_METRIC, CW_MEMORY_METRIC, publishedDimensionSets, renderAlertWebhookSource,
} from "../provisioning";
import { isSettingsError, loadSettings } from "../settings";
import { ROOT, planStack, runPython } from "./helpers";
import { readStackConfig } from "../tools/stackConfig";

jest.setTimeout(300_000);

const EMAILS = ["ops@example.com", "oncall@example.com"];
const WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXX";
const STACKS = ["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"];
const DO = DO_TYPES;
const AWS = AWS_TYPES;
const ASG = "aws:autoscaling/group:Group";
const INSTANCE = "aws:ec2/instance:Instance";
const RDS = "aws:rds/instance:Instance";
const CACHE = "aws:elasticache/replicationGroup:ReplicationGroup";
const QUEUE = "aws:sqs/queue:Queue";
const ALB = "aws:lb/loadBalancer:LoadBalancer";
const PERMISSION = "aws:lambda/permission:Permission";

const ofType = (r: RunResult, type: string) => r.resources.filter((x) => x.type === type);
const isAws = (stack: string) => stack.startsWith("aws-");
/** The id a resource got from the mocks (what its dependants received as its `.id`). */
const idOf = (r: RecordedResource) => r.id!;

const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  for (const stack of STACKS) runs[stack] = await planStack(stack, { alertEmails: EMAILS, alertWebhookUrl: WEBHOOK });
});

describe("every alert targets the configured people", () => {
  it.each(STACKS.filter((s) => !isAws(s)))("%s: every alert policy and uptime alert names the emails and the webhook, and nothing else", (stack) => {
    const r = runs[stack];
    const policies = ofType(r, DO.monitorAlert);
    const uptime = ofType(r, DO.uptimeAlert);
    expect(policies.length).toBeGreaterThanOrEqual(4);
    expect(uptime.length).toBeGreaterThanOrEqual(2);
    const recipients = { emails: EMAILS, slacks: [{ url: WEBHOOK, channel: "#alerts" }] };
    for (const p of policies) expect(p.plainInputs.alerts).toEqual(recipients);
    for (const a of uptime) expect(a.plainInputs.notifications).toEqual([recipients]);
    // The webhook URL is a secret wherever it goes.
    for (const x of [...policies, ...uptime]) {
      expect(x.secretValues).toContain(WEBHOOK);
      expect(JSON.stringify(x.inputs)).not.toContain(WEBHOOK);
    }
  });

  it.each(STACKS.filter(isAws))("%s: every alarm tells a topic in its own region, on alarm and on recovery; each topic mails every address and feeds the webhook relay", (stack) => {
    const r = runs[stack];
    const topics = ofType(r, AWS.topic);
    const subscriptions = ofType(r, AWS.subscription);
    const [relay] = ofType(r, AWS.lambda);
    expect(relay).toBeDefined();
    const arnOf = (t: RecordedResource) => `arn:aws:sns:${regionOf(t, r.resources) ?? "eu-central-1"}:123456789012:${t.plainInputs.name}`;
    for (const t of topics) {
      const subs = subscriptions.filter((s) => s.plainInputs.topic === arnOf(t));
      expect(subs.filter((s) => s.plainInputs.protocol === "email").map((s) => s.plainInputs.endpoint).sort()).toEqual([...EMAILS].sort());
      expect(subs.filter((s) => s.plainInputs.protocol === "lambda").map((s) => s.plainInputs.endpoint)).toEqual([`arn:aws:lambda:eu-central-1:123456789012:function:${relay.name}`]);
      // SNS may invoke the relay for this topic.
      expect(ofType(r, PERMISSION).some((p) => p.plainInputs.sourceArn === arnOf(t) && p.plainInputs.principal === "sns.amazonaws.com")).toBe(true);
    }
    const alarms = ofType(r, AWS.metricAlarm);
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    for (const a of alarms) {
      const topic = topics.find((t) => arnOf(t) === (a.plainInputs.alarmActions as string[])[0]);
      expect(topic).toBeDefined();
      expect(a.plainInputs.alarmActions).toEqual([arnOf(topic!)]);
      expect(a.plainInputs.okActions).toEqual([arnOf(topic!)]);
      expect(regionOf(a, r.resources) ?? "eu-central-1").toBe(regionOf(topic!, r.resources) ?? "eu-central-1");
    }
    // The relay reads the webhook from a SecureString parameter (secret in the state too), not from its environment.
    const parameter = ofType(r, AWS.ssmParameter).find((p) => p.plainInputs.name === (relay.plainInputs.environment as { variables: Record<string, string> }).variables[ALERT_WEBHOOK_PARAMETER_ENV]);
    expect(parameter?.plainInputs).toMatchObject({ type: "SecureString", value: WEBHOOK });
    expect(parameter?.inputs.value).toBe(SECRET);
    expect(JSON.stringify(relay.plainInputs)).not.toContain(WEBHOOK);
  });

  it("without a webhook there is no relay, and DigitalOcean's alerts name the emails only", async () => {
    for (const stack of ["prod", "aws-prod"]) {
      const r = await planStack(stack, { alertEmails: EMAILS });
      expect(ofType(r, AWS.lambda)).toEqual([]);
      expect(ofType(r, AWS.subscription).every((s) => s.plainInputs.protocol === "email")).toBe(true);
      for (const p of ofType(r, DO.monitorAlert)) expect(p.plainInputs.alerts).toEqual({ emails: EMAILS, slacks: [] });
    }
  });

  it("a webhook alone is enough: DigitalOcean alerts post to it, AWS topics feed the relay", async () => {
    for (const stack of ["staging", "aws-staging"]) {
      const r = await planStack(stack, { alertWebhookUrl: WEBHOOK });
      const alerts = [...ofType(r, DO.monitorAlert), ...ofType(r, AWS.metricAlarm)];
      expect(alerts.length).toBeGreaterThan(8);
      for (const p of ofType(r, DO.monitorAlert)) expect(p.plainInputs.alerts).toEqual({ emails: [], slacks: [{ url: WEBHOOK, channel: "#alerts" }] });
      expect(ofType(r, AWS.subscription).every((s) => s.plainInputs.protocol === "lambda")).toBe(true);
    }
  });
});

describe("every role has its alarms", () => {
  it.each(STACKS.filter((s) => !isAws(s)))("%s: every droplet is watched for CPU, memory, disk and load", (stack) => {
    const r = runs[stack];
    const droplets = ofType(r, DO.droplet);
    expect(droplets.length).toBeGreaterThanOrEqual(1);
    const policies = ofType(r, DO.monitorAlert);
    for (const kind of ["cpu", "memory_utilization_percent", "disk_utilization_percent", "load_5"]) {
      const watching = policies.filter((p) => p.plainInputs.type === `v1/insights/droplet/${kind}`);
      expect(watching.length).toBeGreaterThanOrEqual(1);
      for (const d of droplets) expect(watching.some((p) => (p.plainInputs.entities as string[]).includes(idOf(d)))).toBe(true);
    }
    // One policy per role and metric: the web role and, beyond the single box, the worker role.
    const roles = new Set(policies.filter((p) => p.plainInputs.type === "v1/insights/droplet/cpu").map((p) => String(p.plainInputs.description).split(":")[0]));
    expect([...roles]).toEqual(stack === "dev"
      ? ["shop-dev web server (also worker, scheduler, postgres, redis)"]
      : stack === "staging" ? ["shop-staging web server", "shop-staging worker server (also scheduler)"] : ["shop-prod web servers", "shop-prod worker servers (also scheduler)"]);
  });

  it.each(STACKS.filter(isAws))("%s: every instance and every auto scaling group has status, CPU, memory and disk alarms", (stack) => {
    const r = runs[stack];
    const alarms = ofType(r, AWS.metricAlarm);
    const watching = (metric: string, dims: Record<string, string>) => alarms.filter((a) => a.plainInputs.metricName === metric
      && Object.entries(dims).every(([k, v]) => (a.plainInputs.dimensions as Record<string, string> | undefined)?.[k] === v));
    const targets = [
      ...ofType(r, INSTANCE).map((i) => ({ what: i.name, dims: { InstanceId: idOf(i) }, volume: ofType(r, "aws:ebs/volume:Volume").length > 0 && i.name.endsWith("-web-1") })),
      ...ofType(r, ASG).map((g) => ({ what: g.name, dims: { AutoScalingGroupName: String(g.plainInputs.name ?? `${g.name}-${Number(idOf(g)) - 100000}`) }, volume: false })),
    ];
    expect(targets.length).toBeGreaterThanOrEqual(1);
    for (const t of targets) {
      expect([t.what, watching("StatusCheckFailed", t.dims).length]).toEqual([t.what, 1]);
      expect([t.what, watching("CPUUtilization", t.dims).length]).toEqual([t.what, 1]);
      expect([t.what, watching(CW_MEMORY_METRIC, t.dims).length]).toEqual([t.what, 1]);
      const disks = watching(CW_DISK_METRIC, t.dims).map((a) => (a.plainInputs.dimensions as Record<string, string>).path).sort();
      expect([t.what, disks]).toEqual([t.what, t.volume ? ["/", "/mnt/data"] : ["/"]]);
    }
  });

  it("the auto scaling groups' alarms name each group by its name", () => {
    const r = runs["aws-prod"];
    const groups = ofType(r, ASG);
    expect(groups).toHaveLength(2);
    const named = new Set(ofType(r, AWS.metricAlarm).map((a) => (a.plainInputs.dimensions as Record<string, string> | undefined)?.AutoScalingGroupName).filter(Boolean));
    expect(named.size).toBe(2);
  });
});

describe("data stores, the load balancer, the queues and the public URL have theirs where the profile has them", () => {
  it.each([["staging", 0], ["prod", 1]] as const)("%s: each managed cluster has CPU, memory, disk and load alerts; the load balancer a 5xx alert (%i)", (stack, lbs) => {
    const r = runs[stack];
    const policies = ofType(r, DO.monitorAlert);
    const clusters = ofType(r, DO.cluster);
    expect(clusters).toHaveLength(2);
    for (const c of clusters) {
      const kinds = policies.filter((p) => (p.plainInputs.entities as string[]).includes(idOf(c))).map((p) => p.plainInputs.type).sort();
      expect(kinds).toEqual(["v1/dbaas/alerts/cpu_alerts", "v1/dbaas/alerts/disk_utilization_alerts", "v1/dbaas/alerts/load_15_alerts", "v1/dbaas/alerts/memory_utilization_alerts"]);
    }
    const lb = ofType(r, DO.loadBalancer);
    expect(lb).toHaveLength(lbs);
    const lbAlerts = policies.filter((p) => String(p.plainInputs.type).startsWith("v1/insights/lbaas/"));
    expect(lbAlerts.map((p) => p.plainInputs.entities)).toEqual(lb.map((x) => [idOf(x)]));
  });

  it("dev (single box): no managed clusters, no load balancer: only the droplet's alerts and the uptime check", () => {
    const types = ofType(runs.dev, DO.monitorAlert).map((p) => p.plainInputs.type);
    expect(types.every((t) => String(t).startsWith("v1/insights/droplet/"))).toBe(true);
  });

  it.each(STACKS.filter((s) => !isAws(s)))("%s: the uptime check fetches /healthz of the public URL, and alerts when it is down or slow (and before the certificate expires over HTTPS)", (stack) => {
    const r = runs[stack];
    const [check] = ofType(r, DO.uptimeCheck);
    const https = stack === "prod";
    expect(check.plainInputs).toMatchObject({ type: https ? "https" : "http", regions: ["eu_west", "us_east"] });
    expect(String(check.plainInputs.target)).toMatch(https ? /^https:\/\/shop\.example\.com\/healthz$/ : /^http:\/\/\d+\.\d+\.\d+\.\d+\/healthz$/);
    const types = ofType(r, DO.uptimeAlert).map((a) => a.plainInputs.type).sort();
    expect(types).toEqual(https ? ["down_global", "latency", "ssl_expiry"] : ["down_global", "latency"]);
    for (const a of ofType(r, DO.uptimeAlert)) expect(a.plainInputs.checkId).toBe(idOf(check));
  });

  it("aws-staging and aws-prod: the database's CPU, free storage and connections; each cache node's memory and evictions", () => {
    for (const [stack, nodes] of [["aws-staging", 1], ["aws-prod", 2]] as const) {
      const r = runs[stack];
      const alarms = ofType(r, AWS.metricAlarm);
      const [db] = ofType(r, RDS);
      const dbAlarms = alarms.filter((a) => (a.plainInputs.dimensions as Record<string, string> | undefined)?.DBInstanceIdentifier === db.plainInputs.identifier);
      expect(dbAlarms.map((a) => a.plainInputs.metricName).sort()).toEqual(["CPUUtilization", "DatabaseConnections", "FreeStorageSpace"]);
      const [cache] = ofType(r, CACHE);
      expect(cache.plainInputs.numCacheClusters).toBe(nodes);
      const members = Array.from({ length: nodes }, (_, i) => `${String(cache.plainInputs.replicationGroupId)}-00${i + 1}`);
      for (const member of members) {
        const cacheAlarms = alarms.filter((a) => (a.plainInputs.dimensions as Record<string, string> | undefined)?.CacheClusterId === member);
        expect(cacheAlarms.map((a) => a.plainInputs.metricName).sort()).toEqual(["DatabaseMemoryUsagePercentage", "Evictions"]);
      }
    }
    // The single box has no managed data stores: nothing of the kind.
    expect(ofType(runs["aws-dev"], AWS.metricAlarm).filter((a) => ["AWS/RDS", "AWS/ElastiCache", "AWS/ApplicationELB", "AWS/SQS"].includes(String(a.plainInputs.namespace)))).toEqual([]);
  });

  it("aws-prod: the load balancer's 5xx rate, unhealthy hosts and p95 response time, by its and its target group's ARN suffixes", () => {
    const r = runs["aws-prod"];
    const [alb] = ofType(r, ALB);
    const suffix = `app/${alb.plainInputs.name}/${Number(idOf(alb)) - 100000}`;
    const alarms = ofType(r, AWS.metricAlarm);
    const byName = (n: string) => alarms.find((a) => a.plainInputs.name === `shop-aws-prod-${n}`)!;
    const rate = byName("lb-5xx");
    const queries = rate.plainInputs.metricQueries as { id: string; expression?: string; metric?: { metricName: string; dimensions: Record<string, string> } }[];
    expect(queries.filter((q) => q.metric).map((q) => [q.metric!.metricName, q.metric!.dimensions.LoadBalancer])).toEqual([
      ["HTTPCode_Target_5XX_Count", suffix], ["HTTPCode_ELB_5XX_Count", suffix], ["RequestCount", suffix],
    ]);
    expect(queries.find((q) => q.expression)?.expression).toBe("100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests");
    expect(byName("lb-unhealthy").plainInputs).toMatchObject({ metricName: "UnHealthyHostCount", dimensions: { LoadBalancer: suffix, TargetGroup: expect.stringMatching(/^targetgroup\//) } });
    expect(byName("lb-latency").plainInputs).toMatchObject({ metricName: "TargetResponseTime", extendedStatistic: "p95", threshold: 1, dimensions: { LoadBalancer: suffix } });
  });

  it("aws-prod (SQS): each task queue's oldest message and its dead-letter queue's depth", () => {
    const r = runs["aws-prod"];
    const alarms = ofType(r, AWS.metricAlarm).filter((a) => a.plainInputs.namespace === "AWS/SQS");
    const queues = ofType(r, QUEUE);
    expect(queues).toHaveLength(4);
    for (const q of queues) {
      const metric = q.name.endsWith("-dlq") ? "ApproximateNumberOfMessagesVisible" : "ApproximateAgeOfOldestMessage";
      expect(alarms.filter((a) => (a.plainInputs.dimensions as Record<string, string>).QueueName === q.name).map((a) => a.plainInputs.metricName)).toEqual([metric]);
    }
    // taskTimeLimit 900: twice that.
    expect(alarms.find((a) => a.plainInputs.metricName === "ApproximateAgeOfOldestMessage")?.plainInputs.threshold).toBe(1800);
  });

  it.each(STACKS.filter(isAws))("%s: a Route 53 health check of /healthz on the public URL, alarmed in us-east-1", (stack) => {
    const r = runs[stack];
    const [check] = ofType(r, AWS.healthCheck);
    const https = stack === "aws-prod";
    expect(check.plainInputs).toMatchObject({ type: https ? "HTTPS" : "HTTP", port: https ? 443 : 80, resourcePath: "/healthz", requestInterval: 30, failureThreshold: 3 });
    if (https) expect(check.plainInputs).toMatchObject({ fqdn: "shop.example.com", enableSni: true });
    else expect(check.plainInputs.ipAddress ?? check.plainInputs.fqdn).toEqual(expect.any(String));
    const alarm = ofType(r, AWS.metricAlarm).find((a) => a.plainInputs.namespace === "AWS/Route53")!;
    expect(alarm.plainInputs).toMatchObject({ metricName: "HealthCheckStatus", dimensions: { HealthCheckId: idOf(check) }, comparisonOperator: "LessThanThreshold", threshold: 1 });
    expect(regionOf(alarm, r.resources)).toBe("us-east-1");
  });
});

describe("the CloudWatch agent publishes what the memory and disk alarms watch", () => {
  it.each(STACKS.filter(isAws))("%s: each alarm's dimensions are a set the agent publishes; Systems Manager configures the agent on every server and group", (stack) => {
    const r = runs[stack];
    const [parameter] = ofType(r, AWS.ssmParameter).filter((p) => String(p.plainInputs.name).startsWith("AmazonCloudWatch-"));
    const config = JSON.parse(String(parameter.plainInputs.value)) as { metrics: { namespace: string; append_dimensions: Record<string, string>; aggregation_dimensions: string[][] } };
    expect(config.metrics.namespace).toBe(CW_AGENT_NAMESPACE);
    const agentAlarms = ofType(r, AWS.metricAlarm).filter((a) => a.plainInputs.namespace === CW_AGENT_NAMESPACE);
    expect(agentAlarms.length).toBeGreaterThan(0);
    for (const a of agentAlarms) {
      const dims = Object.keys(a.plainInputs.dimensions as Record<string, string>).sort();
      const inGroup = dims.includes("AutoScalingGroupName");
      // What the agent tags a data point with: its append_dimensions (AutoScalingGroupName only on group members), and the disk plugin's path and fstype.
      const raw = [...Object.keys(config.metrics.append_dimensions).filter((d) => inGroup || d !== "AutoScalingGroupName"),
        ...(a.plainInputs.metricName === CW_DISK_METRIC ? ["path", "fstype"] : [])];
      expect(publishedDimensionSets(raw, config.metrics.aggregation_dimensions)).toContainEqual(dims);
    }
    const [association] = ofType(r, AWS.ssmAssociation).filter((x) => String(x.plainInputs.associationName).endsWith("-cloudwatch-agent"));
    const names = [...ofType(r, INSTANCE).map((i) => (i.plainInputs.tags as Record<string, string>).Name), ...ofType(r, ASG).map((g) => (g.plainInputs.tags as { key: string; value: string }[]).find((t) => t.key === "Name")!.value)];
    expect((association.plainInputs.targets as { key: string; values: string[] }[])).toEqual([{ key: "tag:Name", values: expect.arrayContaining(names) }]);
    expect((association.plainInputs.targets as { values: string[] }[])[0].values).toHaveLength(names.length);
    // No user data changes: the agent comes through Systems Manager, not cloud-init.
    for (const i of [...ofType(r, INSTANCE), ...ofType(r, "aws:ec2/launchTemplate:LaunchTemplate")]) expect(JSON.stringify(i.plainInputs)).not.toContain("amazon-cloudwatch-agent");
  });
});

describe("thresholds from config reach the resources", () => {
  const THRESHOLDS = {
    alertCpuPercent: 77, alertMemoryPercent: 66, alertDiskPercent: 55, alertLatencyMs: 1234, alertErrorRatePercent: 9,
  };
  it("prod (DigitalOcean): CPU, memory, disk, load per vCPU, 5xx rate and latency", async () => {
    const r = await planStack("prod", { ...THRESHOLDS, alertLoadPerCpu: 3 });
    const byType = (t: string) => ofType(r, DO.monitorAlert).filter((p) => p.plainInputs.type === t).map((p) => p.plainInputs.value);
    expect(byType("v1/insights/droplet/cpu")).toEqual([77, 77]);
    expect(byType("v1/insights/droplet/memory_utilization_percent")).toEqual([66, 66]);
    expect(byType("v1/insights/droplet/disk_utilization_percent")).toEqual([55, 55]);
    // s-2vcpu-4gb: 3 per vCPU is 6.
    expect(byType("v1/insights/droplet/load_5")).toEqual([6, 6]);
    // db-s-2vcpu-4gb and the scaled profile's Valkey db-s-1vcpu-2gb.
    expect(byType("v1/dbaas/alerts/load_15_alerts")).toEqual([6, 3]);
    expect(byType("v1/dbaas/alerts/cpu_alerts")).toEqual([77, 77]);
    expect(byType("v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx")).toEqual([9]);
    expect(ofType(r, DO.uptimeAlert).find((a) => a.plainInputs.type === "latency")?.plainInputs.threshold).toBe(1234);
  });

  it("aws-prod: CPU, memory, disk, latency, 5xx rate, connections, free storage and queue age", async () => {
    const r = await planStack("aws-prod", { ...THRESHOLDS, alertDbConnections: 42, alertDbFreeStorageGb: 7, alertQueueAgeSeconds: 999 });
    const thresholds = (metric: string) => [...new Set(ofType(r, AWS.metricAlarm).filter((a) => a.plainInputs.metricName === metric).map((a) => a.plainInputs.threshold))];
    expect(thresholds("CPUUtilization")).toEqual([77]);
    expect(thresholds(CW_MEMORY_METRIC)).toEqual([66]);
    expect(thresholds("DatabaseMemoryUsagePercentage")).toEqual([66]);
    expect(thresholds(CW_DISK_METRIC)).toEqual([55]);
    expect(thresholds("TargetResponseTime")).toEqual([1.234]);
    expect(thresholds("DatabaseConnections")).toEqual([42]);
    expect(thresholds("FreeStorageSpace")).toEqual([7 * 2 ** 30]);
    expect(thresholds("ApproximateAgeOfOldestMessage")).toEqual([999]);
    expect(ofType(r, AWS.metricAlarm).find((a) => a.plainInputs.name === "shop-aws-prod-lb-5xx")?.plainInputs.threshold).toBe(9);
  });

  it("defaults by profile: disk 80% on the single box, 90% otherwise; latency 2000, 1500, 1000 ms; RDS connections from the class", () => {
    const base = { appRepo: "https://github.com/acme/shop.git", alertEmails: ["ops@example.com"] };
    const doBase = { ...base, adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example"], adminCidrs: ["203.0.113.7/32"] };
    const t = (config: Record<string, unknown>) => loadSettings(config).alerts!.thresholds;
    expect(t(doBase)).toMatchObject({ diskPercent: 80, latencyMs: 2000, cpuPercent: 90, memoryPercent: 90, loadPerCpu: 2 });
    expect(t({ ...doBase, profile: "standard" })).toMatchObject({ diskPercent: 90, latencyMs: 1500 });
    expect(t({ ...doBase, profile: "scaled" })).toMatchObject({ diskPercent: 90, latencyMs: 1000 });
    expect(t({ ...doBase, profile: "standard" }).dbConnections).toBeUndefined();
    const aws = { ...base, cloud: "aws", region: "eu-central-1", profile: "standard" };
    // db.t4g.micro: 1 GiB; three quarters of it / 9531392 = 84 connections; 80% of that.
    expect(t(aws).dbConnections).toBe(67);
    expect(t({ ...aws, dbSize: "db.m7g.large" }).dbConnections).toBe(540);
    expect(t({ ...aws, dbSize: "db.r7g.16xlarge" }).dbConnections).toBe(4000);
    expect(t({ ...aws, workerKind: "celery", queueBackend: "sqs", taskTimeLimit: 120 }).queueAgeSeconds).toBe(600);
    expect(t({ ...aws, workerKind: "celery", queueBackend: "sqs", taskTimeLimit: 900 }).queueAgeSeconds).toBe(1800);
  });
});

describe("no recipients, no alerts", () => {
  it.each(STACKS)("%s without alertEmails and alertWebhookUrl makes no alert, topic or check, and no metric (the agent ships logs only)", async (stack) => {
    const r = await planStack(stack, { alertEmails: null });
    const made = r.resources.filter((x) => [DO.monitorAlert, DO.uptimeCheck, DO.uptimeAlert, AWS.metricAlarm, AWS.topic, AWS.subscription, AWS.healthCheck, AWS.lambda,
      "fullstack:monitoring:Alerts"].includes(x.type as never));
    expect(made).toEqual([]);
    const agents = r.resources.filter((x) => String(x.plainInputs.name ?? "").startsWith("AmazonCloudWatch-"));
    expect(agents.map((a) => Object.keys(JSON.parse(String(a.plainInputs.value)) as object).sort())).toEqual(stack.startsWith("aws") ? [["agent", "logs"]] : []);
  });

  it("the checked-in production stacks name someone; dev and staging do not", () => {
    for (const stack of STACKS) {
      // Pulumi.yaml's default ([]) reaches every stack; the production ones set their own.
      const emails = JSON.parse(readStackConfig(ROOT, stack).config["fullstack:alertEmails"] ?? "[]") as string[];
      expect([stack, emails]).toEqual([stack, stack.endsWith("prod") ? ["ops@example.com"] : []]);
    }
  });
});

describe("every checked-in stack with alerts passes every cloud rule", () => {
  it.each(STACKS)("%s", (stack) => {
    expect(formatViolations(checkCloudRules(runs[stack].resources))).toBe("");
  });
});

describe("the settings refuse, naming the key", () => {
  const base = { appRepo: "https://github.com/acme/shop.git", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example"], adminCidrs: ["203.0.113.7/32"] };
  const refusal = (config: Record<string, unknown>) => {
    try {
      loadSettings({ ...base, ...config });
    } catch (err) {
      expect(isSettingsError(err)).toBe(true);
      return (err as Error).message;
    }
    return undefined;
  };
  it.each([
    [{ alertEmails: ["ops"] }, 'fullstack:alertEmails[0] "ops" is not an email address'],
    [{ alertEmails: ["ops@example.com", "OPS@example.com"] }, 'fullstack:alertEmails[1] "OPS@example.com" is listed twice'],
    [{ alertEmails: ["-x@example.com"] }, "fullstack:alertEmails[0]"],
    [{ alertWebhookUrl: "http://hooks.slack.com/services/x" }, 'fullstack:alertWebhookUrl "[secret]" is not an https:// webhook URL'],
    [{ alertCpuPercent: 80 }, "fullstack:alertCpuPercent 80 needs alert recipients (fullstack:alertEmails or fullstack:alertWebhookUrl)"],
    [{ alertEmails: ["ops@example.com"], alertCpuPercent: 101 }, "fullstack:alertCpuPercent 101 is not a whole number in range; use a whole number from 1 to 100"],
    [{ alertEmails: ["ops@example.com"], alertErrorRatePercent: 2 }, "fullstack:alertErrorRatePercent 2 has no effect without a load balancer"],
    [{ alertEmails: ["ops@example.com"], alertSlackChannel: "#ops" }, 'fullstack:alertSlackChannel "#ops" needs fullstack:alertWebhookUrl'],
    [{ alertWebhookUrl: "https://hooks.slack.com/services/x", alertSlackChannel: "ops room" }, 'fullstack:alertSlackChannel "ops room" is not a Slack channel name'],
  ])("%j", (config, message) => {
    expect(refusal(config)).toEqual(expect.stringContaining(message));
  });
  it("never shows the webhook in an error", () => {
    expect(refusal({ alertWebhookUrl: "http://hooks.example.com/secret-token" })).not.toContain("secret-token");
  });
  it("queue age needs SQS queues", () => {
    const aws = { appRepo: "https://github.com/acme/shop.git", cloud: "aws", region: "eu-central-1", profile: "standard", workerKind: "celery", alertEmails: ["ops@example.com"] };
    expect(() => loadSettings({ ...aws, alertQueueAgeSeconds: 900 })).toThrow("fullstack:alertQueueAgeSeconds 900 has no effect without SQS queues (fullstack:queueBackend sqs)");
    expect(loadSettings({ ...aws, queueBackend: "sqs", alertQueueAgeSeconds: 900 }).alerts?.thresholds.queueAgeSeconds).toBe(900);
  });
});

describe("the Alerts component on its own", () => {
  const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop";
  const settings = loadSettings({ appRepo: "https://github.com/acme/shop.git", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] });

  it("refuses to be made for nobody, naming the argument", async () => {
    const run = runStack({
      stack: "component", config: {}, program: async () => {
        const alerts = new Alerts("shop", { network: new Network("shop", { region: "fra1" }) });
        return { names: alerts.names };
      },
    });
    await expect(run).rejects.toThrow("Alerts.emails [] is empty and there is no webhook: nobody would be told");
  });

  it.each(["digitalocean", "aws"] as const)("%s: a web tier, workers, a database and a cache, watched; a webhook given as a secret Output stays secret and is checked once known", async (cloud) => {
    let names: string[] = [];
    const r = await runStack({
      stack: "component", config: { "aws:region": "eu-central-1" }, program: async () => {
        const network = new Network("shop", cloud === "aws" ? { cloud, region: "eu-central-1" } : { region: "fra1" });
        const db = new PostgresDb("shop-db", { network, size: cloud === "aws" ? "db.t4g.micro" : "db-s-1vcpu-1gb" });
        const redis = new RedisCache("shop-redis", { network, size: cloud === "aws" ? "cache.t4g.micro" : "db-s-1vcpu-1gb" });
        const web = new WebTier("shop", { network, app: settings.app, access: settings.access, environment: { DATABASE_URL: db.url, REDIS_URL: redis.url } });
        const workers = new WorkerQueue("shop", {
          network, app: settings.app, access: settings.access, environment: { REDIS_URL: redis.url },
          worker: { kind: "celery", app: "shop", queues: ["default"], concurrency: 2, taskTimeLimit: 300 },
        });
        const alerts = new Alerts("shop", {
          network, web, workers, postgres: db, redis, emails: ["ops@example.com"],
          webhook: { url: pulumi.secret(WEBHOOK) }, thresholds: { cpuPercent: 70 },
        });
        names = alerts.names;
        return { thresholds: alerts.thresholds };
      },
    });
    const alerts = [...ofType(r, DO.monitorAlert), ...ofType(r, AWS.metricAlarm)];
    expect(alerts.length).toBe(names.length - ofType(r, DO.uptimeAlert).length);
    expect(names.some((n) => /CPU above 70%/.test(n))).toBe(true);
    expect(r.outputs.thresholds.value).toMatchObject({ cpuPercent: 70, memoryPercent: 90, diskPercent: 90, latencyMs: 1500 });
    for (const x of r.resources) if (JSON.stringify(x.plainInputs).includes(WEBHOOK)) expect(x.secretValues).toContain(WEBHOOK);
  });

  it("refuses a webhook that is not https://, naming the argument and never showing the URL", async () => {
    const run = runStack({
      stack: "component", config: {}, program: async () => {
        const network = new Network("shop", { region: "fra1" });
        const alerts = new Alerts("shop", { network, webhook: { url: "http://hooks.example.com/secret-token" } });
        return { names: alerts.names };
      },
    });
    await expect(run).rejects.toThrow(/^Alerts\.webhook\.url "\[secret\]" is not an https:\/\/ webhook URL/);
  });
});

describe("the AWS webhook relay posts what a Slack-compatible webhook reads", () => {
  it("an alarm's state change becomes one {\"text\": ...} line with its reason; any other message is posted as it is", async () => {
    // A receiver in Python beside the handler: the handler's urlopen would block this process's event loop.
    const driver = [
      "import http.server, json, os, sys, threading, types",
      "posts = []",
      "class Hook(http.server.BaseHTTPRequestHandler):",
      "    def do_POST(self):",
      "        posts.append(json.loads(self.rfile.read(int(self.headers['Content-Length']))))",
      "        self.send_response(200); self.end_headers(); self.wfile.write(b'ok')",
      "    def log_message(self, *args): pass",
      "server = http.server.HTTPServer(('127.0.0.1', 0), Hook)",
      "threading.Thread(target=server.serve_forever, daemon=True).start()",
      "os.environ['WEBHOOK_URL_FOR_STUB'] = f'http://127.0.0.1:{server.server_port}/hook'",
      "alarm = {'AlarmName': 'shop-prod-web-cpu', 'AlarmDescription': 'shop-prod-web (web): CPU above 90% for 10 minutes', 'NewStateValue': 'ALARM', 'NewStateReason': 'Threshold Crossed: 2 datapoints'}",
      "handler({'Records': [{'Sns': {'Subject': 'ALARM: x', 'Message': json.dumps(alarm)}}, {'Sns': {'Subject': 'Note', 'Message': 'hello'}}]}, None)",
      "server.shutdown()",
      "with open(os.environ['STUB_LOG'], 'a') as log:",
      "    for p in posts: log.write(json.dumps(p) + '\\n')",
    ].join("\n");
    const boto3 = [
      "import os",
      "class _Ssm:",
      "    def get_parameter(self, Name, WithDecryption):",
      "        assert Name == 'the-parameter' and WithDecryption",
      "        return {'Parameter': {'Value': os.environ['WEBHOOK_URL_FOR_STUB']}}",
      "def client(name):",
      "    assert name == 'ssm'",
      "    return _Ssm()",
    ].join("\n");
    const result = runPython(`${renderAlertWebhookSource()}\n${driver}\n`, { "boto3.py": boto3 }, { [ALERT_WEBHOOK_PARAMETER_ENV]: "the-parameter" });
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
    expect(result.log.map((l) => JSON.parse(l))).toEqual([
      { text: ":rotating_light: ALARM: shop-prod-web (web): CPU above 90% for 10 minutes\nThreshold Crossed: 2 datapoints" },
      { text: "Note: hello" },
    ]);
  });

  it("a webhook that fails makes the invocation fail (Lambda retries it)", () => {
    const result = runPython(`${renderAlertWebhookSource()}\nhandler({'Records': [{'Sns': {'Message': 'x'}}]}, None)\n`,
      { "boto3.py": "class _S:\n    def get_parameter(self, **k): return {'Parameter': {'Value': 'http://127.0.0.1:9/none'}}\ndef client(n): return _S()\n" },
      { [ALERT_WEBHOOK_PARAMETER_ENV]: "p" });
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/URLError|Connection refused/);
  });
});
