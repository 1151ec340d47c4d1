/**
 * Logs that leave the servers (issue 15, item 2), under mocks on every checked-in stack: on AWS a
 * CloudWatch Logs group per stream with the configured retention, filled by one CloudWatch agent per
 * server (the alerts' agent when there are alerts), allowed to read the journal and nginx's logs; on
 * DigitalOcean the logs stay on the droplets and the stack says how to follow them. nginx's JSON access
 * log itself runs on real nginx in tests/nginxProxy.test.ts and in the VM test.
 */
import { AWS_TYPES } from "../harness/cloudRules/aws";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { Network, ServerLogs } from "../components";
import { logStreams, nginxAccessLog } from "../provisioning";
import { LOG_SHIPPER_CONF } from "../provisioning/roles/logShipper";
import { file, hasFile, servers } from "./topology/inspect";
import { isSettingsError, loadSettings } from "../settings";
import { CLOUDWATCH_LOG_RETENTION_DAYS } from "../settings/limits/aws";
import { ofType, planStack } from "./helpers";

const STACKS = ["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"];
const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  for (const stack of STACKS) runs[stack] = await planStack(stack);
}, 300_000);

interface AgentConfig {
  metrics?: unknown;
  logs?: { logs_collected: { files?: { collect_list: { file_path: string; log_group_name: string; log_stream_name: string }[] }; journald?: { collect_list: { log_group_name: string; units: string[] }[] } } };
}
const agentsOf = (r: RunResult) => ofType(r, AWS_TYPES.ssmParameter).filter((p) => String(p.plainInputs.name).startsWith("AmazonCloudWatch-"));
const configOf = (p: RecordedResource) => JSON.parse(String(p.plainInputs.value)) as AgentConfig;
/** Every server's Name tag: single instances, and the groups' (their members carry it). */
const serverNames = (r: RunResult) => [
  ...ofType(r, "aws:ec2/instance:Instance").map((i) => String((i.plainInputs.tags as Record<string, string>).Name)),
  ...ofType(r, "aws:autoscaling/group:Group").flatMap((g) => (g.plainInputs.tags as { key: string; value: string }[]).filter((t) => t.key === "Name").map((t) => t.value)),
].filter((n) => !n.includes("-nat")).sort();

describe.each(["aws-dev", "aws-staging", "aws-prod"])("%s: the servers' logs in CloudWatch Logs", (stack) => {
  it("a log group per stream (app, jobs, nginx), kept 30 days by default, named after the stack", () => {
    const groups = ofType(runs[stack], AWS_TYPES.logGroup);
    expect(groups.map((g) => [g.plainInputs.name, g.plainInputs.retentionInDays])).toEqual(
      ["app", "jobs", "nginx"].map((s) => [`/fullstack/shop-${stack}/${s}`, 30]));
  });

  it("one agent on every server ships each stream to its group: the app's units from the journal, nginx's files", () => {
    const [agent, ...more] = agentsOf(runs[stack]);
    expect(more).toEqual([]);
    const config = configOf(agent);
    // The production stack has alerts: the same agent publishes their memory and disk metrics.
    expect(config.metrics !== undefined).toBe(stack === "aws-prod");
    const journald = config.logs!.logs_collected.journald!.collect_list;
    const streams = logStreams("shop");
    expect(journald.map((j) => [j.log_group_name, j.units])).toEqual(
      streams.filter((s) => s.units.length > 0).map((s) => [`/fullstack/shop-${stack}/${s.name}`, [...s.units]]));
    expect(journald[0].units).toEqual(["shop-gunicorn.service", "shop-worker.service", "shop-scheduler.service"]);
    expect(config.logs!.logs_collected.files!.collect_list).toEqual([
      { file_path: nginxAccessLog("shop"), log_group_name: `/fullstack/shop-${stack}/nginx`, log_stream_name: "{instance_id}" },
      { file_path: "/var/log/nginx/error.log", log_group_name: `/fullstack/shop-${stack}/nginx`, log_stream_name: "{instance_id}" },
    ]);
    // Every group the agent writes to is one the stack makes (the agent's policy may not create them with retention).
    const made = new Set(ofType(runs[stack], AWS_TYPES.logGroup).map((g) => g.plainInputs.name));
    for (const name of [...journald.map((j) => j.log_group_name), ...config.logs!.logs_collected.files!.collect_list.map((f) => f.log_group_name)]) expect(made.has(name)).toBe(true);
    // It runs on every server and group of the stack.
    const [association] = ofType(runs[stack], AWS_TYPES.ssmAssociation).filter((a) => String(a.plainInputs.associationName).endsWith("-cloudwatch-agent"));
    const targets = (association.plainInputs.targets as { key: string; values: string[] }[]);
    expect(targets.map((t) => t.key)).toEqual(["tag:Name"]);
    expect([...targets[0].values].sort()).toEqual(serverNames(runs[stack]));
  });

  it("the agent's user may read the journal and nginx's logs before the agent (re)starts with this configuration", () => {
    const [document] = ofType(runs[stack], AWS_TYPES.ssmDocument).filter((d) => String(d.plainInputs.name).endsWith("-cloudwatch-agent"));
    const steps = (JSON.parse(String(document.plainInputs.content)) as { mainSteps: { name: string; inputs: { runCommand?: string[] } }[] }).mainSteps;
    const load = steps.find((s) => s.name === "loadConfiguration")!.inputs.runCommand!;
    const usermod = load.findIndex((c) => c === "usermod --append --groups adm,systemd-journal cwagent");
    const fetch = load.findIndex((c) => c.includes("-a fetch-config") && c.includes(" -s "));
    expect(usermod).toBeGreaterThan(-1);
    expect(fetch).toBeGreaterThan(usermod);
    expect(steps.map((s) => s.name)).toEqual(["waitForFirstBoot", "installAgent", "loadConfiguration"]);
  });

  it("the stack says how to follow the app's logs", () => {
    expect(runs[stack].outputs.tailLogs.value).toBe(`aws logs tail /fullstack/shop-${stack}/app --follow --region eu-central-1`);
  });

  it("passes every cloud rule", () => {
    expect(formatViolations(checkCloudRules(runs[stack].resources))).toBe("");
  });
});

describe.each(["dev", "staging", "prod"])("%s: the logs stay on the droplets", (stack) => {
  it("no log service is made, and the stack gives the command that follows the app's units over SSH", () => {
    expect(runs[stack].resources.filter((r) => /logGroup|cloudwatch/i.test(r.type))).toEqual([]);
    expect(runs[stack].outputs.tailLogs.value).toMatch(/^ssh ops@\S+ sudo journalctl --follow -u shop-gunicorn\.service -u shop-worker\.service -u shop-scheduler\.service$/);
  });
});

describe("fullstack:logRetentionDays", () => {
  it("sets every log group's retention", async () => {
    const r = await planStack("aws-staging", { logRetentionDays: 14 });
    expect(ofType(r, AWS_TYPES.logGroup).map((g) => g.plainInputs.retentionInDays)).toEqual([14, 14, 14]);
  });

  it("takes only CloudWatch's periods, and only on AWS, naming the key", () => {
    const base = { appRepo: "https://github.com/acme/shop.git", cloud: "aws", region: "eu-central-1" };
    expect(loadSettings({ ...base, logRetentionDays: 3653 }).operations.logRetentionDays).toBe(3653);
    expect(CLOUDWATCH_LOG_RETENTION_DAYS).toContain(30);
    const refusal = (config: Record<string, unknown>) => {
      try {
        loadSettings(config);
      } catch (err) {
        if (isSettingsError(err)) return err.message;
        throw err;
      }
      return "accepted";
    };
    expect(refusal({ ...base, logRetentionDays: 10 })).toMatch(/^fullstack:logRetentionDays 10 is not a period CloudWatch Logs keeps logs for; use one of 1, 3, 5, 7, 14, 30, .* \(e\.g\. 14\)$/);
    expect(refusal({ appRepo: base.appRepo, adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example"], logRetentionDays: 14 }))
      .toMatch(/^fullstack:logRetentionDays .*aws/i);
  });
});

describe("fullstack:logSink: every server ships its logs to a syslog receiver", () => {
  const base = { appRepo: "https://github.com/acme/shop.git", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example"], adminCidrs: ["203.0.113.7/32"] };
  const refusal = (logSink: unknown) => {
    try {
      loadSettings({ ...base, logSink });
    } catch (err) {
      if (isSettingsError(err)) return err.message;
      throw err;
    }
    return "accepted";
  };

  it("takes syslog+tls://host:port anywhere and syslog://host:port to a private address only", () => {
    expect(loadSettings({ ...base, logSink: "syslog+tls://logs.papertrailapp.com:12345" }).operations.logSink).toEqual({ host: "logs.papertrailapp.com", port: 12345, tls: true });
    expect(loadSettings({ ...base, logSink: "syslog://10.0.2.2:5140" }).operations.logSink).toEqual({ host: "10.0.2.2", port: 5140, tls: false });
    expect(refusal("syslog://logs.papertrailapp.com:12345")).toBe('fullstack:logSink "syslog://logs.papertrailapp.com:12345" sends logs over the internet in clear text; ' +
      "use syslog+tls://logs.papertrailapp.com:12345 (plain syslog:// only to a private address such as 10.0.0.5)");
    for (const bad of ["https://logs.example.com", "syslog+tls://logs.example.com", "syslog+tls://logs.example.com:70000", "syslog+tls://a b:1"]) {
      expect(refusal(bad)).toMatch(/^fullstack:logSink .* is not a syslog receiver; use syslog\+tls:\/\/host:port/);
    }
  });

  it.each([["dev", "digitalocean:index/droplet:Droplet"], ["aws-staging", "aws:ec2/instance:Instance"]])("%s: each app server gets rsyslog and the shipping settings", async (stack) => {
    const r = await planStack(stack, { logSink: "syslog+tls://logs.example.com:6514" });
    const s = servers(r);
    expect(s.length).toBeGreaterThan(0);
    for (const server of s) {
      expect(hasFile(server, LOG_SHIPPER_CONF)).toBe(true);
      const conf = file(server, LOG_SHIPPER_CONF).content;
      expect(conf).toContain('target="logs.example.com" port="6514"');
      expect(conf).toContain('StreamDriverPermittedPeers="logs.example.com"');
      expect(server.cloudConfig.packages).toEqual(expect.arrayContaining(["rsyslog", "rsyslog-gnutls", "ca-certificates"]));
    }
    const without = await planStack(stack);
    for (const server of servers(without)) expect(hasFile(server, LOG_SHIPPER_CONF)).toBe(false);
  });
});

describe("the ServerLogs component on its own", () => {
  it("refuses a retention CloudWatch has not, naming the field", async () => {
    const run = runStack({
      stack: "component", config: { "aws:region": "eu-central-1" }, program: async () => {
        const logs = new ServerLogs("shop", { network: new Network("shop", { cloud: "aws", region: "eu-central-1" }), app: "shop", retentionDays: 10 });
        return { groups: logs.groups };
      },
    });
    await expect(run).rejects.toThrow(/^ServerLogs\.retentionDays 10 is not a period CloudWatch Logs keeps logs for; use one of 1, 3, 5, 7, 14, .* \(e\.g\. 14\)$/);
  });

  it("makes a log group per stream with the retention given, and no agent without servers", async () => {
    const r = await runStack({
      stack: "component", config: { "aws:region": "eu-central-1" }, program: async () => {
        const logs = new ServerLogs("shop", { network: new Network("shop", { cloud: "aws", region: "eu-central-1" }), app: "shop", retentionDays: 14 });
        return { groups: logs.groups, tail: logs.tailCommand };
      },
    });
    expect(ofType(r, AWS_TYPES.logGroup).map((g) => [g.plainInputs.name, g.plainInputs.retentionInDays])).toEqual([
      ["/fullstack/shop/app", 14], ["/fullstack/shop/jobs", 14], ["/fullstack/shop/nginx", 14],
    ]);
    expect(agentsOf(r)).toEqual([]);
    expect(r.outputs.tail.value).toBe("aws logs tail /fullstack/shop/app --follow --region eu-central-1");
  });
});
