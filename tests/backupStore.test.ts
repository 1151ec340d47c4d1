/**
 * Backups off the box: the stacks' buckets and keys under mocks, and the server's s3cmd settings used for
 * real (Debian's s3cmd, as on the servers) against an S3-compatible server on loopback that checks each
 * request's signature (harness/fakeS3.ts). The loopback copy of the settings is the rendered one with
 * its endpoint moved there over plain HTTP, as the VM test's wiring does.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { FakeS3 } from "../harness/fakeS3";
import { SECRET } from "../harness/mockRuntime";
import { BACKUP_STORE_CFG, renderBackupStoreConfig, renderPostgresBackup, renderRestoreDrill } from "../provisioning/roles/postgres";
import { decodeFetchedFiles } from "../provisioning/aws/secretFetch";
import { cloudConfig, ofType, planStack, T, writtenFile } from "./helpers";

jest.setTimeout(120_000);

describe("the backup bucket of the single box, under mocks", () => {
  it("DigitalOcean: a private Spaces bucket that expires dumps after the retention, and a key for that bucket only on the server", async () => {
    const r = await planStack("dev", { offsiteBackups: true, backupRetentionDays: 9 });
    const buckets = ofType(r, "digitalocean:index/spacesBucket:SpacesBucket").filter((b) => /-backups$/.test(b.name));
    expect(buckets).toHaveLength(1);
    const [bucket] = buckets;
    expect(bucket.inputs).toMatchObject({ acl: "private", forceDestroy: false, lifecycleRules: [{ enabled: true, expiration: { days: 9 } }] });
    const keys = ofType(r, "digitalocean:index/spacesKey:SpacesKey").filter((k) => /-backups-key$/.test(k.name));
    expect(keys.map((k) => k.inputs.grants)).toEqual([[{ bucket: bucket.plainInputs.name, permission: "readwrite" }]]);
    const [box] = ofType(r, T.droplet);
    const cfg = writtenFile(box, BACKUP_STORE_CFG);
    expect(cfg.permissions).toBe("0600");
    expect(cfg.content).toMatch(new RegExp(`^host_bucket = %\\(bucket\\)s\\.fra1\\.digitaloceanspaces\\.com$`, "m"));
    expect(cfg.content).toMatch(/^access_key = \S+$/m);
    expect(cloudConfig(box).packages).toContain("s3cmd");
    expect(writtenFile(box, "/etc/fullstack/postgres.env").content).toMatch(/^PG_OFFSITE_OPTIONS=''$/m);
    // The key's secret reaches the server only inside its secret user data.
    const secret = /^secret_key = (\S+)$/m.exec(cfg.content)![1];
    expect(box.inputs.userData).toBe(SECRET);
    expect(box.secretValues.some((v) => v.includes(`secret_key = ${secret}`))).toBe(true);
    expect(r.resources.filter((x) => JSON.stringify(x.inputs).includes(secret))).toEqual([]);
    // What Spaces would refuse (names, regions, lifecycle), the plan must not hold.
    expect(formatViolations(checkCloudRules(r.resources))).toBe("");
  });

  it("AWS: an encrypted, private S3 bucket with an expiry rule, written through the instance role that cannot delete", async () => {
    const r = await planStack("aws-dev", { offsiteBackups: true });
    const [bucket] = ofType(r, "aws:s3/bucket:Bucket").filter((b) => /-backups$/.test(b.name));
    expect(bucket).toBeDefined();
    const [expiry] = ofType(r, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").filter((x) => /-backups-expiry$/.test(x.name));
    expect(expiry.inputs.rules).toMatchObject([{ status: "Enabled", expiration: { days: 7 } }]);
    expect(ofType(r, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").some((x) => /-backups-encryption$/.test(x.name))).toBe(true);
    const policies = ofType(r, "aws:iam/rolePolicy:RolePolicy").map((p) => JSON.parse(String(p.plainInputs.policy)) as { Statement: { Sid: string; Action: string[]; Resource: string[] }[] });
    const backupGrants = policies.flatMap((p) => p.Statement).filter((st) => st.Sid.startsWith("Backup"));
    expect(backupGrants.map((st) => [st.Sid, st.Action])).toEqual([["BackupList", ["s3:ListBucket"]], ["BackupObjects", ["s3:GetObject", "s3:PutObject"]]]);
    expect(backupGrants[1].Resource).toEqual([`arn:aws:s3:::${String(bucket.plainInputs.bucket)}/*`]);
    const [server] = ofType(r, "aws:ec2/instance:Instance");
    const files = JSON.stringify(server.plainInputs) + JSON.stringify(ofType(r, "aws:ssm/parameter:Parameter")
      .filter((p) => String(p.plainInputs.name).endsWith("/secret-files")).map((p) => decodeFetchedFiles(String(p.plainInputs.value))));
    expect(files).toContain("host_base = s3.eu-central-1.amazonaws.com");
    expect(files).not.toContain("access_key");
    expect(files).toContain("PG_OFFSITE_OPTIONS='--server-side-encryption'");
    expect(formatViolations(checkCloudRules(r.resources))).toBe("");
  });

  it("is off for dev stacks by default, and refused where there is no self-hosted database", async () => {
    const dev = await planStack("dev");
    expect(ofType(dev, "digitalocean:index/spacesBucket:SpacesBucket").filter((b) => /-backups$/.test(b.name))).toEqual([]);
    await expect(planStack("staging", { offsiteBackups: true })).rejects.toThrow(/fullstack:offsiteBackups "true" has no effect while fullstack:profile is standard/);
  });
});

describe("the server's s3cmd settings, against an S3 server that checks signatures", () => {
  const s3 = new FakeS3({ accessKey: "DO00BACKUPKEY", secretKey: "backup-secret-key", region: "fra1" });
  let dir: string;
  beforeAll(() => s3.start());
  afterAll(() => s3.stop());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "backup-store-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The rendered settings, moved to the loopback server (plain HTTP, path-style), as the VM test's wiring does. */
  function config(secretKey = "backup-secret-key"): string {
    const rendered = renderBackupStoreConfig({ host: "fra1.digitaloceanspaces.com", bucket: "shop-backups", region: "fra1", prefix: "postgresql/",
      accessKey: "DO00BACKUPKEY", secretKey, serverSideEncryption: false });
    const local = rendered.replace(/^host_base = .*$/m, `host_base = 127.0.0.1:${s3.port}`).replace(/^host_bucket = .*$/m, `host_bucket = 127.0.0.1:${s3.port}`)
      .replace(/^use_https = True$/m, "use_https = False");
    const file = join(dir, "s3cfg");
    writeFileSync(file, local, { mode: 0o600 });
    return file;
  }
  const s3cmd = (cfg: string, args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
    execFile("s3cmd", [`--config=${cfg}`, ...args], { encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });

  it("uploads, lists as the drill picks the newest, and downloads the dump intact", async () => {
    const cfg = config();
    const older = join(dir, "shop-20261128T031500Z.dump");
    const newer = join(dir, "shop-20261129T031500Z.dump");
    writeFileSync(older, "old dump");
    writeFileSync(newer, Buffer.from([0, 1, 2, 255, 10, 13]));
    for (const f of [newer, older]) {
      const put = await s3cmd(cfg, ["--no-progress", "--quiet", "--server-side-encryption", "put", f, `s3://shop-backups/postgresql/${f.split("/").pop()}`]);
      expect(put).toEqual({ code: 0, out: "" });
    }
    expect(s3.requests.filter((q) => q.method === "PUT").map((q) => [q.key, q.sse])).toEqual([
      ["postgresql/shop-20261129T031500Z.dump", "AES256"], ["postgresql/shop-20261128T031500Z.dump", "AES256"],
    ]);
    // What the restore drill runs to find the newest dump.
    const ls = await s3cmd(cfg, ["ls", "s3://shop-backups/postgresql/"]);
    const newest = ls.out.split("\n").map((l) => l.split(/\s+/)[3]).filter((o) => /\/shop-[0-9]{8}T[0-9]{6}Z\.dump$/.test(o ?? "")).sort().pop();
    expect(newest).toBe("s3://shop-backups/postgresql/shop-20261129T031500Z.dump");
    const got = join(dir, "latest.dump");
    expect(await s3cmd(cfg, ["--no-progress", "--quiet", "get", newest!, got])).toEqual({ code: 0, out: "" });
    expect(readFileSync(got)).toEqual(Buffer.from([0, 1, 2, 255, 10, 13]));
  });

  it("is refused with another key's secret: the server checks what the client signs", async () => {
    const put = await s3cmd(config("not-the-secret"), ["--no-progress", "put", __filename, "s3://shop-backups/postgresql/x"]);
    expect(put.code).not.toBe(0);
    expect(put.out).toMatch(/403|SignatureDoesNotMatch/);
  });

  it("the scripts use these settings and this object layout", () => {
    for (const script of [renderPostgresBackup(), renderRestoreDrill()]) expect(script).toContain(`--config=${BACKUP_STORE_CFG}`);
    expect(renderPostgresBackup()).toContain('object="s3://$PG_OFFSITE_BUCKET/$PG_OFFSITE_PREFIX${target##*/}"');
  });
});
