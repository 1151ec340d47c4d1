/**
 * Alerts to people on AWS: an SNS topic with an email subscription per address (and, with a webhook, a
 * relay function that posts to it), CloudWatch alarms on every server (alone: by InstanceId; in an auto
 * scaling group: by AutoScalingGroupName), the load balancer, the database, the cache nodes and the task
 * queues, and a Route 53 health check of the public URL. Every alarm tells the topic when it fires and when
 * it clears.
 *
 * Sources, cited by short name:
 * - [EC2 metrics] Amazon EC2 User Guide, "CloudWatch metrics that are available for your instances":
 *   StatusCheckFailed, CPUUtilization; the AutoScalingGroupName dimension aggregates every instance of a
 *   group, which the group's alarms use (its servers come and go; the group stays).
 * - [ELB metrics] Elastic Load Balancing, "CloudWatch metrics for your Application Load Balancer":
 *   RequestCount, HTTPCode_ELB_5XX_Count, HTTPCode_Target_5XX_Count, TargetResponseTime (LoadBalancer),
 *   UnHealthyHostCount (TargetGroup and LoadBalancer); the dimensions are the ARN suffixes.
 * - [RDS metrics] Amazon RDS User Guide, "Amazon CloudWatch metrics for Amazon RDS": CPUUtilization,
 *   FreeStorageSpace (bytes), DatabaseConnections. ReplicaLag is published for read replicas and Multi-AZ
 *   DB clusters only; our standby (a Multi-AZ DB instance) replicates synchronously and has none.
 * - [ElastiCache metrics] ElastiCache User Guide, "Metrics for Valkey and Redis OSS":
 *   DatabaseMemoryUsagePercentage, Evictions, per CacheClusterId.
 * - [SQS metrics] Amazon SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS":
 *   ApproximateAgeOfOldestMessage, ApproximateNumberOfMessagesVisible (QueueName).
 * - [Route 53] Route 53 Developer Guide, "Monitoring health checks using CloudWatch": HealthCheckStatus
 *   (1 healthy, 0 unhealthy) by HealthCheckId, published in US East (N. Virginia) only, so its alarm and
 *   the topic it notifies live there.
 * - [CloudWatch agent] provisioning/aws/cloudwatchAgent.ts: memory and disk (and the servers' logs when
 *   the request has them), installed and configured by Systems Manager (clouds/aws/logs.ts).
 * - [Heartbeats] provisioning/aws/heartbeatMetrics.ts: Heartbeat and Failure (Count) per Check in the
 *   stack's namespace, the drill's DataLossWindowSeconds and RestoreSeconds, and SecondsSinceSuccess of the
 *   checks that report their age.
 * - [PutMetricAlarm] CloudWatch API Reference, PutMetricAlarm, Period: "Valid values are 10, 20, 30, and any
 *   multiple of 60"; Period x EvaluationPeriods at most 604,800 s, and 86,400 s for periods under an hour
 *   (ALARM in settings/limits/aws.ts; the aws-cloudwatch-alarm rule checks every alarm made). A missing
 *   success alarms through missing data treated as breaching ("Configuring how CloudWatch alarms treat
 *   missing data", CloudWatch User Guide): every period of the window without a success breaches.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  ALERT_WEBHOOK_HANDLER, ALERT_WEBHOOK_PARAMETER_ENV, ALERT_WEBHOOK_RUNTIME, CW_AGENT_NAMESPACE, CW_DISK_METRIC, CW_MEMORY_METRIC, HEARTBEAT_CHECKS, HEARTBEAT_DIMENSION,
  HEARTBEAT_METRIC, renderAlertWebhookSource,
} from "../../provisioning";
import { ALARM, rdsDefaultMaxConnections, sqsQueuePart } from "../../settings/limits/aws";
import type { AlertsHandle, CloudAdapter, HeartbeatWatch } from "../types";
import { agentLogsOf, cloudWatchAgent } from "./logs";
import { cacheNodesOf, databaseOf } from "./dataStores";
import { loadBalancerMetrics } from "./loadBalancer";
import { inheritedProviderArgs } from "./provider";
import { queueNamesOf } from "./queues";

/** Where Route 53 publishes its health check metrics [Route 53], and so where their alarm must be. */
export const ROUTE53_METRICS_REGION = "us-east-1";

type AlarmProps = Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "alarmDescription" | "alarmActions" | "okActions">;

/** A topic every alarm of one region notifies, and who it reaches. */
interface Topic {
  arn: pulumi.Output<string>;
  opts: pulumi.CustomResourceOptions;
}

export const alerts: CloudAdapter["alerts"] = (name, args, opts): AlertsHandle => {
  const t = args.thresholds;
  const names: string[] = [];
  const relay = args.webhook ? webhookRelay(name, args.name, args.webhook.url, opts) : undefined;

  // One topic per region that has alarms: the stack's, and us-east-1 for the public URL's health check.
  const topic = (id: string, topicOpts: pulumi.CustomResourceOptions): Topic => {
    const sns = new aws.sns.Topic(`${name}-${id}`, { name: `${args.name}-${id}`, displayName: `${args.name} alerts`.slice(0, 100) }, topicOpts);
    args.emails.forEach((email, i) => {
      // Pending until the address confirms it (SNS mails a link); the provider does not wait for email.
      new aws.sns.TopicSubscription(`${name}-${id}-email-${i + 1}`, { topic: sns.arn, protocol: "email", endpoint: email }, topicOpts);
    });
    if (relay) {
      new aws.lambda.Permission(`${name}-${id}-webhook`, {
        action: "lambda:InvokeFunction", function: relay.name, principal: "sns.amazonaws.com", sourceArn: sns.arn,
      }, opts);
      // SNS delivers to a function in another region (the us-east-1 topic to the stack's relay).
      new aws.sns.TopicSubscription(`${name}-${id}-webhook`, { topic: sns.arn, protocol: "lambda", endpoint: relay.arn }, topicOpts);
    }
    return { arn: sns.arn, opts: topicOpts };
  };
  const home = topic("alerts", opts);

  const alarm = (id: string, description: string, props: AlarmProps, to: Topic = home) => {
    names.push(description);
    new aws.cloudwatch.MetricAlarm(`${name}-${id}`, {
      name: `${args.name}-${id}`, alarmDescription: description, alarmActions: [to.arn], okActions: [to.arn], ...props,
    }, to.opts);
  };
  /** An alarm id for a server or group named after the stack (`shop-prod-web-1` -> `web-1`). */
  const short = (physical: string) => (physical.startsWith(`${args.name}-`) ? physical.slice(args.name.length + 1) : physical);
  const diskId = (path: string) => (path === "/" ? "root" : path.split("/").filter(Boolean).join("-"));

  // Servers: status, CPU, memory and disk, by instance or by group.
  const targets: { name: string; roles: readonly string[]; dims: Record<string, pulumi.Input<string>>; paths: string[]; group: boolean }[] = [];
  for (const role of args.roles) {
    for (const s of role.servers) {
      targets.push({ name: s.name, roles: s.roles, dims: { InstanceId: s.handle.id }, paths: ["/", ...(s.dataMount ? [s.dataMount] : [])], group: false });
    }
    for (const g of role.groups) {
      targets.push({ name: g.name, roles: g.roles, dims: { AutoScalingGroupName: g.handle.name }, paths: ["/"], group: true });
    }
  }
  for (const target of targets) {
    const id = short(target.name);
    const what = `${target.name} (${target.roles.join(", ")}${target.group ? "; the group's servers" : ""})`;
    alarm(`${id}-status`, `${what}: EC2 status check failing for 3 minutes`, {
      namespace: "AWS/EC2", metricName: "StatusCheckFailed", dimensions: target.dims, statistic: "Maximum",
      period: 60, evaluationPeriods: 3, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold", treatMissingData: "missing",
    });
    alarm(`${id}-cpu`, `${what}: CPU above ${t.cpuPercent}% for 10 minutes`, {
      namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: target.dims, statistic: "Average",
      period: 300, evaluationPeriods: 2, threshold: t.cpuPercent, comparisonOperator: "GreaterThanThreshold", treatMissingData: "missing",
    });
    alarm(`${id}-memory`, `${what}: memory above ${t.memoryPercent}% for 10 minutes`, {
      namespace: CW_AGENT_NAMESPACE, metricName: CW_MEMORY_METRIC, dimensions: target.dims, statistic: "Maximum",
      period: 300, evaluationPeriods: 2, threshold: t.memoryPercent, comparisonOperator: "GreaterThanThreshold", treatMissingData: "missing",
    });
    for (const path of target.paths) {
      alarm(`${id}-disk-${diskId(path)}`, `${what}: disk ${path} above ${t.diskPercent}% full`, {
        namespace: CW_AGENT_NAMESPACE, metricName: CW_DISK_METRIC, dimensions: { ...target.dims, path }, statistic: "Maximum",
        period: 300, evaluationPeriods: 1, threshold: t.diskPercent, comparisonOperator: "GreaterThanThreshold", treatMissingData: "missing",
      });
    }
  }
  if (targets.length > 0) {
    // One agent per server: the memory and disk metrics these alarms read, and the servers' logs when given.
    cloudWatchAgent(name, args.name, targets.map((x) => x.name), {
      metrics: { diskPaths: [...new Set(targets.flatMap((x) => x.paths))] },
      logs: args.logs ? agentLogsOf(args.logs) : undefined,
    }, opts);
  }

  if (args.loadBalancer) {
    const lb = loadBalancerMetrics(args.loadBalancer);
    const elb = (id: string, metricName: string) => ({
      id, returnData: false, metric: { namespace: "AWS/ApplicationELB", metricName, dimensions: { LoadBalancer: lb.loadBalancer }, period: 300, stat: "Sum" },
    });
    alarm("lb-5xx", `${args.name} load balancer: more than ${t.errorRatePercent}% of requests failed with a 5xx over 5 minutes`, {
      metricQueries: [
        elb("target5xx", "HTTPCode_Target_5XX_Count"), elb("elb5xx", "HTTPCode_ELB_5XX_Count"), elb("requests", "RequestCount"),
        { id: "rate", expression: "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests", label: "5xx rate (%)", returnData: true },
      ],
      evaluationPeriods: 1, threshold: t.errorRatePercent, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching",
    });
    alarm("lb-unhealthy", `${args.name} load balancer: a web server failing its health check for 3 of 5 minutes`, {
      namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", dimensions: { TargetGroup: lb.targetGroup, LoadBalancer: lb.loadBalancer },
      statistic: "Maximum", period: 60, evaluationPeriods: 5, datapointsToAlarm: 3, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching",
    });
    alarm("lb-latency", `${args.name} load balancer: 95th percentile response time above ${t.latencyMs} ms for 10 minutes`, {
      namespace: "AWS/ApplicationELB", metricName: "TargetResponseTime", dimensions: { LoadBalancer: lb.loadBalancer }, extendedStatistic: "p95",
      period: 300, evaluationPeriods: 2, threshold: t.latencyMs / 1000, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching",
    });
  }

  if (args.postgres) {
    const db = databaseOf(args.postgres);
    const dims = { DBInstanceIdentifier: db.identifier };
    const connections = t.dbConnections ?? Math.max(1, Math.floor(0.8 * (rdsDefaultMaxConnections(db.instanceClass) ?? 100)));
    alarm("db-cpu", `${args.name} database: CPU above ${t.cpuPercent}% for 10 minutes`, {
      namespace: "AWS/RDS", metricName: "CPUUtilization", dimensions: dims, statistic: "Average",
      period: 300, evaluationPeriods: 2, threshold: t.cpuPercent, comparisonOperator: "GreaterThanThreshold", treatMissingData: "missing",
    });
    alarm("db-storage", `${args.name} database: less than ${t.dbFreeStorageGb} GiB of storage free`, {
      namespace: "AWS/RDS", metricName: "FreeStorageSpace", dimensions: dims, statistic: "Minimum",
      period: 300, evaluationPeriods: 1, threshold: t.dbFreeStorageGb * 2 ** 30, comparisonOperator: "LessThanThreshold", treatMissingData: "missing",
    });
    alarm("db-connections", `${args.name} database: more than ${connections} connections for 10 minutes`, {
      namespace: "AWS/RDS", metricName: "DatabaseConnections", dimensions: dims, statistic: "Maximum",
      period: 300, evaluationPeriods: 2, threshold: connections, comparisonOperator: "GreaterThanThreshold", treatMissingData: "missing",
    });
  }

  if (args.redis) {
    for (const node of cacheNodesOf(args.redis)) {
      const id = short(node);
      const dims = { CacheClusterId: node };
      alarm(`${id}-memory`, `${node} (cache node): memory above ${t.memoryPercent}%`, {
        namespace: "AWS/ElastiCache", metricName: "DatabaseMemoryUsagePercentage", dimensions: dims, statistic: "Maximum",
        period: 300, evaluationPeriods: 1, threshold: t.memoryPercent, comparisonOperator: "GreaterThanThreshold", treatMissingData: "missing",
      });
      alarm(`${id}-evictions`, `${node} (cache node): keys evicted to free memory`, {
        namespace: "AWS/ElastiCache", metricName: "Evictions", dimensions: dims, statistic: "Sum",
        period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching",
      });
    }
  }

  if (args.queues) {
    for (const q of queueNamesOf(args.queues)) {
      const id = `queue-${sqsQueuePart(q.queue)}`;
      alarm(`${id}-age`, `${args.name} task queue ${q.queue}: a task waiting longer than ${t.queueAgeSeconds} s`, {
        namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage", dimensions: { QueueName: q.name }, statistic: "Maximum",
        period: 300, evaluationPeriods: 1, threshold: t.queueAgeSeconds, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching",
      });
      alarm(`${id}-dead-letters`, `${args.name} task queue ${q.queue}: tasks in the dead-letter queue (failed 5 times)`, {
        namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: q.deadLetter }, statistic: "Maximum",
        period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching",
      });
    }
  }

  // Heartbeats [Heartbeats]: a success missing for longer than the check's period and grace, a failure,
  // and the drill's data-loss window.
  if (args.heartbeats) {
    const namespace = args.heartbeats.metrics.namespace;
    for (const check of args.heartbeats.checks) {
      const dimensions = { [HEARTBEAT_DIMENSION]: check.name };
      const id = `heartbeat-${check.name}`;
      const missing = heartbeatMissing(check);
      alarm(`${id}-missing`, `${args.name} ${check.what}: ${missing.description}`, {
        namespace, dimensions, ...missing.props, datapointsToAlarm: missing.props.evaluationPeriods, treatMissingData: "breaching",
      });
      alarm(`${id}-failed`, `${args.name} ${check.what}: failed (its journal says why)`, {
        namespace, metricName: HEARTBEAT_METRIC.failure, dimensions, statistic: "Sum",
        period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold", treatMissingData: "notBreaching",
      });
      if (check.name === HEARTBEAT_CHECKS.drill) {
        alarm(`${id}-data-loss`, `${args.name} ${check.what}: data-loss window over ${t.dataLossHours} hours (the newest backup is that old)`, {
          namespace, metricName: HEARTBEAT_METRIC.dataLoss, dimensions, statistic: "Maximum",
          period: 60, evaluationPeriods: 1, threshold: t.dataLossHours * 3600, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching",
        });
      }
    }
  }

  if (args.publicUrl) {
    const { url, https } = args.publicUrl;
    const host = pulumi.output(url).apply((u) => new URL(u).hostname);
    const isAddress = (h: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h);
    const check = new aws.route53.HealthCheck(`${name}-url`, {
      type: https ? "HTTPS" : "HTTP",
      fqdn: host.apply((h) => (isAddress(h) ? undefined : h)) as pulumi.Output<string>,
      ipAddress: host.apply((h) => (isAddress(h) ? h : undefined)) as pulumi.Output<string>,
      port: https ? 443 : 80,
      resourcePath: args.healthCheckPath,
      requestInterval: 30,
      failureThreshold: 3,
      enableSni: https ? true : undefined,
      tags: { Name: `${args.name}-public-url` },
    }, opts);
    // Route 53 publishes health check metrics in us-east-1 only: the alarm, and the topic it tells, live
    // there (the stack's own topic when the stack is there too).
    const eastOpts = { ...opts, provider: new aws.Provider(`${name}-${ROUTE53_METRICS_REGION}`, { ...inheritedProviderArgs(), region: ROUTE53_METRICS_REGION }, opts) };
    const east = args.region === ROUTE53_METRICS_REGION ? { arn: home.arn, opts: eastOpts } : topic(`alerts-${ROUTE53_METRICS_REGION}`, eastOpts);
    alarm("url-down", `${args.name} is down: ${args.healthCheckPath} failing from Route 53's health checkers`, {
      namespace: "AWS/Route53", metricName: "HealthCheckStatus", dimensions: { HealthCheckId: check.id }, statistic: "Minimum",
      period: 60, evaluationPeriods: 2, threshold: 1, comparisonOperator: "LessThanThreshold", treatMissingData: "breaching",
    }, east);
  }
  return { names };
};

/**
 * When a check's success is missing [PutMetricAlarm]: every period of a window as long as its period and
 * grace holds no success (missing data breaching). Periods under an hour are the check's own (the services'
 * heartbeatMinutes); longer ones are counted in hours, as the window may then be up to seven days. A check
 * that runs less often (the weekly or monthly drill) is watched through its age instead: no report in its
 * age window says it succeeded within its period and grace.
 */
function heartbeatMissing(check: HeartbeatWatch): { description: string; props: AlarmProps & { evaluationPeriods: number } } {
  const late = check.everySeconds + check.graceSeconds;
  const window = check.age ? check.age.everySeconds + check.age.graceSeconds : late;
  const period = check.age || check.everySeconds >= ALARM.longPeriodSeconds ? ALARM.longPeriodSeconds : check.everySeconds;
  const evaluationPeriods = Math.ceil(window / period);
  const max = period < ALARM.longPeriodSeconds ? ALARM.maxEvaluationSeconds : ALARM.maxLongEvaluationSeconds;
  if (period * evaluationPeriods > max) throw new Error(`heartbeat ${check.name}: a ${window} s window is longer than a CloudWatch alarm evaluates (${max} s); report its age`);
  const span = (seconds: number) => [[Math.floor(seconds / 86_400), "day"], [Math.floor((seconds % 86_400) / 3600), "hour"], [Math.round((seconds % 3600) / 60), "minute"]]
    .filter(([n]) => n !== 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? "" : "s"}`).join(" ");
  return check.age
    ? {
      description: `no success for over ${span(late)}, or no report of it for ${span(period * evaluationPeriods)}`,
      props: {
        metricName: HEARTBEAT_METRIC.age, statistic: "Minimum", period, evaluationPeriods, threshold: late, comparisonOperator: "GreaterThanThreshold",
      },
    }
    : {
      description: `no success for ${span(period * evaluationPeriods)}`,
      props: { metricName: HEARTBEAT_METRIC.success, statistic: "Sum", period, evaluationPeriods, threshold: 1, comparisonOperator: "LessThanThreshold" },
    };
}

/**
 * The relay that posts each alert to a Slack-compatible webhook (provisioning/aws/alertWebhook.ts): the
 * URL in a SecureString parameter, a role that may read only that and write its own logs, the function.
 */
function webhookRelay(name: string, prefix: string, url: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): aws.lambda.Function {
  const parameter = new aws.ssm.Parameter(`${name}-webhook`, {
    name: `/fullstack/${prefix}/alert-webhook`,
    type: "SecureString",
    value: pulumi.secret(url),
    description: `The webhook ${prefix}'s alerts are posted to`,
  }, opts);
  const role = new aws.iam.Role(`${name}-webhook-role`, {
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
  }, opts);
  new aws.iam.RolePolicyAttachment(`${name}-webhook-logs`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }, opts);
  new aws.iam.RolePolicy(`${name}-webhook-parameter`, {
    role: role.id,
    policy: parameter.arn.apply((arn) => JSON.stringify({
      Version: "2012-10-17", Statement: [{ Sid: "WebhookUrl", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [arn] }],
    })),
  }, opts);
  return new aws.lambda.Function(`${name}-webhook`, {
    description: `Posts ${prefix}'s alerts to its webhook`,
    runtime: ALERT_WEBHOOK_RUNTIME,
    handler: ALERT_WEBHOOK_HANDLER,
    role: role.arn,
    code: new pulumi.asset.AssetArchive({ "index.py": new pulumi.asset.StringAsset(renderAlertWebhookSource()) }),
    timeout: 30,
    memorySize: 128,
    environment: { variables: { [ALERT_WEBHOOK_PARAMETER_ENV]: parameter.name } },
  }, opts);
}
