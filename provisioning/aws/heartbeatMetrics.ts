/**
 * Heartbeats as CloudWatch metrics (AWS): every check (provisioning/roles/heartbeat.ts) is also reported
 * with PutMetricData into the stack's own namespace, one dimension `Check`, at the same moments as the URL
 * pings, so clouds/aws/alerts.ts can alarm when a success stops coming or a failure comes. It runs with what
 * every AWS server has already: python3 and python3-boto3 (the secret fetch script's), and the instance
 * role, which may put metrics into this namespace only (clouds/aws/iam.ts).
 *
 * Why not the CloudWatch agent (installed by Systems Manager when alerts exist): its StatsD listener takes
 * fire-and-forget UDP, publishes everything into the one namespace of its configuration (CWAgent, which the
 * memory and disk alarms read) and appends InstanceId; a direct call names its namespace and dimensions
 * exactly as the alarms do, and says whether it got through.
 *
 * Sources: CloudWatch API Reference, PutMetricData (Namespace: ASCII without control characters, not
 * beginning with "AWS/"; MetricData; Unit) and MetricDatum; boto3's botocore.config.Config
 * (connect_timeout, read_timeout, retries).
 */
import { DRILL_REPORT_NUMBERS } from "../roles/postgres";
import { HEARTBEAT_CHECKS, HEARTBEAT_REPORTER } from "../roles/heartbeat";
import type { RolePart } from "../types";

/** The metrics each check reports (Count, 1 a report) and the drill's measurements (Seconds). */
export const HEARTBEAT_METRIC = {
  /** A success: a job that exited 0, a service systemd reports active. */
  success: "Heartbeat",
  /** A failure: a job's non-zero exit, a service that is not active. */
  failure: "Failure",
  /** Seconds since the check last succeeded (checks in HEARTBEAT_AGES), with every report on its server. */
  age: "SecondsSinceSuccess",
  /** The restore drill: how long the restore took. */
  restore: "RestoreSeconds",
  /** The restore drill: the age of the newest backup, what a loss right now would cost. */
  dataLoss: "DataLossWindowSeconds",
} as const;
/** The one dimension of every heartbeat metric: the check's name (`backup`, `restore-drill`, `worker`, `scheduler`). */
export const HEARTBEAT_DIMENSION = "Check";

/** The stack's own namespace (`prefix` is `<app>-<stack>`): the instance role may put metrics into it only. */
export function heartbeatNamespace(prefix: string): string {
  return `Fullstack/${prefix}`;
}

/** Where the reporter keeps each check's last success (a file whose modification time it is). */
export const HEARTBEAT_STATE_DIR = "/var/lib/fullstack/heartbeat";

/**
 * The reporter: `heartbeat-metrics <namespace> <region> <age checks> <check> start|fail|<exit status>
 * [output file]`. Errors are printed and it exits 0; the library gives it 60 s at most (boto3's own limits
 * end it sooner: 3 s to connect, 5 s to read, 3 attempts).
 */
export function renderHeartbeatReporter(): string {
  const m = HEARTBEAT_METRIC;
  return [
    "#!/usr/bin/python3",
    "# Rendered by fullstack-pulumi: reports a heartbeat to CloudWatch. Never fails the job (errors are printed).",
    "import os, re, sys, time",
    "",
    `STATE = ${JSON.stringify(HEARTBEAT_STATE_DIR)}`,
    "",
    "def main(namespace, region, ages, check, status, output=''):",
    "    data = []",
    "    def put(metric, value, name=check, unit='Count'):",
    `        data.append({'MetricName': metric, 'Dimensions': [{'Name': ${JSON.stringify(HEARTBEAT_DIMENSION)}, 'Value': name}], 'Value': float(value), 'Unit': unit})`,
    "    os.makedirs(STATE, exist_ok=True)",
    "    if status == '0':",
    `        put(${JSON.stringify(m.success)}, 1)`,
    "        with open(os.path.join(STATE, check), 'w'):",
    "            pass",
    `        if check == ${JSON.stringify(HEARTBEAT_CHECKS.drill)} and output:`,
    "            with open(output, errors='replace') as f:",
    `                found = re.findall(${JSON.stringify(DRILL_REPORT_NUMBERS.source)}, f.read())`,
    "            if found:",
    `                put(${JSON.stringify(m.dataLoss)}, found[-1][0], unit='Seconds')`,
    `                put(${JSON.stringify(m.restore)}, found[-1][1], unit='Seconds')`,
    "    elif status != 'start':",
    `        put(${JSON.stringify(m.failure)}, 1)`,
    "    for name in ages.split():",
    "        stamp = os.path.join(STATE, name)",
    "        if not os.path.exists(stamp):  # counted from the first report on this server",
    "            open(stamp, 'w').close()",
    `        put(${JSON.stringify(m.age)}, max(0, time.time() - os.path.getmtime(stamp)), name, 'Seconds')`,
    "    if data:",
    "        import boto3",
    "        from botocore.config import Config",
    "        config = Config(connect_timeout=3, read_timeout=5, retries={'max_attempts': 3})",
    "        boto3.client('cloudwatch', region_name=region, config=config).put_metric_data(Namespace=namespace, MetricData=data)",
    "",
    "try:",
    "    main(*sys.argv[1:])",
    "except Exception as err:",
    "    print(f'heartbeat-metrics: {err}', file=sys.stderr)",
    "",
  ].join("\n");
}

/** The reporter on a server whose heartbeats go to CloudWatch too. */
export function heartbeatReporterPart(): RolePart {
  return {
    packages: ["python3-boto3"],
    writeFiles: [{ path: HEARTBEAT_REPORTER, permissions: "0755", content: renderHeartbeatReporter() }],
  };
}
