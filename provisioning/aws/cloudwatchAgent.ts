/**
 * The CloudWatch agent's configuration: memory and disk use, the two numbers EC2 does not measure itself,
 * published with exactly the dimensions the alarms in clouds/aws/alerts.ts name, and the servers' logs.
 * Systems Manager installs the agent and loads this configuration from Parameter Store (clouds/aws/agent.ts),
 * so nothing here reaches user data and no server is replaced to change it.
 *
 * How the agent names and dimensions metrics, from aws/amazon-cloudwatch-agent:
 * - a measurement `used_percent` under `mem` is published as `mem_used_percent`, under `disk` as
 *   `disk_used_percent`, in the namespace `metrics.namespace` (CWAgent by default);
 * - `append_dimensions` adds InstanceId and, on a member of an auto scaling group only, AutoScalingGroupName
 *   (plugins/processors/ec2tagger/ec2tagger.go: the `aws:autoscaling:groupName` tag, renamed; no tag, no
 *   dimension);
 * - the disk plugin tags `path`, `device` and `fstype`; `drop_device` drops `device`
 *   (translator/translate/metrics/metrics_collect/disk/ruleDropTags.go);
 * - each `aggregation_dimensions` set is published as well, when the metric has every dimension of the set
 *   and more besides (processor/rollupprocessor/processor.go `buildRollup`).
 */

export const CW_AGENT_NAMESPACE = "CWAgent";
export const CW_MEMORY_METRIC = "mem_used_percent";
export const CW_DISK_METRIC = "disk_used_percent";
/** Where the agent's configuration lives: CloudWatchAgentServerPolicy lets servers read `AmazonCloudWatch-*` parameters. */
export const CW_AGENT_PARAMETER_PREFIX = "AmazonCloudWatch-";
export const CW_AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl";

/** The dimensions the agent adds to every metric of an EC2 instance. */
export const CW_APPEND_DIMENSIONS = { InstanceId: "${aws:InstanceId}", AutoScalingGroupName: "${aws:AutoScalingGroupName}" } as const;

/**
 * The sets the agent also publishes: a group's memory (AutoScalingGroupName) and each disk of a group
 * (AutoScalingGroupName, path) or of a single server (InstanceId, path). A single server's memory carries
 * InstanceId alone already.
 */
export const CW_AGGREGATION_DIMENSIONS: readonly (readonly string[])[] = [["AutoScalingGroupName"], ["AutoScalingGroupName", "path"], ["InstanceId", "path"]];

/** A log group the agent fills: journal entries of `units`, lines of `files`, one stream per instance. */
export interface AgentLogGroup {
  readonly group: string;
  readonly units: readonly string[];
  readonly files: readonly string[];
}

/**
 * The agent's JSON configuration: the memory and disk metrics (watching the disks mounted at `diskPaths`,
 * "/" among them) where `metrics` is given, and the log groups where `logs` is.
 *
 * Logs, as the agent reads them (aws/amazon-cloudwatch-agent, since 1.300070.0):
 * - `logs.logs_collected.journald.collect_list`: entries with `log_group_name`, `log_stream_name` and
 *   `units` (translator/config/schema.json `logsJournaldDefinition`), read with journalctl by the agent's
 *   user, who must be in the systemd-journal group (clouds/aws/agent.ts adds it);
 * - `logs.logs_collected.files.collect_list`: entries with `file_path` (globs allowed), `log_group_name`,
 *   `log_stream_name`; nginx's logs are www-data:adm 0640, so the agent's user joins adm too;
 * - `{instance_id}` in a stream name is the server's instance ID;
 * - no `retention_in_days`: the log groups are Pulumi's (their retention set there), and the agent's
 *   policy (CloudWatchAgentServerPolicy) may not change it.
 */
export function renderCloudWatchAgentConfig(parts: { metrics?: { diskPaths: readonly string[] }; logs?: readonly AgentLogGroup[] }): string {
  const stream = "{instance_id}";
  const journald = (parts.logs ?? []).filter((g) => g.units.length > 0).map((g) => ({ log_group_name: g.group, log_stream_name: stream, units: [...g.units] }));
  const files = (parts.logs ?? []).flatMap((g) => g.files.map((path) => ({ file_path: path, log_group_name: g.group, log_stream_name: stream })));
  return JSON.stringify({
    agent: { metrics_collection_interval: 60, run_as_user: "cwagent" },
    ...(parts.metrics ? {
      metrics: {
        namespace: CW_AGENT_NAMESPACE,
        append_dimensions: CW_APPEND_DIMENSIONS,
        aggregation_dimensions: CW_AGGREGATION_DIMENSIONS,
        metrics_collected: {
          mem: { measurement: ["used_percent"] },
          disk: { measurement: ["used_percent"], resources: [...new Set(["/", ...parts.metrics.diskPaths])], drop_device: true },
        },
      },
    } : {}),
    ...(journald.length + files.length > 0 ? {
      logs: {
        logs_collected: {
          ...(files.length > 0 ? { files: { collect_list: files } } : {}),
          ...(journald.length > 0 ? { journald: { collect_list: journald } } : {}),
        },
      },
    } : {}),
  }, null, 2);
}

/**
 * The dimension sets under which the agent publishes a metric that carries `dimensions` (names only):
 * the metric's own, and each aggregation set it has every dimension of and more besides.
 */
export function publishedDimensionSets(dimensions: readonly string[], aggregations: readonly (readonly string[])[] = CW_AGGREGATION_DIMENSIONS): string[][] {
  const own = [...dimensions].sort();
  const rollups = aggregations.filter((set) => set.length < dimensions.length && set.every((d) => dimensions.includes(d))).map((set) => [...set].sort());
  return [own, ...rollups];
}
