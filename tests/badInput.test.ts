/**
 * Every config key is validated: a table of named bad inputs, each giving one clear error that names the
 * key, raised before any resource is registered. The same configs through the plan's own code path
 * end with that message (and the real CLI prints it alone, exit 1, no stack trace).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { runStack } from "../harness/mockRuntime";
import { isSettingsError, loadSettings } from "../settings";
import { program } from "../stacks/program";
import { INVISIBLE } from "../settings/errors";
import { readStackConfig } from "../tools/stackConfig";
import { ROOT } from "./helpers";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example";
const DO = { appRepo: "https://github.com/acme/shop.git", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] };
const DO_STANDARD = { ...DO, profile: "standard", spacesAccessId: "DO00EXAMPLEKEY1234", spacesSecretKey: "s3cr3t" };
const AWS = { appRepo: "https://github.com/acme/shop.git", cloud: "aws", region: "eu-central-1" };
const AWS_STANDARD = { ...AWS, profile: "standard" };

type Case = [name: string, config: Record<string, unknown>, key: string, fragment: string];

const CASES: Case[] = [
  ["unknown region", { ...DO, region: "xyz1" }, "fullstack:region", "is not a DigitalOcean region; use one of ams3"],
  ["AWS region on DigitalOcean", { ...DO, region: "us-east-1" }, "fullstack:region", "is not a DigitalOcean region"],
  ["DigitalOcean region on AWS", { ...AWS, region: "fra1" }, "fullstack:region", "is not a AWS region; use one of us-east-1"],
  ["unknown cloud", { ...DO, cloud: "gcp" }, "fullstack:cloud", "use one of digitalocean, aws"],
  ["unknown profile", { ...DO, profile: "huge" }, "fullstack:profile", "use one of single, standard, scaled"],
  ["unknown environment", { ...DO, environment: "prod" }, "fullstack:environment", "use one of dev, staging, production"],
  ["protect not a boolean", { ...DO, protect: "maybe" }, "fullstack:protect", "use true or false"],
  ["unknown operating system", { ...DO, os: "centos-7" }, "fullstack:os", "use one of ubuntu-24.04, debian-12"],
  // AWS Systems Manager guide, agent-install-deb: Debian AMIs do not come with the SSM agent, which runs our releases.
  ["Debian on AWS (no SSM agent)", { ...AWS, os: "debian-12" }, "fullstack:os", "is not available on AWS: its Debian AMIs carry no SSM agent, which runs releases and the CloudWatch agent; use ubuntu-24.04"],
  ["root as admin user", { ...DO, adminUser: "root" }, "fullstack:adminUser", "is a system account"],
  ["admin user with spaces", { ...DO, adminUser: "Bad User" }, "fullstack:adminUser", "is not a valid Unix user name"],
  ["not an SSH key", { ...DO, adminSshKeys: ["hello"] }, "fullstack:adminSshKeys[0]", "is not an SSH public key"],
  ["no SSH key on DigitalOcean", { ...DO, adminSshKeys: [] }, "fullstack:adminSshKeys", "would mail a root password"],
  ["malformed CIDR", { ...DO, adminCidrs: ["10.0.0.0/33"] }, "fullstack:adminCidrs[0]", "is not a CIDR block"],
  ["SSH open to the world", { ...DO, adminCidrs: ["0.0.0.0/0"] }, "fullstack:adminCidrs[0]", "opens SSH to the internet, or a large share of it"],
  ["CIDR list not a list", { ...DO, adminCidrs: "not-a-list" }, "fullstack:adminCidrs", "is not a list"],
  ["bad SSH key id", { ...DO, sshKeyIds: ["nope!"] }, "fullstack:sshKeyIds[0]", "is not an SSH key ID or fingerprint"],
  ["bad time zone", { ...DO, timezone: "utc+2" }, "fullstack:timezone", "is not an IANA time zone"],
  ["negative swap", { ...DO, swapMb: -1 }, "fullstack:swapMb", "use a whole number from 0 to 65536"],
  ["upper-case app name", { ...DO, appName: "Shop" }, "fullstack:appName", "use 1-30 lowercase letters"],
  ["app named like the admin", { ...DO, appName: "ops" }, "fullstack:appName", "is the same as fullstack:adminUser"],
  ["missing repo", { ...DO, appRepo: undefined }, "fullstack:appRepo", "is required"],
  ["repo that is not a git URL", { ...DO, appRepo: "not a url" }, "fullstack:appRepo", "is not a git repository URL"],
  ["repo over FTP", { ...DO, appRepo: "ftp://example.com/shop.git" }, "fullstack:appRepo", "is not a git repository URL"],
  ["ref with spaces", { ...DO, appRef: "my branch" }, "fullstack:appRef", "is not a git branch, tag or commit"],
  ["ref that looks like an option", { ...DO, appRef: "-x" }, "fullstack:appRef", "is not a git branch, tag or commit"],
  ["ref with ..", { ...DO, appRef: "a..b" }, "fullstack:appRef", "is not a git branch, tag or commit"],
  ["unknown framework", { ...DO, framework: "pyramid" }, "fullstack:framework", "use one of django, flask"],
  ["WSGI app without callable", { ...DO, wsgiApp: "app" }, "fullstack:wsgiApp", "is not a WSGI module:callable"],
  ["settings module with a dash", { ...DO, djangoSettingsModule: "shop-settings" }, "fullstack:djangoSettingsModule", "is not a Python module path"],
  ["requirements outside the repo", { ...DO, requirementsFile: "../etc/passwd" }, "fullstack:requirementsFile", "is not a path inside the repo"],
  ["absolute static dir", { ...DO, framework: "flask", staticDir: "/var/www" }, "fullstack:staticDir", "is not a path inside the repo"],
  ["health path without slash", { ...DO, healthCheckPath: "healthz" }, "fullstack:healthCheckPath", "is not a URL path"],
  ["lower-case env name", { ...DO, appEnv: ["lower=1"] }, "fullstack:appEnv[0]", "is not KEY=value"],
  ["environment too large", { ...DO, appEnv: Array.from({ length: 10 }, (_, i) => `K${i}=${"x".repeat(500)}`) }, "fullstack:appEnv", "keep it under 4096 bytes"],
  ["zero web servers", { ...DO_STANDARD, webCount: 0 }, "fullstack:webCount", "use a whole number from 1 to 50"],
  ["negative web servers", { ...DO_STANDARD, webCount: -3 }, "fullstack:webCount", "use a whole number from 1 to 50"],
  ["two web servers in single", { ...DO, webCount: 2 }, "fullstack:webCount", "must be 1 in the single profile"],
  ["scaled profile with one web server", { ...DO_STANDARD, profile: "scaled", webCount: 1 }, "fullstack:webCount", "must be at least 2 in the scaled profile"],
  ["bad size slug", { ...DO, webSize: "huge" }, "fullstack:webSize", "is not a DigitalOcean size"],
  ["EC2 type on DigitalOcean", { ...DO, webSize: "t3.small" }, "fullstack:webSize", "is not a DigitalOcean size"],
  ["droplet slug on AWS", { ...AWS, webSize: "s-1vcpu-1gb" }, "fullstack:webSize", "is not a AWS size"],
  ["too many gunicorn workers", { ...DO, gunicornWorkers: 100 }, "fullstack:gunicornWorkers", "from 0 to 64"],
  ["gunicorn timeout too short", { ...DO, gunicornTimeout: 1 }, "fullstack:gunicornTimeout", "from 5 to 3600"],
  ["gunicorn version not a number", { ...DO, gunicornVersion: "latest" }, "fullstack:gunicornVersion", "is not a gunicorn version"],
  ["zero upload size", { ...DO, maxUploadMb: 0 }, "fullstack:maxUploadMb", "from 1 to 5120"],
  ["domain without a dot", { ...DO, domain: "shop" }, "fullstack:domain", "use a fully qualified name with a dot"],
  ["localhost as domain", { ...DO, domain: "localhost" }, "fullstack:domain", "is not a domain name"],
  ["zone not containing the domain", { ...DO, domain: "shop.example.com", dnsZone: "other.com" }, "fullstack:dnsZone", "does not contain fullstack:domain"],
  ["zone without domain", { ...DO, dnsZone: "example.com" }, "fullstack:dnsZone", "needs fullstack:domain"],
  ["create zone without domain", { ...DO, createDnsZone: true }, "fullstack:createDnsZone", "needs fullstack:domain"],
  ["ACME contact without domain", { ...DO, acmeEmail: "ops@example.com" }, "fullstack:acmeEmail", "needs fullstack:domain"],
  ["ACME contact behind a load balancer", { ...DO, domain: "shop.example.com", loadBalancer: true, acmeEmail: "ops@example.com" },
    "fullstack:acmeEmail", "has no effect behind a load balancer"],
  ["ACME contact on two web servers", { ...DO_STANDARD, webCount: 2, domain: "shop.example.com", acmeEmail: "ops@example.com" },
    "fullstack:acmeEmail", "has no effect behind a load balancer"],
  ["ACME contact that is not an address", { ...DO, domain: "shop.example.com", acmeEmail: "--server=https://evil.example" },
    "fullstack:acmeEmail", "is not an email address"],
  ["load balancer not a boolean", { ...DO, loadBalancer: "sometimes" }, "fullstack:loadBalancer", "use true or false"],
  ["unknown worker kind", { ...DO, workerKind: "huey" }, "fullstack:workerKind", "use one of celery, rq, none"],
  ["worker count without workers", { ...DO_STANDARD, workerCount: 2 }, "fullstack:workerCount", "has no effect while fullstack:workerKind is none"],
  ["no worker queues", { ...DO, workerKind: "rq", workerQueues: [] }, "fullstack:workerQueues", "list at least one queue"],
  ["queue name with a space", { ...DO, workerKind: "rq", workerQueues: ["bad queue"] }, "fullstack:workerQueues[0]", "is not a queue name"],
  ["zero worker concurrency", { ...DO, workerKind: "celery", workerConcurrency: 0 }, "fullstack:workerConcurrency", "from 1 to 256"],
  ["zero task time limit", { ...DO, workerKind: "celery", taskTimeLimit: 0 }, "fullstack:taskTimeLimit", "from 1 to 86400"],
  ["ancient PostgreSQL", { ...DO_STANDARD, pgVersion: "9" }, "fullstack:pgVersion", "use one of 14, 15, 16, 17"],
  ["bad database size", { ...DO_STANDARD, dbSize: "huge" }, "fullstack:dbSize", "is not a DigitalOcean database size"],
  ["too many database nodes", { ...DO_STANDARD, dbNodes: 5 }, "fullstack:dbNodes", "from 1 to 3"],
  ["scaled without a standby", { ...DO_STANDARD, profile: "scaled", dbNodes: 1 }, "fullstack:dbNodes", "leaves the scaled profile without a standby"],
  ["DigitalOcean cache size on AWS", { ...AWS_STANDARD, redisSize: "db-s-1vcpu-1gb" }, "fullstack:redisSize", "is not a AWS cache size"],
  ["tiny Redis", { ...DO, redisMaxMemoryMb: 1 }, "fullstack:redisMaxMemoryMb", "from 16 to 65536"],
  ["zero-size volume", { ...DO, volumeSizeGb: 0 }, "fullstack:volumeSizeGb", "from 1 to 16384"],
  ["no backups kept", { ...DO, backupRetentionDays: 0 }, "fullstack:backupRetentionDays", "from 1 to 365"],
  ["Spaces secret without its key id", { ...DO, profile: "standard", spacesSecretKey: "s3cr3t" }, "fullstack:spacesAccessId", "is needed with fullstack:spacesSecretKey"],
  ["Spaces key id without its secret", { ...DO, profile: "standard", spacesAccessId: "DO00EXAMPLEKEY1234" }, "fullstack:spacesSecretKey", "is needed with fullstack:spacesAccessId"],
  ["Spaces keys on AWS", { ...AWS_STANDARD, spacesAccessId: "DO00EXAMPLEKEY1234" }, "fullstack:spacesAccessId", "has no effect on AWS"],
  ["bucket flag not a boolean", { ...DO, bucket: "yes" }, "fullstack:bucket", "use true or false"],
  ["NAT mode on DigitalOcean", { ...DO, natMode: "gateway" }, "fullstack:natMode", "has no effect on DigitalOcean"],
  ["unknown NAT mode", { ...AWS, natMode: "sometimes" }, "fullstack:natMode", "use one of none, instance, gateway"],
  ["unknown server image", { ...DO, serverImage: "golden" }, "fullstack:serverImage", "\"golden\" is not a server image; use one of stock, baked"],
  ["baked server image on AWS", { ...AWS, serverImage: "baked" }, "fullstack:serverImage", "has no effect on AWS; it applies only with fullstack:cloud digitalocean"],
  ["SQS on DigitalOcean", { ...DO_STANDARD, workerKind: "celery", queueBackend: "sqs" }, "fullstack:queueBackend", "has no effect on DigitalOcean; it applies only with fullstack:cloud aws"],
  ["SQS with RQ", { ...AWS_STANDARD, workerKind: "rq", queueBackend: "sqs" }, "fullstack:queueBackend", "has no effect while fullstack:workerKind is rq; it applies only with fullstack:cloud aws, fullstack:profile standard or scaled and fullstack:workerKind celery"],
  ["SQS in the single profile (its worker shares the one server's Redis)", { ...AWS, workerKind: "celery", queueBackend: "sqs" }, "fullstack:queueBackend", "has no effect while fullstack:profile is single"],
  ["CDN domain without domain", { ...DO_STANDARD, cdnDomain: "static.example.com" }, "fullstack:cdnDomain", "needs fullstack:domain"],
  ["CDN domain outside the zone", { ...DO_STANDARD, domain: "shop.example.com", cdnDomain: "static.other.org" }, "fullstack:cdnDomain", "is not inside the DNS zone"],
  ["bad CORS origin", { ...DO_STANDARD, corsOrigins: ["ftp://x"] }, "fullstack:corsOrigins[0]", "is not an origin"],
  ["misspelt key", { ...DO, regoin: "fra1" }, "fullstack:regoin", "did you mean fullstack:region?"],
  // Issue 12: values that cloud-init's YAML 1.1 reads as line breaks, or refuses, or that hide a change.
  ["line separator in an SSH key comment", { ...DO, adminSshKeys: [`${KEY}\u2028bootcmd: [[id]]`] }, "fullstack:adminSshKeys", "holds the control or invisible character U+2028"],
  ["line separator in an app environment value", { ...DO, appEnv: ["A=x\u2028runcmd: [[id]]"] }, "fullstack:appEnv", "holds the control or invisible character U+2028"],
  ["NEL in the time zone", { ...DO, timezone: "UTC\u0085" }, "fullstack:timezone", "holds the control or invisible character U+0085"],
  ["C1 control in an app environment value", { ...DO, appEnv: ["A=\u0099"] }, "fullstack:appEnv", "U+0099"],
  ["newline in the Spaces secret", { ...DO, profile: "standard", spacesAccessId: "DO00EXAMPLEKEY1234", spacesSecretKey: "a\nb" }, "fullstack:spacesSecretKey", "\"[secret]\" holds the control or invisible character U+000A"],
  ["zero-width space in the ref", { ...DO, appRef: "main\u200b" }, "fullstack:appRef", "U+200B, which is not visible ASCII"],
  ["right-to-left override in the ref", { ...DO, appRef: "v1\u202egnp" }, "fullstack:appRef", "U+202E"],
  // Issue 12: accounts, and "open to the world" by arithmetic.
  ["app named root", { ...DO, appName: "root" }, "fullstack:appName", "is a system account or group on the servers"],
  ["app sharing nginx's user", { ...DO, appName: "www-data" }, "fullstack:appName", "is a system account or group"],
  ["app named postgres", { ...DO, appName: "postgres" }, "fullstack:appName", "is a system account or group"],
  ["admin user that is a system account", { ...DO, adminUser: "bin" }, "fullstack:adminUser", "is a system account or group"],
  ["admin user named like the sudo group", { ...DO, adminUser: "sudo" }, "fullstack:adminUser", "is a system account or group"],
  ["SSH open through another address's /0", { ...DO, adminCidrs: ["203.0.113.7/32", "1.2.3.4/0"] }, "fullstack:adminCidrs[1]", "opens SSH to the internet"],
  ["SSH open through two halves of the internet", { ...DO, adminCidrs: ["0.0.0.0/1", "128.0.0.0/1"] }, "fullstack:adminCidrs[0]", "opens SSH to the internet"],
  ["SSH open to all global IPv6", { ...DO, adminCidrs: ["2000::/3"] }, "fullstack:adminCidrs[0]", "opens SSH to the internet"],
  ["SSH open to all IPv4 through IPv4-mapped IPv6", { ...DO, adminCidrs: ["::ffff:0:0/96"] }, "fullstack:adminCidrs[0]", "opens SSH to the internet"],
  ["malformed IPv6 CIDR", { ...DO, adminCidrs: ["2001:db8:::/48"] }, "fullstack:adminCidrs[0]", "is not a CIDR block"],
  ["IPv4 CIDR with leading zeros", { ...DO, adminCidrs: ["010.0.0.1/32"] }, "fullstack:adminCidrs[0]", "is not a CIDR block"],
  ["static files from the repository's root", { ...DO, framework: "flask", staticDir: "." }, "fullstack:staticDir", "is the repository's root"],
  ["static files from ./", { ...DO, framework: "flask", staticDir: "./" }, "fullstack:staticDir", "is the repository's root"],
  ["static files from .git", { ...DO, framework: "flask", staticDir: ".git" }, "fullstack:staticDir", "hidden directory (such as .git)"],
  ["static files from inside .git", { ...DO, framework: "flask", staticDir: "assets/.git/objects" }, "fullstack:staticDir", "hidden directory"],
  ["static files from outside the checkout", { ...DO, framework: "flask", staticDir: "../etc" }, "fullstack:staticDir", "is not a path inside the repo"],
  // Issue 12: the app's environment stays the app's.
  ["appEnv redirecting git", { ...DO, appEnv: ["GIT_CONFIG_KEY_0=url.https://evil.example/.insteadOf"] }, "fullstack:appEnv[0]", "changes git's configuration (GIT_*)"],
  ["appEnv preloading a library", { ...DO, appEnv: ["LD_PRELOAD=/tmp/x.so"] }, "fullstack:appEnv[0]", "dynamic loader"],
  ["appEnv moving Python's imports", { ...DO, appEnv: ["PYTHONPATH=/tmp"] }, "fullstack:appEnv[0]", "changes where Python loads code from"],
  ["appEnv pointing pip elsewhere", { ...DO, appEnv: ["PIP_INDEX_URL=https://evil.example/simple"] }, "fullstack:appEnv[0]", "PIP_*"],
  ["appEnv replacing PATH", { ...DO, appEnv: ["PATH=/tmp"] }, "fullstack:appEnv[0]", "changes which programs"],
  ["appEnv overriding ALLOWED_HOSTS", { ...DO, appEnv: ["ALLOWED_HOSTS=*"] }, "fullstack:appEnv[0]", "is set by fullstack:domain"],
  ["appEnv overriding DATABASE_URL", { ...DO, appEnv: ["DATABASE_URL=postgres://x"] }, "fullstack:appEnv[0]", "is set by the library"],
  ["appEnv setting a variable twice", { ...DO, appEnv: ["A=1", "A=2"] }, "fullstack:appEnv[1]", "a second time"],
  ["RQ queue read as an option", { ...DO, workerKind: "rq", workerQueues: ["--burst"] }, "fullstack:workerQueues[0]", "is not a queue name"],
  ["token in the repo URL", { ...DO, appRepo: "https://user:ghp_secret@github.com/acme/shop.git" }, "fullstack:appRepo", "holds credentials"],
  ["unauthenticated git:// repo", { ...DO, appRepo: "git://github.com/acme/shop.git" }, "fullstack:appRepo", "uses a transport nobody authenticates"],
  ["unauthenticated http:// repo", { ...DO, appRepo: "http://git.example.com/shop.git" }, "fullstack:appRepo", "insecureRepoTransport"],
  ["private index over plain http (its token would travel in the clear)", { ...DO, pipIndexUrl: "http://user:ghp_secret@pypi.example.com/simple/" }, "fullstack:pipIndexUrl", "\"[secret]\" is not an https:// or file:/// index URL"],
  ["oversized health check path", { ...DO, healthCheckPath: `/${"a".repeat(300)}` }, "fullstack:healthCheckPath", "at most 256 characters"],
  ["look-alike letter in the repo", { ...DO, appRepo: "https://github.com/\u0430cme/shop.git" }, "fullstack:appRepo", "U+0430, which is not visible ASCII"],
];

function settingsError(config: Record<string, unknown>): Error | undefined {
  try {
    loadSettings(config);
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

describe("bad input", () => {
  it("has at least 40 named cases, and the good bases are valid", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    for (const base of [DO, DO_STANDARD, AWS, AWS_STANDARD]) expect(settingsError(base)).toBeUndefined();
  });

  it.each(CASES)("%s: one error naming the key", (_name, config, key, fragment) => {
    const err = settingsError(config);
    expect(err).toBeDefined();
    expect(isSettingsError(err)).toBe(true);
    // The message starts with the key, so it is the first thing a user reads.
    expect(err!.message.startsWith(`${key} `)).toBe(true);
    expect(err!.message).toContain(fragment);
    expect(err!.message).not.toMatch(/\n|\bat .*\.ts:\d+/);
    // Control and invisible characters are shown escaped, never raw (they would reach terminals and CI logs).
    expect(err!.message).not.toMatch(new RegExp(INVISIBLE.source));
    // A secret is never echoed.
    if (typeof config.spacesSecretKey === "string" && config.spacesSecretKey.length > 2) expect(err!.message).not.toContain(config.spacesSecretKey);
    expect(err!.message).not.toContain("ghp_secret");
  });

  it.each(CASES.slice(0, 12))("%s: the stack program stops before registering anything", async (_name, config, key) => {
    const dir = mkdtempSync(join(tmpdir(), "fullstack-bad-"));
    const file = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined).map(([k, v]) => [`fullstack:${k}`, v]));
    writeFileSync(join(dir, "Pulumi.bad.yaml"), stringify({ config: file }));
    const cfg = readStackConfig(ROOT, "bad", dir);
    const run = runStack({ project: cfg.project, stack: "bad", config: cfg.config, secretKeys: cfg.secretKeys, program });
    await expect(run).rejects.toThrow(new RegExp(`^${key.replace(/[[\]]/g, "\\$&")} `));
  });
});

describe("npm run plan on bad configs", () => {
  const run = promisify(execFile);
  it.each(CASES.filter((c) => ["unknown region", "repo that is not a git URL", "scaled profile with one web server"].includes(c[0])))(
    "%s: exits 1 with the message alone", async (_name, config, key, fragment) => {
      const dir = mkdtempSync(join(tmpdir(), "fullstack-plan-bad-"));
      const file = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined).map(([k, v]) => [`fullstack:${k}`, v]));
      writeFileSync(join(dir, "Pulumi.bad.yaml"), stringify({ config: file }));
      const failure = await run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "tools/plan.ts"), "--stack", "bad", "--config-dir", dir], { cwd: ROOT })
        .then(() => undefined, (err: { code: number; stderr: string; stdout: string }) => err);
      expect(failure?.code).toBe(1);
      const lines = failure!.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^error: ${key} `));
      expect(lines[0]).toContain(fragment);
      expect(failure!.stdout).toBe("");
    });
});
