/**
 * Heartbeats as CloudWatch metrics (issue 15, items 3 and 4): every check also reports to CloudWatch on
 * AWS stacks with alerts, each has its alarms on the alert topic, the instance role may put metrics into
 * the stack's namespace only, and the reporter runs for real (python3 + boto3) against a fake CloudWatch
 * endpoint on loopback that records each PutMetricData call; a CloudWatch that is down never fails a job.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { AWS_TYPES } from "../harness/cloudRules/aws";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { Alerts, Network, WorkerQueue } from "../components";
import {
  decodedWriteFiles, HEARTBEAT_CHECKS, HEARTBEAT_DIMENSION, HEARTBEAT_METRIC, HEARTBEAT_REPORTER, HEARTBEAT_STATE_DIR, heartbeatReporterPart, renderHeartbeatReporter,
} from "../provisioning";
import { HEARTBEAT_ENV, heartbeatPart, renderHeartbeatEnv, renderHeartbeatLib, renderHeartbeatServices } from "../provisioning/roles/heartbeat";
import { DRILL_REPORT_NUMBERS, renderRestoreDrill } from "../provisioning/roles/postgres";
import { loadSettings } from "../settings";
import { ALARM } from "../settings/limits/aws";
import { debianBoto3, planStack } from "./helpers";

jest.setTimeout(300_000);

const EMAILS = ["ops@example.com"];
/** Each AWS stack's checks, and the servers (their logical names) that report them. */
const AWS_STACKS: Record<string, { checks: string[]; reporting: string[]; silent: string[] }> = {
  "aws-dev": { checks: ["backup", "restore-drill", "worker", "scheduler"], reporting: ["shop-aws-dev-web-1"], silent: [] },
  // The managed database's drill runs on the scheduler's server (tests/rdsRestoreDrill.test.ts).
  "aws-staging": { checks: ["restore-drill", "worker", "scheduler"], reporting: ["shop-aws-staging-worker-1"], silent: ["shop-aws-staging-web-1"] },
  "aws-prod": { checks: ["restore-drill", "worker", "scheduler"], reporting: ["shop-aws-prod-worker-1", "shop-aws-prod-workers"], silent: ["shop-aws-prod-web"] },
};
const ofType = (r: RunResult, type: string) => r.resources.filter((x) => x.type === type);
const str = (v: unknown) => String(v);

describe("AWS stacks with alerts: every check has its alarms on the alert topic", () => {
  const runs: Record<string, RunResult> = {};
  beforeAll(async () => {
    for (const stack of Object.keys(AWS_STACKS)) runs[stack] = await planStack(stack, { alertEmails: EMAILS });
  });

  it.each(Object.keys(AWS_STACKS))("%s: a missing-success and a failure alarm per check (and the drill's data-loss window), in the stack's namespace", (stack) => {
    const r = runs[stack];
    const prefix = `shop-${stack}`;
    const topic = ofType(r, AWS_TYPES.topic).find((t) => t.plainInputs.name === `${prefix}-alerts`)!;
    const topicArn = `arn:aws:sns:eu-central-1:123456789012:${str(topic.plainInputs.name)}`;
    const alarms = ofType(r, AWS_TYPES.metricAlarm).filter((a) => a.plainInputs.namespace === `Fullstack/${prefix}`);
    const expected = AWS_STACKS[stack].checks.flatMap((c) => [`${prefix}-heartbeat-${c}-missing`, `${prefix}-heartbeat-${c}-failed`,
      ...(c === HEARTBEAT_CHECKS.drill ? [`${prefix}-heartbeat-${c}-data-loss`] : [])]);
    expect(alarms.map((a) => str(a.plainInputs.name)).sort()).toEqual(expected.sort());
    for (const a of alarms) {
      const i = a.plainInputs;
      expect(i.alarmActions).toEqual([topicArn]);
      expect(i.okActions).toEqual([topicArn]);
      const check = /-heartbeat-(.+)-(missing|failed|data-loss)$/.exec(str(i.name))!;
      expect(i.dimensions).toEqual({ [HEARTBEAT_DIMENSION]: check[1] });
      const period = Number(i.period) * Number(i.evaluationPeriods);
      expect(period).toBeLessThanOrEqual(Number(i.period) < ALARM.longPeriodSeconds ? ALARM.maxEvaluationSeconds : ALARM.maxLongEvaluationSeconds);
      if (check[2] === "missing") {
        // Every period of the window without a success breaches; the window covers the check's period and grace.
        expect(i).toMatchObject({ treatMissingData: "breaching", datapointsToAlarm: i.evaluationPeriods });
        if (check[1] === HEARTBEAT_CHECKS.drill) {
          expect(i).toMatchObject({ metricName: HEARTBEAT_METRIC.age, statistic: "Minimum", comparisonOperator: "GreaterThanThreshold", period: 3600 });
          expect(Number(i.threshold)).toBeGreaterThan(7 * 86_400); // aws-dev's drill is weekly
        } else {
          expect(i).toMatchObject({ metricName: HEARTBEAT_METRIC.success, statistic: "Sum", threshold: 1, comparisonOperator: "LessThanThreshold" });
          expect(period).toBeGreaterThan(check[1] === HEARTBEAT_CHECKS.backup ? 86_400 : 300);
        }
      } else if (check[2] === "failed") {
        expect(i).toMatchObject({ metricName: HEARTBEAT_METRIC.failure, statistic: "Sum", period: 60, evaluationPeriods: 1, threshold: 1, treatMissingData: "notBreaching" });
      } else {
        expect(i).toMatchObject({ metricName: HEARTBEAT_METRIC.dataLoss, statistic: "Maximum", threshold: 25 * 3600, comparisonOperator: "GreaterThanThreshold" });
      }
    }
    expect(formatViolations(checkCloudRules(r.resources))).toBe("");
  });

  it.each(Object.keys(AWS_STACKS))("%s: the instance role of a server that reports may put metrics into the stack's namespace only; others get no such grant", (stack) => {
    const r = runs[stack];
    const namespace = `Fullstack/shop-${stack}`;
    const policy = (server: string) => {
      const p = ofType(r, AWS_TYPES.rolePolicy).find((x) => x.name === `${server}-own`) as RecordedResource;
      return JSON.parse(str(p.plainInputs.policy)) as { Statement: { Sid: string; Effect: string; Action: string[]; Condition?: Record<string, Record<string, unknown>> }[] };
    };
    for (const server of AWS_STACKS[stack].reporting) {
      const statements = policy(server).Statement.filter((s) => s.Action.includes("cloudwatch:PutMetricData"));
      expect(statements).toEqual([
        { Sid: "HeartbeatMetrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": namespace } } },
        // CloudWatchAgentServerPolicy allows PutMetricData anywhere: every namespace but this one and the agent's is denied.
        { Sid: "NoOtherMetrics", Effect: "Deny", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringNotEquals: { "cloudwatch:namespace": [namespace, "CWAgent"] } } },
      ]);
    }
    for (const server of AWS_STACKS[stack].silent) {
      expect(policy(server).Statement.some((s) => s.Action.includes("cloudwatch:PutMetricData"))).toBe(false);
    }
  });

  it("without alert recipients nothing reports to CloudWatch and no heartbeat alarm is made (aws-dev as checked in)", async () => {
    const r = await planStack("aws-dev");
    expect(ofType(r, AWS_TYPES.metricAlarm)).toEqual([]);
    expect(ofType(r, AWS_TYPES.rolePolicy).map((p) => str(p.plainInputs.policy)).join("\n")).not.toContain("cloudwatch:PutMetricData");
  });

  it("DigitalOcean (no custom metrics API): heartbeats stay pings to the URL, whatever the alerts", async () => {
    const r = await planStack("dev", { alertEmails: EMAILS });
    const droplet = r.resources.find((x) => x.type === "digitalocean:index/droplet:Droplet")!;
    const files = decodedWriteFiles((parse(str(droplet.plainInputs.userData)) as { write_files: { path: string; content: string }[] }).write_files);
    const env = files.find((f) => f.path === HEARTBEAT_ENV)!;
    expect(env.content).toContain("HEARTBEAT_URL=");
    expect(env.content).not.toContain("HEARTBEAT_NAMESPACE");
    expect(files.map((f) => f.path)).not.toContain(HEARTBEAT_REPORTER);
  });
});

describe("settings", () => {
  const base = {
    appRepo: "https://github.com/acme/shop.git", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"],
  };
  const aws = { ...base, cloud: "aws", region: "eu-central-1" };
  const digitalocean = { ...base, adminCidrs: ["203.0.113.7/32"] };
  it("AWS with alert recipients: heartbeats go to CloudWatch without a URL, every heartbeatMinutes", () => {
    expect(loadSettings({ ...aws, alertEmails: EMAILS, heartbeatMinutes: 10 }).operations.heartbeat).toEqual({ metrics: true, everyMinutes: 10 });
    expect(loadSettings({ ...aws, alertEmails: EMAILS, heartbeatUrl: "https://hc-ping.com/k" }).operations.heartbeat).toEqual({ url: "https://hc-ping.com/k", metrics: true, everyMinutes: 5 });
    expect(loadSettings({ ...aws }).operations.heartbeat).toBeUndefined();
  });
  it("DigitalOcean has no custom metrics: heartbeatMinutes without a URL is refused there, alerts or not", () => {
    expect(() => loadSettings({ ...digitalocean, alertEmails: EMAILS, heartbeatMinutes: 10 })).toThrow(/^fullstack:heartbeatMinutes 10 needs fullstack:heartbeatUrl \(or, on AWS, alert recipients/);
    expect(loadSettings({ ...digitalocean, alertEmails: EMAILS, heartbeatUrl: "https://hc-ping.com/k" }).operations.heartbeat?.metrics).toBe(false);
  });
  it("alertDataLossHours reaches the drill's alarm, and is refused without a drill, naming the key", async () => {
    expect(loadSettings({ ...aws, alertEmails: EMAILS }).alerts?.thresholds.dataLossHours).toBe(25);
    expect(() => loadSettings({ ...aws, alertEmails: EMAILS, restoreDrill: "off", alertDataLossHours: 30 })).toThrow(/^fullstack:alertDataLossHours 30 has no effect without a restore drill/);
    const r = await planStack("aws-dev", { alertEmails: EMAILS, alertDataLossHours: 30, restoreDrill: "monthly" });
    const alarm = (suffix: string) => ofType(r, AWS_TYPES.metricAlarm).find((a) => a.plainInputs.name === `shop-aws-dev-heartbeat-restore-drill-${suffix}`)!.plainInputs;
    expect(alarm("data-loss").threshold).toBe(30 * 3600);
    // A monthly drill is watched through its age: 31 days and the grace, over a day's reports.
    expect(alarm("missing")).toMatchObject({ threshold: 31 * 86_400 + 2 * 3600, period: 3600, evaluationPeriods: 26 });
  });
});

describe("the Alerts and WorkerQueue components on their own (AWS)", () => {
  const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop";
  const settings = loadSettings({ appRepo: "https://github.com/acme/shop.git", adminSshKeys: [KEY], cloud: "aws", region: "eu-central-1" });
  const worker = { kind: "celery" as const, app: "shop", queues: ["default"], concurrency: 2, taskTimeLimit: 300 };

  it("workers given metrics report, and Alerts given their heartbeats watches them; a bad prefix is refused, naming the argument", async () => {
    const r = await runStack({
      stack: "component", config: { "aws:region": "eu-central-1" }, program: async () => {
        const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
        const metrics = network.adapter.heartbeatMetrics!("shop", "eu-central-1");
        const workers = new WorkerQueue("shop", {
          network, app: settings.app, access: settings.access, environment: {}, worker, heartbeat: { prefix: "shop", everyMinutes: 2, metrics },
        });
        const alerts = new Alerts("shop", { network, workers, emails: EMAILS, heartbeats: { prefix: "shop", everyMinutes: 2 } });
        return { names: alerts.names };
      },
    });
    const alarms = ofType(r, AWS_TYPES.metricAlarm).filter((a) => a.plainInputs.namespace === "Fullstack/shop");
    expect(alarms.map((a) => str(a.plainInputs.name)).sort()).toEqual(["shop-heartbeat-scheduler-failed", "shop-heartbeat-scheduler-missing", "shop-heartbeat-worker-failed", "shop-heartbeat-worker-missing"]);
    expect(alarms.find((a) => a.plainInputs.name === "shop-heartbeat-worker-missing")?.plainInputs).toMatchObject({ period: 120, evaluationPeriods: 2 });
    expect(ofType(r, AWS_TYPES.rolePolicy).filter((p) => str(p.plainInputs.policy).includes('"cloudwatch:namespace":"Fullstack/shop"')).length).toBeGreaterThan(0);
    const bad = runStack({
      stack: "component", config: { "aws:region": "eu-central-1" }, program: async () => {
        const alerts = new Alerts("shop", { network: new Network("shop", { cloud: "aws", region: "eu-central-1" }), emails: EMAILS, heartbeats: { prefix: "shop prod" } });
        return { names: alerts.names };
      },
    });
    await expect(bad).rejects.toThrow(/^Alerts\.heartbeats\.prefix "shop prod" is not a heartbeat prefix/);
  });
});

describe("the rendered files", () => {
  const hb = { prefix: "shop-prod", everyMinutes: 5 };
  const metrics = { namespace: "Fullstack/shop-prod", region: "eu-central-1" };
  const checks = [{ unit: "shop-worker.service", name: "worker" }];

  it("without metrics every heartbeat file is what it was (servers' user data unchanged)", () => {
    const part = heartbeatPart({ ...hb, url: "https://hc-ping.com/key" }, checks);
    const text = (part.writeFiles ?? []).map((f) => f.content).join("\n");
    expect(text).not.toMatch(/HEARTBEAT_NAMESPACE|heartbeat-metrics|CloudWatch/);
    expect(renderHeartbeatLib()).toBe(renderHeartbeatLib(false));
    expect(renderHeartbeatServices()).toContain('[ -n "${HEARTBEAT_URL:-}" ] || exit 0');
  });

  it("with metrics and no URL: the timer still runs, the library calls the reporter with a time limit, the env names the namespace", () => {
    const part = heartbeatPart({ ...hb, metrics }, checks, [HEARTBEAT_CHECKS.drill]);
    const file = (p: string) => part.writeFiles!.find((f) => f.path === p)!.content;
    expect(file(HEARTBEAT_ENV)).toContain("HEARTBEAT_NAMESPACE='Fullstack/shop-prod'");
    expect(file(HEARTBEAT_ENV)).toContain("HEARTBEAT_AGES='restore-drill'");
    expect(part.runcmd).toEqual([["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "fullstack-heartbeat.timer"]]);
    expect(renderHeartbeatLib(true)).toContain(`timeout 60 ${HEARTBEAT_REPORTER} `);
    expect(heartbeatReporterPart()).toEqual({ packages: ["python3-boto3"], writeFiles: [{ path: HEARTBEAT_REPORTER, permissions: "0755", content: renderHeartbeatReporter() }] });
  });

  it("the drill's report line carries the two numbers the reporter reads", () => {
    expect(renderRestoreDrill()).toContain("data-loss window $window s; restore $restored s");
    expect(DRILL_REPORT_NUMBERS.exec("restore drill: ok; backup x taken y; data-loss window 6300 s; restore 4 s; 12 tables")?.slice(1)).toEqual(["6300", "4"]);
  });
});

// ---- a real run: python3 + boto3 against a fake CloudWatch --------------------------------------------

/** Just enough CBOR (RFC 8949) to read a request boto3 sends with the rpc-v2-cbor protocol. */
function decodeCbor(buf: Buffer): unknown {
  let at = 0;
  const length = (info: number): number => {
    if (info < 24) return info;
    const n = info === 24 ? buf.readUInt8(at) : info === 25 ? buf.readUInt16BE(at) : info === 26 ? buf.readUInt32BE(at) : Number(buf.readBigUInt64BE(at));
    at += info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : 8;
    return n;
  };
  const item = (): unknown => {
    const head = buf.readUInt8(at++);
    const major = head >> 5;
    const info = head & 31;
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22 || info === 23) return null;
      const v = info === 25 ? halfFloat(buf.readUInt16BE(at)) : info === 26 ? buf.readFloatBE(at) : buf.readDoubleBE(at);
      at += info === 25 ? 2 : info === 26 ? 4 : 8;
      return v;
    }
    const indefinite = info === 31;
    const n = indefinite ? Infinity : length(info);
    const more = (i: number) => (indefinite ? buf.readUInt8(at) !== 0xff : i < n);
    const done = () => { if (indefinite) at++; };
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2: case 3: {
        if (indefinite) { const parts: string[] = []; while (more(0)) parts.push(String(item())); done(); return parts.join(""); }
        const s = buf.subarray(at, at + n); at += n; return major === 3 ? s.toString("utf8") : s;
      }
      case 4: { const out: unknown[] = []; for (let i = 0; more(i); i++) out.push(item()); done(); return out; }
      case 5: { const out: Record<string, unknown> = {}; for (let i = 0; more(i); i++) { const k = String(item()); out[k] = item(); } done(); return out; }
      default: return item(); // a tag (major 6): its content (e.g. a timestamp)
    }
  };
  return item();
}
function halfFloat(h: number): number {
  const e = (h >> 10) & 31;
  const f = h & 1023;
  const v = e === 0 ? f * 2 ** -24 : e === 31 ? (f ? NaN : Infinity) : (1 + f / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

interface Datum { metric: string; dimensions: Record<string, string>; value: number; unit?: string }
interface PutCall { namespace: string; data: Datum[]; authorization: string }

/** PutMetricData as any protocol boto3 speaks (query, JSON 1.0, rpc-v2-cbor), normalised. */
function readPutMetricData(req: IncomingMessage, body: Buffer): PutCall {
  const type = String(req.headers["content-type"] ?? "");
  let input: { Namespace: string; MetricData: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; Value: number; Unit?: string }[] };
  if (type.includes("cbor")) input = decodeCbor(body) as typeof input;
  else if (type.includes("json")) input = JSON.parse(body.toString("utf8")) as typeof input;
  else {
    const form = new URLSearchParams(body.toString("utf8"));
    const data: typeof input.MetricData = [];
    for (let i = 1; form.has(`MetricData.member.${i}.MetricName`); i++) {
      const m = `MetricData.member.${i}`;
      const dims: { Name: string; Value: string }[] = [];
      for (let j = 1; form.has(`${m}.Dimensions.member.${j}.Name`); j++) dims.push({ Name: form.get(`${m}.Dimensions.member.${j}.Name`)!, Value: form.get(`${m}.Dimensions.member.${j}.Value`)! });
      data.push({ MetricName: form.get(`${m}.MetricName`)!, Dimensions: dims, Value: Number(form.get(`${m}.Value`)), Unit: form.get(`${m}.Unit`) ?? undefined });
    }
    expect(form.get("Action")).toBe("PutMetricData");
    input = { Namespace: form.get("Namespace")!, MetricData: data };
  }
  return {
    namespace: input.Namespace,
    authorization: String(req.headers.authorization ?? ""),
    data: input.MetricData.map((d) => ({
      metric: d.MetricName, value: Number(d.Value), unit: d.Unit,
      dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
    })),
  };
}

/** A fake CloudWatch on loopback: records each PutMetricData call and answers as the caller's protocol expects. */
async function fakeCloudWatch(): Promise<{ url: string; calls: PutCall[]; close: () => Promise<void> }> {
  const calls: PutCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const type = String(req.headers["content-type"] ?? "");
      calls.push(readPutMetricData(req, Buffer.concat(chunks)));
      if (type.includes("cbor")) {
        res.writeHead(200, { "content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor" }).end(Buffer.from([0xa0]));
      } else if (type.includes("json")) {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end("{}");
      } else {
        res.writeHead(200, { "content-type": "text/xml" }).end(
          '<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></PutMetricDataResponse>');
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/**
 * A job as the backup and drill run it: the rendered library (its paths moved into `dir`), the rendered
 * env with metrics and no URL, the reporter run by `python`; returns the job's exit status and stderr.
 */
async function runJob(dir: string, py: { python: string; pythonPath: string }, endpoint: string, script: string): Promise<{ status: number | null; stderr: string; seconds: number }> {
  const env = join(dir, "heartbeat.env");
  const reporter = join(dir, "heartbeat-metrics");
  const state = join(dir, "state");
  writeFileSync(env, renderHeartbeatEnv({ prefix: "shop-prod", everyMinutes: 5, metrics: { namespace: "Fullstack/shop-prod", region: "eu-central-1" } }, [], [HEARTBEAT_CHECKS.drill]));
  writeFileSync(join(dir, "reporter.py"), renderHeartbeatReporter().replaceAll(HEARTBEAT_STATE_DIR, state));
  writeFileSync(reporter, `#!/bin/sh\nexec ${py.python} ${join(dir, "reporter.py")} "$@"\n`);
  chmodSync(reporter, 0o755);
  const lib = renderHeartbeatLib(true).replaceAll(HEARTBEAT_ENV, env).replaceAll(HEARTBEAT_REPORTER, reporter);
  writeFileSync(join(dir, "heartbeat.sh"), lib);
  writeFileSync(join(dir, "job.sh"), `set -eu\n. ${join(dir, "heartbeat.sh")}\n${script}\n`);
  const started = Date.now();
  const child = spawn("sh", [join(dir, "job.sh")], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret",
      TEST_CLOUDWATCH_URL: endpoint, PYTHONPATH: py.pythonPath, AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: join(dir, "none"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
    },
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
  const status = await new Promise<number | null>((ok) => child.on("close", ok));
  return { status, stderr, seconds: (Date.now() - started) / 1000 };
}

describe("the reporter, run for real (python3 + boto3)", () => {
  let python = { python: "", pythonPath: "" };
  let dir = "";
  let siteDir = "";
  beforeAll(() => {
    siteDir = mkdtempSync(join(tmpdir(), "fullstack-heartbeat-site-"));
    python = debianBoto3(siteDir, "cloudwatch", "TEST_CLOUDWATCH_URL");
  });
  afterAll(() => rmSync(siteDir, { recursive: true, force: true }));
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "fullstack-heartbeat-")); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("puts each check's success, failure and the drill's two numbers into the namespace, dimension Check, signed for the region", async () => {
    const cw = await fakeCloudWatch();
    try {
      writeFileSync(join(dir, "drill.log"), "restore drill: ok; backup s3://b/postgresql/shop-20261130T031500Z.dump taken 2026-11-30T03:15:00Z; data-loss window 6300 s; restore 4 s; 12 tables, 3411 rows\n");
      writeFileSync(join(dir, "backup.log"), "postgres backup: /mnt/data/backups/postgresql/shop.dump (1024 bytes)\n");
      const job = await runJob(dir, python, cw.url, [
        "heartbeat backup start",
        `heartbeat backup 0 ${join(dir, "backup.log")}`,
        `heartbeat restore-drill 0 ${join(dir, "drill.log")}`,
        "heartbeat worker fail",
        "heartbeat scheduler 3",
      ].join("\n"));
      expect(job.stderr).toBe("");
      expect(job.status).toBe(0);
      expect(cw.calls.map((c) => c.namespace)).toEqual(Array(5).fill("Fullstack/shop-prod"));
      for (const c of cw.calls) expect(c.authorization).toContain("/eu-central-1/monitoring/aws4_request");
      const seen = cw.calls.map((c) => c.data.map((d) => `${d.metric} ${d.dimensions.Check} ${d.metric === HEARTBEAT_METRIC.age ? "age" : d.value} ${d.unit}`));
      expect(seen).toEqual([
        // The start reports nothing of its own, only the drill's age (counted from this first report).
        ["SecondsSinceSuccess restore-drill age Seconds"],
        ["Heartbeat backup 1 Count", "SecondsSinceSuccess restore-drill age Seconds"],
        ["Heartbeat restore-drill 1 Count", "DataLossWindowSeconds restore-drill 6300 Seconds", "RestoreSeconds restore-drill 4 Seconds", "SecondsSinceSuccess restore-drill age Seconds"],
        ["Failure worker 1 Count", "SecondsSinceSuccess restore-drill age Seconds"],
        ["Failure scheduler 1 Count", "SecondsSinceSuccess restore-drill age Seconds"],
      ]);
      for (const c of cw.calls) {
        for (const d of c.data) expect(Object.keys(d.dimensions)).toEqual([HEARTBEAT_DIMENSION]);
        const age = c.data.find((d) => d.metric === HEARTBEAT_METRIC.age)!;
        expect(age.value).toBeGreaterThanOrEqual(0);
        expect(age.value).toBeLessThan(60);
      }
    } finally {
      await cw.close();
    }
  });

  it("a CloudWatch that is down never fails the job: the job's own status stands, the reporter says why on stderr", async () => {
    const cw = await fakeCloudWatch();
    const down = cw.url;
    await cw.close(); // nothing listens there now
    const job = await runJob(dir, python, down, `heartbeat backup start\nheartbeat backup 0\necho job done\nexit 7`);
    expect(job.status).toBe(7);
    expect(job.stderr).toMatch(/heartbeat-metrics: .*(connect|Connection)/i);
    expect(job.seconds).toBeLessThan(60);
    const ok = await runJob(dir, python, down, "heartbeat worker 0");
    expect(ok.status).toBe(0);
  });

  it("bad arguments or an unreadable output file are reported and swallowed too", async () => {
    const cw = await fakeCloudWatch();
    try {
      const job = await runJob(dir, python, cw.url, `heartbeat restore-drill 0 ${join(dir, "missing.log")}\n${join(dir, "heartbeat-metrics")} only-one-argument`);
      expect(job.status).toBe(0);
      expect(job.stderr).toMatch(/heartbeat-metrics: .*missing\.log/);
    } finally {
      await cw.close();
    }
  });
});
