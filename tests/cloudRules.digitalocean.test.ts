/**
 * Issue 11, the DigitalOcean rows: each rule fires on the resource we used to register (built by hand,
 * as tests/policies.test.ts does) and the checked-in stacks pass it; the settings refuse, naming the key,
 * a config DigitalOcean would refuse. Sources are in settings/limits/digitalocean.ts and
 * harness/cloudRules/digitalocean.ts.
 */
import { checkCloudRules, formatViolations, type CloudViolation } from "../harness/cloudRules";
import { DO_TYPES as T, digitaloceanRules } from "../harness/cloudRules/digitalocean";
import { runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { Network, PostgresDb, RedisCache } from "../components";
import { checkNamePrefix, loadSettings } from "../settings";
import { digitaloceanNamePrefixProblems } from "../settings/limits/digitalocean";
import { renderAppGrantSql } from "../provisioning/postgresGrants";
import { ROOT, cloudConfig, ofType, planStack, writtenFile } from "./helpers";
import { readStackConfig } from "../tools/stackConfig";

let n = 0;
function res(type: string, props: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
  n++;
  return {
    urn: `urn:pulumi:test::fullstack::${type}::r${n}`, type, name: `r${n}`, custom: true, protect: false, deleteBeforeReplace: false,
    ignoreChanges: [], inputs: props, plainInputs: props, secretValues: [], ...extra,
  };
}

/** Violations of one DigitalOcean rule. */
function fired(ruleId: string, resources: RecordedResource[]): CloudViolation[] {
  const rule = digitaloceanRules.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  return checkCloudRules(resources, [rule]);
}

const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  for (const stack of ["dev", "staging", "prod"]) runs[stack] = await planStack(stack);
}, 120_000);

const DO_STACKS = ["dev", "staging", "prod"];
const ok = (ruleId: string) => it.each(DO_STACKS)(`the %s stack passes ${ruleId}`, (stack) => {
  expect(formatViolations(fired(ruleId, runs[stack].resources))).toBe("");
});

const BASE = {
  appRepo: "https://github.com/acme/shop.git",
  adminCidrs: ["203.0.113.7/32"],
  adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example"],
};
const SPACES = { spacesAccessId: "DO00EXAMPLEKEY1234", spacesSecretKey: "secret" };

describe("row SshKey: no stack registers an account SSH key (the API answers 422 for a key it already has)", () => {
  it("do-no-account-ssh-key fires on an SshKey", () => {
    const v = fired("do-no-account-ssh-key", [res(T.sshKey, { name: "shop-admin-1", publicKey: "ssh-ed25519 AAAA x" })]);
    expect(v.map((x) => x.message)).toEqual([expect.stringContaining("422")]);
  });
  ok("do-no-account-ssh-key");
  it.each(DO_STACKS)("%s registers no SshKey and creates droplets with only the account keys of fullstack:sshKeyIds", (stack) => {
    expect(ofType(runs[stack], T.sshKey)).toEqual([]);
    const expected = JSON.parse(readStackConfig(ROOT, stack).config["fullstack:sshKeyIds"] ?? "[]") as string[];
    for (const d of ofType(runs[stack], T.droplet)) {
      expect(d.plainInputs.sshKeys ?? []).toEqual(expected);
      // A changed key list must not replace running droplets (ssh_keys is ForceNew and only acts at creation).
      expect(d.ignoreChanges).toContain("sshKeys");
    }
  });
  it("attaches the account keys fullstack:sshKeyIds names, and only those", async () => {
    const r = await planStack("prod", { sshKeyIds: ["41234567"] });
    expect(ofType(r, T.sshKey)).toEqual([]);
    for (const d of ofType(r, T.droplet)) expect(d.plainInputs.sshKeys).toEqual(["41234567"]);
  });
  it("a droplet without account keys locks root's password and turns root and password login off", () => {
    const [d] = ofType(runs.dev, T.droplet);
    const userData = String(d.plainInputs.userData);
    expect(userData).toMatch(/^disable_root: true$/m);
    expect(userData).toMatch(/^ssh_pwauth: false$/m);
    expect(userData).toMatch(/- - passwd\n\s+- --lock\n\s+- root\n/);
    expect(userData).toContain("PermitRootLogin no");
    expect(userData).toContain("PasswordAuthentication no");
  });
});

describe("row Let's Encrypt: the load balancer never creates the apex A record", () => {
  const lb = (p: Record<string, unknown>) => res(T.loadBalancer, {
    name: "shop-prod-lb", forwardingRules: [{ entryPort: 443, entryProtocol: "https", certificateName: "shop-prod-cert-12" }], ...p,
  });
  const le = res(T.certificate, { type: "lets_encrypt", domains: ["shop.example.com"] }, { name: "shop-prod-cert" });
  it("do-lb-lets-encrypt-dns-records fires when it is unset or false", () => {
    expect(fired("do-lb-lets-encrypt-dns-records", [le, lb({})])).toHaveLength(1);
    expect(fired("do-lb-lets-encrypt-dns-records", [le, lb({ disableLetsEncryptDnsRecords: false })])).toHaveLength(1);
  });
  it("and not when it is set, or for a custom certificate", () => {
    expect(fired("do-lb-lets-encrypt-dns-records", [le, lb({ disableLetsEncryptDnsRecords: true })])).toEqual([]);
    const custom = res(T.certificate, { type: "custom", name: "mine" });
    expect(fired("do-lb-lets-encrypt-dns-records", [custom, lb({ forwardingRules: [{ entryPort: 443, certificateName: "mine" }] })])).toEqual([]);
  });
  ok("do-lb-lets-encrypt-dns-records");
  it("prod's load balancer serves its certificate and keeps our own A record", () => {
    const [balancer] = ofType(runs.prod, T.loadBalancer);
    expect(balancer.plainInputs.disableLetsEncryptDnsRecords).toBe(true);
    expect((balancer.plainInputs.forwardingRules as { certificateName?: string }[]).some((f) => f.certificateName)).toBe(true);
    expect(ofType(runs.prod, T.dnsRecord).map((r) => [r.plainInputs.type, r.plainInputs.name, r.plainInputs.domain])).toEqual([["A", "shop", "example.com"]]);
  });
});

describe("row CDN custom domain: no second CNAME next to the one DigitalOcean creates", () => {
  const cdn = res(T.cdn, { origin: "b.fra1.digitaloceanspaces.com", customDomain: "static.example.com" });
  it("do-cdn-no-duplicate-cname fires on our old CNAME record", () => {
    const record = res(T.dnsRecord, { domain: "example.com", type: "CNAME", name: "static", value: "b.fra1.cdn.digitaloceanspaces.com." });
    expect(fired("do-cdn-no-duplicate-cname", [cdn, record])).toHaveLength(1);
  });
  it("and not on records of other names", () => {
    const record = res(T.dnsRecord, { domain: "example.com", type: "CNAME", name: "www", value: "shop.example.com." });
    expect(fired("do-cdn-no-duplicate-cname", [cdn, record])).toEqual([]);
  });
  ok("do-cdn-no-duplicate-cname");
  it("prod's CDN has its custom domain and certificate, and no record of ours for it", () => {
    const [c] = ofType(runs.prod, T.cdn);
    expect(c.plainInputs.customDomain).toBe("static.example.com");
    expect(c.plainInputs.certificateName).toEqual(expect.any(String));
    expect(ofType(runs.prod, T.dnsRecord).filter((r) => r.plainInputs.type === "CNAME")).toEqual([]);
  });
});

describe("row connection pool: a dbPoolSize change replaces the pool without a name clash", () => {
  it("do-pool-delete-before-replace fires on a pool replaced create-before-delete", () => {
    expect(fired("do-pool-delete-before-replace", [res(T.pool, { name: "shop-pool", size: 20 })])).toHaveLength(1);
    expect(fired("do-pool-delete-before-replace", [res(T.pool, { name: "shop-pool", size: 20 }, { deleteBeforeReplace: true })])).toEqual([]);
  });
  ok("do-pool-delete-before-replace");
  it("the pool keeps its name (the app's URL) and is deleted before its replacement, whatever its size", async () => {
    const bigger = await planStack("staging", { dbPoolSize: 21 });
    const [a] = ofType(runs.staging, T.pool);
    const [b] = ofType(bigger, T.pool);
    expect([a.plainInputs.size, b.plainInputs.size]).toEqual([20, 21]);
    expect(b.plainInputs.name).toBe(a.plainInputs.name);
    expect([a.deleteBeforeReplace, b.deleteBeforeReplace]).toEqual([true, true]);
  });
  it("do-pool-name fires on a pool name DigitalOcean refuses (3 to 60 characters)", () => {
    expect(fired("do-pool-name", [res(T.pool, { name: "p" })])).toHaveLength(1);
    expect(fired("do-pool-name", [res(T.pool, { name: "x".repeat(61) })])).toHaveLength(1);
    expect(fired("do-pool-name", [res(T.pool, { name: "shop_pool" })])).toEqual([]);
  });
});

describe("row database plans: no standby nodes on the smallest plan", () => {
  const cluster = (engine: string, size: string, nodeCount: number) => res(T.cluster, { name: "shop-db", engine, size, nodeCount });
  it.each([["pg"], ["valkey"]])("do-database-plan fires on %s db-s-1vcpu-1gb with 2 or 3 nodes, and on unknown plans", (engine) => {
    expect(fired("do-database-plan", [cluster(engine, "db-s-1vcpu-1gb", 2)])).toHaveLength(1);
    expect(fired("do-database-plan", [cluster(engine, "db-s-1vcpu-1gb", 3)])).toHaveLength(1);
    expect(fired("do-database-plan", [cluster(engine, "db-s-3vcpu-3gb", 1)])).toHaveLength(1);
    expect(fired("do-database-plan", [cluster(engine, "db-s-1vcpu-1gb", 1)])).toEqual([]);
    expect(fired("do-database-plan", [cluster(engine, "db-s-1vcpu-2gb", 2)])).toEqual([]);
  });
  ok("do-database-plan");
});

describe("row names: DigitalOcean's name rules, after auto-naming", () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ["do-volume-name", T.volume, { name: `shop-${"x".repeat(60)}` }],
    ["do-volume-name", T.volume, { name: "1shop-data" }],
    ["do-volume-name", T.volume, { name: "Shop-data" }],
    ["do-droplet-name", T.droplet, { name: "shop.prod-web-1" }],
    ["do-droplet-name", T.droplet, { name: "x".repeat(64) }],
    ["do-tag-name", T.tag, { name: "shop-prod.eu-web" }],
    ["do-firewall-name", T.firewall, { name: "-shop-fw" }],
    ["do-vpc-name", T.vpc, { name: "shop_vpc" }],
    ["do-database-cluster-name", T.cluster, { name: "shop.prod-db", engine: "pg", size: "db-s-1vcpu-1gb", nodeCount: 1 }],
    ["do-bucket-name", T.bucket, { name: "Shop-static", region: "fra1" }],
    ["do-bucket-name", T.bucket, { name: `shop-${"x".repeat(60)}`, region: "fra1" }],
  ];
  it.each(cases)("%s fires on %s %j", (rule, type, props) => {
    expect(fired(rule, [res(type, props)])).toHaveLength(1);
  });
  it("checks the auto-name (logical name + 8) when no name is given", () => {
    // 57 + 8 = 65 characters: over the volume limit of 64 only once auto-named.
    expect(fired("do-volume-name", [res(T.volume, {}, { name: `v${"x".repeat(56)}` })])).toHaveLength(1);
    expect(fired("do-volume-name", [res(T.volume, {}, { name: `v${"x".repeat(55)}` })])).toEqual([]);
  });
  for (const rule of ["do-volume-name", "do-droplet-name", "do-tag-name", "do-firewall-name", "do-vpc-name", "do-database-cluster-name", "do-bucket-name"]) ok(rule);

  it("the settings refuse an app and stack name whose derived names DigitalOcean refuses, naming fullstack:appName", () => {
    const settings = loadSettings({ ...BASE, appName: "a".repeat(30) });
    expect(() => checkNamePrefix(settings, `${"a".repeat(30)}-production-europe-west1`)).toThrow(/^fullstack:appName .*droplet name.*is 64 characters; DigitalOcean allows 1 to 63/);
    expect(() => checkNamePrefix(settings, "shop-prod.eu")).toThrow(/^fullstack:appName "shop-prod\.eu" .*droplet name .* must use one host name label.*and 4 more; use a shorter app or stack name/);
    expect(digitaloceanNamePrefixProblems("shop-prod.eu")).toContain('tag "shop-prod.eu-web" must use letters, digits, _, : and -');
    expect(() => checkNamePrefix(settings, "shop-Prod")).toThrow(/^fullstack:appName .*droplet name/);
    expect(() => checkNamePrefix(settings, "shop-prod")).not.toThrow();
  });
  it("the limit sits where the longest droplet name (<prefix>-worker-50) reaches 63 characters", () => {
    expect(digitaloceanNamePrefixProblems("a".repeat(53))).toEqual([]);
    expect(digitaloceanNamePrefixProblems("a".repeat(54))).not.toEqual([]);
  });
});

describe("row catalog: Spaces regions and real sizes", () => {
  it("do-spaces-region fires on a bucket in a region without Spaces", () => {
    expect(fired("do-spaces-region", [res(T.bucket, { name: "shop-static-abc123", region: "nyc1" })])).toHaveLength(1);
    expect(fired("do-spaces-region", [res(T.bucket, { name: "shop-static-abc123", region: "nyc3" })])).toEqual([]);
  });
  ok("do-spaces-region");
  it("do-droplet-size fires on a size the old pattern accepted but DigitalOcean has not", () => {
    expect(fired("do-droplet-size", [res(T.droplet, { name: "w", size: "s-3vcpu-7gb" })])).toHaveLength(1);
    expect(fired("do-droplet-size", [res(T.droplet, { name: "w", size: "s-2vcpu-4gb" })])).toEqual([]);
  });
  ok("do-droplet-size");
  it.each([
    [{ ...BASE, ...SPACES, profile: "standard", region: "nyc1" }, "fullstack:bucket", /has no Spaces in nyc1.*ams3, atl1, blr1, fra1, lon1, nyc3, sfo2, sfo3, sgp1, syd1, tor1/],
    [{ ...BASE, webSize: "s-3vcpu-7gb" }, "fullstack:webSize", /is not a DigitalOcean size.*s-1vcpu-1gb/],
    [{ ...BASE, profile: "standard", ...SPACES, workerKind: "celery", workerSize: "s-1vcpu-1gb-xyz" }, "fullstack:workerSize", /is not a DigitalOcean size/],
    [{ ...BASE, ...SPACES, profile: "standard", dbSize: "db-s-3vcpu-3gb" }, "fullstack:dbSize", /is not a DigitalOcean database size/],
    [{ ...BASE, ...SPACES, profile: "standard", redisSize: "db-s-1vcpu-3gb" }, "fullstack:redisSize", /is not a DigitalOcean cache size/],
  ])("settings refuse %j naming %s", (config, key, message) => {
    expect(() => loadSettings(config)).toThrow(new RegExp(`^${key} `));
    expect(() => loadSettings(config)).toThrow(message);
  });
  it("a region without Spaces is fine without the bucket", () => {
    expect(loadSettings({ ...BASE, profile: "standard", region: "nyc1", bucket: false }).region).toBe("nyc1");
    // Spaces keys without the bucket have no effect, so they are refused.
    expect(() => loadSettings({ ...BASE, ...SPACES, profile: "standard", region: "nyc1", bucket: false })).toThrow(/^fullstack:spacesAccessId "DO00EXAMPLEKEY1234" needs the bucket/);
  });
});

describe("row plans in the settings: standby nodes need a plan that has them", () => {
  it.each([
    [{ profile: "scaled", dbSize: "db-s-1vcpu-1gb" }, "fullstack:dbSize", /with fullstack:dbNodes 2: .*has no 2-node layout/],
    [{ profile: "standard", dbNodes: 3 }, "fullstack:dbSize", /has no 3-node layout/],
    [{ profile: "scaled", redisSize: "db-s-1vcpu-1gb" }, "fullstack:redisSize", /with fullstack:redisNodes 2: .*has no 2-node layout/],
    [{ profile: "standard", dbPoolSize: 23 }, "fullstack:dbPoolSize", /is more than the 22 connections db-s-1vcpu-1gb allows/],
  ])("settings refuse %j naming %s", (extra, key, message) => {
    const config = { ...BASE, ...SPACES, ...extra };
    expect(() => loadSettings(config)).toThrow(new RegExp(`^${key} `));
    expect(() => loadSettings(config)).toThrow(message);
  });
  it.each([
    ["PostgresDb", (network: Network) => new PostgresDb("shop-db", { network, nodes: 2 }), /^PostgresDb\.size "db-s-1vcpu-1gb" with PostgresDb\.nodes 2: .*no 2-node layout/],
    ["PostgresDb", (network: Network) => new PostgresDb("shop-db", { network, poolSize: 30 }), /^PostgresDb\.poolSize 30 is more than the 22 connections db-s-1vcpu-1gb allows/],
    ["RedisCache", (network: Network) => new RedisCache("shop-redis", { network, nodes: 3 }), /^RedisCache\.size "db-s-1vcpu-1gb" with RedisCache\.nodes 3: .*no 3-node layout/],
  ])("%s used on its own refuses the plan too, naming its argument", async (_component, build, message) => {
    const run = runStack({ stack: "direct", config: {}, program: () => {
      build(new Network("shop", { region: "fra1" }));
      return {};
    } });
    await expect(run).rejects.toThrow(message);
  });
  it("the scaled profile's defaults are plans with standby nodes", () => {
    const s = loadSettings({ ...BASE, ...SPACES, profile: "scaled" });
    expect([s.postgres.size, s.postgres.nodes, s.redis.size, s.redis.nodes]).toEqual(["db-s-1vcpu-2gb", 2, "db-s-1vcpu-2gb", 2]);
  });
});


describe("row PostgreSQL 15+: the migrating server grants the app role its rights first", () => {
  const cluster = res(T.cluster, { name: "shop-db", engine: "pg", version: "17", size: "db-s-1vcpu-1gb", nodeCount: 1 }, { id: "c1" });
  const database = res(T.database, { clusterId: "c1", name: "shop" });
  const user = res(T.databaseUser, { clusterId: "c1", name: "shop" });
  const server = (files: { path: string; content: string }[]) => res(T.droplet, {
    name: "shop-web-1", userData: `#cloud-config\n${JSON.stringify({ write_files: files })}\n`,
  });
  it("do-pg-app-grants fires when no server issues the grant (as before), and not when one does", () => {
    expect(fired("do-pg-app-grants", [cluster, database, user, server([])])).toHaveLength(1);
    const sql = renderAppGrantSql({ database: "shop", user: "shop" });
    expect(fired("do-pg-app-grants", [cluster, database, user, server([{ path: "/etc/shop/db-grant.sql", content: sql }])])).toEqual([]);
  });
  it("and not on PostgreSQL 14, where PUBLIC may still create in schema public", () => {
    const old = res(T.cluster, { name: "shop-db", engine: "pg", version: "14", size: "db-s-1vcpu-1gb", nodeCount: 1 }, { id: "c1" });
    expect(fired("do-pg-app-grants", [old, database, user, server([])])).toEqual([]);
  });
  ok("do-pg-app-grants");
  it.each(["staging", "prod"])("%s: only the first web server holds the admin connection, root-only and secret, and runs the grant before migrating", (stack) => {
    const droplets = ofType(runs[stack], T.droplet);
    const holders = droplets.filter((d) => cloudConfig(d).write_files.some((f) => f.path === "/etc/shop/db-admin.env"));
    expect(holders.map((d) => d.plainInputs.name)).toEqual([`shop-${stack}-web-1`]);
    const [web] = holders;
    const admin = writtenFile(web, "/etc/shop/db-admin.env");
    expect([admin.permissions, admin.owner]).toEqual(["0600", "root:root"]);
    expect(admin.content).toMatch(/^PGUSER='doadmin'$/m);
    expect(admin.content).toMatch(/^PGDATABASE='shop'$/m);
    expect(admin.content).toMatch(/^PGSSLMODE='require'$/m);
    const password = /^PGPASSWORD='([^']+)'$/m.exec(admin.content)![1];
    expect(web.secretValues.some((v) => v.includes(password))).toBe(true);
    expect(web.inputs.userData).toBe("[secret]");
    // The app's own environment (it arrives with each release, on the release Command's stdin) never holds the admin's password.
    const release = runs[stack].resources.find((r) => r.type === "command:remote:Command" && r.name === `${web.name}-release`);
    const envFile = (JSON.parse(String(release?.plainInputs.stdin)) as { envFile: string }).envFile;
    expect(envFile).toMatch(/^DATABASE_URL=/m);
    expect(envFile).not.toContain(password);
    expect(writtenFile(web, "/etc/shop/db-grant.sql").content).toBe(renderAppGrantSql({ database: "shop", user: "shop" }));
    expect(writtenFile(web, "/etc/shop/deploy.conf").content).toContain("APP_DB_GRANT_SCRIPT='/usr/local/sbin/shop-db-grant'");
    const deploy = writtenFile(web, "/usr/local/sbin/shop-deploy").content;
    expect(deploy.indexOf('"$APP_DB_GRANT_SCRIPT"')).toBeGreaterThan(0);
    expect(deploy.indexOf('"$APP_DB_GRANT_SCRIPT"')).toBeLessThan(deploy.indexOf('"$APP_MIGRATE_SCRIPT"'));
    expect(cloudConfig(web).packages).toContain("postgresql-client");
  });
  it("the single profile (self-hosted PostgreSQL, the app role owns its database) has no grant step", () => {
    const [d] = ofType(runs.dev, T.droplet);
    expect(cloudConfig(d).write_files.map((f) => f.path)).not.toContain("/etc/shop/db-admin.env");
    expect(writtenFile(d, "/etc/shop/deploy.conf").content).toContain("APP_DB_GRANT_SCRIPT=''");
  });
});
describe("row createDnsZone: what lives in a zone this stack creates waits for it", () => {
  const domain = res(T.domain, { name: "example.com" });
  it("do-wait-for-domain fires on a certificate or CDN that does not wait for the Domain", () => {
    const cert = res(T.certificate, { type: "lets_encrypt", domains: ["static.example.com"] });
    const cdn = res(T.cdn, { customDomain: "static.example.com" }, { dependencies: [cert.urn] });
    expect(fired("do-wait-for-domain", [domain, cert, cdn]).map((v) => v.resource)).toEqual([cert.name, cdn.name]);
  });
  it("and not when it waits, directly or through the certificate", () => {
    const cert = res(T.certificate, { type: "lets_encrypt", domains: ["static.example.com"] }, { dependencies: [domain.urn] });
    const cdn = res(T.cdn, { customDomain: "static.example.com" }, { dependencies: [cert.urn] });
    expect(fired("do-wait-for-domain", [domain, cert, cdn])).toEqual([]);
  });
  it("prod with createDnsZone: everything in the zone waits for it", async () => {
    const result = await planStack("prod", { createDnsZone: true });
    const [zone] = ofType(result, T.domain);
    expect(ofType(result, T.domain)).toHaveLength(1);
    expect(formatViolations(fired("do-wait-for-domain", result.resources))).toBe("");
    // The zone moved from the web tier to the app: the alias keeps its identity (no replaced zone), and it stays protected.
    expect(zone.name).toBe("shop-prod-zone");
    expect(zone.urn).toMatch(/fullstack:app:FullStackApp\$digitalocean:index\/domain:Domain::shop-prod-zone$/);
    expect(zone.aliases).toEqual([{ spec: expect.objectContaining({ name: "", type: "", parenturn: expect.stringMatching(/fullstack:app:FullStackApp\$fullstack:web:WebTier::shop-prod$/) }) }]);
    expect(zone.protect).toBe(true);
    // The CDN's certificate waits for the zone itself.
    const [cdnCert] = ofType(result, T.certificate).filter((c) => (c.plainInputs.domains as string[]).includes("static.example.com"));
    expect(cdnCert.dependencies).toContain(zone.urn);
  });
});

describe("row alerts (issue 15): alert policies and uptime checks as the API and the provider validate them", () => {
  const droplet = res(T.droplet, { name: "shop-web-1", monitoring: true }, { id: "101" });
  const bare = res(T.droplet, { name: "shop-web-2" }, { id: "102" });
  const alert = (p: Record<string, unknown>) => res(T.monitorAlert, {
    type: "v1/insights/droplet/cpu", compare: "GreaterThan", value: 90, window: "10m", description: "shop: CPU", entities: ["101"],
    alerts: { emails: ["ops@example.com"] }, ...p,
  });
  const messages = (ruleId: string, resources: RecordedResource[]) => fired(ruleId, resources).map((v) => v.message);

  it("do-monitor-alert accepts a well-formed policy", () => {
    expect(messages("do-monitor-alert", [droplet, alert({})])).toEqual([]);
  });
  it("do-monitor-alert fires on a type, compare or window the API does not list, a negative value, no description, and nobody to tell", () => {
    expect(messages("do-monitor-alert", [droplet, alert({ type: "v1/insights/droplet/swap", compare: "greater_than", window: "15m", value: -1, description: "", alerts: {} })])).toEqual([
      'type "v1/insights/droplet/swap" is not an alert policy type', 'compare "greater_than" is not one of GreaterThan, LessThan',
      'window "15m" is not one of 5m, 10m, 30m, 1h', "value -1 is not a number of at least 0", "has no description",
      "the alert names nobody (no email, no Slack webhook)",
    ]);
    expect(messages("do-monitor-alert", [droplet, alert({ alerts: { slacks: [{ url: "https://hooks.slack.com/services/x" }] } })]))
      .toEqual(["the alert: a Slack notification needs a url and a channel"]);
  });
  it("do-monitor-alert fires on a policy with neither entities nor tags (it would watch every droplet of the account) and on an entity of the wrong kind", () => {
    expect(messages("do-monitor-alert", [droplet, alert({ entities: [] })])).toEqual([expect.stringContaining("would watch every one of its kind in the account")]);
    expect(messages("do-monitor-alert", [droplet, alert({ type: "v1/dbaas/alerts/cpu_alerts" })])).toEqual(["entity 101 is not a databaseCluster of this stack (a v1/dbaas/alerts/cpu_alerts alert watches databaseClusters)"]);
  });
  it("do-monitor-alert fires on memory, disk or load of a droplet without the metrics agent", () => {
    expect(messages("do-monitor-alert", [bare, alert({ type: "v1/insights/droplet/memory_utilization_percent", entities: ["102"] })]))
      .toEqual([expect.stringContaining("droplet shop-web-2 has no metrics agent (monitoring: true)")]);
    // CPU comes from the hypervisor: no agent needed.
    expect(messages("do-monitor-alert", [bare, alert({ entities: ["102"] })])).toEqual([]);
  });
  it("do-uptime fires on the camel-cased values @pulumi/digitalocean's docs show (the API takes snake_case), a period it does not list, a latency alert without a threshold, and a check of another stack", () => {
    const check = res(T.uptimeCheck, { name: "shop /healthz", type: "https", target: "https://shop.example.com/healthz", regions: ["eu_west", "usEast"] }, { id: "c1" });
    const up = (p: Record<string, unknown>) => res(T.uptimeAlert, { name: "shop is down", checkId: "c1", type: "down_global", period: "2m", notifications: [{ emails: ["ops@example.com"] }], ...p });
    expect(messages("do-uptime", [check, up({})])).toEqual(['region "usEast" is not one of us_east, us_west, eu_west, se_asia']);
    expect(messages("do-uptime", [up({ type: "downGlobal", comparison: "greaterThan", period: "4m", checkId: "other" })])).toEqual([
      'type "downGlobal" is not one of latency, down, down_global, ssl_expiry', 'comparison "greaterThan" is not one of greater_than, less_than',
      'period "4m" is not one of 2m, 3m, 5m, 10m, 15m, 30m, 1h', 'checkId "other" is no uptime check of this stack',
    ]);
    expect(messages("do-uptime", [check, up({ type: "latency", notifications: [] })]).slice(-2)).toEqual(["a latency alert needs a threshold and a comparison", "has no notifications"]);
    expect(messages("do-uptime", [res(T.uptimeCheck, { name: "x", type: "https", target: "http://shop.example.com/healthz" })])).toEqual(['target "http://shop.example.com/healthz" is not a https:// URL']);
  });
  ok("do-monitor-alert");
  ok("do-uptime");
});

describe("a DNS zone the stack creates comes before what validates through it (Let's Encrypt on DigitalOcean)", () => {
  it("prod with createDnsZone: the load balancer's certificate and the site's record wait for the domain", async () => {
    const r = await planStack("prod", { createDnsZone: "true" });
    const [domain] = ofType(r, "digitalocean:index/domain:Domain");
    expect(domain.plainInputs.name).toBe("example.com");
    const certificate = ofType(r, "digitalocean:index/certificate:Certificate").find((c) => (c.plainInputs.domains as string[]).includes("shop.example.com"))!;
    expect(certificate.dependencies).toContain(domain.urn);
    for (const record of ofType(r, "digitalocean:index/dnsRecord:DnsRecord")) expect(record.dependencies).toContain(domain.urn);
  });
});
