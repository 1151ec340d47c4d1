/**
 * The servers' logs on AWS: a CloudWatch Logs group per stream (`/fullstack/<prefix>/<stream>`, kept
 * `retentionDays`), filled by the CloudWatch agent on every server; and the agent itself, which also
 * publishes the memory and disk metrics the alarms read (clouds/aws/alerts.ts).
 *
 * The agent is installed and configured by Systems Manager: the `aws:configurePackage` plugin with
 * Distributor's AmazonCloudWatchAgent package, then `amazon-cloudwatch-agent-ctl -a fetch-config -m ec2
 * -c ssm:<parameter> -s` (aws/amazon-cloudwatch-agent packaging/dependencies/amazon-cloudwatch-agent-ctl).
 * The package makes a `cwagent` user in no group but its own (packaging/debian/preinst); reading the journal
 * takes systemd-journal, and nginx's logs (www-data:adm 0640) take adm.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { CW_AGENT_CTL, CW_AGENT_PARAMETER_PREFIX, renderCloudWatchAgentConfig, type AgentLogGroup } from "../../provisioning";
import type { CloudAdapter, LogsHandle } from "../types";

/** The log groups behind each handle this adapter made, for the alerts' agent (AlertsRequest.logs). */
const agentLogs = new WeakMap<LogsHandle, AgentLogGroup[]>();

/** The log group of one stream of a stack's servers. */
export function logGroupName(prefix: string, stream: string): string {
  return `/fullstack/${prefix}/${stream}`;
}

export const logs: CloudAdapter["logs"] = (name, args, opts): LogsHandle => {
  const groups: AgentLogGroup[] = args.streams.map((stream) => {
    new aws.cloudwatch.LogGroup(`${name}-logs-${stream.name}`, {
      name: logGroupName(args.name, stream.name),
      retentionInDays: args.retentionDays,
      tags: { Name: logGroupName(args.name, stream.name) },
    }, opts);
    return { group: logGroupName(args.name, stream.name), units: stream.units, files: stream.files };
  });
  const servers = args.roles.flatMap((role) => [...role.servers.map((s) => s.name), ...role.groups.map((g) => g.name)]);
  if (args.agent && servers.length > 0) cloudWatchAgent(name, args.name, servers, { logs: groups }, opts);
  const app = groups.find((g) => g.group.endsWith("/app")) ?? groups[0];
  const handle: LogsHandle = {
    groups: groups.map((g) => g.group),
    tailCommand: pulumi.output(`aws logs tail ${app.group} --follow --region ${args.region}`),
  };
  agentLogs.set(handle, groups);
  return handle;
};

/** The log groups of a handle made by {@link logs}. */
export function agentLogsOf(handle: LogsHandle): AgentLogGroup[] {
  const found = agentLogs.get(handle);
  if (!found) throw new Error("these logs were not made by the AWS adapter");
  return found;
}

/**
 * The CloudWatch agent on the servers named `servers` (their `Name` tag): its configuration in Parameter
 * Store (`AmazonCloudWatch-*`, which CloudWatchAgentServerPolicy lets servers read), and a Systems Manager
 * association that waits for the first boot, installs the agent, lets it read the journal and nginx's logs,
 * and loads the configuration, on every server the names match, new group members included. A new
 * configuration replaces the association (its digest is a parameter), which runs it again everywhere.
 */
export function cloudWatchAgent(name: string, prefix: string, servers: string[], parts: Parameters<typeof renderCloudWatchAgentConfig>[0], opts: pulumi.CustomResourceOptions): void {
  const config = renderCloudWatchAgentConfig(parts);
  const what = [...(parts.metrics ? ["memory and disk use"] : []), ...(parts.logs?.length ? ["logs"] : [])].join(", ");
  const parameter = new aws.ssm.Parameter(`${name}-cloudwatch-agent`, {
    name: `${CW_AGENT_PARAMETER_PREFIX}${prefix}`,
    type: "String",
    value: config,
    description: `CloudWatch agent configuration of ${prefix}'s servers (${what})`,
  }, opts);
  const document = new aws.ssm.Document(`${name}-cloudwatch-agent`, {
    name: `${prefix}-cloudwatch-agent`,
    documentType: "Command",
    documentFormat: "JSON",
    content: parameter.name.apply((parameterName) => JSON.stringify({
      schemaVersion: "2.2",
      description: "Install the CloudWatch agent and load its configuration from Parameter Store (fullstack-pulumi)",
      parameters: { configDigest: { type: "String", description: "SHA-256 of the agent's configuration (a new one loads again)" } },
      mainSteps: [
        // The first boot installs packages: the agent's package waits for it.
        { action: "aws:runShellScript", name: "waitForFirstBoot", inputs: { runCommand: ["cloud-init status --wait >/dev/null || true"] } },
        { action: "aws:configurePackage", name: "installAgent", inputs: { name: "AmazonCloudWatchAgent", action: "Install" } },
        {
          action: "aws:runShellScript", name: "loadConfiguration",
          inputs: {
            runCommand: [
              "set -eu",
              `echo "configuration {{ configDigest }}"`,
              // The journal (systemd-journal) and nginx's logs (adm); -s restarts the agent, which then has both.
              ...(parts.logs?.length ? ["usermod --append --groups adm,systemd-journal cwagent"] : []),
              `${CW_AGENT_CTL} -a fetch-config -m ec2 -s -c ssm:${parameterName}`,
            ],
          },
        },
      ],
    })),
    tags: { Name: `${prefix}-cloudwatch-agent` },
  }, opts);
  new aws.ssm.Association(`${name}-cloudwatch-agent`, {
    name: document.name,
    associationName: `${prefix}-cloudwatch-agent`,
    targets: [{ key: "tag:Name", values: servers }],
    parameters: { configDigest: createHash("sha256").update(config).digest("hex") },
  }, { ...opts, dependsOn: [parameter], replaceOnChanges: ["parameters"] });
}
