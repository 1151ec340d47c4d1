/**
 * What the web path exposes, to whom, and when a load balancer stands in front: the real stack program
 * under Pulumi's mocks, asserted on the resources it registers.
 */
import { gunzipSync } from "node:zlib";
import type { RunResult } from "../harness/mockRuntime";
import { T, cloudConfig, inboundRules, ofType, planStack, releasedEnvFile, sourceShell, writtenFile } from "./helpers";
import { buildAppSpec, renderReleaseScript } from "../provisioning";
import { loadSettings } from "../settings";

/** The droplets that carry the web role. */
const webDroplets = (result: RunResult) =>
  ofType(result, T.droplet).filter((d) => (d.inputs.tags as string[]).some((t) => t.endsWith("-web")));

const WORLD = ["0.0.0.0/0", "::/0"];

type Case = {
  webCount?: number;
  domain?: string;
  loadBalancer?: boolean;
  adminCidrs?: string[];
  releaseCidrs?: string[];
};

describe.each<[string, Case]>([
  ["one server, no domain", {}],
  ["two servers", { webCount: 2 }],
  ["one server with a domain (HTTPS on the server)", { domain: "shop.example.com" }],
  ["one server with a domain behind a load balancer asked for", { domain: "shop.example.com", loadBalancer: true }],
  ["one server, no domain, behind a load balancer asked for", { loadBalancer: true }],
  ["three servers with a domain, SSH closed to admins", { webCount: 3, domain: "www.shop.example.com", adminCidrs: [], releaseCidrs: ["198.51.100.4/32"] }],
])("%s", (_label, overrides) => {
  const o = overrides;
  const count = o.webCount ?? 1;
  const expectLb = count >= 2 || o.loadBalancer === true;
  const tlsOnServer = o.domain !== undefined && !expectLb;
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

  it("puts a load balancer in front exactly when there are 2+ servers or one is asked for", () => {
    expect(webDroplets(result)).toHaveLength(count);
    expect(ofType(result, T.loadBalancer)).toHaveLength(expectLb ? 1 : 0);
    // The cloud's certificate only on a load balancer; a single server gets its own.
    expect(ofType(result, T.certificate)).toHaveLength(o.domain && expectLb ? 1 : 0);
    expect(ofType(result, T.dnsRecord)).toHaveLength(o.domain ? 1 : 0);
    // Without a load balancer, the single server keeps a reserved address across replacements.
    expect(ofType(result, T.reservedIp)).toHaveLength(expectLb ? 0 : 1);
  });

  it("points the domain at the load balancer, or at the single server's reserved address", () => {
    if (!o.domain) return;
    const [record] = ofType(result, T.dnsRecord);
    expect(record.inputs.type).toBe("A");
    // The mocks give load balancers 198.51.100.x and reserved IPs 192.0.2.x (harness/mockRuntime.ts).
    expect(record.inputs.value).toMatch(expectLb ? /^198\.51\.100\.\d+$/ : /^192\.0\.2\.\d+$/);
    if (!expectLb) expect(result.outputs.serverAddresses.value).toEqual([record.inputs.value]);
    expect(result.outputs.url.value).toBe(`https://${o.domain}`);
  });

  it("terminates TLS on the single server exactly when it has a domain and no load balancer", () => {
    const https = inboundRules(result).filter(({ rule }) => rule.portRange === "443");
    expect(https).toHaveLength(tlsOnServer ? 1 : 0);
    for (const { rule } of https) expect(rule.sourceAddresses).toEqual(WORLD);
    for (const droplet of webDroplets(result)) {
      const files = cloudConfig(droplet).write_files.map((f) => f.path);
      const firewall = writtenFile(droplet, "/usr/local/sbin/fullstack-firewall").content;
      const packages = cloudConfig(droplet).packages as string[];
      if (tlsOnServer) {
        // The host firewall agrees; the HTTPS site, certbot and the issuance with its retry timer are there.
        expect(firewall).toContain("ufw allow proto tcp from any to any port 443 comment 'HTTPS from anywhere'");
        expect(packages).toContain("certbot");
        expect(files).toEqual(expect.arrayContaining([
          "/etc/nginx/sites-available/shop-https.conf", "/usr/local/sbin/fullstack-tls-issue", "/usr/local/sbin/fullstack-tls-deploy",
          "/etc/systemd/system/fullstack-tls-issue.service", "/etc/systemd/system/fullstack-tls-issue.timer",
        ]));
        const https = writtenFile(droplet, "/etc/nginx/sites-available/shop-https.conf").content;
        expect(https).toContain(`server_name ${o.domain};`);
        expect(https).toContain(`ssl_certificate /etc/letsencrypt/live/${o.domain}/fullchain.pem;`);
        expect(writtenFile(droplet, "/usr/local/sbin/fullstack-tls-issue").content).toContain(`--domain ${o.domain}`);
        // The first boot serves the app over HTTP, and the ACME challenges.
        expect(writtenFile(droplet, "/etc/nginx/sites-available/shop.conf").content).toContain("location ^~ /.well-known/acme-challenge/ {");
      } else {
        expect(firewall).not.toMatch(/ port 443 /);
        expect(packages).not.toContain("certbot");
        expect(files.filter((f) => /tls|https/.test(f))).toEqual([]);
        expect(writtenFile(droplet, "/etc/nginx/sites-available/shop.conf").content).not.toContain("acme-challenge");
      }
      // The app is told its public origin is HTTPS whenever there is a domain (TLS at either place).
      const env = releasedEnvFile(result, droplet);
      if (o.domain) expect(env).toContain(`CSRF_TRUSTED_ORIGINS="https://${o.domain}"`);
    }
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
    const domain = o.domain;
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

describe("AWS: one server with a domain terminates TLS itself", () => {
  const RECORD = "aws:route53/record:Record";
  const ALB = "aws:lb/loadBalancer:LoadBalancer";
  const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
  const INSTANCE = "aws:ec2/instance:Instance";

  it("has no load balancer, an A record to the Elastic IP, and HTTPS open to the world on the server", async () => {
    const r = await planStack("aws-staging", { domain: "shop.example.com", acmeEmail: "ops@example.com" });
    expect(ofType(r, ALB)).toEqual([]);
    expect(ofType(r, "aws:acm/certificate:Certificate").filter((c) => c.name.startsWith("shop-aws-staging-cert"))).toEqual([]);
    const [record] = ofType(r, RECORD).filter((x) => x.name === "shop-aws-staging-dns");
    expect(record.plainInputs).toMatchObject({ name: "shop.example.com", type: "A", ttl: 300, records: [expect.stringMatching(/^192\.0\.2\.\d+$/)] });
    expect(record.plainInputs.aliases ?? []).toEqual([]);
    const https = ofType(r, INGRESS).filter((x) => x.plainInputs.fromPort === 443);
    expect(https.map((x) => x.plainInputs.cidrIpv4 ?? x.plainInputs.cidrIpv6).sort()).toEqual(["0.0.0.0/0", "::/0"]);
    // The web instance's user data (gzip, base64) carries the TLS role, with the contact address.
    const web = ofType(r, INSTANCE).find((i) => /web/.test(i.name))!;
    const userData = gunzipSync(Buffer.from(web.plainInputs.userDataBase64 as string, "base64")).toString("utf8");
    expect(userData).toContain("/usr/local/sbin/fullstack-tls-issue");
    expect(userData).toContain("--email=ops@example.com");
  });

  it("keeps the ALB, its ACM certificate and the alias record with loadBalancer true", async () => {
    const r = await planStack("aws-staging", { domain: "shop.example.com", loadBalancer: true });
    expect(ofType(r, ALB)).toHaveLength(1);
    const [record] = ofType(r, RECORD).filter((x) => x.name === "shop-aws-staging-dns");
    expect(record.plainInputs.aliases).toEqual([expect.objectContaining({ evaluateTargetHealth: true })]);
    expect(record.plainInputs.records).toBeUndefined();
    expect(ofType(r, INGRESS).filter((x) => x.plainInputs.fromPort === 443 && x.name.includes("web"))).toEqual([]);
  });
});
