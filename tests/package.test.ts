/**
 * The published package as a user gets it: `npm pack` (which builds dist/ first), then a fresh consumer
 * project in a temp dir installs the tarball next to the @pulumi packages this repo tests against,
 * compiles a TypeScript program that imports the components with tsc, and runs it (require resolves
 * every module the library needs at runtime). The @pulumi packages are peers: the consumer's copies are
 * the library's, one each, and `npm ls` (which checks every dependency and peer range against what is
 * installed) finds nothing wrong; a control pins the library's @pulumi/pulumi peer to another release
 * and `npm ls` must then report it.
 *
 * From npm's cache, without the network: the consumer's lock file holds the tarball (by integrity) and
 * the @pulumi packages' trees as this repo's package-lock.json has them, so `npm ci --prefer-offline`
 * finds everything in the cache this repo's `npm ci` filled. (`npm install <tarball>` would not: to
 * place peers it asks for full packuments, which `npm ci` does not cache; measured in a fresh Debian
 * chroot with no route to the registry.)
 *
 * A second consumer takes the oldest @pulumi/pulumi the library's peer range allows (not the version this
 * repo develops with: the range's floor must be true), which `npm install` gets from the npm registry (CI
 * has it) unless npm's cache has it, and runs the README's compositions of Network, PostgresDb, CdnBucket
 * and WebTier on both clouds under the test's mock runtime on that SDK, and a web tier's `nodes` (which read
 * the children the SDK records on each resource, an internal: components/nodes.ts).
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import * as ts from "typescript";

const ROOT = resolve(__dirname, "..");
const execFileAsync = promisify(execFile);
const PEERS = ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/digitalocean", "@pulumi/random", "@pulumi/command", "@pulumi/tls"];

interface Manifest {
  name: string;
  version: string;
  main: string;
  types: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [k: string]: unknown;
}

const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Manifest;
const lock = (JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> }).packages;

/**
 * The environment for npm and node in the consumer: the user's npm settings (npm_config_cache, registry,
 * ...) stay, but nothing that ties npm to this repo (the `npm test` running this file sets
 * npm_config_local_prefix, npm_package_*, npm_lifecycle_*).
 */
const cleanEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env)
  .filter(([k]) => !/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_prefix$)/i.test(k)));

/** Runs a command; `out` is everything it printed, `stdout` its standard output alone. */
async function sh(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string; stdout: string }> {
  try {
    const r = await execFileAsync(cmd, args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
    return { code: 0, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    return { code: typeof e.code === "number" ? e.code : 1, out: out || e.message, stdout: e.stdout ?? "" };
  }
}

/** `node_modules/<name>` as Node would find it from the package at `from` (a lock path), or undefined. */
function resolveInLock(name: string, from: string): string | undefined {
  for (let p = from; ; p = p.includes("/node_modules/") ? p.slice(0, p.lastIndexOf("/node_modules/")) : "") {
    const candidate = `${p ? `${p}/` : ""}node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (p === "") return undefined;
  }
}

/** The entries of this repo's lock that `roots` need, as they are placed there. */
function lockClosure(roots: string[]): Record<string, LockEntry> {
  const keep: Record<string, LockEntry> = {};
  const queue = roots.map((n) => resolveInLock(n, ""));
  while (queue.length > 0) {
    const path = queue.pop();
    if (!path || keep[path]) continue;
    // This repo's dev/peer flags are not the consumer's: npm works them out again.
    const entry = Object.fromEntries(Object.entries(lock[path]).filter(([k]) => !["dev", "devOptional", "peer"].includes(k))) as LockEntry;
    keep[path] = entry;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) {
      const found = resolveInLock(name, path);
      const optional = entry.optionalDependencies?.[name] !== undefined || entry.peerDependenciesMeta?.[name]?.optional;
      if (found) queue.push(found);
      else if (!optional) throw new Error(`package-lock.json has no ${name} for ${path}`);
    }
  }
  return keep;
}

const lockedVersion = (name: string) => lock[`node_modules/${name}`]?.version ?? "(not in package-lock.json)";

/**
 * A consumer project that depends on the tarball and on the @pulumi packages at the versions this repo
 * tests, with a lock file: the tarball's entry as npm writes one for a file: dependency, and the
 * @pulumi trees and yaml (the library's one runtime dependency) from this repo's lock.
 */
function makeConsumer(dir: string, tarball: string): void {
  mkdirSync(dir, { recursive: true });
  const lib = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" })) as Manifest & { license?: string; engines?: unknown };
  const spec = `file:${tarball}`;
  const dependencies = { ...Object.fromEntries(PEERS.map((p) => [p, lockedVersion(p)])), [lib.name]: spec };
  const pkg = { name: "consumer", version: "1.0.0", private: true, dependencies, allowScripts: manifest.allowScripts };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  const packages = {
    "": { name: pkg.name, version: pkg.version, dependencies },
    ...lockClosure([...PEERS, "yaml"]),
    [`node_modules/${lib.name}`]: {
      version: lib.version, resolved: spec, integrity: `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`,
      license: lib.license, dependencies: lib.dependencies, peerDependencies: lib.peerDependencies, engines: lib.engines,
    },
  };
  writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify({ name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}

const npmCi = (dir: string) => sh("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], dir);

/**
 * `npm ls --all` on what is installed: every dependency and peer range against the package.json files
 * in node_modules (npm's hidden lock file, which would answer from what npm ci wrote, is removed first).
 */
function npmLs(dir: string) {
  rmSync(join(dir, "node_modules", ".package-lock.json"), { force: true });
  return sh("npm", ["ls", "--all"], dir);
}

/** Every package.json of `name` under `dir`'s node_modules, at any depth. */
function copiesOf(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    if (existsSync(join(nm, name, "package.json"))) found.push(join(nm, name));
    for (const entry of readdirSync(nm)) {
      const scoped = entry.startsWith("@") ? readdirSync(join(nm, entry)).map((e) => join(entry, e)) : [entry];
      for (const p of scoped) walk(join(nm, p, "node_modules"));
    }
  };
  walk(join(dir, "node_modules"));
  return found;
}

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { FullStackApp, KEYS, SettingsError, loadSettings, type FullStackAppArgs, type Settings } from "fullstack-pulumi";

const settings: Settings = loadSettings({
  appRepo: "https://git.example.com/shop.git", appName: "shop", framework: "django",
  adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 shop@example"],
  releaseCidrs: ["198.51.100.4/32"],
});
const args: FullStackAppArgs = {
  app: { repo: "https://git.example.com/shop.git", name: "shop", framework: "django" },
  access: { sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 shop@example"], releaseCidrs: ["198.51.100.4/32"] },
};
/** Typed only: creating resources needs a Pulumi engine. */
export function shop(): pulumi.Output<string> {
  return new FullStackApp("shop", args).url;
}
let refused = "";
try {
  loadSettings({ profile: "huge" });
} catch (err) {
  if (err instanceof SettingsError) refused = err.message;
}
console.log(JSON.stringify({ profile: settings.profile, keys: KEYS.length, component: typeof FullStackApp, refused }));
`;
/** Must not compile: the shipped types are what tsc checks the program against. */
const WRONG = `import { FullStackApp } from "fullstack-pulumi";
export const app = new FullStackApp("shop", { profile: "huge" });
`;

/** Runs each compiled example (out/<name>.js) under the test's mock runtime and prints what it made. */
const RUN_UNDER_MOCKS = `const { runStack } = require("./mockRuntime.js");
(async () => {
  const result = {};
  for (const name of process.argv.slice(2)) {
    const run = await runStack({ stack: "consumer", config: { "aws:region": "eu-central-1" }, program: async () => require("./" + name + ".js") });
    const types = {};
    for (const r of run.resources) types[r.type] = (types[r.type] || 0) + 1;
    const outputs = {};
    for (const [k, v] of Object.entries(run.outputs)) outputs[k] = v.value;
    result[name] = { sdk: require("@pulumi/pulumi/package.json").version, types, outputs };
  }
  console.log(JSON.stringify(result));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/**
 * A web tier's `nodes`, read on the consumer's SDK: the library lists a component's children from where
 * the SDK records them (components/nodes.ts), which must hold on the oldest @pulumi/pulumi it allows.
 */
const NODES = `import { Network, WebTier } from "fullstack-pulumi";

const network = new Network("shop", { region: "fra1" });
const web = new WebTier("shop", {
  network, count: 2,
  app: { name: "shop", repo: "https://github.com/acme/shop.git", ref: "main", framework: "django", wsgiApp: "shop.wsgi:application",
         djangoSettingsModule: "shop.settings", requirementsFile: "requirements.txt", staticDir: "static", healthCheckPath: "/healthz", env: {} },
  access: { adminUser: "ops", adminSshKeys: [], adminCidrs: [], sshKeyIds: [] },
});
export const droplets = web.nodes.digitalocean.droplet.map((d) => d.urn);
export const loadBalancers = web.nodes.digitalocean.loadBalancer.map((lb) => lb.urn);
export const firewalls = web.nodes.digitalocean.firewall.length;
export const awsKinds = Object.values(web.nodes.aws).filter((list) => list.length > 0).length;
`;

describe("the packed tarball in a fresh consumer project", () => {
  let work: string;
  let tarball: string;
  let packed: string[];
  let consumer: string;
  let installed: { code: number; out: string; stdout: string };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "fullstack-consumer-"));
    const pack = await sh("npm", ["pack", "--json", "--pack-destination", work], ROOT);
    if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.out}`);
    const report = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[\n"))) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, report[0].filename);
    packed = report[0].files.map((f) => f.path);
    consumer = join(work, "consumer");
    makeConsumer(consumer, tarball);
    installed = await npmCi(consumer);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships the built library (main, types and what they import), not the repo's tests, harness or tools", () => {
    expect(packed).toEqual(expect.arrayContaining([manifest.main.replace(/^\.\//, ""), manifest.types.replace(/^\.\//, ""), "package.json"]));
    expect(packed.filter((p) => !/^(dist\/(settings|provisioning|clouds|components)\/|package\.json$|README\.md$)/.test(p))).toEqual([]);
  });

  it("installs from npm's cache next to the consumer's own @pulumi packages, which the library shares (one copy each)", async () => {
    expect({ code: installed.code, out: installed.code === 0 ? "" : installed.out }).toEqual({ code: 0, out: "" });
    const ls = await npmLs(consumer);
    expect({ code: ls.code, problems: ls.out.split("\n").filter((l) => /\binvalid\b|UNMET DEPENDENCY|\bextraneous\b|^npm error/.test(l)) }).toEqual({ code: 0, problems: [] });
    expect(ls.stdout).toMatch(new RegExp(`fullstack-pulumi@${manifest.version.replace(/\./g, "\\.")}`));
    expect(existsSync(join(consumer, "node_modules", "fullstack-pulumi", manifest.main))).toBe(true);
    for (const peer of PEERS) expect(copiesOf(consumer, peer)).toEqual([join(consumer, "node_modules", peer)]);
    expect(existsSync(join(consumer, "node_modules", "fullstack-pulumi", "node_modules", "@pulumi"))).toBe(false);
    // Nothing above the consumer that Node or tsc could fall back to.
    for (let d = dirname(consumer); d !== dirname(d); d = dirname(d)) expect(existsSync(join(d, "node_modules"))).toBe(false);
  });

  it("a TypeScript program importing the components compiles against the shipped types and runs", async () => {
    expect(installed.code).toBe(0);
    writeFileSync(join(consumer, "index.ts"), PROGRAM);
    writeFileSync(join(consumer, "wrong.ts"), WRONG);
    writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify({
      compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, esModuleInterop: true, skipLibCheck: false, outDir: "out" },
      files: ["index.ts", "wrong.ts"],
    }));
    const tsc = await sh(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "."], consumer);
    // Exactly one error, in wrong.ts: the library's own declarations and the program check cleanly.
    const errors = tsc.out.split("\n").filter((l) => /error TS\d+/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^wrong\.ts\(2,\d+\): error TS2322: Type '"huge"' is not assignable to type/);
    const run = await sh("node", ["out/index.js"], consumer);
    expect({ code: run.code, out: run.code === 0 ? "" : run.out }).toEqual({ code: 0, out: "" });
    expect(JSON.parse(run.stdout)).toEqual({
      profile: "single", keys: expect.any(Number), component: "function",
      refused: expect.stringMatching(/^fullstack:profile "huge" is not a profile/),
    });
  });

  it("with the oldest @pulumi/pulumi its peer range allows, the README's compositions (Network, PostgresDb, CdnBucket, WebTier) type-check and run under mocks on both clouds, and a web tier's nodes list its children", async () => {
    // The consumer's own @pulumi/pulumi: the floor of the library's peer range (not the version this repo
    // develops with), from the registry; the providers as this repo locks them (they accept that floor).
    const floor = (manifest.peerDependencies?.["@pulumi/pulumi"] ?? "").replace(/^\^/, "");
    expect(floor).toMatch(/^3\.\d+\.\d+$/);
    expect(floor).not.toBe(lockedVersion("@pulumi/pulumi"));
    const dir = join(work, "consumer-oldest");
    mkdirSync(dir);
    const dependencies = { ...Object.fromEntries(PEERS.map((p) => [p, p === "@pulumi/pulumi" ? floor : lockedVersion(p)])), [manifest.name]: `file:${tarball}` };
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "consumer-oldest", version: "1.0.0", private: true, dependencies, allowScripts: manifest.allowScripts }, null, 2)}\n`);
    const install = await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], dir);
    expect({ code: install.code, out: install.code === 0 ? "" : install.out }).toEqual({ code: 0, out: "" });
    expect(copiesOf(dir, "@pulumi/pulumi")).toEqual([join(dir, "node_modules", "@pulumi", "pulumi")]);
    expect((JSON.parse(readFileSync(join(dir, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as Manifest).version).toBe(floor);

    // The README's compositions, as the user copies them; the test's mock runtime, on the consumer's SDK.
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1])
      .filter((code) => ["Network", "PostgresDb", "CdnBucket", "WebTier"].every((c) => code.includes(`new ${c}(`)));
    const clouds = blocks.map((code) => (/cloud: "aws"/.test(code) ? "aws" : "digitalocean"));
    expect(clouds.sort()).toEqual(["aws", "digitalocean"]);
    blocks.forEach((code) => writeFileSync(join(dir, `${/cloud: "aws"/.test(code) ? "aws" : "digitalocean"}.ts`), code));
    writeFileSync(join(dir, "nodes.ts"), NODES);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, esModuleInterop: true, skipLibCheck: false, outDir: "out" },
      files: ["digitalocean.ts", "aws.ts", "nodes.ts"],
    }));
    const tsc = await sh(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "."], dir);
    expect({ code: tsc.code, out: tsc.out }).toEqual({ code: 0, out: "" });
    const harness = ts.transpileModule(readFileSync(join(ROOT, "harness", "mockRuntime.ts"), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    writeFileSync(join(dir, "out", "mockRuntime.js"), harness);
    writeFileSync(join(dir, "out", "run.js"), RUN_UNDER_MOCKS);
    const run = await sh("node", ["out/run.js", "digitalocean", "aws", "nodes"], dir);
    expect({ code: run.code, out: run.code === 0 ? "" : run.out }).toEqual({ code: 0, out: "" });
    const result = JSON.parse(run.stdout) as Record<string, { sdk: string; types: Record<string, number>; outputs: Record<string, unknown> }>;
    expect(result.digitalocean.sdk).toBe(floor);
    expect(result.digitalocean.types).toEqual(expect.objectContaining({
      "digitalocean:index/vpc:Vpc": 1, "digitalocean:index/databaseCluster:DatabaseCluster": 1, "digitalocean:index/spacesBucket:SpacesBucket": 1,
      "digitalocean:index/cdn:Cdn": 1, "digitalocean:index/droplet:Droplet": 2, "digitalocean:index/loadBalancer:LoadBalancer": 1,
    }));
    expect(result.aws.types).toEqual(expect.objectContaining({
      "aws:ec2/vpc:Vpc": 1, "aws:rds/instance:Instance": 1, "aws:s3/bucket:Bucket": 1, "aws:cloudfront/distribution:Distribution": 1,
      "aws:autoscaling/group:Group": 1, "aws:lb/loadBalancer:LoadBalancer": 1,
    }));
    for (const cloud of ["digitalocean", "aws"]) {
      expect(Object.keys(result[cloud].outputs).sort()).toEqual(["staticUrl", "url"]);
      expect(result[cloud].outputs.url).toMatch(/^https?:\/\/\S+$/);
      expect(result[cloud].outputs.staticUrl).toMatch(/^https:\/\/\S+$/);
    }
    // The web tier's children as its nodes list them, on the oldest SDK: the two droplets and the load balancer it registered.
    expect(result.nodes.sdk).toBe(floor);
    expect(result.nodes.types).toEqual(expect.objectContaining({ "digitalocean:index/droplet:Droplet": 2, "digitalocean:index/loadBalancer:LoadBalancer": 1 }));
    expect(result.nodes.outputs).toEqual({
      droplets: [1, 2].map((i) => expect.stringMatching(new RegExp(`^urn:pulumi:consumer::fullstack::\\S*\\$digitalocean:index/droplet:Droplet::shop-web-${i}$`))),
      loadBalancers: [expect.stringMatching(/^urn:pulumi:consumer::fullstack::\S*\$digitalocean:index\/loadBalancer:LoadBalancer::shop-lb$/)],
      firewalls: 2,
      awsKinds: 0,
    });
  }, 420_000);

  it("control: the library's @pulumi/pulumi peer pinned to another release than the consumer's is what npm ls reports", async () => {
    expect(installed.code).toBe(0);
    const file = join(consumer, "node_modules", "fullstack-pulumi", "package.json");
    const original = readFileSync(file, "utf8");
    const [major, minor] = lockedVersion("@pulumi/pulumi").split(".").map(Number);
    const pin = `${major}.${minor - 1}.0`;
    const pkg = JSON.parse(original) as Manifest;
    writeFileSync(file, JSON.stringify({ ...pkg, peerDependencies: { ...pkg.peerDependencies, "@pulumi/pulumi": pin } }, null, 2));
    try {
      const ls = await npmLs(consumer);
      expect(ls.code).not.toBe(0);
      expect(ls.out).toContain(`@pulumi/pulumi@${lockedVersion("@pulumi/pulumi")} deduped invalid: "${pin}" from node_modules/fullstack-pulumi`);
    } finally {
      writeFileSync(file, original);
    }
  });
});

describe("package.json: the @pulumi packages are peers", () => {
  const semver = (v: string) => v.replace(/^[\^~]/, "").split(".").map(Number);

  it("only real runtime dependencies in dependencies: no @pulumi package (a consumer would get a second copy)", () => {
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(["yaml"]);
  });

  it("each @pulumi peer is a caret range of its major that the version this repo tests with satisfies", () => {
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual([...PEERS].sort());
    for (const peer of PEERS) {
      const range = manifest.peerDependencies![peer];
      expect(range).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(manifest.devDependencies?.[peer]).toBeDefined();
      const [rMajor, rMinor, rPatch] = semver(range);
      const [vMajor, vMinor, vPatch] = semver(lockedVersion(peer));
      expect(vMajor).toBe(rMajor);
      expect(vMinor * 1e6 + vPatch).toBeGreaterThanOrEqual(rMinor * 1e6 + rPatch);
    }
  });
});
