import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { CheckedIngressRule, IngressRule, MachineRequest, ReleaseRequest, ServerHandle } from "../clouds";
import {
  ProvisioningError, renderReleaseBundle, renderServerFiles, workerStopSeconds, workerUnits,
  type AppSpec, type HeartbeatSpec, type LogSinkSpec, type HostFirewallRule, type ManagedDrillSpec, type PostgresSpec, type RedisSpec, type ReleaseAccess, type Role, type WebSpec, type WorkerSpec,
} from "../provisioning";
import { CATALOG, SERVER_IMAGES, SettingsError, defaultOf, validate, type AccessSettings, type OperatingSystem, type ServerImage } from "../settings";
import type { Network } from "./network";
import { checkedIngress } from "./ingress";
import type { PostgresDb } from "./postgresDb";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms, type ChildTransforms } from "./transform";

export interface LinuxServerArgs {
  /** The private network the server joins; it also decides the cloud. */
  network: Network;
  /** Roles this server plays; each adds its packages, files and firewall needs. */
  roles: Role[];
  /**
   * Server size in the cloud's terms.
   * @default "s-1vcpu-1gb" on DigitalOcean
   */
  size?: string;
  /**
   * Operating system.
   * @default "ubuntu-24.04"
   */
  os?: OperatingSystem;
  /**
   * What the server boots from: `"stock"`, the cloud's image of `os`, whose first boot installs the roles'
   * packages; or `"baked"`, an image the stack bakes first with those packages (a snapshot made by a
   * throwaway builder; one per distinct package set, replaced only when the set changes), whose first
   * boot skips them. Clouds without baked images refuse `"baked"`.
   * @default "stock"
   */
  image?: ServerImage;
  /**
   * Host name and cloud name of the server.
   * @default the component name
   */
  hostname?: string;
  /** Who may log in, and from where. SSH stays closed unless `adminCidrs` lists addresses. */
  access: AccessSettings;
  /**
   * Server time zone.
   * @default "UTC"
   */
  timezone?: string;
  /**
   * Swap file size in MiB (0 for none).
   * @default 1024
   */
  swapMb?: number;
  /**
   * Inbound traffic to admit besides SSH; the cloud firewall and the host firewall both follow it. Each
   * rule is checked before anything is made: a TCP port from 1 to 65535, a description the cloud takes
   * (on AWS, EC2's characters for rule descriptions), a {@link Source} with the field its kind names.
   * @default [] (nothing but SSH from `access.adminCidrs`)
   */
  ingress?: IngressRule[];
  /**
   * The app to deploy (required by the web role).
   * @default none (no app: a web or worker role refuses that)
   */
  app?: pulumi.Input<AppSpec>;
  /**
   * nginx and gunicorn settings (required by the web role).
   * @default none (the web role refuses that)
   */
  web?: pulumi.Input<WebSpec>;
  /**
   * Task queue settings (required by the worker role; the scheduler role adds the one scheduler).
   * @default none (the worker role refuses that)
   */
  worker?: pulumi.Input<WorkerSpec>;
  /**
   * Self-hosted PostgreSQL (required by the postgres role); see {@link PostgresDb}.
   * @default none (the postgres role refuses that)
   */
  postgres?: pulumi.Input<PostgresSpec>;
  /**
   * Self-hosted Redis (required by the redis role); see {@link RedisCache}.
   * @default none (the redis role refuses that)
   */
  redis?: pulumi.Input<RedisSpec>;
  /**
   * Where the server's jobs (backup, restore drill) and services (scheduler, workers) check in: a
   * healthchecks.io-compatible ping URL, a prefix for the checks' names, how often services check in, and
   * where the cloud has custom metrics, `metrics` from `network.adapter.heartbeatMetrics` (AWS: CloudWatch;
   * the server's role may then put metrics into that namespace).
   * @default none (no pings)
   */
  heartbeat?: pulumi.Input<HeartbeatSpec>;
  /**
   * Where the server ships its logs besides its journal: a syslog receiver over TCP (TLS unless it is on a
   * private network), with rsyslog (provisioning/roles/logShipper.ts).
   * @default none (logs stay on the server, and in CloudWatch Logs on AWS)
   */
  logSink?: LogSinkSpec;
  /**
   * A managed database's restore drill for this server to run (give one server only, never a group):
   * {@link PostgresDb.restoreDrillJob}. Where the cloud has it (AWS), the server's role may restore the
   * database into its `-drill` copy and delete the copy, nothing else.
   * @default none
   */
  restoreDrill?: ManagedDrillJob;
  /**
   * A data volume that survives the server's replacement, mounted at `/mnt/data`.
   * @default none (data stays on the server's own disk)
   */
  volume?: {
    /** Size in GB. */
    sizeGb: number;
  };
  /**
   * Protect the data volume from deletion and replacement.
   * @default true
   */
  protect?: boolean;
  /**
   * Reserve a static public address that moves to the replacement server.
   * @default false
   */
  reservedIp?: boolean;
  /**
   * Buckets the server's code may read and write (granted to the server's identity where the cloud can).
   * @default []
   */
  bucketAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Queues (SQS ARNs) the server's code may use.
   * @default []
   */
  queueAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Backup buckets the server writes and reads but cannot delete from, through its instance role (AWS;
   * {@link PostgresDb.backupBucket}).
   * @default []
   */
  backupAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Servers whose releases must finish before this server's: servers behind one load balancer release
   * one at a time, so pass the previous server (a server that runs no app has no release to wait for).
   * @default []
   */
  releaseAfter?: LinuxServer[];
  /**
   * Adjusts the resources this component makes (a droplet's size or backups, an instance's monitoring,
   * tags, ...) with the provider's own argument types: `{ digitalocean: { droplet: (args) => { ... } } }`.
   * Reaches children of nested components too. See `ChildTransforms` for the kinds each cloud has.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

export const DATA_MOUNT = "/mnt/data";

/** A managed database's restore drill: what the server runs, and the database (its identity's rights name it). */
export interface ManagedDrillJob {
  /** The drill; the app is the server's (its environment file has the database's URL and credentials). */
  spec: pulumi.Input<Omit<ManagedDrillSpec, "appName">>;
  /** The managed database (its {@link PostgresDb.handle}, as the cloud adapter made it, names the server's rights). */
  database: PostgresDb;
}

/** The managed database a drill restores; a self-hosted one has no copy to restore on the cloud. */
function managedHandle(job: ManagedDrillJob) {
  if (!job.database.handle) throw new ProvisioningError("restoreDrill.database: a self-hosted PostgresDb has no managed copy to restore; its drill runs on its own server (PostgresDb.serverSpec)");
  return job.database.handle;
}

/** What a server's files are rendered from; shared by {@link LinuxServer} and {@link LinuxServerGroup}. */
export type ServerFilesArgs = Pick<LinuxServerArgs, "roles" | "access" | "timezone" | "swapMb" | "app" | "web" | "worker" | "postgres" | "redis" | "heartbeat" | "logSink" | "restoreDrill"> & {
  os: OperatingSystem;
  /** Inbound traffic besides SSH, checked ({@link checkedIngress}). */
  ingress: readonly CheckedIngressRule[];
  /** What the server boots from (see {@link LinuxServerArgs.image}). */
  image?: ServerImage;
  /** Name of the data volume, when the server has one. */
  dataVolume?: string;
  /** The server group the server belongs to: a worker then stops its tasks gracefully before it leaves. */
  group?: string;
  /** Keys of a server that receives releases over SSH (see {@link releaseKeys}). */
  releaseKeys?: ReleaseKeys;
};

/** A server's SSH keys for releases pushed over SSH: the release user's key and the server's host key. */
export interface ReleaseKeys {
  release: tls.PrivateKey;
  host: tls.PrivateKey;
}

/** Seconds a release may take: building the virtualenv, the side-socket check, and the workers' warm stop. */
export const RELEASE_TIMEOUT_SECONDS = 1800;

/**
 * The keys a server that runs the app needs where releases are pushed over SSH (DigitalOcean), made with
 * the stack and kept secret in its state; none where the cloud's agent runs them (AWS).
 */
export function releaseKeys(name: string, network: Network, runsApp: boolean, parent: pulumi.Resource): ReleaseKeys | undefined {
  if (!runsApp || network.adapter.releaseDelivery !== "push") return undefined;
  return {
    release: new tls.PrivateKey(`${name}-release-key`, { algorithm: "ED25519" }, { parent }),
    host: new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent }),
  };
}

/** The release resources of `servers` (those that run the app), for a release that waits for them. */
function releasesOf(servers: readonly LinuxServer[] | undefined): pulumi.Resource[] | undefined {
  const releases = (servers ?? []).flatMap((s) => (s.release ? [s.release] : []));
  return releases.length > 0 ? releases : undefined;
}

/** What the adapter needs to run releases on a server or group: the bundle (secret), the keys, the order. */
export function releaseRequest(app: pulumi.Input<AppSpec> | undefined, keys: ReleaseKeys | undefined, after: pulumi.Resource[] | undefined,
  drainSeconds: number): ReleaseRequest | undefined {
  if (app === undefined) return undefined;
  const spec = pulumi.output(app);
  return {
    appName: spec.apply((a) => a.name),
    bundle: pulumi.secret(spec.apply((a) => renderReleaseBundle(a as AppSpec))),
    ssh: keys ? { privateKey: pulumi.secret(keys.release.privateKeyOpenssh), hostPublicKey: keys.host.publicKeyOpenssh.apply((k) => k.trim()) } : undefined,
    after,
    timeoutSeconds: RELEASE_TIMEOUT_SECONDS + drainSeconds,
  };
}

/** A server's size and operating system, checked against the network's cloud; `component` names the arguments in errors. */
export function serverShape(component: string, network: Network, size: string | undefined, os: OperatingSystem | undefined): { size: string; os: OperatingSystem } {
  const catalog = CATALOG[network.cloud];
  return {
    size: validate.matches(`${component}.size`, size ?? catalog.defaultSize, catalog.sizePattern,
      `a ${catalog.title} size`, `use e.g. ${catalog.sizeExamples.join(", ")}`),
    os: validate.operatingSystem(`${component}.os`, os ?? defaultOf("os"), network.cloud),
  };
}

/** A server's or group's physical name, as clouds and DNS accept it; `key` names the argument in errors. */
export function physicalName(key: string, value: string, what: string): string {
  return validate.matches(key, value, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, what, "use lowercase letters, digits and dashes");
}

/**
 * What a cloud's request for one server and for a group of servers share; `server` is its physical name.
 * It wears the network identities of its roles that something references by now (Network.role).
 */
export function machineRequest(
  server: string,
  args: Pick<LinuxServerArgs, "network" | "roles" | "access" | "bucketAccess" | "queueAccess" | "backupAccess" | "heartbeat" | "restoreDrill">,
  shape: { size: string; os: OperatingSystem },
  rendered: Pick<MachineRequest, "userData" | "fetchedFiles">,
): MachineRequest {
  return {
    region: args.network.handle.region,
    size: shape.size,
    os: shape.os,
    userData: rendered.userData,
    network: args.network.handle,
    roleNames: args.roles,
    identities: args.network.identitiesFor(server, args.roles),
    sshKeyIds: args.access.sshKeyIds,
    fetchedFiles: rendered.fetchedFiles,
    bucketAccess: args.bucketAccess,
    queueAccess: args.queueAccess,
    backupAccess: args.backupAccess,
    // Only where the server reports heartbeats (a job or a service that checks in), as renderServer decides.
    heartbeatMetrics: reportsHeartbeats(args.roles, args.restoreDrill) && args.heartbeat !== undefined
      ? pulumi.output(args.heartbeat).apply((h) => h?.metrics)
      : undefined,
    ...(args.restoreDrill ? { restoreDrillOf: managedHandle(args.restoreDrill) } : {}),
  };
}

/**
 * Whether a server of these roles runs something that checks in (the backup and drill, the workers and
 * scheduler), or a managed database's drill.
 */
function reportsHeartbeats(roles: readonly Role[], drill?: ManagedDrillJob): boolean {
  return roles.includes("postgres") || roles.includes("worker") || drill !== undefined;
}

/** Each role's required arguments, checked before anything is registered. */
export function checkRoleArgs(label: string, roles: Role[], args: Partial<Record<"app" | "web" | "worker" | "postgres" | "redis", unknown>>): void {
  const needs: [Role, "app" | "web" | "worker" | "postgres" | "redis"][] = [["web", "app"], ["web", "web"], ["worker", "app"], ["worker", "worker"],
    ["scheduler", "worker"], ["postgres", "postgres"], ["redis", "redis"]];
  for (const [role, arg] of needs) {
    if (roles.includes(role) && args[arg] === undefined) throw new ProvisioningError(`${label}: the ${role} role needs args.${arg}`);
  }
}

/**
 * The ingress a server admits (SSH from admin addresses, then the given rules) and its rendered
 * cloud-config and secret files, checked against the cloud's user data limit.
 */
export function renderServer(label: string, network: Network, physicalName: string, args: ServerFilesArgs) {
  const adapter = network.adapter;
  // SSH from the admin addresses, and from where releases come when they are pushed over SSH.
  const sshFrom = [...new Set([...args.access.adminCidrs, ...(args.releaseKeys ? args.access.releaseCidrs ?? [] : [])])];
  const ssh: CheckedIngressRule[] = sshFrom.length > 0
    ? [{ port: 22, protocol: "tcp", source: { kind: "cidrs", cidrs: sshFrom }, description: args.releaseKeys ? "SSH from admin and release addresses" : "SSH from admin addresses" }]
    : [];
  const ingress = [...ssh, ...args.ingress];
  // The identities the server's own rules name exist before the server is made (a rule may name the
  // server's own role, which it then wears; see Network.role).
  for (const rule of ingress) if (rule.source.kind === "role") void rule.source.role.ref;
  const delivery = adapter.secretDelivery(physicalName, network.handle.region);
  const keys = args.releaseKeys;
  // The host's private key lands in the user data, which then is secret as a whole.
  const keyText = pulumi.all([keys?.release.publicKeyOpenssh, keys ? pulumi.secret(keys.host.privateKeyOpenssh) : undefined, keys?.host.publicKeyOpenssh]);
  if (args.restoreDrill && !adapter.restoreDrillPart) throw new ProvisioningError(`${label}: restoreDrill is set, but ${adapter.name} has no restore drill of its managed databases`);
  const jobs = pulumi.all([args.heartbeat, args.restoreDrill?.spec]);
  const files = pulumi.all([args.app, args.web, args.worker, args.postgres, args.redis, network.cidr, keyText, jobs])
    .apply(([app, web, worker, postgres, redis, networkCidr, [releasePublic, hostPrivate, hostPublic], [heartbeat, restoreDrill]]) => {
    const hostFirewall: HostFirewallRule[] = ingress.map((rule) => ({
      port: rule.port,
      comment: rule.description,
      // Rules between roles or from the load balancer arrive over the private network.
      from: rule.source.kind === "anywhere" ? [] : rule.source.kind === "cidrs" ? [...rule.source.cidrs] : [networkCidr],
    }));
    // A worker in a group finishes its running tasks before the group lets it go (where the cloud says when).
    const extra = args.group !== undefined && adapter.groupMemberPart && args.roles.includes("worker") && app && worker
      ? [adapter.groupMemberPart({ name: args.group, region: network.handle.region }, { units: workerUnits(app.name, false), stopSeconds: workerStopSeconds(worker) })]
      : [];
    // Heartbeats as metrics: the cloud's reporter, on a server with something that checks in.
    if (heartbeat?.metrics && reportsHeartbeats(args.roles, args.restoreDrill)) {
      if (!adapter.heartbeatReporterPart) throw new ProvisioningError(`${label}: heartbeat.metrics is set, but ${adapter.name} has no custom metrics`);
      extra.push(adapter.heartbeatReporterPart());
    }
    if (restoreDrill && !app) throw new ProvisioningError(`${label}: restoreDrill needs a server that runs the app (its environment holds the database's credentials)`);
    const drill: ManagedDrillSpec | undefined = restoreDrill && app ? { ...restoreDrill, appName: app.name } : undefined;
    if (drill) extra.push(adapter.restoreDrillPart!(drill));
    const release: ReleaseAccess = keys
      ? { kind: "push", publicKey: releasePublic!.trim(), fromCidrs: args.access.releaseCidrs ?? [] }
      : { kind: "file" };
    const rendered = renderServerFiles({
      roles: args.roles,
      release,
      extra,
      base: {
        os: args.os,
        adminUser: args.access.adminUser,
        adminSshKeys: args.access.adminSshKeys,
        timezone: args.timezone ?? defaultOf("timezone"),
        swapMb: args.swapMb ?? defaultOf("swapMb"),
        firewall: hostFirewall,
        dataVolume: args.dataVolume ? { device: adapter.volumeDevicePath(args.dataVolume), mountPoint: DATA_MOUNT } : undefined,
        hostKey: keys ? { privateKey: hostPrivate!, publicKey: hostPublic!.trim() } : undefined,
        // Port 22 also admits releaseCidrs: sshd keeps the admin's login to the admin addresses.
        adminFrom: keys ? args.access.adminCidrs : undefined,
      },
      app,
      web,
      worker,
      postgres,
      redis,
      heartbeat,
      logSink: args.logSink,
      ...(drill ? { restoreDrill: drill } : {}),
      image: args.image ?? "stock",
    }, delivery, { limit: adapter.userDataLimit, bytes: (text) => adapter.userDataBytes(text) });
    const bytes = adapter.userDataBytes(rendered.userData);
    if (bytes > adapter.userDataLimit) {
      throw new ProvisioningError(`${label}: the rendered cloud-config is ${bytes} bytes, over ${adapter.name}'s ` +
        `${adapter.userDataLimit}-byte user data limit; shorten fullstack:appEnv or split roles across servers`);
    }
    return rendered;
  });
  return {
    ingress, userData: files.apply((f) => f.userData), fetchedFiles: files.apply((f) => f.fetchedFiles),
    bake: args.image === "baked" ? files.apply((f) => f.bake!) : undefined,
  };
}

/** What the server boots from, checked: `baked` only where the cloud bakes images. */
export function serverImage(component: string, network: Network, image: ServerImage | undefined): ServerImage {
  const value = validate.oneOf(`${component}.image`, image ?? "stock", SERVER_IMAGES, "stock or baked");
  if (value === "baked" && !network.adapter.bakeImage) {
    throw new SettingsError(`${component}.image`, value, `is not available on ${CATALOG[network.cloud].title}`, 'use "stock"');
  }
  return value;
}

/**
 * One hardened Linux server: the rendered `#cloud-config` for its roles, a firewall that admits only
 * what its roles need (default deny, SSH only from admin addresses), the network identities (tags, security
 * groups) of its roles that something connects to (see {@link Network.role}), the cloud's monitoring
 * agent, optionally a data volume and a reserved address, all in a private network.
 *
 * @example
 * ```ts
 * // Redis on a server of its own (the hardened base, plus the redis role the cache describes).
 * const net = new Network("shop", { region: "fra1" });
 * const redis = new RedisCache("shop-redis", { network: net, mode: "self-hosted" });
 * const box = new LinuxServer("shop-redis-1", {
 *   network: net,
 *   roles: ["redis"],
 *   redis: redis.serverSpec!,
 *   access: { adminUser: "ops", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"], sshKeyIds: [] },
 *   volume: { sizeGb: 10 },
 * });
 * export const ip = box.address;
 * ```
 */
export class LinuxServer extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  /** The server's physical name (its host name). */
  readonly physicalName: string;
  /** The server's size in the cloud's terms. */
  readonly size: string;
  /** The roles it runs. */
  readonly roles: readonly Role[];
  /** Where its data volume is mounted, when it has one. */
  readonly dataMount?: string;
  readonly publicIp: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  /** The reserved address when there is one, else the public address. */
  readonly address: pulumi.Output<string>;
  /** The rendered cloud-config (secret when it holds a secret: the server's host key, a data store's password). */
  readonly userData: pulumi.Output<string>;
  /** What runs the app's releases on this server (when it runs the app): the next server's `releaseAfter` waits for it. */
  readonly release?: pulumi.Resource;
  readonly handle: ServerHandle;
  /**
   * What the server made, by cloud and kind of child ({@link Nodes}): its droplet or EC2 instance, its
   * firewall or security group (and its rules), a data volume and reserved address when asked for.
   * Resources of kinds the tables do not list (release keys and commands, the instance profile and its
   * policies) are in `other`.
   *
   * @example
   * ```ts
   * import * as digitalocean from "@pulumi/digitalocean";
   * import { LinuxServer, Network } from "fullstack-pulumi";
   *
   * const network = new Network("shop", { region: "fra1" });
   * const box = new LinuxServer("box", {
   *   network, roles: [],
   *   access: { adminUser: "ops", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"], sshKeyIds: [] },
   * });
   * // Mail the team when the droplet's CPU stays above 90% for five minutes.
   * const alert = new digitalocean.MonitorAlert("box-cpu", {
   *   type: "v1/insights/droplet/cpu", compare: "GreaterThan", value: 90, window: "5m",
   *   entities: box.nodes.digitalocean.droplet.map((d) => d.id),
   *   alerts: { emails: ["ops@example.com"] }, description: "box: CPU above 90%",
   * });
   * export const alertId = alert.id;
   * ```
   */
  readonly nodes: Nodes;

  constructor(name: string, args: LinuxServerArgs, opts?: pulumi.ComponentResourceOptions) {
    const adapter = args.network.adapter;
    const { size, os } = serverShape("LinuxServer", args.network, args.size, args.os);
    const image = serverImage("LinuxServer", args.network, args.image);
    const hostname = physicalName("LinuxServer.hostname", args.hostname ?? name, "a host name");
    checkRoleArgs(`LinuxServer "${name}"`, args.roles, args);
    if (args.volume) validate.bounded("LinuxServer.volume.sizeGb", args.volume.sizeGb, "volumeSizeGb");
    const ingressRules = checkedIngress("LinuxServer.ingress", args.ingress ?? [], args.network.cloud);
    super("fullstack:compute:LinuxServer", name, {}, withTransforms(opts, args.transform));

    const volumeName = args.volume ? `${hostname}-data` : undefined;
    const runsApp = args.roles.includes("web") || args.roles.includes("worker");
    const keys = releaseKeys(name, args.network, runsApp, this);
    const { ingress, userData, fetchedFiles, bake } = renderServer(`LinuxServer "${name}"`, args.network, hostname, {
      ...args, os, image, ingress: ingressRules, dataVolume: volumeName, releaseKeys: keys,
    });
    // A worker's warm stop, when its settings are known here (a plain object, not an output).
    const worker = args.worker !== undefined && !pulumi.Output.isInstance(args.worker) && args.roles.includes("worker")
      ? args.worker as WorkerSpec : undefined;
    const drainSeconds = worker && typeof worker.taskTimeLimit === "number" ? workerStopSeconds(worker) : undefined;

    this.handle = adapter.server(name, {
      ...machineRequest(hostname, args, { size, os }, { userData, fetchedFiles }),
      image: bake ? args.network.bakedImage({ os, size, roles: args.roles }, bake) : undefined,
      hostname,
      volume: volumeName ? { name: volumeName, sizeGb: args.volume!.sizeGb, protect: args.protect ?? true } : undefined,
      reservedIp: args.reservedIp,
      drainSeconds,
      release: runsApp ? releaseRequest(args.app, keys, releasesOf(args.releaseAfter), drainSeconds ?? 0) : undefined,
    }, { parent: this });
    adapter.serverFirewall(`${name}-fw`, { server: this.handle, ingress }, { parent: this });

    this.id = this.handle.id;
    this.physicalName = hostname;
    this.size = size;
    this.roles = [...args.roles];
    this.dataMount = volumeName ? DATA_MOUNT : undefined;
    this.publicIp = this.handle.publicIp;
    this.privateIp = this.handle.privateIp;
    this.address = this.handle.address;
    this.userData = userData;
    this.release = this.handle.release;
    this.nodes = nodesOf(this);
    this.registerOutputs({ id: this.id, publicIp: this.publicIp, privateIp: this.privateIp, address: this.address });
  }
}
