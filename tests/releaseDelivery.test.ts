/**
 * How a release reaches DigitalOcean's droplets (pushed over SSH by a Command resource) and what the
 * droplets admit for it: the release user's one key runs the release entry point and nothing else, the
 * droplet's host key is the stack's and is checked, releases behind one load balancer run one at a time,
 * and what moves traffic (the reserved IP; a load balancer's view of a new droplet) waits for a release.
 */
import { parse } from "yaml";
import type { RecordedResource, RunResult } from "../harness/mockRuntime";
import { RELEASE_USER } from "../provisioning";
import { planStack, T } from "./helpers";

const COMMAND = "command:remote:Command";
const LOCAL = "command:local:Command";

function named(r: RunResult, type: string, name: string): RecordedResource {
  const found = r.resources.find((x) => x.type === type && x.name === name);
  if (!found) throw new Error(`no ${type} ${name}`);
  return found;
}

interface CloudConfig { users: { name: string; ssh_authorized_keys?: string[] }[]; ssh_keys?: Record<string, string>; write_files: { path: string; content: string; permissions: string }[] }
const cloudConfig = (d: RecordedResource) => parse(String(d.plainInputs.userData)) as CloudConfig;

describe("dev (one droplet): the release is pushed over SSH", () => {
  let r: RunResult;
  beforeAll(async () => {
    r = await planStack("dev");
  });

  it("as the release user, with a secret key, checking the host key the stack gave the droplet, sending the bundle as secret stdin", () => {
    const droplet = named(r, T.droplet, "shop-dev-web-1");
    const release = named(r, COMMAND, "shop-dev-web-1-release");
    const conn = release.plainInputs.connection as Record<string, unknown>;
    expect(conn.user).toBe(RELEASE_USER);
    expect(String(conn.privateKey)).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(release.inputs.connection).toBe("[secret]");
    expect(release.inputs.stdin).toBe("[secret]");
    expect(JSON.parse(String(release.plainInputs.stdin))).toEqual(expect.objectContaining({ format: 1, app: "shop", ref: "main" }));
    // The droplet boots with the host key the release checks.
    expect(cloudConfig(droplet).ssh_keys?.ed25519_public).toBe(conn.hostKey);
    expect(String(cloudConfig(droplet).ssh_keys?.ed25519_private)).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    // A new droplet gets the release again; the release waits as long as a build and a worker's warm stop take.
    expect(release.plainInputs.triggers).toEqual([expect.stringMatching(/^\d+$/)]);
    expect(release.customTimeouts?.create).toMatch(/^\d+s$/);
    expect(parseInt(release.customTimeouts!.create, 10)).toBeGreaterThanOrEqual(1800);
  });

  it("authorized_keys lets the release key run the release entry point only, from releaseCidrs only; sudo allows that command alone", () => {
    const droplet = named(r, T.droplet, "shop-dev-web-1");
    const release = named(r, COMMAND, "shop-dev-web-1-release");
    const user = cloudConfig(droplet).users.find((u) => u.name === RELEASE_USER)!;
    expect(user.ssh_authorized_keys).toHaveLength(1);
    const line = user.ssh_authorized_keys![0];
    expect(line.startsWith('from="203.0.113.7/32",restrict,command="sudo -n /usr/local/sbin/shop-release" ssh-ed25519 ')).toBe(true);
    // The line holds the public half of the Command's key.
    const priv = String((release.plainInputs.connection as Record<string, unknown>).privateKey);
    expect(priv.length).toBeGreaterThan(100);
    const sudoers = cloudConfig(droplet).write_files.find((f) => f.path === "/etc/sudoers.d/shop-release")!;
    expect(sudoers.permissions).toBe("0440");
    expect(sudoers.content).toMatch(/^fullstack-release ALL=\(root\) NOPASSWD: \/usr\/local\/sbin\/shop-release ""$/m);
    const sshd = cloudConfig(droplet).write_files.find((f) => f.path === "/etc/ssh/sshd_config.d/10-fullstack.conf")!;
    // The admin from the admin addresses only: port 22 is also open to releaseCidrs.
    expect(sshd.content).toMatch(/^AllowUsers ops@203\.0\.113\.7\/32 fullstack-release$/m);
  });

  it("moves the reserved IP to a droplet only after its release", () => {
    const release = named(r, COMMAND, "shop-dev-web-1-release");
    const assignment = r.resources.find((x) => x.type === "digitalocean:index/reservedIpAssignment:ReservedIpAssignment")!;
    expect(assignment.dependencies).toContain(release.urn);
  });

  it("puts neither the ref nor the app's environment in the user data", () => {
    const droplet = named(r, T.droplet, "shop-dev-web-1");
    const paths = cloudConfig(droplet).write_files.map((f) => f.path);
    expect(paths).not.toContain("/etc/shop/app.env");
    expect(paths).not.toContain("/etc/shop/release.json");
    expect(String(droplet.plainInputs.userData)).not.toMatch(/APP_REF|SECRET_KEY=/);
  });
});

describe("prod (three web droplets behind a load balancer, two workers)", () => {
  let r: RunResult;
  beforeAll(async () => {
    r = await planStack("prod");
  });

  it("gives the admin no SSH login when adminCidrs is empty, though port 22 admits releaseCidrs", () => {
    const d = named(r, T.droplet, "shop-prod-web-1");
    const sshd = cloudConfig(d).write_files.find((f) => f.path === "/etc/ssh/sshd_config.d/10-fullstack.conf")!;
    expect(sshd.content).toMatch(/^AllowUsers fullstack-release$/m);
  });

  it("releases one web droplet at a time, and one worker droplet at a time", () => {
    for (const [a, b] of [["web-1", "web-2"], ["web-2", "web-3"], ["worker-1", "worker-2"]]) {
      const first = named(r, COMMAND, `shop-prod-${a}-release`);
      const next = named(r, COMMAND, `shop-prod-${b}-release`);
      expect(`${b} waits for ${a}: ${next.dependencies?.includes(first.urn)}`).toBe(`${b} waits for ${a}: true`);
    }
  });

  it("keeps the update open until the load balancer counts a new web droplet healthy (healthyThreshold x interval)", () => {
    const lb = r.resources.find((x) => x.type === "digitalocean:index/loadBalancer:LoadBalancer")!;
    const check = lb.plainInputs.healthcheck as { healthyThreshold: number; checkIntervalSeconds: number };
    for (const i of [1, 2, 3]) {
      const gate = named(r, LOCAL, `shop-prod-web-${i}-lb-healthy`);
      const seconds = Number(/^sleep (\d+)$/.exec(String(gate.plainInputs.create))?.[1]);
      expect(seconds).toBeGreaterThanOrEqual(check.healthyThreshold * check.checkIntervalSeconds);
      expect(gate.dependencies).toContain(named(r, COMMAND, `shop-prod-web-${i}-release`).urn);
    }
  });

  it("gives a worker droplet's deletion the worker's warm stop (taskTimeLimit 900 + 30 s) and more", () => {
    for (const w of ["shop-prod-worker-1", "shop-prod-worker-2"]) {
      const d = named(r, T.droplet, w);
      expect(parseInt(d.customTimeouts?.pb_delete ?? "0", 10)).toBeGreaterThanOrEqual(930);
    }
  });
});
