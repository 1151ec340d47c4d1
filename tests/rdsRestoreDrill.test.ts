/**
 * The restore drill of a managed database on AWS (issue 15, item 4): exactly one server runs it (the
 * scheduler's, else the one web server), its role alone may restore the RDS instance into `<source>-drill`
 * and delete that copy and nothing else; and the drill runs for real (Debian's python3 + python3-boto3 1.26,
 * the RDS query protocol) against a fake RDS on loopback whose "restored instance" is a real throwaway
 * PostgreSQL cluster: the restore call's parameters, the report line, and the deletion, always.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { AWS_TYPES } from "../harness/cloudRules/aws";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import type { RecordedResource, RunResult } from "../harness/mockRuntime";
import {
  decodedWriteFiles, DRILL_EVERY_SECONDS, POSTGRES_DRILL_UNIT, POSTGRES_RESTORE_DRILL, RDS_DRILL_CHECKS, RDS_DRILL_SCRIPT, RDS_DRILL_TAG,
  renderRdsDrillChecks, renderRdsDrillScript,
} from "../provisioning";
import { decodeFetchedFiles } from "../provisioning/aws/secretFetch";
import { DRILL_REPORT_NUMBERS } from "../provisioning/roles/postgres";
import { loadSettings } from "../settings";
import { debianBoto3, ofType, planStack } from "./helpers";
import { PostgresFixture, within } from "./postgresFixture";

jest.setTimeout(300_000);

const str = (v: unknown) => String(v);

/** Every file a server (instance or launch template) gets: its user data's and its fetched parameter's. */
function serverFiles(r: RunResult, server: RecordedResource): Map<string, string> {
  const b64 = str(server.plainInputs.userDataBase64 ?? server.plainInputs.userData ?? "");
  const text = b64.startsWith("#cloud-config") ? b64 : gunzipSync(Buffer.from(b64, "base64")).toString("utf8");
  const doc = parse(text) as { write_files?: { path: string; content: string; encoding?: string }[] };
  const files = new Map(decodedWriteFiles(doc.write_files ?? []).map((f) => [f.path, f.content] as const));
  const param = ofType(r, AWS_TYPES.ssmParameter).find((p) => p.name === `${server.name}-secrets`);
  if (param) for (const f of decodeFetchedFiles(str(param.plainInputs.value))) files.set(f.path, f.content);
  return files;
}

interface Statement { Sid: string; Effect: string; Action: string[]; Resource?: string[]; NotResource?: string[]; Condition?: unknown }
function drillPolicies(r: RunResult): Map<string, Statement[]> {
  return new Map(ofType(r, "aws:iam/rolePolicy:RolePolicy").filter((p) => str(p.plainInputs.policy).includes("rds:"))
    .map((p) => [p.name, (JSON.parse(str(p.plainInputs.policy)) as { Statement: Statement[] }).Statement] as const));
}

describe("AWS managed profiles: one server runs the drill, its role alone may restore into and delete <source>-drill", () => {
  const stacks = {
    "aws-staging": { home: "shop-aws-staging-worker-1", source: "shop-aws-staging-db" },
    "aws-prod": { home: "shop-aws-prod-worker-1", source: "shop-aws-prod-db" },
  } as const;
  const runs: Record<string, RunResult> = {};
  beforeAll(async () => {
    for (const stack of Object.keys(stacks)) runs[stack] = await planStack(stack, { alertEmails: ["ops@example.com"] });
  });

  it.each(Object.keys(stacks) as (keyof typeof stacks)[])("%s: the scheduler's server alone has the unit, timer and scripts", (stack) => {
    const r = runs[stack];
    const { home, source } = stacks[stack];
    const servers = [...ofType(r, AWS_TYPES.instance), ...ofType(r, AWS_TYPES.launchTemplate)];
    const withDrill = servers.filter((s) => serverFiles(r, s).has(`/etc/systemd/system/${POSTGRES_DRILL_UNIT}.timer`)).map((s) => s.name);
    expect(withDrill).toEqual([home]);
    const files = serverFiles(r, servers.find((s) => s.name === home)!);
    expect(files.get(`/etc/systemd/system/${POSTGRES_DRILL_UNIT}.timer`)).toContain("OnCalendar=Sun *-*-* 05:00:00");
    expect(files.get(`/etc/systemd/system/${POSTGRES_DRILL_UNIT}.service`)).toContain(`ExecStart=${POSTGRES_RESTORE_DRILL}`);
    expect(files.get(POSTGRES_RESTORE_DRILL)).toContain(`heartbeat restore-drill start`);
    expect(files.get(RDS_DRILL_SCRIPT)).toContain(`SOURCE = "${source}"`);
    expect(files.get(RDS_DRILL_SCRIPT)).toContain(`DRILL = "${source}-drill"`);
    expect(files.get(RDS_DRILL_CHECKS)).toBe(renderRdsDrillChecks());
    // Reported to CloudWatch with its age (HEARTBEAT_AGES), and watched by the drill's alarms.
    expect(files.get("/etc/fullstack/heartbeat.env")).toContain("HEARTBEAT_AGES='restore-drill'");
    const alarms = ofType(r, AWS_TYPES.metricAlarm).map((a) => str(a.plainInputs.name)).filter((n) => n.includes("restore-drill"));
    expect(alarms.sort()).toEqual([`shop-${stack}-heartbeat-restore-drill-data-loss`, `shop-${stack}-heartbeat-restore-drill-failed`, `shop-${stack}-heartbeat-restore-drill-missing`]);
    expect(formatViolations(checkCloudRules(r.resources))).toBe("");
  });

  it.each(Object.keys(stacks) as (keyof typeof stacks)[])("%s: the drill's policy is on its server's role only, scoped to the source and <source>-drill", (stack) => {
    const r = runs[stack];
    const { home, source } = stacks[stack];
    const policies = drillPolicies(r);
    expect([...policies.keys()]).toEqual([`${home}-restore-drill`]);
    const statements = policies.get(`${home}-restore-drill`)!;
    const by = (sid: string) => statements.find((s) => s.Sid === sid)!;
    // The RDS instance's own ARN (the mocks leave region and account empty), and the copy's beside it.
    const sourceArn = by("DrillDescribe").Resource![0];
    expect(sourceArn).toMatch(new RegExp(`^arn:aws:rds:[^:]*:[^:]*:db:${source}$`));
    const drillArn = `${sourceArn}-drill`;
    expect(by("DrillDescribe")).toMatchObject({ Effect: "Allow", Action: ["rds:DescribeDBInstances"], Resource: [sourceArn, drillArn] });
    expect(by("DrillRestore").Action).toEqual(["rds:RestoreDBInstanceToPointInTime"]);
    expect(by("DrillRestore").Resource!.slice(0, 2)).toEqual([sourceArn, drillArn]);
    expect(by("DrillRestore").Resource!.slice(2).every((a) => /^arn:aws:rds:[^:]*:[^:]*:(subgrp|pg|og):/.test(a))).toBe(true);
    expect(by("DrillTag")).toMatchObject({ Action: ["rds:AddTagsToResource"], Resource: [drillArn] });
    expect(by("DrillDelete")).toMatchObject({ Effect: "Allow", Action: ["rds:DeleteDBInstance"], Resource: [drillArn] });
    expect(by("NothingButTheDrill")).toMatchObject({ Effect: "Deny", NotResource: [drillArn] });
    expect(by("NothingButTheDrill").Action).toContain("rds:DeleteDBInstance");
    // Nothing anywhere allows deleting the source.
    const allows = statements.filter((s) => s.Effect === "Allow" && s.Action.includes("rds:DeleteDBInstance"));
    expect(allows.flatMap((s) => s.Resource ?? [])).toEqual([drillArn]);
  });

  it("the RDS instance itself is not touched by the drill: same inputs with the drill off", async () => {
    const off = await planStack("aws-prod", { alertEmails: ["ops@example.com"], restoreDrill: "off" });
    const db = (r: RunResult) => ofType(r, "aws:rds/instance:Instance").map((x) => x.plainInputs);
    expect(db(runs["aws-prod"])).toEqual(db(off));
    expect(drillPolicies(off).size).toBe(0);
  });

  it("without workers the standard profile's one web server runs it (and reports its age on its own timer); a stack of groups only refuses it", async () => {
    const r = await planStack("aws-staging", { workerKind: "none", workerApp: null, taskTimeLimit: null, alertEmails: ["ops@example.com"] });
    const servers = [...ofType(r, AWS_TYPES.instance), ...ofType(r, AWS_TYPES.launchTemplate)];
    const withDrill = servers.filter((s) => serverFiles(r, s).has(`/etc/systemd/system/${POSTGRES_DRILL_UNIT}.timer`)).map((s) => s.name);
    expect(withDrill).toEqual(["shop-aws-staging-web-1"]);
    const files = serverFiles(r, servers[0]);
    expect(files.get("/usr/local/sbin/fullstack-heartbeat")).toContain('"$HEARTBEAT_AGES" restore-drill start');
    expect([...drillPolicies(r).keys()]).toEqual(["shop-aws-staging-web-1-restore-drill"]);
    expect(formatViolations(checkCloudRules(r.resources))).toBe("");
    await expect(planStack("aws-prod", { workerKind: "none", workerApp: null, workerCount: null, workerSize: null, workerConcurrency: null, workerQueues: null, queueBackend: null, taskTimeLimit: null, restoreDrill: "daily" }))
      .rejects.toThrow(/^fullstack:restoreDrill "daily" has no server to run on: .*set fullstack:restoreDrill off/);
    // Its default is then off, not an error.
    const quiet = await planStack("aws-prod", { workerKind: "none", workerApp: null, workerCount: null, workerSize: null, workerConcurrency: null, workerQueues: null, queueBackend: null, taskTimeLimit: null });
    expect(drillPolicies(quiet).size).toBe(0);
  });

  it("a scaled stack with workers but no scheduler (RQ): the first worker becomes a server of its own and runs it", async () => {
    const r = await planStack("aws-prod", { workerKind: "rq", workerApp: null, workerConcurrency: null, queueBackend: null });
    const servers = [...ofType(r, AWS_TYPES.instance), ...ofType(r, AWS_TYPES.launchTemplate)];
    expect(servers.filter((s) => serverFiles(r, s).has(`/etc/systemd/system/${POSTGRES_DRILL_UNIT}.timer`)).map((s) => s.name)).toEqual(["shop-aws-prod-worker-1"]);
    expect(ofType(r, "aws:autoscaling/group:Group").map((g) => g.name).sort()).toEqual(["shop-aws-prod-web", "shop-aws-prod-workers"]);
    expect([...drillPolicies(r).keys()]).toEqual(["shop-aws-prod-worker-1-restore-drill"]);
    expect(formatViolations(checkCloudRules(r.resources))).toBe("");
  });

  it("settings: restoreDrill and restoreProbeSql apply on AWS standard and scaled; on DigitalOcean's managed profiles only with its token", () => {
    const base = { appRepo: "https://github.com/acme/shop.git", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"] };
    const aws = loadSettings({ ...base, cloud: "aws", region: "eu-central-1", profile: "standard", workerKind: "celery", restoreDrill: "monthly", restoreProbeSql: "SELECT true" });
    expect(aws.operations).toMatchObject({ restoreDrill: "monthly", restoreDrillHome: "scheduler", restoreProbeSql: "SELECT true" });
    // DigitalOcean's: tests/doRestoreDrill.test.ts.
    expect(() => loadSettings({ ...base, profile: "standard", restoreDrill: "daily" }))
      .toThrow(/^fullstack:restoreDrill "daily" needs fullstack:restoreDrillToken/);
    expect(loadSettings({ ...base, profile: "standard" }).operations.restoreDrill).toBe("off");
    expect(Object.keys(DRILL_EVERY_SECONDS)).toEqual(["daily", "weekly", "monthly"]);
  });
});

// ---- a real run: python3 + boto3 against a fake RDS, a real PostgreSQL as the restored copy --------------

const SOURCE = "shop-aws-prod-db";
const DRILL = `${SOURCE}-drill`;

interface Call { action: string; params: Record<string, string>; authorization: string }
interface FakeInstance { status: string[]; cls: string }

/**
 * A fake RDS (query protocol: form bodies in, XML out, shapes per botocore's rds/2014-10-31 model). The
 * source is available with LatestRestorableTime `lagSeconds` ago; a restore makes `<source>-drill`
 * "creating" for one look, then "available" at the PostgreSQL cluster's address; a deletion makes it
 * "deleting" for one look, then gone.
 */
async function fakeRds(opts: { pgPort: number; lagSeconds: number; leftover?: boolean; refuseRestore?: boolean }) {
  const calls: Call[] = [];
  const latest = new Date(Date.now() - opts.lagSeconds * 1000);
  const instances = new Map<string, FakeInstance>([[SOURCE, { status: ["available"], cls: "db.m7g.large" }]]);
  if (opts.leftover) instances.set(DRILL, { status: ["available"], cls: "db.m7g.large" });
  const ns = "http://rds.amazonaws.com/doc/2014-10-31/";
  const instanceXml = (id: string, inst: FakeInstance) => {
    const status = inst.status.length > 1 ? inst.status.shift()! : inst.status[0];
    return [
      "<DBInstance>", `<DBInstanceIdentifier>${id}</DBInstanceIdentifier>`, `<DBInstanceClass>${inst.cls}</DBInstanceClass>`, "<Engine>postgres</Engine>",
      `<DBInstanceStatus>${status}</DBInstanceStatus>`,
      status === "available" ? `<Endpoint><Address>127.0.0.1</Address><Port>${id === SOURCE ? 5432 : opts.pgPort}</Port></Endpoint>` : "",
      id === SOURCE ? `<LatestRestorableTime>${latest.toISOString()}</LatestRestorableTime><MultiAZ>true</MultiAZ>` : "<MultiAZ>false</MultiAZ>",
      "<VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-0db5432</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership></VpcSecurityGroups>",
      "<DBParameterGroups><DBParameterGroup><DBParameterGroupName>shop-aws-prod-db-params-1234</DBParameterGroupName><ParameterApplyStatus>in-sync</ParameterApplyStatus></DBParameterGroup></DBParameterGroups>",
      "<DBSubnetGroup><DBSubnetGroupName>shop-aws-prod-db-subnets-abcd</DBSubnetGroupName><VpcId>vpc-1</VpcId><SubnetGroupStatus>Complete</SubnetGroupStatus></DBSubnetGroup>",
      "<PubliclyAccessible>false</PubliclyAccessible>", "</DBInstance>",
    ].join("");
  };
  const ok = (action: string, inner: string) =>
    `<${action}Response xmlns="${ns}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`;
  const error = (code: string, message: string) =>
    `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const params = Object.fromEntries(form.entries());
      const action = params.Action;
      calls.push({ action, params, authorization: String(req.headers.authorization ?? "") });
      const reply = (status: number, body: string) => res.writeHead(status, { "content-type": "text/xml" }).end(body);
      const notFound = (id: string) => reply(404, error("DBInstanceNotFound", `DBInstance ${id} not found.`));
      if (action === "DescribeDBInstances") {
        const id = params.DBInstanceIdentifier;
        const inst = instances.get(id);
        if (!inst) return notFound(id);
        const body = ok(action, `<DBInstances>${instanceXml(id, inst)}</DBInstances>`);
        if (inst.status[0] === "gone") instances.delete(id);
        return reply(200, body);
      }
      if (action === "RestoreDBInstanceToPointInTime") {
        const id = params.TargetDBInstanceIdentifier;
        if (opts.refuseRestore) return reply(400, error("StorageQuotaExceeded", "The request would exceed the storage quota"));
        if (instances.has(id)) return reply(400, error("DBInstanceAlreadyExists", `DB instance already exists`));
        instances.set(id, { status: ["creating", "available"], cls: params.DBInstanceClass });
        return reply(200, ok(action, instanceXml(id, { status: ["creating"], cls: params.DBInstanceClass })));
      }
      if (action === "DeleteDBInstance") {
        const id = params.DBInstanceIdentifier;
        const inst = instances.get(id);
        if (!inst) return notFound(id);
        inst.status = ["deleting", "gone"];
        return reply(200, ok(action, instanceXml(id, { status: ["deleting"], cls: inst.cls })));
      }
      return reply(400, error("InvalidAction", `${action} is not faked`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, latest, instances, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("the drill, run for real: Debian's python3-boto3 against a fake RDS, a real PostgreSQL as the copy", () => {
  let dir = "";
  let site = "";
  let pg: PostgresFixture;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fullstack-rds-drill-"));
    const boto3 = debianBoto3(dir, "rds", "TEST_RDS_URL");
    // What Debian 12's servers run (it speaks RDS's query protocol, which the fake decodes).
    expect(boto3.version).toMatch(/^1\.26\./);
    site = boto3.pythonPath;
    pg = new PostgresFixture(dir, { user: "shop", database: "shop" });
    await within(pg.start(), 60_000, "the PostgreSQL fixture");
    await pg.sql([
      "CREATE TABLE public.orders (id int PRIMARY KEY); INSERT INTO public.orders SELECT generate_series(1, 7);",
      "CREATE TABLE public.customers (id int PRIMARY KEY); INSERT INTO public.customers SELECT generate_series(1, 3);",
      "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int); INSERT INTO billing.invoices VALUES (1), (2);",
      "GRANT USAGE ON SCHEMA billing TO shop; GRANT SELECT ON ALL TABLES IN SCHEMA public, billing TO shop;",
    ].join("\n"), { database: "shop" });
  });
  afterAll(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Renders the drill (its app env and checks moved into the temp dir) and runs it; bounded. */
  async function drill(rdsUrl: string, probeSql?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const run = mkdtempSync(join(dir, "run-"));
    const appEnv = join(run, "app.env");
    // The app's own URL (RDS host, TLS as the app connects); the fixture trusts, the password is not checked.
    writeFileSync(appEnv, [
      "# Rendered by fullstack-pulumi",
      `DATABASE_DIRECT_URL="postgresql://shop:pa%40ss@${SOURCE}.abc.eu-central-1.rds.amazonaws.com:5432/shop?sslmode=disable"`,
      `DATABASE_URL="postgresql://shop:pa%40ss@${SOURCE}.abc.eu-central-1.rds.amazonaws.com:5432/shop?sslmode=disable"`,
      'SECRET_KEY="x\\"y"', "",
    ].join("\n"));
    const checks = join(run, "checks");
    writeFileSync(checks, renderRdsDrillChecks());
    chmodSync(checks, 0o755);
    const script = join(run, "drill.py");
    writeFileSync(script, renderRdsDrillScript({ schedule: "weekly", database: SOURCE, region: "eu-central-1", appName: "shop", ...(probeSql ? { probeSql } : {}) }, { appEnv, checks }));
    const child = spawn("/usr/bin/python3", [script], {
      env: {
        PATH: "/usr/bin:/bin", HOME: run, LANG: "C.UTF-8", PYTHONPATH: site, TEST_RDS_URL: rdsUrl, FULLSTACK_DRILL_POLL_SECONDS: "0.05",
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: join(run, "none"), AWS_SHARED_CREDENTIALS_FILE: join(run, "none"),
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
    const status = await within(new Promise<number | null>((resolve) => child.on("close", resolve)), 120_000, "the drill");
    return { status, stdout, stderr };
  }

  const deleted = (calls: Call[]) => calls.filter((c) => c.action === "DeleteDBInstance").map((c) => c.params.DBInstanceIdentifier);

  it("restores into <source>-drill with the source's network and parameters, Single-AZ and private, checks it, reports, deletes it", async () => {
    const rds = await fakeRds({ pgPort: pg.pgPort, lagSeconds: 300 });
    try {
      const started = Date.now();
      const run = await drill(rds.url, "SELECT count(*) = 7 FROM public.orders");
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const restore = rds.calls.filter((c) => c.action === "RestoreDBInstanceToPointInTime");
      expect(restore).toHaveLength(1);
      expect(restore[0].params).toMatchObject({
        SourceDBInstanceIdentifier: SOURCE, TargetDBInstanceIdentifier: DRILL, UseLatestRestorableTime: "true", DBInstanceClass: "db.m7g.large",
        DBSubnetGroupName: "shop-aws-prod-db-subnets-abcd", "VpcSecurityGroupIds.VpcSecurityGroupId.1": "sg-0db5432",
        DBParameterGroupName: "shop-aws-prod-db-params-1234", MultiAZ: "false", PubliclyAccessible: "false", DeletionProtection: "false",
        "Tags.Tag.1.Key": RDS_DRILL_TAG, "Tags.Tag.1.Value": SOURCE,
      });
      expect(restore[0].params).not.toHaveProperty("VpcSecurityGroupIds.VpcSecurityGroupId.2");
      for (const c of rds.calls) expect(c.authorization).toContain("/eu-central-1/rds/aws4_request");
      // The one report line, in the single box's format: what the metrics reporter reads.
      const report = run.stdout.split("\n").find((l) => l.startsWith("restore drill: ok;"))!;
      expect(report).toMatch(new RegExp(`^restore drill: ok; ${SOURCE} restored to \\S+Z into ${DRILL}; data-loss window \\d+ s; restore \\d+ s; 3 tables, 12 rows; probe true$`));
      const [, window, restored] = DRILL_REPORT_NUMBERS.exec(report)!.map(Number);
      const elapsed = (Date.now() - started) / 1000;
      expect(window).toBeGreaterThanOrEqual(300);
      expect(window).toBeLessThanOrEqual(300 + elapsed + 1);
      expect(restored).toBeLessThanOrEqual(elapsed + 1);
      expect(deleted(rds.calls)).toEqual([DRILL]);
      expect(rds.calls.find((c) => c.action === "DeleteDBInstance")!.params).toMatchObject({ SkipFinalSnapshot: "true", DeleteAutomatedBackups: "true" });
      expect(rds.calls.map((c) => c.action)).toEqual(["DescribeDBInstances", "DescribeDBInstances", "RestoreDBInstanceToPointInTime", "DescribeDBInstances", "DescribeDBInstances", "DeleteDBInstance"]);
    } finally {
      await rds.close();
    }
  });

  it("a probe that answers false fails the drill with its message, and the copy is still deleted", async () => {
    const rds = await fakeRds({ pgPort: pg.pgPort, lagSeconds: 60 });
    try {
      const run = await drill(rds.url, "SELECT count(*) > 100 FROM public.orders");
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('restore drill: the probe query answered "f", not true: SELECT count(*) > 100 FROM public.orders');
      expect(run.stderr).toContain(`restore drill: a check on ${DRILL} failed`);
      expect(run.stdout).not.toContain("restore drill: ok");
      expect(deleted(rds.calls)).toEqual([DRILL]);
    } finally {
      await rds.close();
    }
  });

  it("a copy left by a crashed run is deleted first (and waited for), then the drill runs; only <source>-drill is ever deleted", async () => {
    const rds = await fakeRds({ pgPort: pg.pgPort, lagSeconds: 30, leftover: true });
    try {
      const run = await drill(rds.url);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`restore drill: deleting ${DRILL} left by an earlier run`);
      const actions = rds.calls.map((c) => c.action);
      expect(actions.indexOf("DeleteDBInstance")).toBeLessThan(actions.indexOf("RestoreDBInstanceToPointInTime"));
      expect(deleted(rds.calls)).toEqual([DRILL, DRILL]);
      expect(rds.calls.every((c) => c.action !== "DeleteDBInstance" || c.params.DBInstanceIdentifier === DRILL)).toBe(true);
      expect(run.stdout).toMatch(/; 3 tables, 12 rows$/m);
    } finally {
      await rds.close();
    }
  });

  it("a restore RDS refuses fails the drill with RDS's message; the deletion is still tried, of the copy only", async () => {
    const rds = await fakeRds({ pgPort: pg.pgPort, lagSeconds: 30, refuseRestore: true });
    try {
      const run = await drill(rds.url);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/restore drill: .*StorageQuotaExceeded.*quota/);
      expect(run.stdout).not.toContain("restore drill: ok");
      expect(deleted(rds.calls)).toEqual([DRILL]);
      expect(rds.instances.has(SOURCE)).toBe(true);
    } finally {
      await rds.close();
    }
  });
});
