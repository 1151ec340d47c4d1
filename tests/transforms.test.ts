/**
 * Typed escape hatches (components/transform.ts): a user adjusts a child resource with the provider's own
 * argument types, without forking the component. Built under Pulumi's mocks, as a program importing the
 * components would: the transform reaches the child (also through nested components), changes only what
 * it sets, and a transform naming a child that does not exist is refused before anything is registered.
 */
import { CHILDREN, FullStackApp, LinuxServer, Network, typeToken, type ChildTransforms } from "../components";
import { runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { planStack } from "./helpers";

jest.setTimeout(120_000);

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop";
const ACCESS = { adminUser: "ops", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"], sshKeyIds: [] };

/** One hardened server (no roles) on `cloud`, with the transforms given. */
function oneServer(cloud: "digitalocean" | "aws", transform?: ChildTransforms): Promise<RunResult> {
  return runStack({
    stack: "transforms",
    config: { "aws:region": "eu-central-1" },
    program: async () => {
      const network = new Network("net", cloud === "aws" ? { cloud, region: "eu-central-1" } : { region: "fra1" });
      const box = new LinuxServer("box", { network, roles: [], access: ACCESS, transform });
      return { id: box.id };
    },
  });
}

const byUrn = (r: RunResult) => new Map(r.resources.map((x) => [x.urn, x]));

/** The inputs that differ between two runs of the same program, per resource (name: keys). */
function changedInputs(before: RunResult, after: RunResult): Record<string, string[]> {
  const a = byUrn(before);
  const out: Record<string, string[]> = {};
  for (const r of after.resources) {
    const old = a.get(r.urn);
    if (!old) {
      out[r.name] = ["(new)"];
      continue;
    }
    const keys = [...new Set([...Object.keys(old.inputs), ...Object.keys(r.inputs)])]
      .filter((k) => JSON.stringify(old.inputs[k]) !== JSON.stringify(r.inputs[k]));
    if (keys.length) out[r.name] = keys.sort();
  }
  expect(after.resources.length).toBe(before.resources.length);
  return out;
}

const ofType = (r: RunResult, type: string): RecordedResource[] => r.resources.filter((x) => x.type === type);

describe("typed transforms on the components' children", () => {
  it("DigitalOcean: a droplet transform changes the droplet's args, and nothing else", async () => {
    const plain = await oneServer("digitalocean");
    const seen: string[] = [];
    const changed = await oneServer("digitalocean", {
      digitalocean: {
        droplet: (args, _opts, name) => {
          seen.push(name);
          args.backups = true;
          args.size = "s-2vcpu-2gb";
        },
      },
      // The other cloud's kinds do nothing here.
      aws: { instance: () => { throw new Error("not on DigitalOcean"); } },
    });
    const [droplet] = ofType(changed, "digitalocean:index/droplet:Droplet");
    expect({ backups: droplet.inputs.backups, size: droplet.inputs.size }).toEqual({ backups: true, size: "s-2vcpu-2gb" });
    expect(seen).toEqual([droplet.name]);
    expect(changedInputs(plain, changed)).toEqual({ [droplet.name]: ["backups", "size"] });
  });

  it("AWS: an instance transform can return new args and options", async () => {
    const plain = await oneServer("aws");
    const changed = await oneServer("aws", {
      aws: { instance: (args, opts) => ({ args: { ...args, disableApiTermination: true }, opts: { ...opts, ignoreChanges: ["ami"] } }) },
    });
    const [instance] = ofType(changed, "aws:ec2/instance:Instance");
    expect(instance.inputs.disableApiTermination).toBe(true);
    expect(instance.ignoreChanges).toEqual(["ami"]);
    expect(changedInputs(plain, changed)).toEqual({ [instance.name]: ["disableApiTermination"] });
  });

  it("reaches the children of nested components: a transform on FullStackApp changes its web tier's droplet", async () => {
    const run = (transform?: ChildTransforms) => runStack({
      stack: "dev",
      config: { "aws:region": "eu-central-1" },
      program: async () => {
        const app = new FullStackApp("shop", {
          environment: "dev", app: { repo: "https://github.com/acme/shop.git" }, access: { sshKeys: [KEY], cidrs: ["203.0.113.7/32"] }, transform,
        });
        return { url: app.url };
      },
    });
    const plain = await run();
    const changed = await run({ digitalocean: { droplet: (args) => { args.monitoring = false; } } });
    const droplets = ofType(changed, "digitalocean:index/droplet:Droplet");
    expect(droplets.length).toBeGreaterThan(0);
    for (const d of droplets) expect(`${d.name} ${String(d.inputs.monitoring)}`).toBe(`${d.name} false`);
    expect(Object.values(changedInputs(plain, changed))).toEqual(droplets.map(() => ["monitoring"]));
  });

  it("a transform for a child that does not exist is refused, naming it and the kinds there are, before the component registers anything", async () => {
    let refusal = "";
    const result = await runStack({
      stack: "transforms",
      config: { "aws:region": "eu-central-1" },
      program: async () => {
        const network = new Network("net", { region: "fra1" });
        try {
          new LinuxServer("box", { network, roles: [], access: ACCESS, transform: { digitalocean: { dropplet: () => undefined } as never } });
        } catch (err) {
          refusal = (err as Error).message;
        }
        return {};
      },
    });
    expect(refusal).toMatch(/^transform\.digitalocean\.dropplet: no such child; the digitalocean children a transform can adjust are droplet, volume, /);
    expect(result.resources.filter((r) => r.name.startsWith("box")).map((r) => r.name)).toEqual([]);
    expect(result.resources.some((r) => r.type === "fullstack:network:Network")).toBe(true);
  });

  it("every kind a transform can name is a resource the components make on some checked-in stack", async () => {
    const made = new Set<string>();
    for (const stack of ["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"]) {
      for (const r of (await planStack(stack)).resources) made.add(r.type);
    }
    // The DNS zone is made only when asked for.
    for (const r of (await planStack("prod", { createDnsZone: true })).resources) made.add(r.type);
    const kinds = Object.entries(CHILDREN).flatMap(([cloud, table]) =>
      Object.entries(table).map(([kind, cls]) => ({ kind: `${cloud}.${kind}`, token: typeToken(cls) })));
    expect(kinds.filter((k) => !made.has(k.token)).map((k) => `${k.kind} (${k.token})`)).toEqual([]);
  });
});
