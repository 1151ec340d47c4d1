/**
 * The offline plan diff (issue 16, first part) on DigitalOcean's stacks: known config changes give the
 * action the provider's own rules give (harness/replacement.ts, from terraform-provider-digitalocean's
 * ForceNew flags), and every DigitalOcean type the stacks create has a rule.
 */
import { diffPlans, isDanger, providerChanges, statefulKind, type PlannedChange } from "../harness/planDiff";
import { statefulResources } from "./topology/inspect";
import type { RunResult } from "../harness/mockRuntime";
import { DIGITALOCEAN_REPLACEMENT, REPLACEMENT, replacingChanges } from "../harness/replacement";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { downtimeOf, measuredBootImage, measuredBootSeconds } from "../tools/planDiff";
import { planStack, ROOT } from "./helpers";

const DO_STACKS = ["dev", "staging", "prod"];
const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  for (const stack of DO_STACKS) runs[stack] = await planStack(stack);
}, 120_000);

const of = (changes: PlannedChange[], type: string) => changes.filter((c) => c.type === `digitalocean:index/${type}`);
const summary = (changes: PlannedChange[]) => changes.map((c) => `${c.action} ${c.type.split(":").pop()} ${c.name}${c.replacingBy.length ? ` by ${c.replacingBy.join(",")}` : ""}`).sort();

describe("the replacement rules", () => {
  it.each(DO_STACKS)("%s: every DigitalOcean type it creates has a rule", (stack) => {
    const types = [...new Set(runs[stack].resources.filter((r) => r.custom && r.type.startsWith("digitalocean:index/")).map((r) => r.type))];
    expect(types.length).toBeGreaterThan(5);
    expect(types.filter((t) => !(t in DIGITALOCEAN_REPLACEMENT))).toEqual([]);
  });

  it.each([...DO_STACKS, "aws-dev", "aws-staging", "aws-prod"])("%s: every type it creates has a rule (providers aside)", async (stack) => {
    const r = runs[stack] ?? await planStack(stack);
    const types = [...new Set(r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:")).map((x) => x.type))];
    expect(types.filter((t) => !(t in REPLACEMENT))).toEqual([]);
  });

  it.each(["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"])("%s: the diff's stateful resources are the topology's (one view of what holds data)", async (stack) => {
    const r = runs[stack] ?? await planStack(stack);
    const topology = statefulResources(r).map((x) => `${x.resource.urn} ${x.kind}`).sort();
    const diff = r.resources.filter((x) => x.custom && statefulKind(x) !== undefined).map((x) => `${x.urn} ${statefulKind(x)}`).sort();
    expect(diff).toEqual(topology);
  });

  it("a resource's own replaceOnChanges adds to the provider's rule; an unknown type stays unknown", () => {
    expect(replacingChanges("digitalocean:index/droplet:Droplet", ["size", "userData"])).toEqual(["userData"]);
    expect(replacingChanges("digitalocean:index/droplet:Droplet", ["size", "tags"], ["tags"])).toEqual(["tags"]);
    expect(replacingChanges("command:remote:Command", ["stdin"])).toEqual([]);
    expect(replacingChanges("example:index/unknown:Unknown", ["size"])).toBeUndefined();
    expect(replacingChanges("aws:ssm/association:Association", ["parameters"], ["parameters"])).toEqual(["parameters"]);
    // A rule that depends on another input: EC2 replaces on new user data only with userDataReplaceOnChange.
    expect(replacingChanges("aws:ec2/instance:Instance", ["userDataBase64"], [], { userDataReplaceOnChange: true })).toEqual(["userDataBase64"]);
    expect(replacingChanges("aws:ec2/instance:Instance", ["userDataBase64"], [], {})).toEqual([]);
  });
});

describe("known changes, classified as the provider would", () => {
  it("nothing changed: nothing to do (the plan is deterministic)", async () => {
    expect(diffPlans(runs.dev, await planStack("dev"))).toEqual([]);
  });

  it("appRef: a release in place; no DigitalOcean resource changes", async () => {
    const changes = diffPlans(runs.staging, await planStack("staging", { appRef: "v1.4.3" }));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.filter((c) => c.type.startsWith("digitalocean:"))).toEqual([]);
    expect([...new Set(changes.map((c) => `${c.type} ${c.action}`))]).toEqual(["command:remote:Command update"]);
  });

  it("webSize: a new droplet (the library's replaceOnChanges: the provider's resize powers it off hard), released before the old one goes", async () => {
    const changes = diffPlans(runs.staging, await planStack("staging", { webSize: "s-2vcpu-2gb" }));
    expect(summary(changes)).toEqual(["replace Command shop-staging-web-1-release by triggers", "replace Droplet shop-staging-web-1 by size"]);
  });

  it("volumeSizeGb grown: the volume grows in place", async () => {
    const changes = diffPlans(runs.dev, await planStack("dev", { volumeSizeGb: 40 }));
    expect(summary(of(changes, "volume:Volume"))).toEqual(["update Volume shop-dev-web-1-data"]);
    expect(of(changes, "droplet:Droplet").filter((c) => c.action === "replace")).toEqual([]);
  });

  it("pgVersion: the managed cluster upgrades in place", async () => {
    const changes = diffPlans(runs.staging, await planStack("staging", { pgVersion: "16" }));
    const clusters = of(changes, "databaseCluster:DatabaseCluster");
    expect(clusters.map((c) => [c.action, c.changed])).toEqual([["update", ["version"]]]);
  });

  it("dbPoolSize: the connection pool is replaced (the provider cannot update one)", async () => {
    const changes = diffPlans(runs.staging, await planStack("staging", { dbPoolSize: 12 }));
    expect(summary(changes)).toEqual([expect.stringMatching(/^replace DatabaseConnectionPool .* by size$/)]);
  });

  it("region: everything is replaced, the protected database and bucket among them, which `pulumi up` refuses", async () => {
    const changes = diffPlans(runs.staging, await planStack("staging", { region: "ams3" }));
    const replaced = changes.filter((c) => c.action === "replace");
    expect(replaced.map((c) => c.type.split(":").pop())).toEqual(expect.arrayContaining(["Droplet", "SpacesBucket", "Vpc", "DatabaseCluster"]));
    for (const c of replaced) expect(c.replacingBy.length).toBeGreaterThan(0);
    // The managed database itself could move region in place (the provider migrates it), but the new VPC
    // changes its private network, which replaces it.
    expect(of(changes, "databaseCluster:DatabaseCluster").map((c) => [c.action, c.replacingBy, c.protect])).toEqual([
      ["replace", ["privateNetworkUuid"], true], ["replace", ["privateNetworkUuid"], true],
    ]);
    expect(of(changes, "spacesBucket:SpacesBucket").map((c) => [c.action, c.replacingBy, c.protect])).toEqual([["replace", ["region"], true]]);
    // Whatever names a replaced resource's ID is replaced or updated with it: the droplets by their VPC too.
    expect(of(changes, "droplet:Droplet").map((c) => c.replacingBy)).toEqual([["region", "vpcUuid"], ["region", "vpcUuid"]]);
  });
});

describe("downtime per change", () => {
  it("reads the single box's measured first boot from bench/RESULTS.md, and the image it booted", () => {
    const text = readFileSync(join(ROOT, "bench", "RESULTS.md"), "utf8");
    expect(measuredBootSeconds(ROOT)).toBe(Number(/First `\/healthz` 200[^|]*\| ([0-9.]+) \|/.exec(text)![1]));
    expect(measuredBootImage(ROOT)).toBe(/^- Server: .*; image: baked/m.test(text) ? "baked" : "stock");
  });

  it("a release in place: none", async () => {
    const after = await planStack("dev", { appRef: "v2" });
    expect(downtimeOf(diffPlans(runs.dev, after), after, 500)).toEqual([
      { name: "shop-dev-web-1-release", downtime: expect.stringMatching(/^none: a release in place/) },
    ]);
  });

  it("the single box replaced: its measured boot; behind a load balancer: none", async () => {
    // A new image replaces every droplet (ForceNew).
    const single = await planStack("dev", { os: "debian-12" });
    expect(downtimeOf(diffPlans(runs.dev, single), single, 518.4).filter((d) => d.name === "shop-dev-web-1")).toEqual([
      { name: "shop-dev-web-1", downtime: "down for about 518 s, its first boot as measured in bench/RESULTS.md" },
    ]);
    const balanced = await planStack("prod", { os: "debian-12" });
    const web = downtimeOf(diffPlans(runs.prod, balanced), balanced, 518.4).filter((d) => /-web-\d+$/.test(d.name));
    expect(web.length).toBe(3);
    for (const d of web) expect(d.downtime).toMatch(/^none: behind the load balancer/);
    // Workers are no web servers: none for the site, and said so (not "behind the load balancer").
    const workers = downtimeOf(diffPlans(runs.prod, balanced), balanced, 518.4).filter((d) => /-worker-\d+$/.test(d.name));
    expect(workers.map((d) => d.name)).toEqual(["shop-prod-worker-1", "shop-prod-worker-2"]);
    for (const d of workers) expect(d.downtime).toMatch(/^none for the site: a worker; the new one starts before the old one stops/);
  });

  it("the measured boot stands for servers of the image it booted: a baked image's for baked servers, not for stock ones (and the other way round)", async () => {
    const baked = await planStack("dev", { serverImage: "baked" });
    const grown = await planStack("dev", { serverImage: "baked", domain: "shop.example.com" });
    const web = (d: ReturnType<typeof downtimeOf>) => d.filter((x) => x.name === "shop-dev-web-1");
    expect(web(downtimeOf(diffPlans(baked, grown), grown, 164.9, "baked"))).toEqual([
      { name: "shop-dev-web-1", downtime: "down for about 165 s, its first boot as measured in bench/RESULTS.md" },
    ]);
    const stock = await planStack("dev", { os: "debian-12" });
    expect(web(downtimeOf(diffPlans(runs.dev, stock), stock, 164.9, "baked"))).toEqual([{
      name: "shop-dev-web-1",
      downtime: "down for its first boot (bench/RESULTS.md measured a baked image's, 165 s; this server boots a stock image, which installs its packages first)",
    }]);
    expect(web(downtimeOf(diffPlans(baked, grown), grown, 528.1, "stock"))[0].downtime).toMatch(/^down for its first boot \(bench\/RESULTS\.md measured a stock image's, 528 s; this server boots a baked image\)$/);
  });

  it("a new size: replaced, not resized; behind the load balancer the site stays up", async () => {
    const after = await planStack("prod", { webSize: "s-4vcpu-8gb" });
    const web = downtimeOf(diffPlans(runs.prod, after), after, 500).filter((d) => /-web-\d+$/.test(d.name));
    expect(web.map((d) => d.name)).toEqual(["shop-prod-web-1", "shop-prod-web-2", "shop-prod-web-3"]);
    for (const d of web) expect(d.downtime).toMatch(/^none: behind the load balancer/);
    const single = await planStack("staging", { webSize: "s-2vcpu-2gb" });
    expect(downtimeOf(diffPlans(runs.staging, single), single, 500).filter((d) => d.name === "shop-staging-web-1"))
      .toEqual([{ name: "shop-staging-web-1", downtime: "down for about 500 s, its first boot as measured in bench/RESULTS.md" }]);
  });

  it("an EC2 instance's new type stops it (in place)", () => {
    const change = { urn: "u", type: "aws:ec2/instance:Instance", name: "shop-aws-dev-web-1", action: "update" as const, changed: ["instanceType"], replacingBy: [], ruleUnknown: false, protect: false };
    expect(downtimeOf([change], { resources: [], outputs: {} }, 500)).toEqual([
      { name: "shop-aws-dev-web-1", downtime: "down while it is stopped and resized (minutes); servers resized in the same update are down together" },
    ]);
  });
});

describe("AWS: known changes", () => {
  it("appRef: a release in place; no server, template, volume, database or bucket changes", async () => {
    const before = await planStack("aws-staging");
    const changes = diffPlans(before, await planStack("aws-staging", { appRef: "v1.4.3" }));
    // The release's carriers only: the secret files' parameter (the bundle) and the association that runs
    // the release, replaced by design so that it runs (replaceOnChanges: parameters).
    expect(summary(changes)).toEqual([
      "replace Association shop-aws-staging-web-1-release by parameters", "replace Association shop-aws-staging-worker-1-release by parameters",
      "update Parameter shop-aws-staging-web-1-secrets", "update Parameter shop-aws-staging-worker-1-secrets",
    ]);
    expect(changes.filter(isDanger)).toEqual([]);
  });

  it("region (with aws:region): flagged, since pulumi up does not move an AWS stack; the servers' new user data replaces them", async () => {
    const before = await planStack("aws-staging");
    const after = await planStack("aws-staging", { region: "eu-west-1", "aws:region": "eu-west-1" });
    expect(providerChanges(before, after)).toEqual([
      { key: "aws:region", before: "eu-central-1", after: "eu-west-1", danger: true, effect: expect.stringContaining("pulumi/pulumi-aws#5656") },
    ]);
    const changes = diffPlans(before, after);
    expect(changes.filter((c) => c.ruleUnknown)).toEqual([]);
    // The servers' user data names the region (the secret fetch script): new instances (userDataReplaceOnChange).
    expect(changes.filter((c) => c.type === "aws:ec2/instance:Instance").map((c) => [c.action, c.replacingBy])).toEqual([
      ["replace", ["userDataBase64"]], ["replace", ["userDataBase64"]],
    ]);
    expect(providerChanges(before, await planStack("aws-staging", { appRef: "v2" }))).toEqual([]);
  });

  it("webSize on a single instance: updated in place (stopped to change its type); dbSize: the RDS instance in place", async () => {
    const before = await planStack("aws-dev");
    const sized = diffPlans(before, await planStack("aws-dev", { webSize: "t3.medium" }));
    expect(sized.filter((c) => c.type === "aws:ec2/instance:Instance").map((c) => [c.action, c.changed])).toEqual([["update", ["instanceType"]]]);
    const staging = await planStack("aws-staging");
    const db = diffPlans(staging, await planStack("aws-staging", { dbSize: "db.t4g.small" }));
    expect(db.filter((c) => c.type === "aws:rds/instance:Instance").map((c) => [c.action, c.changed])).toEqual([["update", ["instanceClass"]]]);
  });
});
