/**
 * FullStackApp's nested args: one mapping (each key's `arg` path in settings/schema.ts) between stack
 * config and the args, so both give the same settings; errors that name the field a program wrote;
 * secrets handed in as Outputs, checked by the same rules once known and kept secret; and the generated
 * type in step with the schema.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FullStackApp, type FullStackAppArgs } from "../components";
import { resolveFullStackAppArgs } from "../components/fullStackApp";
import * as linuxServer from "../components/linuxServer";
import * as serverGroup from "../components/serverGroup";
import { runStack, type RunResult } from "../harness/mockRuntime";
import { ARG_GROUPS, KEYS, argPathOf, argsFromConfig, configFromArgs, inArgsTerms, loadSettings, type RawConfig } from "../settings";
import { ARGS_FILE, renderArgsFile } from "../tools/docs";
import { readStackConfig } from "../tools/stackConfig";

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, "..");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop";
const DEPLOY_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----";
const STACKS = ["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"];

const base: FullStackAppArgs = {
  environment: "dev",
  app: { repo: "https://github.com/acme/shop.git", name: "shop" },
  access: { sshKeys: [KEY], cidrs: ["203.0.113.7/32"] },
};

/** Builds a FullStackApp from `args` under mocks (DigitalOcean unless the args say otherwise). */
function build(args: FullStackAppArgs): Promise<RunResult> {
  return runStack({
    stack: "component", config: { "aws:region": "eu-central-1" },
    program: async () => ({ url: new FullStackApp("shop", args).url }),
  });
}

/** The error building `args` ends with (under mocks, before or after registration). */
async function refusal(args: unknown, name = "shop"): Promise<string> {
  try {
    await runStack({ stack: "component", config: {}, program: async () => ({ url: new FullStackApp(name, args as FullStackAppArgs).url }) });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("the args were accepted");
}

describe("the mapping between stack config keys and FullStackApp's args", () => {
  it("gives every key its own path, inside a documented group", () => {
    const paths = KEYS.map((k) => k.arg);
    expect(new Set(paths).size).toBe(paths.length);
    for (const path of paths) {
      const parents = path.split(".").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("."));
      for (const parent of parents) expect(`${path}: ${ARG_GROUPS[parent]?.type ?? "no group"}`).not.toMatch(/no group$/);
    }
  });

  it(`${ARGS_FILE} is what npm run docs generates from the schema`, () => {
    expect(readFileSync(resolve(ROOT, ARGS_FILE), "utf8")).toBe(renderArgsFile());
  });

  it.each(STACKS)("stack %s: its config as args gives the same settings as its config", (stack) => {
    const { config } = readStackConfig(ROOT, stack);
    const raw: RawConfig = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith("fullstack:")).map(([k, v]) => [k.slice(10), v]));
    const { raw: back, fromConfig } = configFromArgs(argsFromConfig(raw));
    expect(fromConfig).toBe(true);
    expect(loadSettings(back)).toEqual(loadSettings(raw));
  });

  it("reads config text as each key's type: lists, integers, booleans, appEnv as a record", () => {
    const args = argsFromConfig({
      appRepo: "https://github.com/acme/shop.git", webCount: "2", loadBalancer: "true", adminCidrs: "[\"203.0.113.7/32\"]",
      appEnv: "[\"A=1\",\"B=x=y\"]", domain: "shop.example.com",
    });
    expect(JSON.parse(JSON.stringify(args))).toEqual({
      app: { repo: "https://github.com/acme/shop.git", env: { A: "1", B: "x=y" } },
      web: { count: 2, loadBalancer: true },
      access: { cidrs: ["203.0.113.7/32"] },
      domain: { name: "shop.example.com" },
    });
  });
  it("maps fullstack:serverImage to serverImage, beside os, both ways", () => {
    expect(argPathOf("serverImage")).toBe("serverImage");
    const args = argsFromConfig({ appRepo: "https://github.com/acme/shop.git", os: "debian-12", serverImage: "baked" });
    expect(JSON.parse(JSON.stringify(args))).toEqual({ app: { repo: "https://github.com/acme/shop.git" }, os: "debian-12", serverImage: "baked" });
    const { raw } = configFromArgs({ ...base, os: "debian-12", serverImage: "baked" });
    expect(raw).toMatchObject({ os: "debian-12", serverImage: "baked" });
    expect(loadSettings(raw).serverImage).toBe("baked");
    expect(resolveFullStackAppArgs("shop", { ...base, serverImage: "baked" }).settings.serverImage).toBe("baked");
    expect(resolveFullStackAppArgs("shop", base).settings.serverImage).toBe("stock");
  });
});

describe("FullStackApp refuses bad args before registering anything, naming the field", () => {
  it.each<[string, unknown, RegExp]>([
    ["a value out of range", { ...base, web: { count: 0 } }, /^FullStackApp "shop": web\.count 0 .*; /],
    ["a value not in the list", { ...base, profile: "huge" }, /^FullStackApp "shop": profile "huge" is not a profile; use one of single, standard, scaled$/],
    ["a key where it has no effect", { ...base, redis: { maxMemoryMb: 512 }, profile: "standard" }, /^FullStackApp "shop": redis\.maxMemoryMb 512 .*profile single/],
    ["a server image not in the list", { ...base, serverImage: "golden" }, /^FullStackApp "shop": serverImage "golden" is not a server image; use one of stock, baked$/],
    ["a baked server image on AWS", { ...base, cloud: "aws", region: "eu-central-1", serverImage: "baked" },
      /^FullStackApp "shop": serverImage "baked" has no effect on AWS; it applies only with cloud digitalocean: remove serverImage here$/],
    ["a missing required field", { ...base, app: { name: "shop" } }, /^FullStackApp "shop": app\.repo \(unset\) is required; set it with `app\.repo`/],
    ["a config key's name where a field goes", { ...base, appRepo: "x" }, /^FullStackApp "shop": appRepo "x" is not a FullStackApp arg; did you mean app\.repo\?/],
    ["a misspelt field", { ...base, web: { cout: 2 } }, /^FullStackApp "shop": web\.cout 2 is not a FullStackApp arg; did you mean web\.count\?/],
    ["a group that is not an object", { ...base, worker: "celery" }, /^FullStackApp "shop": worker "celery" is not an object; give worker as \{ \.\.\. \} \(see FullStackWorker\)/],
    ["an env variable the library sets", { ...base, app: { ...base.app, env: { DATABASE_URL: "x" } } }, /^FullStackApp "shop": app\.env "DATABASE_URL=x" sets DATABASE_URL/],
    ["a plain secret that is not a key", { ...base, app: { ...base.app, repo: "git@github.com:acme/shop.git", deployKey: "nope" } }, /^FullStackApp "shop": app\.deployKey "\[secret\]" is not an unencrypted OpenSSH private key/],
  ])("%s", async (_what, args, message) => {
    expect(await refusal(args)).toMatch(message);
  });

  it("registers nothing when it refuses", async () => {
    const result = await runStack({
      stack: "component", config: {},
      program: async () => {
        expect(() => new FullStackApp("shop", { ...base, web: { count: 0 } })).toThrow(/web\.count/);
        return {};
      },
    });
    expect(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });

  it("names the config key instead when the args came from stack config", () => {
    const raw = { appRepo: "https://github.com/acme/shop.git", webCount: "0", adminSshKeys: JSON.stringify([KEY]), adminCidrs: "[\"203.0.113.7/32\"]" };
    expect(() => new FullStackApp("shop", argsFromConfig(raw) as FullStackAppArgs)).toThrow(/^fullstack:webCount 0 /);
  });

  it("names the component when its name makes names the cloud refuses", async () => {
    expect(await refusal(base, "Shop_Store")).toMatch(
      /^FullStackApp "Shop_Store": FullStackApp "Shop_Store" name "Shop_Store" makes names DigitalOcean refuses: droplet name .*; use a shorter name/);
  });

  it("logs the settings' warnings on the component, in the args' terms", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    try {
      await build({ ...base, environment: "production", protect: false, alerts: { emails: ["ops@example.com"] } });
      expect(warn.mock.calls.map((c) => c[0])).toEqual([
        expect.stringMatching(/^FullStackApp "shop": protect is false on a production environment: .*; set environment to staging or dev if/),
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it("says warnings in the args' terms", () => {
    expect(inArgsTerms("fullstack:protect is false on a production environment; set fullstack:environment to staging")).toBe(
      "protect is false on a production environment; set environment to staging");
    expect(inArgsTerms("fullstack:appEnv[2] \"x\" is not KEY=value")).toBe("app.env \"x\" is not KEY=value");
    expect(inArgsTerms("set it with `pulumi config set --secret appRepoDeployKey < deploy_key`")).toBe("set it with `app.deployKey`");
  });
});

describe("secrets as pulumi.Input<string>", () => {
  const secretArgs = (deployKey: pulumi.Input<string>, dsn: pulumi.Input<string>): FullStackAppArgs => ({
    ...base,
    app: { ...base.app, repo: "git@github.com:acme/shop.git", deployKey, env: { SENTRY_DSN: dsn, PLAIN: "1" } },
  });

  it("reach the servers as the plain ones do, and stay secret", async () => {
    const dsn = "https://abc@o1.ingest.sentry.io/2";
    const fromOutputs = await build(secretArgs(pulumi.secret(DEPLOY_KEY), pulumi.output(Promise.resolve(dsn))));
    const fromStrings = await build(secretArgs(DEPLOY_KEY, dsn));
    const plain = (r: RunResult) => r.resources.map((x) => [x.urn, JSON.stringify(x.plainInputs)]);
    expect(plain(fromOutputs)).toEqual(plain(fromStrings));
    const holders = fromOutputs.resources.filter((r) => JSON.stringify(r.plainInputs).includes("o1.ingest.sentry.io"));
    expect(holders.length).toBeGreaterThan(0);
    for (const r of holders) expect(JSON.stringify(r.inputs)).not.toContain("o1.ingest.sentry.io");
    const keyHolders = fromOutputs.resources.filter((r) => JSON.stringify(r.plainInputs).includes("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"));
    expect(keyHolders.length).toBeGreaterThan(0);
    for (const r of keyHolders) expect(JSON.stringify(r.inputs)).not.toContain("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW");
    // No stand-in reached a resource.
    for (const r of fromOutputs.resources) expect(JSON.stringify(r.plainInputs)).not.toMatch(/pending\.invalid|=pending|\nAAAA\n/);
  });

  it("are checked by the same rules once known: a bad deploy key is refused, naming the field, never showing it", async () => {
    // A real program ends with this error (as the failure of every resource that takes the key); here
    // the Output is looked at alone, each of its promises awaited.
    await runStack({
      stack: "component", config: {},
      program: async () => {
        const { settings } = resolveFullStackAppArgs("shop", secretArgs(pulumi.secret("not a key"), "x"));
        const out = settings.app.repoDeployKey as unknown as { promise(): Promise<string>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
        const failed = (p: Promise<unknown>) => p.then(() => "accepted", (err: Error) => err.message);
        const [value, known, secret] = await Promise.all([failed(out.promise()), failed(out.isKnown), failed(out.isSecret)]);
        expect(value).toMatch(/^FullStackApp "shop": app\.deployKey "\[secret\]" is not an unencrypted OpenSSH private key; .*set `app\.deployKey`$/);
        expect(value).not.toContain("not a key");
        expect([known, secret]).toEqual([value, value]);
        return {};
      },
    });
  });

  it("are normalised as the plain ones are (a deploy key's line ends)", async () => {
    await runStack({
      stack: "component", config: {},
      program: async () => {
        const { settings } = resolveFullStackAppArgs("shop", secretArgs(pulumi.output(DEPLOY_KEY.replace(/\n/g, "\r\n")), "x"));
        const known = await (settings.app.repoDeployKey as unknown as { promise(): Promise<string> }).promise();
        expect(known).toBe(`${DEPLOY_KEY}\n`);
        expect(await pulumi.isSecret(pulumi.output(settings.app.repoDeployKey!))).toBe(true);
        return {};
      },
    });
  });
});

describe("serverImage reaches every server FullStackApp makes", () => {
  // A build that never ends must not leave a spy behind for the next test to wrap.
  afterEach(() => jest.restoreAllMocks());

  /** The `image` each LinuxServer and LinuxServerGroup was made with while building `args`, by component name. */
  async function imagesOf(args: FullStackAppArgs): Promise<Record<string, unknown>> {
    const images: Record<string, unknown> = {};
    type Constructors = Record<string, new (...a: unknown[]) => object>;
    const spy = (mod: object, key: string) => {
      const Real = (mod as Constructors)[key];
      return jest.spyOn(mod as Record<string, (...a: unknown[]) => unknown>, key).mockImplementation((...a: unknown[]) => {
        images[a[0] as string] = (a[1] as { image?: unknown }).image;
        return Reflect.construct(Real, a);
      });
    };
    const spies = [spy(linuxServer, "LinuxServer"), spy(serverGroup, "LinuxServerGroup")];
    try {
      await build(args);
    } finally {
      for (const s of spies) s.mockRestore();
    }
    return images;
  }

  it("DigitalOcean: the web and worker servers, baked when asked", async () => {
    const standard: FullStackAppArgs = { ...base, profile: "standard", worker: { kind: "celery" }, bucket: { enabled: false } };
    expect(await imagesOf({ ...standard, serverImage: "baked" })).toEqual({ "shop-web-1": "baked", "shop-worker-1": "baked" });
    expect(await imagesOf(standard)).toEqual({ "shop-web-1": "stock", "shop-worker-1": "stock" });
  });

  it("AWS: the servers and the groups, stock", async () => {
    const images = await imagesOf({
      ...base, cloud: "aws", region: "eu-central-1", profile: "scaled", worker: { kind: "celery", count: 3 }, bucket: { enabled: false },
    });
    expect(images).toEqual({ "shop-web": "stock", "shop-workers": "stock", "shop-worker-1": "stock" });
  });
});
