/** Bad input fails early with one message naming the key; the plan command shows it without a stack trace. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { isSettingsError, loadSettings } from "../settings";
import { renderPulumiYaml, renderReadme } from "../tools/docs";
import { ROOT } from "./helpers";

const run = promisify(execFile);
const base = {
  appRepo: "https://github.com/acme/shop.git",
  adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example"],
  adminCidrs: ["203.0.113.7/32"],
};

describe("settings", () => {
  it("applies safe defaults", () => {
    const s = loadSettings(base);
    expect(s).toMatchObject({ profile: "single", cloud: "digitalocean", region: "fra1", environment: "production", protect: true, os: "ubuntu-24.04", serverImage: "stock" });
    expect(s.access.adminCidrs).toEqual(["203.0.113.7/32"]);
    // Releases over SSH come from the admin addresses unless told otherwise.
    expect(s.access.releaseCidrs).toEqual(["203.0.113.7/32"]);
    expect(s.web.count).toBe(1);
    expect(s.bucket).toBeUndefined();
    expect(loadSettings({ ...base, environment: "dev" }).protect).toBe(false);
    expect(loadSettings({ ...base, profile: "scaled", bucket: "false" }).web.count).toBe(2);
  });

  it("warns, without refusing, about unprotected production data, an unauthenticated repository and nobody to alert", () => {
    expect(loadSettings({ ...base, alertEmails: ["ops@example.com"] }).warnings).toEqual([]);
    expect(loadSettings(base).warnings).toEqual([expect.stringMatching(/^fullstack:alertEmails is empty and fullstack:alertWebhookUrl unset on a production environment: nobody is told/)]);
    expect(loadSettings({ ...base, environment: "staging" }).warnings).toEqual([]);
    expect(loadSettings({ ...base, protect: false }).warnings.join("\n")).toMatch(/^fullstack:protect is false on a production environment/);
    expect(loadSettings({ ...base, environment: "dev", protect: false }).warnings).toEqual([]);
    const insecure = loadSettings({ ...base, appRepo: "git://10.0.2.2/app.git", insecureRepoTransport: true });
    expect(insecure.warnings.join("\n")).toContain("nobody authenticates");
  });

  it("normalises CIDR blocks by arithmetic: host bits cleared, IPv6 compressed", () => {
    const s = loadSettings({ ...base, adminCidrs: ["203.0.113.7/24", "2001:0DB8:0000::0001/48", "::ffff:192.0.2.1/128"] });
    expect(s.access.adminCidrs).toEqual(["203.0.113.0/24", "2001:db8::/48", "::ffff:c000:201/128"]);
  });

  it("reads what servers boot from: stock unless asked, baked on DigitalOcean, stock on AWS", () => {
    expect(loadSettings(base).serverImage).toBe("stock");
    expect(loadSettings({ ...base, serverImage: "baked" }).serverImage).toBe("baked");
    expect(loadSettings({ ...base, profile: "standard", serverImage: "baked" }).serverImage).toBe("baked");
    const aws = { appRepo: base.appRepo, cloud: "aws", region: "eu-central-1" };
    expect(loadSettings(aws).serverImage).toBe("stock");
    // Pulumi.yaml's default, which the CLI hands every stack as if it set it, asks for nothing on AWS.
    expect(loadSettings({ ...aws, serverImage: "stock" }).serverImage).toBe("stock");
  });

  it.each([
    [{ region: "xyz1" }, 'fullstack:region "xyz1" is not a DigitalOcean region; use one of ams3, atl1, blr1, fra1'],
    [{ regoin: "fra1" }, "fullstack:regoin \"fra1\" is not a known config key; did you mean fullstack:region?"],
    [{ appRepo: undefined }, "fullstack:appRepo (unset) is required"],
    [{ appRepo: "not a url" }, "fullstack:appRepo \"not a url\" is not a git repository URL"],
    [{ appRef: "my branch" }, "fullstack:appRef \"my branch\" is not a git branch, tag or commit"],
    [{ appRef: "--upload-pack=x" }, "fullstack:appRef"],
    [{ webCount: "0", profile: "standard", bucket: false }, "fullstack:webCount \"0\" is not a whole number in range; use a whole number from 1 to 50"],
    [{ webCount: 2 }, "fullstack:webCount 2 must be 1 in the single profile"],
    [{ profile: "scaled", webCount: 1, bucket: false }, "fullstack:webCount 1 must be at least 2 in the scaled profile"],
    [{ webSize: "huge" }, 'fullstack:webSize "huge" is not a DigitalOcean size'],
    [{ adminCidrs: ["10.0.0.0/33"] }, 'fullstack:adminCidrs[0] "10.0.0.0/33" is not a CIDR block'],
    [{ adminCidrs: ["0.0.0.0/0"] }, "fullstack:adminCidrs[0] \"0.0.0.0/0\" opens SSH to the internet, or a large share of it"],
    [{ adminSshKeys: ["hello"] }, "fullstack:adminSshKeys[0] \"hello\" is not an SSH public key"],
    [{ adminSshKeys: [] }, "fullstack:adminSshKeys [] is empty and so is fullstack:sshKeyIds; DigitalOcean would mail a root password"],
    [{ domain: "localhost" }, 'fullstack:domain "localhost" is not a domain name'],
    [{ framework: "pyramid" }, 'fullstack:framework "pyramid" is not a supported framework; use one of django, flask'],
    [{ workerKind: "huey" }, 'fullstack:workerKind "huey" is not a task queue; use one of celery, rq, none'],
    [{ profile: "standard", spacesSecretKey: "s3cr3t" }, "fullstack:spacesAccessId \"(unset)\" is needed with fullstack:spacesSecretKey"],
    [{ profile: "standard", spacesAccessId: "DO00EXAMPLEKEY1234" }, "fullstack:spacesSecretKey \"(unset)\" is needed with fullstack:spacesAccessId"],
    [{ dnsZone: "example.com" }, "fullstack:dnsZone \"example.com\" needs fullstack:domain"],
    [{ appEnv: ["lower=1"] }, 'fullstack:appEnv[0] "lower=1" is not KEY=value'],
    [{ workerCount: 2, profile: "standard", bucket: false }, "fullstack:workerCount 2 has no effect while fullstack:workerKind is none"],
    [{ workerCount: 2, workerKind: "celery" }, "fullstack:workerCount 2 has no effect while fullstack:profile is single; it applies only with fullstack:profile standard or scaled"],
    [{ gunicornTimeout: "abc" }, 'fullstack:gunicornTimeout "abc" is not a whole number in range'],
    [{ serverImage: "golden" }, 'fullstack:serverImage "golden" is not a server image; use one of stock, baked'],
    [{ cloud: "aws", region: "eu-central-1", serverImage: "baked" },
      'fullstack:serverImage "baked" has no effect on AWS; it applies only with fullstack:cloud digitalocean: remove fullstack:serverImage here'],
  ])("rejects %j", (overrides, message) => {
    let error: unknown;
    try {
      loadSettings({ ...base, ...overrides });
    } catch (err) {
      error = err;
    }
    expect(isSettingsError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
  });
});

describe("npm run plan", () => {
  const plan = (...args: string[]) => run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "tools/plan.ts"), ...args], { cwd: ROOT });

  it("exits non-zero on a bad config with the settings error and no stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fullstack-plan-"));
    writeFileSync(join(dir, "Pulumi.broken.yaml"), "config:\n  fullstack:appRepo: https://github.com/acme/shop.git\n  fullstack:region: xyz1\n");
    const failure = await plan("--stack", "broken", "--config-dir", dir).then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim()).toBe('error: fullstack:region "xyz1" is not a DigitalOcean region; use one of ams3, atl1, blr1, fra1, lon1, nyc1, nyc2, nyc3, ric1, sfo2, sfo3, sgp1, syd1, tor1');
  });

  it("lists the droplets, firewalls and load balancer of the scaled stack as JSON", async () => {
    const { stdout } = await plan("--stack", "prod", "--json");
    const doc = JSON.parse(stdout) as { resources: { type: string; inputs: Record<string, unknown> }[]; outputs: Record<string, unknown> };
    const types = doc.resources.map((r) => r.type);
    expect(types.filter((t) => t === "digitalocean:index/droplet:Droplet")).toHaveLength(5);
    expect(types).toContain("digitalocean:index/firewall:Firewall");
    expect(types).toContain("digitalocean:index/loadBalancer:LoadBalancer");
    expect(doc.outputs.databaseUrl).toBe("[secret]");
    // secure: config stays opaque: the ciphertext never appears, not even masked.
    expect(stdout).not.toContain("exampleCiphertext");
  });
});

describe("docs", () => {
  it("Pulumi.yaml and the README declare every config key", () => {
    const yaml = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8");
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(renderPulumiYaml(yaml)).toBe(yaml);
    expect(renderReadme(readme)).toBe(readme);
  });
});
