/**
 * Baked server images (provisioning/image.ts, clouds/digitalocean.ts bakeImage, components/network.ts
 * bakedImage): the builder's user data installs exactly the server's packages with its apt settings and
 * passes cloud-init's schema and shellcheck; a baked server's document has every step but the packages;
 * under Pulumi's mocks, servers of one kind share one bake, the droplet boots from its snapshot, and
 * clouds without baked images refuse it by argument name. The bake program itself runs against a fake
 * DigitalOcean API in tests/doImageBake.test.ts; the whole image, baked and booted, in the VM test.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { LinuxServer, LinuxServerGroup, Network, buildAppSpec } from "../components";
import { bakeBuilderName } from "../provisioning/digitalocean/imageBake";
import { DO_NAME_RULES, doBakedImageName as bakedImageName, nameProblem } from "../settings/limits/digitalocean";
import { mockSnapshotId, runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { diffPlans } from "../harness/planDiff";
import { checkCloudConfigs } from "../harness/serverTools/cloudInit";
import { checkShell } from "../harness/serverTools/scripts";
import { bootOnBakedImage, IMAGE_BAKE_SCRIPT, imageBake, type CloudConfigDoc } from "../provisioning/image";
import { MARK_PACKAGES_INSTALLED, POLICY_RC_D } from "../provisioning/firstBoot";
import { loadSettings } from "../settings";
import { cloudConfig, planStack } from "./helpers";

jest.setTimeout(120_000);

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop";
const ACCESS = { adminUser: "ops", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"], sshKeyIds: [] };
const DROPLET = "digitalocean:index/droplet:Droplet";
const BAKE = "command:local:Command";

function build(make: () => Record<string, pulumi.Input<unknown>>): Promise<RunResult> {
  return runStack({ stack: "component", config: { "aws:region": "eu-central-1" }, program: async () => make() });
}

const bakes = (r: RunResult) => r.resources.filter((x) => x.type === BAKE && typeof (x.plainInputs.environment as Record<string, unknown> | undefined)?.FULLSTACK_BAKE_NAME === "string");
const env = (bake: RecordedResource) => bake.plainInputs.environment as Record<string, string>;

/** The dev stack's one server, rendered stock, as the document to bake. */
async function devDoc(): Promise<CloudConfigDoc> {
  const plan = await planStack("dev");
  return cloudConfig(plan.resources.find((x) => x.type === DROPLET)!) as unknown as CloudConfigDoc;
}

describe("baking an image of a server's packages (pure)", () => {
  const services = ["nginx", "postgresql", "redis-server"];

  it("the builder installs exactly the server's packages with its apt settings, upgrades, disables the roles' services and powers off last", async () => {
    const doc = await devDoc();
    const bake = imageBake(doc, services);
    const builder = parse(bake.userData) as CloudConfigDoc;
    expect(builder.packages).toBeUndefined();
    expect(builder.runcmd).toEqual([[IMAGE_BAKE_SCRIPT]]);
    expect([builder.disable_root, builder.ssh_pwauth]).toEqual([true, false]);
    const paths = builder.write_files!.map((f) => f.path);
    // The server's apt settings and PostgreSQL's no-cluster drop-in, a blanket policy-rc.d, the script.
    expect(paths).toEqual(expect.arrayContaining(["/etc/apt/apt.conf.d/20auto-upgrades", "/etc/postgresql-common/createcluster.d/50-fullstack.conf", POLICY_RC_D, IMAGE_BAKE_SCRIPT]));
    expect(paths.filter((p) => !p.startsWith("/etc/apt/") && !p.startsWith("/etc/postgresql-common/"))).toEqual([POLICY_RC_D, IMAGE_BAKE_SCRIPT]);
    const script = builder.write_files!.find((f) => f.path === IMAGE_BAKE_SCRIPT)!.content!;
    const steps = script.split("\n");
    const install = steps.find((l) => l.startsWith("apt_get install "))!;
    expect(install.replace("apt_get install ", "").split(" ").map((p) => p.replace(/^'|'$/g, ""))).toEqual(doc.packages);
    const order = ["apt_get update", "apt_get dist-upgrade", "apt_get install ", "systemctl disable --quiet 'nginx' 'postgresql' 'redis-server'", "cloud-init clean", "truncate -s 0 /etc/machine-id", "systemctl poweroff"]
      .map((s) => steps.findIndex((l) => l.includes(s)));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    expect(steps[steps.length - 1] === "" ? steps[steps.length - 2] : steps[steps.length - 1]).toBe("systemctl poweroff");
  });

  it("cloud-init's schema accepts the builder's and the baked server's documents; shellcheck the builder's script", async () => {
    const doc = await devDoc();
    const bake = imageBake(doc, services);
    const booted = `#cloud-config\n${JSON.stringify(bootOnBakedImage(doc, services))}`;
    for (const r of checkCloudConfigs([bake.userData, booted])) expect(r.output + (r.ok ? "" : " FAILED")).not.toMatch(/FAILED$/);
    const script = (parse(bake.userData) as CloudConfigDoc).write_files!.find((f) => f.path === IMAGE_BAKE_SCRIPT)!;
    const sc = checkShell({ path: script.path, content: script.content! });
    expect(sc.output + (sc.ok ? "" : " FAILED")).not.toMatch(/FAILED$/);
  });

  it("the baked server keeps every step but the packages: its services enabled before the first boot ends, the day's updates started last", async () => {
    const doc = await devDoc();
    const booted = bootOnBakedImage(doc, services);
    expect(booted.packages).toBeUndefined();
    expect([booted.package_update, booted.package_upgrade]).toEqual([false, false]);
    const { packages: _p, runcmd: _r, package_update: _u, package_upgrade: _g, ...rest } = doc;
    const { runcmd, package_update: _u2, package_upgrade: _g2, bootcmd: _b, ...bootedRest } = booted;
    void [_p, _r, _u, _g, _u2, _g2, _b];
    expect(bootedRest).toEqual(rest);
    const commands = runcmd!.map((c) => (Array.isArray(c) ? c.join(" ") : c));
    const enable = commands.indexOf("env SYSTEMCTL_SKIP_SYSV=1 systemctl enable --quiet nginx postgresql redis-server");
    expect(enable).toBeGreaterThan(0);
    expect(enable).toBeLessThan(commands.indexOf(`rm -f ${POLICY_RC_D}`));
    expect(commands[commands.length - 1]).toBe("systemctl start --no-block apt-daily.service apt-daily-upgrade.service");
    // Every command of the stock document, in its order, but the packages-installed marker: on a baked
    // image the packages are in from the start, so bootcmd (cloud-init's init stage) marks them.
    const mark = MARK_PACKAGES_INSTALLED.join(" ");
    const stock = doc.runcmd!.map((c) => (Array.isArray(c) ? c.join(" ") : c));
    expect(stock).toContain(mark);
    expect(commands.filter((c) => stock.includes(c))).toEqual(stock.filter((c) => c !== mark));
    expect(booted.bootcmd).toEqual([MARK_PACKAGES_INSTALLED]);
  });

  it("the image's key follows what it installs: equal documents, equal keys; another package, another image", async () => {
    const doc = await devDoc();
    expect(imageBake(doc, services).key).toBe(imageBake(structuredClone(doc), services).key);
    expect(imageBake({ ...doc, packages: [...doc.packages!, "htop"] }, services).key).not.toBe(imageBake(doc, services).key);
    expect(imageBake(doc, services).key).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe("baked images under Pulumi's mocks", () => {
  const settings = loadSettings({ appRepo: "https://github.com/acme/shop.git", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] });
  const app = buildAppSpec(settings.app, settings.web.gunicorn.version, { hostNames: [], https: false });
  const worker = { kind: "rq" as const, app: "shop.tasks", queues: ["default"], concurrency: 1, taskTimeLimit: 600 };

  it("DigitalOcean: one bake per kind of server, shared; each droplet boots from its snapshot with the baked document", async () => {
    const r = await build(() => {
      const network = new Network("shop", { region: "fra1" });
      const servers = [1, 2].map((i) => new LinuxServer(`worker-${i}`, { network, roles: ["worker"], access: ACCESS, app, worker, image: "baked" }));
      const other = new LinuxServer("plain", { network, roles: [], access: ACCESS, image: "baked" });
      const stock = new LinuxServer("stock", { network, roles: [], access: ACCESS });
      return { ids: pulumi.all([...servers, other, stock].map((s) => s.id)) };
    });
    const made = bakes(r);
    expect(made.map((b) => b.name).sort()).toEqual(["shop-image-ubuntu2404-s-1vcpu-1gb", "shop-image-ubuntu2404-s-1vcpu-1gb-worker"]);
    const workerBake = made.find((b) => b.name.endsWith("-worker"))!;
    expect(env(workerBake).FULLSTACK_BAKE_NAME).toMatch(/^shop-ubuntu2404-s-1vcpu-1gb-worker-[0-9a-f]{6}-[0-9a-f]{12}$/);
    // The builder droplet's name (its hostname) is one DNS label, however long the stack's names.
    for (const b of made) expect(nameProblem(DO_NAME_RULES.droplet, bakeBuilderName(env(b).FULLSTACK_BAKE_NAME))).toBeUndefined();
    const longest = bakedImageName("a".repeat(53), "ubuntu2404-s-8vcpu-16gb-amd-postgres-redis-scheduler-web-worker", "0123456789ab");
    expect(nameProblem(DO_NAME_RULES.droplet, bakeBuilderName(longest))).toBeUndefined();
    expect(bakedImageName("a".repeat(53), "kind-one", "0123456789ab")).not.toBe(bakedImageName("a".repeat(53), "kind-two", "0123456789ab"));
    expect(env(workerBake).FULLSTACK_BAKE_BASE_IMAGE).toBe("ubuntu-24-04-x64");
    expect(env(workerBake).FULLSTACK_BAKE_REGION).toBe("fra1");
    expect(workerBake.plainInputs.triggers).toEqual([env(workerBake).FULLSTACK_BAKE_NAME, "fra1", "s-1vcpu-1gb", "ubuntu-24-04-x64"]);
    const snapshot = mockSnapshotId(env(workerBake).FULLSTACK_BAKE_NAME);
    const droplets = Object.fromEntries(r.resources.filter((x) => x.type === DROPLET).map((d) => [d.name, d]));
    const imageOf = (n: string) => droplets[n].plainInputs.image;
    expect(imageOf("worker-1")).toBe(imageOf("worker-2"));
    expect(imageOf("worker-1")).toMatch(/^\d+$/);
    expect(imageOf("worker-1")).toBe(snapshot);
    expect(imageOf("plain")).not.toBe(imageOf("worker-1"));
    expect(imageOf("stock")).toBe("ubuntu-24-04-x64");
    // The baked droplets' documents install nothing; the stock one's still does.
    expect(cloudConfig(droplets["worker-1"]).packages).toBeUndefined();
    expect(cloudConfig(droplets.stock).packages).toEqual(expect.arrayContaining(["ufw"]));
    // The bake's user data is the builder's, with the worker's packages (git, python3-venv) in its script.
    expect(env(workerBake).FULLSTACK_BAKE_USER_DATA).toMatch(/^#cloud-config\n/);
    expect(env(workerBake).FULLSTACK_BAKE_USER_DATA).toContain("'python3-venv'");
  });

  it("the checked-in stacks as the real engine plans them (harness/planDiff.ts): a release, a new setting or a database resize leaves the image and the servers alone; a new package set is a new image and new servers, never a lost volume", async () => {
    const baked = await planStack("staging", { serverImage: "baked" });
    const summary = (changes: ReturnType<typeof diffPlans>) => changes.map((c) => `${c.action} ${c.type.split("/").pop()} ${c.name}${c.replacingBy.length ? ` by ${c.replacingBy.join(",")}` : ""}`).sort();
    const release = diffPlans(baked, await planStack("staging", { serverImage: "baked", appRef: "v1.4.3", appEnv: ["GREETING=hi"] }));
    expect([...new Set(release.map((c) => `${c.type} ${c.action}`))]).toEqual(["command:remote:Command update"]);
    const resize = diffPlans(baked, await planStack("staging", { serverImage: "baked", dbSize: "db-s-2vcpu-4gb" }));
    expect(resize.filter((c) => c.type === BAKE || c.type === DROPLET)).toEqual([]);
    // A domain adds certbot to the web server's packages: a new image, the web droplet replaced (released
    // before the old goes), the old image deleted after it.
    const single = await planStack("dev", { serverImage: "baked" });
    const domain = diffPlans(single, await planStack("dev", { serverImage: "baked", domain: "shop.example.com" }));
    const bakeChange = domain.find((c) => c.type === BAKE)!;
    expect(bakeChange).toEqual(expect.objectContaining({ action: "replace", replacingBy: ["triggers"] }));
    expect(summary(domain.filter((c) => c.type === DROPLET))).toEqual(["replace droplet:Droplet shop-dev-web-1 by image,userData"]);
    expect(domain.filter((c) => c.stateful !== undefined && c.action !== "update")).toEqual([]);
    // Turning baked images on replaces the servers once (a new image), and off again deletes the image.
    const on = diffPlans(await planStack("dev"), single);
    expect(summary(on.filter((c) => c.type === BAKE || c.type === DROPLET))).toEqual([`create command:local:Command ${bakeChange.name}`, "replace droplet:Droplet shop-dev-web-1 by image,userData"]);
    expect(on.filter((c) => c.stateful !== undefined && c.action !== "update")).toEqual([]);
  });

  it("AWS has no baked images: LinuxServer and LinuxServerGroup refuse them, naming the argument", async () => {
    await expect(build(() => {
      const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
      new LinuxServer("box", { network, roles: [], access: ACCESS, image: "baked" });
      return {};
    })).rejects.toThrow(/LinuxServer\.image.*baked.*not available on AWS/);
    await expect(build(() => {
      const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
      new LinuxServerGroup("workers", { network, roles: ["worker"], count: 2, access: ACCESS, app, worker, image: "baked" });
      return {};
    })).rejects.toThrow(/LinuxServerGroup\.image.*baked/);
  });
});
