/**
 * What the web path exposes, to whom, and when a load balancer stands in front: the real stack program
 * under Pulumi's mocks, asserted on the resources it registers.
 */
import type { RunResult } from "../harness/mockRuntime";
import { T, cloudConfig, inboundRules, ofType, planStack, releasedEnvFile, sourceShell, writtenFile } from "./helpers";
import { buildAppSpec, renderReleaseScript } from "../provisioning";
import { loadSettings } from "../settings";

/** The droplets that carry the web role. */
const webDroplets = (result: RunResult) =>
  ofType(result, T.droplet).filter((d) => (d.inputs.tags as string[]).some((t) => t.endsWith("-web")));

const WORLD = ["0.0.0.0/0", "::/0"];

describe.each([
  ["one server, no domain", {}],
  ["two servers", { webCount: 2 }],
  ["one server with a domain", { domain: "shop.example.com" }],
  ["three servers with a domain, SSH closed to admins", { webCount: 3, domain: "www.shop.example.com", adminCidrs: [], releaseCidrs: ["198.51.100.4/32"] }],
])("%s", (_label, overrides) => {
  let result: RunResult;
  beforeAll(async () => {
    result = await planStack("staging", overrides);
  });

  it("opens only HTTP(S) to the whole internet", () => {
    for (const { rule } of inboundRules(result)) {
      if ((rule.sourceAddresses ?? []).some((a) => WORLD.includes(a))) {
        expect(["80", "443"]).toContain(rule.portRange);
      }
    }
  });

  it("opens SSH only to the configured admin addresses and where releases come from", () => {
    const o = overrides as { adminCidrs?: string[]; releaseCidrs?: string[] };
    const adminCidrs = o.adminCidrs ?? ["203.0.113.7/32"];
    const admins = [...new Set([...adminCidrs, ...(o.releaseCidrs ?? adminCidrs)])];
    const ssh = inboundRules(result).filter(({ rule }) => rule.portRange === "22");
    if (admins.length === 0) {
      expect(ssh).toHaveLength(0);
    } else {
      expect(ssh.length).toBeGreaterThan(0);
      for (const { rule } of ssh) {
        expect(rule.sourceAddresses).toEqual(admins);
        expect(rule.sourceTags ?? []).toEqual([]);
      }
    }
    // The host firewall agrees with the cloud firewall.
    for (const droplet of ofType(result, T.droplet)) {
      const script = writtenFile(droplet, "/usr/local/sbin/fullstack-firewall").content;
      const sshLines = script.split("\n").filter((l) => / port 22 /.test(l));
      expect(sshLines).toHaveLength(admins.length);
      admins.forEach((cidr) => expect(script).toContain(`from '${cidr}' to any port 22 `));
      expect(script).toContain("ufw default deny incoming");
    }
  });

  it("puts a load balancer in front exactly when there are 2+ servers or a domain", () => {
    const o = overrides as { webCount?: number; domain?: string };
    const count = o.webCount ?? 1;
    const expectLb = count >= 2 || o.domain !== undefined;
    expect(webDroplets(result)).toHaveLength(count);
    expect(ofType(result, T.loadBalancer)).toHaveLength(expectLb ? 1 : 0);
    expect(ofType(result, T.certificate)).toHaveLength(o.domain ? 1 : 0);
    expect(ofType(result, T.dnsRecord)).toHaveLength(o.domain ? 1 : 0);
    // Without a load balancer, the single server keeps a reserved address across replacements.
    expect(ofType(result, T.reservedIp)).toHaveLength(expectLb ? 0 : 1);
  });

  it("admits HTTP on the servers only from the load balancer when there is one", () => {
    const [lb] = ofType(result, T.loadBalancer);
    const http = inboundRules(result).filter(({ rule }) => rule.portRange === "80");
    expect(http.length).toBe(webDroplets(result).length);
    for (const { rule } of http) {
      if (lb) {
        expect(rule.sourceAddresses ?? []).toEqual([]);
        expect(rule.sourceLoadBalancerUids).toEqual([lb.id]);
      } else {
        expect(rule.sourceAddresses).toEqual(WORLD);
      }
    }
  });

  it("health-checks the route nginx serves, on the port nginx listens on", () => {
    const [lb] = ofType(result, T.loadBalancer);
    if (!lb) return;
    const check = lb.inputs.healthcheck as { path: string; port: number; protocol: string };
    expect(check.protocol).toBe("http");
    for (const droplet of webDroplets(result)) {
      const site = writtenFile(droplet, "/etc/nginx/sites-available/shop.conf").content;
      expect(site).toContain(`listen ${check.port} default_server;`);
      // Both the named server and the default server (health checks address droplets by IP) answer it.
      expect(site.split(`location = ${check.path} {`).length - 1).toBe(2);
      for (const rule of lb.inputs.forwardingRules as { targetPort: number }[]) expect(rule.targetPort).toBe(check.port);
    }
  });

  it("terminates TLS at the load balancer and redirects HTTP when a domain is set", () => {
    const [lb] = ofType(result, T.loadBalancer);
    const domain = (overrides as { domain?: string }).domain;
    if (!lb) return;
    const rules = lb.inputs.forwardingRules as { entryPort: number; entryProtocol: string; certificateName?: string }[];
    expect(lb.inputs.redirectHttpToHttps).toBe(domain !== undefined);
    expect(rules.some((r) => r.entryPort === 443 && r.entryProtocol === "https" && r.certificateName)).toBe(domain !== undefined);
    if (domain) {
      const [cert] = ofType(result, T.certificate);
      expect(cert.inputs.domains).toEqual([domain]);
      expect(cert.inputs.type).toBe("lets_encrypt");
      const [record] = ofType(result, T.dnsRecord);
      expect(record.inputs.type).toBe("A");
      expect(record.inputs.value).toMatch(/^198\.51\.100\./); // the load balancer's address
    }
  });

  it("keeps data stores and servers in one private network, tagged by role", () => {
    const [vpc] = ofType(result, T.vpc);
    for (const droplet of ofType(result, T.droplet)) {
      expect(droplet.inputs.vpcUuid).toBe(vpc.id);
      expect(droplet.inputs.monitoring).toBe(true);
    }
    for (const droplet of webDroplets(result)) expect(droplet.inputs.tags).toEqual(["shop-staging-web"]);
    expect(vpc.inputs.region).toBe("fra1");
  });

  it("resolves every stack output", () => {
    for (const [key, output] of Object.entries(result.outputs)) {
      expect(output.value).toBeDefined();
      expect(JSON.stringify(output.value)).not.toMatch(/undefined|null/);
      if (key === "url") expect(output.value).toMatch(/^https?:\/\/[a-z0-9.]+$/);
    }
    expect(result.outputs.serverAddresses.value).toHaveLength(webDroplets(result).length);
  });
});

describe("the app release", () => {
  it("fetches the configured repo at the configured ref: the repo is the server's, the ref arrives with the release", async () => {
    const result = await planStack("staging", { appRepo: "https://git.example.com/team/shop.git", appRef: "v2.3.4" });
    for (const droplet of ofType(result, T.droplet)) {
      // Web and worker servers run the same release.
      const conf = writtenFile(droplet, "/etc/shop/deploy.conf").content;
      const vars = sourceShell(conf, ["APP_REPO", "APP_REF", "APP_FRAMEWORK"]);
      expect(vars).toEqual({ APP_REPO: "https://git.example.com/team/shop.git", APP_REF: "", APP_FRAMEWORK: "django" });
      const release = result.resources.find((r) => r.type === "command:remote:Command" && r.name === `${droplet.name}-release`)!;
      expect(JSON.parse(String(release.plainInputs.stdin))).toEqual(expect.objectContaining({ app: "shop", ref: "v2.3.4" }));
      // Nothing deploys at boot: the release arrives over SSH once the droplet is up.
      const cc = cloudConfig(droplet);
      expect((cc.runcmd as string[][]).flat().join(" ")).not.toMatch(/shop-(deploy|release)/);
    }
  });

  it("keeps the app's environment in a root-only file", async () => {
    const result = await planStack("dev", { appEnv: ["FEATURE_X=on"] });
    const [droplet] = ofType(result, T.droplet);
    // The release entry point writes it 0600 root (provisioning/release.ts); it arrives with the release.
    expect(releasedEnvFile(result, droplet)).toContain('FEATURE_X="on"');
    expect(renderReleaseScript(buildAppSpec(loadSettings({ appRepo: "https://g.example/s.git", appName: "shop", adminCidrs: ["203.0.113.7/32"],
      adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example"] }).app, "23.0.0", { hostNames: [], https: false })))
      .toContain("os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)");
  });

  it("never runs the app as root", async () => {
    const result = await planStack("dev");
    const [droplet] = ofType(result, T.droplet);
    const unit = writtenFile(droplet, "/etc/systemd/system/shop-gunicorn.service").content;
    expect(unit).toMatch(/^User=shop$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -s HUP \$MAINPID$/m);
    const socket = writtenFile(droplet, "/etc/systemd/system/shop-gunicorn.socket").content;
    expect(socket).toMatch(/^SocketMode=0600$/m);
    expect(socket).toMatch(/^SocketUser=www-data$/m);
  });
});
