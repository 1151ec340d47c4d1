/**
 * The CloudWatch agent's configuration: memory and disk use, the two numbers EC2 does not measure itself,
 * published with exactly the dimensions the alarms in clouds/aws/alerts.ts name. Systems Manager installs
 * the agent and loads this configuration from Parameter Store (clouds/aws/alerts.ts), so nothing here
 * reaches user data and no server is replaced to change it.
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

/**
 * The agent's JSON configuration, watching the disks mounted at `paths` (the root disk, a data volume).
 * @param paths mount points, "/" among them.
 */
export function renderCloudWatchAgentConfig(paths: readonly string[]): string {
  return JSON.stringify({
    agent: { metrics_collection_interval: 60, run_as_user: "cwagent" },
    metrics: {
      namespace: CW_AGENT_NAMESPACE,
      append_dimensions: CW_APPEND_DIMENSIONS,
      aggregation_dimensions: CW_AGGREGATION_DIMENSIONS,
      metrics_collected: {
        mem: { measurement: ["used_percent"] },
        disk: { measurement: ["used_percent"], resources: [...new Set(["/", ...paths])], drop_device: true },
      },
    },
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
