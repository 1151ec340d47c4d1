/**
 * Reads a recorded plan (harness/mockRuntime) as cloud-neutral facts: servers (alone, or a group of `count`
 * interchangeable ones from one template, e.g. an AWS auto scaling group) and their roles, what each
 * firewall or security group admits and to what, where data stores live and who may reach them, what is
 * stateful, where each secret file lives. Each cloud's mapping is written once, in the table at the
 * bottom; tests ask the neutral questions and never look at a resource type themselves.
 */
import { decodedWriteFiles } from "../../provisioning/cloudConfig";
import { decodeFetchedFiles, type FetchedFile } from "../../provisioning/aws/secretFetch";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { SECRET, type RecordedResource, type RunResult } from "../../harness/mockRuntime";
import { sourceShell } from "../helpers";

export type Cloud = "digitalocean" | "aws";

/** Addresses that mean "the whole internet". */
export const WORLD = ["0.0.0.0/0", "::/0"];

export const VOLUME_SCRIPT = "/usr/local/sbin/fullstack-data-volume";
export const POSTGRES_SETUP = "/usr/local/sbin/fullstack-postgres-setup";
export const POSTGRES_ENV = "/etc/fullstack/postgres.env";
export const REDIS_CONF = "/etc/redis/fullstack.conf";

// ---------------------------------------------------------------------------------------------------
// Neutral facts

/** A file a server has after boot, and where it came from. */
export interface ServerFile {
  path: string;
  content: string;
  permissions: string;
  owner: string;
  /**
   * `user-data`: inside the server's cloud-config. `secret-store`: fetched at boot from the cloud's secret
   * store. `release`: written by a release pushed to the server (the Command resource's stdin).
   */
  location: "user-data" | "secret-store" | "release";
  /** The resource that holds the file (the server's boot spec for user data, the parameter for the secret store). */
  holder: RecordedResource;
  /** In the secret store because it did not fit the user data, not because it holds secrets. */
  overflow?: boolean;
}

/**
 * One server, or a group of interchangeable servers that the cloud keeps running from one template (an
 * auto scaling group and its launch template on AWS). Every server of a group boots the same user data,
 * wears the same firewall and reads the same secret files, so one fact stands for all of them; `count`
 * says how many there are.
 */
export interface Server {
  /** Logical (Pulumi) name. */
  name: string;
  /** The server itself (droplet, instance), or the group. Ingress targets and data volumes point here. */
  resource: RecordedResource;
  /** What it boots with (user data, image, disks, identity): the server itself, or its group's template. */
  spec: RecordedResource;
  /** How many servers this stands for: 1, or the number its group keeps running. */
  count: number;
  /** Set for a group: its bounds (a rolling release may run up to `max` for a while). */
  group?: { min: number; max: number };
  /**
   * The server's roles, sorted: on AWS its `Roles` tag; on DigitalOcean, whose tags are network identities
   * a droplet wears only for roles something selects it by, what its cloud-config sets up.
   */
  roles: string[];
  /** The decoded cloud-config text. */
  userData: string;
  /** Whether the user data input is marked secret in Pulumi state. */
  userDataSecret: boolean;
  /** Parsed top level of the cloud-config. */
  cloudConfig: Record<string, unknown>;
  /** runcmd entries, each joined with spaces. */
  runcmd: string[];
  /** Every file the server has after boot: from the user data and from the secret store. */
  files: ServerFile[];
  /** Index of the runcmd entry after which secret files exist; -1 when they exist before any command runs. */
  secretsReadyAfter: number;
}

export interface Target {
  kind: "server" | "loadBalancer" | "postgres" | "redis" | "other";
  name: string;
  /** Roles, for servers. */
  roles: string[];
  resource: RecordedResource;
}

/** One inbound rule: which ports, from where, to what. */
export interface Ingress {
  from: number;
  to: number;
  protocol: string;
  /** Address ranges admitted. */
  cidrs: string[];
  /** Roles admitted (servers of that role, wherever they are). */
  roles: string[];
  /** Admits the stack's load balancer. */
  fromLoadBalancer: boolean;
  /** Sources that are none of the above (other groups, droplets by id, ...). */
  otherSources: string[];
  description?: string;
  /** What the rule opens; empty when the rule guards nothing. */
  targets: Target[];
  /** The resource that carries the rule. */
  rule: RecordedResource;
}

export interface WorldOpenPort {
  from: number;
  to: number;
  cidr: string;
  /** What sits behind the port: a load balancer, a server with the web role, or anything else. */
  fronts: "loadBalancer" | "webServer" | "other";
  /** What the port opens, e.g. "server shop-dev-web-1"; "nothing (...)" when the rule guards nothing. */
  target: string;
  /** The load balancer or server behind the port, when there is one. */
  behind?: Target;
  rule: RecordedResource;
}

export interface DataStore {
  kind: "postgres" | "redis";
  name: string;
  managed: boolean;
  /** The port clients connect to. */
  port: number;
  /** Reachable from the internet: a public endpoint, a public subnet, no firewall, or a world-open rule. */
  publiclyReachable: boolean;
  /** Why it counts as reachable (empty when it is not). */
  exposure: string[];
  /** Rules that admit traffic to it. */
  admits: Ingress[];
  /** Self-hosted: listens on loopback only (read from its rendered config). */
  localhostOnly?: boolean;
  /** The managed resource, or the server that hosts it. */
  resource: RecordedResource;
}

export interface StatefulResource {
  kind: "volume" | "database" | "cache" | "bucket" | "queue";
  resource: RecordedResource;
  protect: boolean;
  /** Buckets: deleted with their objects on destroy. */
  forceDestroy?: boolean;
  /** Where the service has it (RDS). */
  deletionProtection?: boolean;
  /** Where the service has it: a final snapshot is taken on deletion. */
  keepsFinalSnapshot?: boolean;
}

export interface DataVolume {
  volume: RecordedResource;
  server: Server;
  /** The block device the server sees the volume as. */
  device: string;
}

/** One cloud's mapping from recorded resources to the facts above. */
interface CloudInspector {
  servers(ix: Index): Server[];
  ingress(ix: Index): Ingress[];
  managedDataStores(ix: Index): DataStore[];
  statefulResources(ix: Index): StatefulResource[];
  dataVolumes(ix: Index): DataVolume[];
  /** Inputs as anyone who can read the state or a preview sees them (encoded inputs decoded). */
  visibleText(resource: RecordedResource): string;
}

// ---------------------------------------------------------------------------------------------------
// Neutral API

export function cloudOf(result: RunResult): Cloud {
  return index(result).cloud;
}

export function servers(result: RunResult): Server[] {
  const ix = index(result);
  return ix.memo("servers", () => INSPECTORS[ix.cloud].servers(ix));
}

/** How many servers run: a group counts as the servers it keeps running. */
export function serverCount(list: Server[]): number {
  return list.reduce((n, s) => n + s.count, 0);
}

export function ingress(result: RunResult): Ingress[] {
  const ix = index(result);
  return ix.memo("ingress", () => INSPECTORS[ix.cloud].ingress(ix));
}

/** Every port open to 0.0.0.0/0 or ::/0, with what it fronts. */
export function worldOpenPorts(result: RunResult): WorldOpenPort[] {
  return ingress(result).flatMap((rule) => rule.cidrs.filter((c) => WORLD.includes(c)).flatMap((cidr) => {
    const targets: (Target | undefined)[] = rule.targets.length > 0 ? rule.targets : [undefined];
    return targets.map((t): WorldOpenPort => ({
      from: rule.from,
      to: rule.to,
      cidr,
      fronts: t?.kind === "loadBalancer" ? "loadBalancer" : t?.kind === "server" && t.roles.includes("web") ? "webServer" : "other",
      target: t ? `${t.kind} ${t.name}` : `nothing (${rule.rule.name})`,
      behind: t,
      rule: rule.rule,
    }));
  }));
}

/** Ingress rules that open a port range containing `port`. */
export function rulesOnPort(result: RunResult, port: number): Ingress[] {
  return ingress(result).filter((r) => r.from <= port && port <= r.to);
}

/** PostgreSQL and Redis, managed or self-hosted, with who may reach them. */
export function dataStores(result: RunResult): DataStore[] {
  const ix = index(result);
  return ix.memo("dataStores", () => [...INSPECTORS[ix.cloud].managedDataStores(ix), ...selfHostedDataStores(result)]);
}

export function statefulResources(result: RunResult): StatefulResource[] {
  const ix = index(result);
  return ix.memo("stateful", () => INSPECTORS[ix.cloud].statefulResources(ix));
}

export function dataVolumes(result: RunResult): DataVolume[] {
  const ix = index(result);
  return ix.memo("dataVolumes", () => INSPECTORS[ix.cloud].dataVolumes(ix));
}

/** Files only root (and the owning group) may read, or that the cloud keeps in its secret store. */
export function secretFiles(server: Server): ServerFile[] {
  return server.files.filter((f) => (f.location === "secret-store" && !f.overflow) || isPrivateMode(f.permissions));
}

export function file(server: Server, path: string): ServerFile {
  const found = server.files.find((f) => f.path === path);
  if (!found) throw new Error(`${server.name} has no ${path}`);
  return found;
}

export function hasFile(server: Server, path: string): boolean {
  return server.files.some((f) => f.path === path);
}

/** What a resource's inputs show to anyone who reads the state or a preview (secrets masked, encodings undone). */
export function visibleText(result: RunResult, resource: RecordedResource): string {
  return INSPECTORS[index(result).cloud].visibleText(resource);
}

/**
 * Every generated or configured secret of the stack: each value Pulumi holds as secret, and the
 * passwords, keys and tokens inside the servers' secret files (a secret file is one secret as a whole,
 * but a leak is usually one password copied elsewhere).
 */
export function secretAtoms(result: RunResult): string[] {
  const atoms = new Set<string>();
  for (const r of result.resources) for (const v of r.secretValues) if (v.length >= 8) atoms.add(v);
  for (const server of servers(result)) for (const f of secretFiles(server)) for (const v of secretsInFile(f.content)) atoms.add(v);
  return [...atoms];
}

/**
 * A stateful resource as a comparable value: its URN and inputs, with every reference to another
 * resource's id replaced by that resource's URN (ids differ between runs, URNs do not).
 */
export function stableView(result: RunResult, resource: RecordedResource): { urn: string; protect: boolean; inputs: unknown } {
  const ix = index(result);
  // DigitalOcean's provider takes some ids as numbers (a firewall's dropletIds).
  const byUrn = (v: unknown): unknown => (typeof v === "string" || typeof v === "number") && ix.byId.has(String(v)) ? `ref:${ix.byId.get(String(v))!.urn}`
    : Array.isArray(v) ? v.map(byUrn)
      : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, byUrn(x)])) : v;
  return { urn: resource.urn, protect: resource.protect, inputs: byUrn(resource.plainInputs) };
}

/** Stateful resources and the generated credentials they hold, as comparable values (see {@link stableView}). */
export function dataSnapshot(result: RunResult): ReturnType<typeof stableView>[] {
  const resources = [
    ...statefulResources(result).map((s) => s.resource),
    ...result.resources.filter((x) => x.type.startsWith("random:")),
  ];
  return resources.map((x) => stableView(result, x)).sort((a, b) => a.urn.localeCompare(b.urn));
}

/** Low-level access for cloud-specific tests. */
export function resourcesOfType(result: RunResult, type: string): RecordedResource[] {
  return index(result).ofType(type);
}

/** The resource an input refers to: by id, by physical name, or by the name the mock gives it. */
export function resolve(result: RunResult, type: string, ref: unknown): RecordedResource | undefined {
  return index(result).resolve(type, ref);
}

// ---------------------------------------------------------------------------------------------------
// Shared plumbing

class Index {
  readonly byId = new Map<string, RecordedResource>();
  readonly cloud: Cloud;
  /** The Network component's name: role identities are named `<prefix>-<role>`. */
  readonly rolePrefix: string;
  private readonly types = new Map<string, RecordedResource[]>();
  private readonly cache = new Map<string, unknown>();

  constructor(readonly result: RunResult) {
    for (const r of result.resources) {
      if (r.id && r.custom) this.byId.set(r.id, r);
      const list = this.types.get(r.type) ?? [];
      list.push(r);
      this.types.set(r.type, list);
    }
    const custom = result.resources.filter((r) => r.custom).map((r) => r.type);
    if (custom.some((t) => t.startsWith("aws:"))) this.cloud = "aws";
    else if (custom.some((t) => t.startsWith("digitalocean:"))) this.cloud = "digitalocean";
    else throw new Error("the plan has no resource of a known cloud");
    const network = result.resources.find((r) => r.type === "fullstack:network:Network");
    if (!network) throw new Error("the plan has no fullstack:network:Network");
    this.rolePrefix = network.name;
  }

  ofType(type: string): RecordedResource[] {
    return this.types.get(type) ?? [];
  }

  resolve(type: string, ref: unknown): RecordedResource | undefined {
    if (ref === undefined || ref === null) return undefined;
    const key = String(ref);
    const byId = this.byId.get(key);
    if (byId?.type === type) return byId;
    return this.ofType(type).find((r) => r.inputs.name === key || (r.inputs.name === undefined && r.name === key));
  }

  memo<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }
}

const indexes = new WeakMap<RunResult, Index>();
function index(result: RunResult): Index {
  let ix = indexes.get(result);
  if (!ix) {
    ix = new Index(result);
    indexes.set(result, ix);
  }
  return ix;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === "string");

/** Every string in a value, unescaped, one per line (what a reader of the state or a preview sees). */
export function stringLeaves(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(stringLeaves).join("\n");
  if (value && typeof value === "object") return Object.values(value).map(stringLeaves).join("\n");
  return "";
}

function isPrivateMode(permissions: string): boolean {
  return (parseInt(permissions, 8) & 0o007) === 0;
}

function isLinuxServer(ix: Index, r: RecordedResource): boolean {
  const parent = ix.result.resources.find((p) => p.urn === r.parent);
  return parent?.type === "fullstack:compute:LinuxServer";
}

function isLinuxServerGroup(ix: Index, r: RecordedResource): boolean {
  const parent = ix.result.resources.find((p) => p.urn === r.parent);
  return parent?.type === "fullstack:compute:LinuxServerGroup";
}

interface CloudConfigFile { path: string; content: string; permissions: string; owner?: string }

/** How a server is run: alone (the resource is the server) or as a group launched from a template. */
interface Launch {
  resource: RecordedResource;
  spec: RecordedResource;
  count: number;
  group?: { min: number; max: number };
}

const alone = (resource: RecordedResource): Launch => ({ resource, spec: resource, count: 1 });

/** Builds a Server from its decoded user data and the files the cloud's secret store adds. */
function makeServer(launch: Launch, roles: string[], userData: string, userDataSecret: boolean,
  secretStore?: { holder: RecordedResource; files: FetchedFile[]; readyAfterPath: string }, pushedRelease?: RecordedResource): Server {
  const { resource, spec } = launch;
  if (!userData.startsWith("#cloud-config\n")) throw new Error(`${resource.name}: user data is not a cloud-config`);
  const cloudConfig = obj(parse(userData));
  const runcmd = list(cloudConfig.runcmd).map((c) => (Array.isArray(c) ? c.join(" ") : String(c)));
  const inline = decodedWriteFiles(list(cloudConfig.write_files) as CloudConfigFile[]);
  const files: ServerFile[] = [
    ...inline.map((f): ServerFile => ({ path: f.path, content: f.content, permissions: f.permissions, owner: f.owner ?? "root:root", location: "user-data", holder: spec })),
    ...(secretStore?.files ?? []).map((f): ServerFile => ({
      path: f.path, content: f.content, permissions: f.permissions, owner: f.owner, location: "secret-store", holder: secretStore!.holder,
      ...(f.secret ? {} : { overflow: true }),
    })),
  ];
  // The app's environment arrives with each release (provisioning/release.ts): from a bundle file among
  // the server's files, or pushed on the release Command's stdin. Either way the release entry point
  // writes it to /etc/<app>/app.env, 0600 root.
  const bundles: { text: string; location: ServerFile["location"]; holder: RecordedResource }[] = files
    .filter((f) => /^\/etc\/[^/]+\/release\.json$/.test(f.path)).map((f) => ({ text: f.content, location: f.location, holder: f.holder }));
  if (pushedRelease) bundles.push({ text: String(pushedRelease.plainInputs.stdin), location: "release", holder: pushedRelease });
  for (const b of bundles) {
    const bundle = JSON.parse(b.text) as { app: string; envFile: string };
    files.push({ path: `/etc/${bundle.app}/app.env`, content: bundle.envFile, permissions: "0600", owner: "root:root", location: b.location, holder: b.holder });
  }
  return {
    name: resource.name,
    resource,
    spec,
    count: launch.count,
    ...(launch.group ? { group: launch.group } : {}),
    roles: [...roles].sort(),
    userData,
    userDataSecret,
    cloudConfig,
    runcmd,
    files,
    // cloud-init writes write_files before runcmd; fetched files exist once the fetch command has run.
    secretsReadyAfter: secretStore ? runcmd.indexOf(secretStore.readyAfterPath) : -1,
  };
}

/** Passwords, keys and tokens inside a secret file's text. */
export function secretsInFile(content: string): string[] {
  const found: string[] = [];
  // Credentials inside connection URLs (scheme://user:password@host).
  for (const m of content.matchAll(/[a-z]+:\/\/[^:/@\s"']*:([^@\s"']+)@/g)) found.push(m[1]);
  // Shell assignments whose name says secret, read by a real shell.
  const names = [...new Set([...content.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]))];
  if (names.length > 0) {
    for (const [name, value] of Object.entries(sourceShell(content, names))) {
      if (/PASSWORD|SECRET|TOKEN/.test(name)) found.push(value);
    }
  }
  // Redis configuration.
  for (const m of content.matchAll(/^requirepass\s+(\S+)$/gm)) found.push(m[1]);
  return found.filter((v) => v.length >= 8);
}

/** Self-hosted stores: read from the rendered config of the server that has the role. */
function selfHostedDataStores(result: RunResult): DataStore[] {
  const loopback = (a: string) => ["localhost", "127.0.0.1", "::1", "-::1"].includes(a);
  const loopbackCidr = (c: string) => ["127.0.0.1/32", "::1/128"].includes(c);
  const stores: DataStore[] = [];
  for (const server of servers(result)) {
    for (const kind of ["postgres", "redis"] as const) {
      if (!server.roles.includes(kind)) continue;
      const port = kind === "postgres" ? 5432 : 6379;
      let localhostOnly: boolean;
      if (kind === "postgres") {
        const env = sourceShell(file(server, POSTGRES_ENV).content, ["PG_LISTEN", "PG_ALLOWED"]);
        localhostOnly = env.PG_LISTEN.split(/[\s,]+/).every(loopback) && env.PG_ALLOWED.split(/\s+/).every(loopbackCidr);
      } else {
        const conf = file(server, REDIS_CONF).content;
        const bind = /^bind (.+)$/m.exec(conf);
        localhostOnly = bind !== null && bind[1].trim().split(/\s+/).every(loopback) && /^protected-mode yes$/m.test(conf);
      }
      const admits = rulesOnPort(result, port).filter((r) => r.targets.some((t) => t.resource === server.resource));
      const exposure = [
        ...(localhostOnly ? [] : [`${kind} on ${server.name} listens beyond loopback`]),
        ...admits.filter((r) => r.cidrs.some((c) => WORLD.includes(c))).map((r) => `world-open rule ${r.rule.name}`),
      ];
      stores.push({
        kind, name: `${kind} on ${server.name}`, managed: false, port, publiclyReachable: exposure.length > 0, exposure,
        admits, localhostOnly, resource: server.resource,
      });
    }
  }
  return stores;
}

// ---------------------------------------------------------------------------------------------------
// DigitalOcean

const DO = {
  droplet: "digitalocean:index/droplet:Droplet",
  firewall: "digitalocean:index/firewall:Firewall",
  loadBalancer: "digitalocean:index/loadBalancer:LoadBalancer",
  vpc: "digitalocean:index/vpc:Vpc",
  volume: "digitalocean:index/volume:Volume",
  cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
  database: "digitalocean:index/databaseDb:DatabaseDb",
  dbFirewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
  bucket: "digitalocean:index/spacesBucket:SpacesBucket",
} as const;

/** The ports DigitalOcean's managed PostgreSQL and Valkey/Redis listen on. */
const DO_MANAGED_PORTS: Record<string, number> = { pg: 25060, redis: 25061, valkey: 25061 };

function portRange(range: unknown): [number, number] {
  const s = String(range ?? "all");
  if (s === "all" || s === "") return [1, 65535];
  const [a, b] = s.split("-").map(Number);
  return [a, b ?? a];
}

/**
 * The files each role's part of a cloud-config writes, and only it (provisioning/roles/): the nginx site,
 * the worker and scheduler units, PostgreSQL's setup script, Redis's configuration.
 */
const ROLE_FILES: [string, RegExp][] = [
  ["web", /^\/etc\/nginx\/sites-available\/[^/]+\.conf$/],
  ["worker", /^\/etc\/systemd\/system\/[^/]+-worker\.service$/],
  ["scheduler", /^\/etc\/systemd\/system\/[^/]+-scheduler\.service$/],
  ["postgres", new RegExp(`^${POSTGRES_SETUP}$`)],
  ["redis", new RegExp(`^${REDIS_CONF}$`)],
];

/** A droplet's roles, from the files its cloud-config writes; the role tags it wears must be among them. */
function rolesFromCloudConfig(ix: Index, droplet: RecordedResource): string[] {
  const paths = list(obj(parse(String(droplet.plainInputs.userData ?? ""))).write_files).map((f) => String((f as CloudConfigFile).path));
  const roles = ROLE_FILES.filter(([, re]) => paths.some((p) => re.test(p))).map(([role]) => role);
  const tagged = strings(droplet.inputs.tags).filter((t) => t.startsWith(`${ix.rolePrefix}-`)).map((t) => t.slice(ix.rolePrefix.length + 1));
  const stray = tagged.filter((t) => !roles.includes(t));
  if (stray.length > 0) throw new Error(`${droplet.name} wears the role tags ${stray.join(", ")} but runs none of those roles`);
  return roles;
}

const digitalOcean: CloudInspector = {
  servers(ix) {
    return ix.ofType(DO.droplet).filter((d) => isLinuxServer(ix, d)).map((d) => {
      const roles = rolesFromCloudConfig(ix, d);
      const pushed = ix.ofType("command:remote:Command").find((r) => r.name === `${d.name}-release`);
      return makeServer(alone(d), roles, String(d.plainInputs.userData ?? ""), d.inputs.userData === SECRET, undefined, pushed);
    });
  },

  ingress(ix) {
    const all = servers(ix.result);
    const roleOfTag = (tag: string) => (tag.startsWith(`${ix.rolePrefix}-`) ? tag.slice(ix.rolePrefix.length + 1) : undefined);
    const serverTarget = (s: Server): Target => ({ kind: "server", name: s.name, roles: s.roles, resource: s.resource });
    const lbIds = new Set(ix.ofType(DO.loadBalancer).map((lb) => lb.id));
    const rules: Ingress[] = [];

    for (const fw of ix.ofType(DO.firewall)) {
      const dropletIds = list(fw.inputs.dropletIds).map(String);
      const tags = strings(fw.inputs.tags);
      const targets: Target[] = all
        .filter((s) => dropletIds.includes(String(s.resource.id)) || strings(s.resource.inputs.tags).some((t) => tags.includes(t)))
        .map(serverTarget);
      for (const raw of list(fw.inputs.inboundRules)) {
        const rule = obj(raw);
        const [from, to] = rule.protocol === "icmp" ? [0, 0] : portRange(rule.portRange);
        const sourceTags = strings(rule.sourceTags);
        const lbUids = strings(rule.sourceLoadBalancerUids);
        rules.push({
          from, to, protocol: String(rule.protocol),
          cidrs: strings(rule.sourceAddresses),
          roles: sourceTags.map(roleOfTag).filter((r): r is string => r !== undefined),
          fromLoadBalancer: lbUids.length > 0 && lbUids.every((u) => lbIds.has(u)),
          otherSources: [
            ...sourceTags.filter((t) => roleOfTag(t) === undefined).map((t) => `tag ${t}`),
            ...lbUids.filter((u) => !lbIds.has(u)).map((u) => `load balancer ${u}`),
            ...list(rule.sourceDropletIds).map((id) => `droplet ${String(id)}`),
            ...strings(rule.sourceKubernetesIds).map((id) => `kubernetes ${id}`),
          ],
          targets,
          rule: fw,
        });
      }
    }

    // A load balancer's forwarding rules are public by nature.
    for (const lb of ix.ofType(DO.loadBalancer)) {
      const target: Target = { kind: "loadBalancer", name: lb.name, roles: [], resource: lb };
      for (const raw of list(lb.inputs.forwardingRules)) {
        const port = Number(obj(raw).entryPort);
        rules.push({
          from: port, to: port, protocol: "tcp", cidrs: [...WORLD], roles: [], fromLoadBalancer: false, otherSources: [],
          description: `${String(obj(raw).entryProtocol)} on the load balancer`, targets: [target], rule: lb,
        });
      }
    }

    // Managed database firewalls ("trusted sources") admit to the cluster's own port.
    for (const fw of ix.ofType(DO.dbFirewall)) {
      const cluster = ix.byId.get(String(fw.inputs.clusterId));
      if (!cluster) continue;
      const engine = String(cluster.inputs.engine);
      const port = DO_MANAGED_PORTS[engine] ?? 0;
      const target: Target = { kind: engine === "pg" ? "postgres" : "redis", name: cluster.name, roles: [], resource: cluster };
      for (const raw of list(fw.inputs.rules)) {
        const rule = obj(raw);
        const value = String(rule.value);
        const role = rule.type === "tag" ? roleOfTag(value) : undefined;
        rules.push({
          from: port, to: port, protocol: "tcp",
          cidrs: rule.type === "ip_addr" ? [value] : [],
          roles: role ? [role] : [],
          fromLoadBalancer: false,
          otherSources: rule.type === "ip_addr" || role ? [] : [`${String(rule.type)} ${value}`],
          targets: [target],
          rule: fw,
        });
      }
    }
    return rules;
  },

  managedDataStores(ix) {
    const vpcIds = new Set(ix.ofType(DO.vpc).map((v) => v.id));
    return ix.ofType(DO.cluster).map((cluster): DataStore => {
      const engine = String(cluster.inputs.engine);
      const admits = ingress(ix.result).filter((r) => r.targets.some((t) => t.resource === cluster));
      const firewalled = ix.ofType(DO.dbFirewall).some((fw) => fw.inputs.clusterId === cluster.id);
      const exposure = [
        ...(vpcIds.has(String(cluster.inputs.privateNetworkUuid)) ? [] : ["not in the stack's private network"]),
        // Without trusted sources a managed cluster accepts connections from any address.
        ...(firewalled ? [] : ["no trusted-sources firewall"]),
        ...admits.filter((r) => r.cidrs.some((c) => WORLD.includes(c))).map((r) => `world-open rule ${r.rule.name}`),
      ];
      return {
        kind: engine === "pg" ? "postgres" : "redis", name: cluster.name, managed: true, port: DO_MANAGED_PORTS[engine] ?? 0,
        publiclyReachable: exposure.length > 0, exposure, admits, resource: cluster,
      };
    });
  },

  statefulResources(ix) {
    return [
      ...ix.ofType(DO.volume).map((r): StatefulResource => ({ kind: "volume", resource: r, protect: r.protect })),
      ...ix.ofType(DO.cluster).map((r): StatefulResource => ({ kind: r.inputs.engine === "pg" ? "database" : "cache", resource: r, protect: r.protect })),
      ...ix.ofType(DO.database).map((r): StatefulResource => ({ kind: "database", resource: r, protect: r.protect })),
      ...ix.ofType(DO.bucket).map((r): StatefulResource => ({ kind: "bucket", resource: r, protect: r.protect, forceDestroy: r.inputs.forceDestroy === true })),
    ];
  },

  dataVolumes(ix) {
    return ix.ofType(DO.volume).flatMap((volume) => servers(ix.result)
      .filter((s) => list(s.resource.inputs.volumeIds).includes(volume.id))
      // DigitalOcean exposes a volume by its name under /dev/disk/by-id.
      .map((server) => ({ volume, server, device: `/dev/disk/by-id/scsi-0DO_Volume_${String(volume.inputs.name)}` })));
  },

  visibleText(resource) {
    return stringLeaves(resource.inputs);
  },
};

// ---------------------------------------------------------------------------------------------------
// AWS

const AWS = {
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  autoScalingGroup: "aws:autoscaling/group:Group",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  legacyRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  rds: "aws:rds/instance:Instance",
  rdsSubnets: "aws:rds/subnetGroup:SubnetGroup",
  cache: "aws:elasticache/replicationGroup:ReplicationGroup",
  cacheSubnets: "aws:elasticache/subnetGroup:SubnetGroup",
  subnet: "aws:ec2/subnet:Subnet",
  routeTable: "aws:ec2/routeTable:RouteTable",
  routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  internetGateway: "aws:ec2/internetGateway:InternetGateway",
  parameter: "aws:ssm/parameter:Parameter",
  volume: "aws:ebs/volume:Volume",
  volumeAttachment: "aws:ec2/volumeAttachment:VolumeAttachment",
  bucket: "aws:s3/bucket:Bucket",
  queue: "aws:sqs/queue:Queue",
} as const;

/** The input that carries base64 user data: an instance's userDataBase64, a launch template's userData (always base64). */
function base64UserDataField(resource: RecordedResource): "userDataBase64" | "userData" | undefined {
  if (resource.type === AWS.launchTemplate) return "userData";
  return typeof resource.plainInputs.userDataBase64 === "string" ? "userDataBase64" : undefined;
}

/**
 * The user data an instance or a launch template boots with: base64 (of gzip, or of plain text) in an
 * instance's userDataBase64 or a template's userData, or an instance's plain userData. `bytes` is what
 * EC2 stores (after base64 decoding).
 */
export function awsUserData(resource: RecordedResource): { text: string; bytes: number; secret: boolean } {
  const field = base64UserDataField(resource);
  if (field) {
    const raw = Buffer.from(String(resource.plainInputs[field] ?? ""), "base64");
    const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
    return { text, bytes: raw.length, secret: resource.inputs[field] === SECRET };
  }
  const text = String(resource.plainInputs.userData ?? "");
  return { text, bytes: Buffer.byteLength(text, "utf8"), secret: resource.inputs.userData === SECRET };
}

/** The launch template an auto scaling group launches its servers from. */
export function awsLaunchTemplateOf(result: RunResult, group: RecordedResource): RecordedResource | undefined {
  const ix = index(result);
  const ref = obj(group.inputs.launchTemplate).id ?? obj(group.inputs.launchTemplate).name;
  return ix.ofType(AWS.launchTemplate).find((t) => t.id === ref || t.inputs.name === ref);
}

/** Is this subnet routed to an internet gateway (a public subnet)? */
export function awsSubnetIsPublic(result: RunResult, subnetId: unknown): boolean {
  const ix = index(result);
  const igws = new Set(ix.ofType(AWS.internetGateway).map((g) => g.id));
  return ix.ofType(AWS.routeTableAssociation)
    .filter((a) => a.inputs.subnetId === subnetId)
    .map((a) => ix.byId.get(String(a.inputs.routeTableId)))
    .some((rt) => list(rt?.inputs.routes).some((route) => igws.has(String(obj(route).gatewayId))));
}

/** The security groups a resource wears (a launch template's, on its network interfaces as well). */
function groupsOf(r: RecordedResource): string[] {
  return [...new Set([
    ...strings(r.inputs.vpcSecurityGroupIds ?? r.inputs.securityGroups ?? r.inputs.securityGroupIds),
    ...list(r.inputs.networkInterfaces).flatMap((ni) => strings(obj(ni).securityGroups)),
  ])];
}

/** The roles an instance or a launch template's instances run: their `Roles` tag, comma-separated. */
function awsRolesTag(spec: RecordedResource): string[] {
  const tags = [obj(spec.inputs.tags), ...list(spec.inputs.tagSpecifications).map((t) => obj(obj(t).tags))];
  const value = tags.map((t) => t.Roles).find((v): v is string => typeof v === "string");
  return value ? value.split(",").filter((r) => r !== "") : [];
}

function awsRoleOfGroup(sg: RecordedResource | undefined): string | undefined {
  const role = obj(sg?.inputs.tags).Role;
  return typeof role === "string" ? role : undefined;
}

/** The secret files of a server, from the parameter its boot script fetches. */
function awsSecretStore(ix: Index, userData: string): { holder: RecordedResource; files: FetchedFile[]; readyAfterPath: string } | undefined {
  const cc = obj(parse(userData));
  for (const f of decodedWriteFiles(list(cc.write_files) as CloudConfigFile[])) {
    const m = /^PARAMETER = (".*")$/m.exec(f.content ?? "");
    if (!m) continue;
    const name = JSON.parse(m[1]) as string;
    const holder = ix.ofType(AWS.parameter).find((p) => p.inputs.name === name);
    if (!holder) throw new Error(`the boot script ${f.path} fetches ${name}, which the stack does not create`);
    return { holder, files: decodeFetchedFiles(String(holder.plainInputs.value)), readyAfterPath: f.path };
  }
  return undefined;
}

const aws: CloudInspector = {
  servers(ix) {
    // Single servers are instances; a group is an auto scaling group launching from a template. Either
    // way the roles are its Roles tag (a role's security group exists only once a rule admits the role, see
    // clouds/aws/roleGroups.ts) and the user data is what it boots.
    const launches: Launch[] = [
      ...ix.ofType(AWS.instance).filter((i) => isLinuxServer(ix, i)).map(alone),
      ...ix.ofType(AWS.autoScalingGroup).filter((g) => isLinuxServerGroup(ix, g)).map((group): Launch => {
        const template = awsLaunchTemplateOf(ix.result, group);
        if (!template) throw new Error(`${group.name} launches from no launch template of the stack`);
        const min = Number(group.inputs.minSize);
        return {
          resource: group, spec: template,
          count: Number(group.inputs.desiredCapacity ?? min),
          group: { min, max: Number(group.inputs.maxSize) },
        };
      }),
    ];
    return launches.map((launch) => {
      const roles = awsRolesTag(launch.spec);
      const ud = awsUserData(launch.spec);
      return makeServer(launch, roles, ud.text, ud.secret, awsSecretStore(ix, ud.text));
    });
  },

  ingress(ix) {
    const all = servers(ix.result);
    const albGroups = new Set(ix.ofType(AWS.alb).flatMap(groupsOf));
    const targetsOf = (sgId: string): Target[] => {
      const users: Target[] = [];
      // Instances wear security groups themselves; a group's servers wear their launch template's.
      for (const spec of [...ix.ofType(AWS.instance), ...ix.ofType(AWS.launchTemplate)].filter((i) => groupsOf(i).includes(sgId))) {
        const server = all.find((s) => s.spec === spec);
        users.push(server
          ? { kind: "server", name: server.name, roles: server.roles, resource: server.resource }
          : { kind: "other", name: spec.name, roles: [], resource: spec });
      }
      for (const alb of ix.ofType(AWS.alb).filter((a) => groupsOf(a).includes(sgId))) users.push({ kind: "loadBalancer", name: alb.name, roles: [], resource: alb });
      for (const db of ix.ofType(AWS.rds).filter((d) => groupsOf(d).includes(sgId))) users.push({ kind: "postgres", name: db.name, roles: [], resource: db });
      for (const c of ix.ofType(AWS.cache).filter((d) => groupsOf(d).includes(sgId))) users.push({ kind: "redis", name: c.name, roles: [], resource: c });
      // A role group with no wearer guards nothing yet; rules on it still count (targets stay empty).
      return users;
    };
    const sources = (fields: { cidrs: string[]; groups: string[] }) => {
      const roles: string[] = [];
      const otherSources: string[] = [];
      let fromLoadBalancer = false;
      for (const g of fields.groups) {
        const role = awsRoleOfGroup(ix.byId.get(g));
        if (role) roles.push(role);
        else if (albGroups.has(g)) fromLoadBalancer = true;
        else otherSources.push(`security group ${ix.byId.get(g)?.name ?? g}`);
      }
      return { cidrs: fields.cidrs, roles, fromLoadBalancer, otherSources };
    };
    const ports = (protocol: unknown, from: unknown, to: unknown): [number, number] =>
      String(protocol) === "-1" || String(protocol) === "all" ? [0, 65535] : [Number(from), Number(to ?? from)];

    const rules: Ingress[] = [];
    for (const r of ix.ofType(AWS.ingressRule)) {
      const [from, to] = ports(r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort);
      rules.push({
        from, to, protocol: String(r.inputs.ipProtocol),
        ...sources({
          cidrs: [r.inputs.cidrIpv4, r.inputs.cidrIpv6].filter((c): c is string => typeof c === "string"),
          groups: [r.inputs.referencedSecurityGroupId].filter((g): g is string => typeof g === "string"),
        }),
        ...(r.inputs.prefixListId ? { otherSources: [`prefix list ${String(r.inputs.prefixListId)}`] } : {}),
        description: typeof r.inputs.description === "string" ? r.inputs.description : undefined,
        targets: targetsOf(String(r.inputs.securityGroupId)),
        rule: r,
      });
    }
    // Older styles: standalone SecurityGroupRule and inline ingress blocks.
    for (const r of ix.ofType(AWS.legacyRule).filter((x) => x.inputs.type === "ingress")) {
      const [from, to] = ports(r.inputs.protocol, r.inputs.fromPort, r.inputs.toPort);
      rules.push({
        from, to, protocol: String(r.inputs.protocol),
        ...sources({ cidrs: [...strings(r.inputs.cidrBlocks), ...strings(r.inputs.ipv6CidrBlocks)], groups: strings([r.inputs.sourceSecurityGroupId]) }),
        description: typeof r.inputs.description === "string" ? r.inputs.description : undefined,
        targets: targetsOf(String(r.inputs.securityGroupId)),
        rule: r,
      });
    }
    for (const sg of ix.ofType(AWS.securityGroup)) {
      for (const raw of list(sg.inputs.ingress)) {
        const b = obj(raw);
        const [from, to] = ports(b.protocol, b.fromPort, b.toPort);
        rules.push({
          from, to, protocol: String(b.protocol),
          ...sources({ cidrs: [...strings(b.cidrBlocks), ...strings(b.ipv6CidrBlocks)], groups: strings(b.securityGroups) }),
          description: typeof b.description === "string" ? b.description : undefined,
          targets: targetsOf(String(sg.id)),
          rule: sg,
        });
      }
    }
    return rules;
  },

  managedDataStores(ix) {
    const store = (kind: "postgres" | "redis", r: RecordedResource, subnetGroupType: string, subnetGroupRef: unknown, port: number): DataStore => {
      const group = ix.resolve(subnetGroupType, subnetGroupRef);
      const subnetIds = strings(group?.inputs.subnetIds);
      const admits = ingress(ix.result).filter((rule) => rule.targets.some((t) => t.resource === r));
      const exposure = [
        ...(r.inputs.publiclyAccessible === true ? ["publicly accessible endpoint"] : []),
        ...(subnetIds.length === 0 ? ["no subnet group of the stack's"] : []),
        ...subnetIds.filter((id) => awsSubnetIsPublic(ix.result, id)).map((id) => `in public subnet ${ix.byId.get(id)?.name ?? id}`),
        ...admits.filter((rule) => rule.cidrs.some((c) => WORLD.includes(c))).map((rule) => `world-open rule ${rule.rule.name}`),
      ];
      return { kind, name: r.name, managed: true, port, publiclyReachable: exposure.length > 0, exposure, admits, resource: r };
    };
    return [
      ...ix.ofType(AWS.rds).map((r) => store("postgres", r, AWS.rdsSubnets, r.inputs.dbSubnetGroupName, Number(r.inputs.port ?? 5432))),
      ...ix.ofType(AWS.cache).map((r) => store("redis", r, AWS.cacheSubnets, r.inputs.subnetGroupName, Number(r.inputs.port ?? 6379))),
    ];
  },

  statefulResources(ix) {
    return [
      ...ix.ofType(AWS.volume).map((r): StatefulResource => ({ kind: "volume", resource: r, protect: r.protect })),
      ...ix.ofType(AWS.rds).map((r): StatefulResource => ({
        kind: "database", resource: r, protect: r.protect,
        deletionProtection: r.inputs.deletionProtection === true,
        keepsFinalSnapshot: r.inputs.skipFinalSnapshot === false && typeof r.inputs.finalSnapshotIdentifier === "string",
      })),
      ...ix.ofType(AWS.cache).map((r): StatefulResource => ({
        kind: "cache", resource: r, protect: r.protect, keepsFinalSnapshot: typeof r.inputs.finalSnapshotIdentifier === "string",
      })),
      ...ix.ofType(AWS.bucket).map((r): StatefulResource => ({ kind: "bucket", resource: r, protect: r.protect, forceDestroy: r.inputs.forceDestroy === true })),
      ...ix.ofType(AWS.queue).map((r): StatefulResource => ({ kind: "queue", resource: r, protect: r.protect })),
    ];
  },

  dataVolumes(ix) {
    return ix.ofType(AWS.volumeAttachment).flatMap((att) => {
      const volume = ix.byId.get(String(att.inputs.volumeId));
      const server = servers(ix.result).find((s) => s.resource.id === att.inputs.instanceId);
      if (!volume || !server) return [];
      // Xen (t2) names the disk after the attachment; Nitro by the volume's ID (its NVMe serial number),
      // never by the order disks answer at boot.
      const device = String(server.resource.inputs.instanceType).startsWith("t2.")
        ? "/dev/xvdf"
        : `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${String(volume.id).replace(/^vol-/, "vol")}`;
      return [{ volume, server, device }];
    });
  },

  visibleText(resource) {
    const parts = [stringLeaves(resource.inputs)];
    // Base64 of gzip hides nothing from whoever reads it: check the decoded text (instances and launch templates).
    const field = base64UserDataField(resource);
    if (field && resource.inputs[field] !== undefined && resource.inputs[field] !== SECRET) {
      parts.push(awsUserData(resource).text);
    }
    return parts.join("\n");
  },
};

const INSPECTORS: Record<Cloud, CloudInspector> = { digitalocean: digitalOcean, aws };
