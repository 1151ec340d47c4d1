import * as pulumi from "@pulumi/pulumi";
import type { DnsZoneHandle, IngressRule, LoadBalancerHandle } from "../clouds";
import { buildAppSpec, type DbGrantSpec, type HeartbeatSpec, type LogSinkSpec, type PostgresSpec, type RedisSpec, type Role, type WebSpec, type WorkerSpec } from "../provisioning";
import {
  CATALOG, SettingsError, defaultOf, usesLoadBalancer, validate,
  type AccessSettings, type AcmeSettings, type AppSettings, type CloudName, type DomainSettings, type GunicornSettings, type OperatingSystem, type ServerImage,
} from "../settings";
import { LinuxServer, type ManagedDrillJob } from "./linuxServer";
import { LinuxServerGroup } from "./serverGroup";
import { Network } from "./network";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms, type ChildTransforms } from "./transform";

export interface WebTierArgs {
  /**
   * The private network to join. Without one the tier makes its own.
   * @default a new Network in `region`
   */
  network?: Network;
  /**
   * Cloud for the network the tier makes (ignored when `network` is given).
   * @default "digitalocean"
   */
  cloud?: CloudName;
  /**
   * Region for the network the tier makes (ignored when `network` is given).
   * @default the cloud's default region (digitalocean: fra1, aws: eu-central-1)
   */
  region?: string;
  /** The app: repo, ref, framework, WSGI callable, extra environment (secrets may be Outputs). */
  app: AppSettings<pulumi.Input<string>>;
  /**
   * Number of web servers; 2 or more adds a load balancer.
   * @default 1
   */
  count?: number;
  /**
   * A load balancer in front of a single server too (with a domain, it holds the cloud's certificate).
   * Without one, a single server with a domain terminates TLS itself with a Let's Encrypt certificate.
   * @default false (a load balancer only for 2 or more servers)
   */
  loadBalancer?: boolean;
  /**
   * Where a single server without a load balancer gets its certificate (ACME directory, contact).
   * @default Let's Encrypt's production directory, no contact address
   */
  acme?: AcmeSettings;
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
   * What the servers boot from: the cloud's stock image of `os`, or an image baked first with their
   * roles' packages (see {@link LinuxServerArgs.image}).
   * @default "stock"
   */
  image?: ServerImage;
  /** Admin user, SSH keys and the addresses SSH is open to (closed when empty). */
  access: AccessSettings;
  /**
   * gunicorn workers (0 = 2 x cores + 1), timeout in seconds, version installed when requirements lack it.
   * @default { workers: 0, timeout: 30, version: "23.0.0" }
   */
  gunicorn?: GunicornSettings;
  /**
   * Largest request body in MiB.
   * @default 10
   */
  maxUploadMb?: number;
  /**
   * Public name: a DNS record and HTTPS with a Let's Encrypt certificate, on the load balancer when there
   * is one, else on the server itself (certbot; HTTP redirects to HTTPS once the certificate is there).
   * @default none (the servers' or load balancer's address, HTTP only)
   */
  domain?: DomainSettings;
  /**
   * The domain's DNS zone when the caller already made or looked it up (so that other components can wait
   * for a zone created in the same run). Without it the tier creates the zone (`domain.createZone`) or
   * looks it up.
   * @default none (created when `domain.createZone`, else looked up)
   */
  dnsZone?: DnsZoneHandle;
  /**
   * Extra environment for the app, e.g. `DATABASE_URL` (pass secrets as secret outputs).
   * @default {} (only what the library sets)
   */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Server time zone.
   * @default "UTC"
   */
  timezone?: string;
  /**
   * Swap file size in MiB.
   * @default 1024
   */
  swapMb?: number;
  /**
   * Protect stateful children (the data volume, the DNS zone when this tier creates it).
   * @default true
   */
  protect?: boolean;
  /**
   * Buckets the web servers read and write (static and media files), granted where the cloud can.
   * @default []
   */
  bucketAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Queues (SQS) the web servers send tasks to.
   * @default []
   */
  queueAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Backup buckets the servers write and reads but cannot delete from, through its instance role (AWS;
   * {@link PostgresDb.backupBucket}).
   * @default []
   */
  backupAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Where jobs and services check in (see {@link LinuxServerArgs.heartbeat}).
   * @default none (no pings)
   */
  heartbeat?: pulumi.Input<HeartbeatSpec>;
  /**
   * Where the servers ship their logs (see {@link LinuxServerArgs.logSink}).
   * @default none
   */
  logSink?: LogSinkSpec;
  /**
   * The app role's database grants ({@link PostgresDb.grant}), issued before migrating by the server that
   * migrates. Secret.
   * @default none (the app role's grants are the caller's business)
   */
  databaseGrant?: pulumi.Input<DbGrantSpec>;
  /**
   * A managed database's restore drill ({@link PostgresDb.restoreDrillJob}) for the first web server to run;
   * refused when the web servers are a group (every member would run it).
   * @default none
   */
  restoreDrill?: ManagedDrillJob;
  /**
   * Run 2 or more web servers as one self-healing group with rolling releases (an auto scaling group
   * with instance refresh on AWS) where the cloud has one; otherwise, or when false, N servers.
   * @default true
   */
  serverGroup?: boolean;
  /**
   * Run more roles on the (single) web server: the single profile's worker, scheduler, PostgreSQL and
   * Redis, with their data on a volume that survives the server's replacement.
   * @default undefined (web only)
   */
  colocate?: {
    /** The roles besides web, e.g. ["worker", "scheduler", "postgres", "redis"]. */
    roles: Exclude<Role, "web">[];
    /**
     * The worker's settings (with the worker role).
     * @default none
     */
    worker?: pulumi.Input<WorkerSpec>;
    /**
     * Self-hosted PostgreSQL ({@link PostgresDb.serverSpec}, with the postgres role).
     * @default none
     */
    postgres?: pulumi.Input<PostgresSpec>;
    /**
     * Self-hosted Redis ({@link RedisCache.serverSpec}, with the redis role).
     * @default none
     */
    redis?: pulumi.Input<RedisSpec>;
    /**
     * Size of the data volume in GB (mounted at /mnt/data).
     * @default none (no volume)
     */
    volumeGb?: number;
  };
  /**
   * Adjusts the resources this component makes (a droplet's size or backups, an instance's monitoring,
   * tags, ...) with the provider's own argument types: `{ digitalocean: { droplet: (args) => { ... } } }`.
   * Reaches children of nested components too. See `ChildTransforms` for the kinds each cloud has.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

/**
 * The talk's web box: nginx in front of gunicorn, running a Django or Flask app from git in a
 * virtualenv, on one server or N servers behind a load balancer. With N >= 2 (or `loadBalancer`), a load
 * balancer health-checks `/healthz`, terminates TLS with the cloud's certificate (when a domain is set)
 * and the servers admit HTTP only from it. A single server without a load balancer keeps a reserved IP so
 * its address survives new releases; with a domain, the DNS record points at that address and nginx
 * terminates TLS itself with a Let's Encrypt certificate it gets and renews (provisioning/roles/tls.ts).
 * Where the cloud has server groups (AWS), 2 or more servers are one {@link LinuxServerGroup}: replaced
 * when unhealthy, and a new release rolls through them.
 *
 * Cost note: on DigitalOcean one s-1vcpu-1gb droplet is the $6 box, with HTTPS; a load balancer adds
 * about $12.
 *
 * @example
 * ```ts
 * const web = new WebTier("shop", {
 *   region: "fra1",
 *   count: 2,
 *   app: { name: "shop", repo: "https://github.com/acme/shop.git", ref: "v1.4.2", framework: "django",
 *          wsgiApp: "shop.wsgi:application", djangoSettingsModule: "shop.settings",
 *          requirementsFile: "requirements.txt", staticDir: "static", healthCheckPath: "/healthz", env: {} },
 *   access: { adminUser: "ops", adminSshKeys: [], adminCidrs: [], sshKeyIds: [] },
 *   domain: { name: "shop.example.com", zone: "example.com", createZone: false },
 * });
 * export const url = web.url;
 * ```
 */
export class WebTier extends pulumi.ComponentResource {
  /** Where users reach the app. */
  readonly url: pulumi.Output<string>;
  /** Public addresses of the web servers (empty for a server group: reach it through the load balancer). */
  readonly serverAddresses: pulumi.Output<string[]>;
  /** Cloud ids of the web servers, or of the server group. */
  readonly serverIds: pulumi.Output<string[]>;
  /** The load balancer's address, when there is one. */
  readonly loadBalancerAddress?: pulumi.Output<string>;
  /** The load balancer as the cloud adapter made it, when there is one (alerts watch it). */
  readonly loadBalancer?: LoadBalancerHandle;
  /** Whether clients reach `url` over HTTPS (there is a domain). */
  readonly https: boolean;
  readonly network: Network;
  /** The individual web servers (none when they are a group). */
  readonly servers: LinuxServer[];
  /** The web servers as a group, where the cloud has groups and there are 2 or more. */
  readonly serverGroup?: LinuxServerGroup;
  /**
   * What the tier made, its servers' and group's children included, by cloud and kind ({@link Nodes}):
   * droplets or EC2 instances (or a launch template and auto scaling group), firewalls or security groups,
   * the load balancer, certificate and DNS records; the network too when the tier made its own. Resources
   * of kinds the tables do not list (release keys and commands, instance profiles and their policies) are
   * in `other`.
   *
   * @example
   * ```ts
   * import * as digitalocean from "@pulumi/digitalocean";
   * import { WebTier, loadSettings } from "fullstack-pulumi";
   *
   * const settings = loadSettings({
   *   appRepo: "https://github.com/acme/shop.git", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"],
   * });
   * const web = new WebTier("shop", { region: "fra1", count: 2, app: settings.app, access: settings.access });
   * // The tier's droplets and load balancer listed in the team's DigitalOcean project.
   * const project = new digitalocean.Project("shop", {
   *   name: "shop", environment: "Production",
   *   resources: [
   *     ...web.nodes.digitalocean.droplet.map((d) => d.dropletUrn),
   *     ...web.nodes.digitalocean.loadBalancer.map((lb) => lb.loadBalancerUrn),
   *   ],
   * });
   * export const projectId = project.id;
   * ```
   */
  readonly nodes: Nodes;

  constructor(name: string, args: WebTierArgs, opts?: pulumi.ComponentResourceOptions) {
    const count = validate.bounded("WebTier.count", args.count ?? 1, "webCount");
    if (!args.network && !args.region) {
      throw new SettingsError("WebTier.region", args.region, "is required when no network is given", "pass args.network or args.region");
    }
    const gunicorn = args.gunicorn ?? { workers: defaultOf("gunicornWorkers"), timeout: defaultOf("gunicornTimeout"), version: defaultOf("gunicornVersion") };
    validate.bounded("WebTier.gunicorn.workers", gunicorn.workers, "gunicornWorkers");
    validate.bounded("WebTier.gunicorn.timeout", gunicorn.timeout, "gunicornTimeout");
    const maxUploadMb = validate.bounded("WebTier.maxUploadMb", args.maxUploadMb ?? defaultOf("maxUploadMb"), "maxUploadMb");
    if (args.colocate && count !== 1) {
      throw new SettingsError("WebTier.count", count, "must be 1 when other roles share the web server", "use 1, or run data stores and workers on their own servers");
    }
    super("fullstack:web:WebTier", name, {}, withTransforms(opts, args.transform));

    this.network = args.network ?? new Network(name, { cloud: args.cloud, region: args.region! }, { parent: this });
    const adapter = this.network.adapter;
    const webRole = this.network.role("web");
    const useLoadBalancer = usesLoadBalancer(count, args.loadBalancer);
    const zone = args.domain ? args.dnsZone ?? adapter.dnsZone(`${name}-zone`, { zone: args.domain.zone, create: args.domain.createZone },
      { parent: this, protect: args.protect ?? true }) : undefined;

    let lb: LoadBalancerHandle | undefined;
    if (useLoadBalancer) {
      const certificate = args.domain && zone ? adapter.certificate(`${name}-cert`, { zone, domain: args.domain.name }, { parent: this }) : undefined;
      lb = adapter.loadBalancer(`${name}-lb`, {
        name: `${name}-lb`,
        region: this.network.handle.region,
        network: this.network.handle,
        targetRole: webRole,
        healthCheckPath: "/healthz",
        certificate,
      }, { parent: this });
      if (args.domain && zone) {
        adapter.dnsRecord(`${name}-dns`, { zone, domain: args.domain.name, address: lb.address, loadBalancer: lb }, { parent: this });
      }
      this.loadBalancerAddress = lb.address;
      this.loadBalancer = lb;
    }
    // One server with a domain and no load balancer: nginx terminates TLS with a certificate the server gets itself.
    const tlsOnServer = args.domain !== undefined && lb === undefined;

    // Only the load balancer may reach the servers' HTTP port when there is one. A server terminating TLS
    // itself also takes HTTPS from anywhere (HTTP stays open: ACME challenges, the redirect, /healthz).
    const ingress: IngressRule[] = lb
      ? [{ port: 80, protocol: "tcp", source: { kind: "loadBalancer", loadBalancer: lb }, description: "HTTP from the load balancer" }]
      : [
        { port: 80, protocol: "tcp", source: { kind: "anywhere" }, description: "HTTP from anywhere" },
        ...(tlsOnServer ? [{ port: 443, protocol: "tcp", source: { kind: "anywhere" }, description: "HTTPS from anywhere" } as const] : []),
      ];

    const hostNames = args.domain ? [args.domain.name] : [];
    // Clients reach the app over HTTPS whenever there is a domain: at the load balancer, or at nginx.
    const https = args.domain !== undefined;
    this.https = https;
    const appFor = (migrate: boolean) => pulumi.all([args.environment ?? {}, migrate ? args.databaseGrant : undefined, args.app]).apply(([extra, dbGrant, app]) => ({
      ...buildAppSpec(app as AppSettings, gunicorn.version, { hostNames, https }, extra as Record<string, string>),
      // One server per release migrates (the first; in a group each new server, one after another under
      // an advisory lock), so two never migrate one database at once.
      runMigrations: migrate,
      // Only the migrating server holds the admin's connection, to grant the app role its rights first.
      ...(dbGrant ? { dbGrant: dbGrant as DbGrantSpec } : {}),
    }));
    const web: pulumi.Output<WebSpec> = pulumi.output(lb ? this.network.cidr.apply((c) => [c]) : []).apply((trustedProxies) => ({
      serverNames: hostNames,
      maxUploadMb,
      gunicorn,
      trustedProxies,
      ...(tlsOnServer ? { tls: args.acme ?? {} } : {}),
    }));

    const size = args.size ?? CATALOG[this.network.cloud].defaultSize;
    this.servers = [];
    const grouped = lb !== undefined && count >= 2 && adapter.serverGroup !== undefined && (args.serverGroup ?? true);
    // What every web server shares, alone or in the group.
    const common = {
      network: this.network, size, os: args.os, image: args.image, access: args.access, timezone: args.timezone, swapMb: args.swapMb, ingress, web,
      bucketAccess: args.bucketAccess, queueAccess: args.queueAccess, heartbeat: args.heartbeat, backupAccess: args.backupAccess,
      logSink: args.logSink,
    };
    if (grouped && args.restoreDrill) {
      throw new SettingsError("WebTier.restoreDrill", "[drill]", "would run on every server of the web group", "give it to one server that is not in a group (the scheduler's), or set WebTier.serverGroup false");
    }
    if (grouped) {
      this.serverGroup = new LinuxServerGroup(`${name}-web`, { ...common, roles: ["web"], count, loadBalancer: lb, app: appFor(true) }, { parent: this });
    }
    for (let i = 1; i <= (grouped ? 0 : count); i++) {
      const server = new LinuxServer(`${name}-web-${i}`, {
        ...common,
        roles: ["web", ...(args.colocate?.roles ?? [])],
        app: appFor(i === 1),
        worker: args.colocate?.worker,
        postgres: args.colocate?.postgres,
        redis: args.colocate?.redis,
        volume: args.colocate?.volumeGb ? { sizeGb: args.colocate.volumeGb } : undefined,
        protect: args.protect ?? true,
        reservedIp: lb === undefined,
        ...(i === 1 && args.restoreDrill ? { restoreDrill: args.restoreDrill } : {}),
        // Behind a load balancer the servers release one at a time: the others keep serving meanwhile.
        releaseAfter: this.servers.slice(-1),
      }, { parent: this });
      if (lb) adapter.attachToLoadBalancer(`${name}-web-${i}-lb`, { loadBalancer: lb, server: server.handle }, { parent: this });
      this.servers.push(server);
    }
    if (tlsOnServer && args.domain && zone) {
      // The name points at the server's reserved address, which moves to its replacement.
      adapter.dnsRecord(`${name}-dns`, { zone, domain: args.domain.name, address: this.servers[0].address }, { parent: this });
    }

    this.serverAddresses = pulumi.all(this.servers.map((s) => s.address));
    this.serverIds = this.serverGroup ? this.serverGroup.id.apply((id) => [id]) : pulumi.all(this.servers.map((s) => s.id));
    this.url = args.domain
      ? pulumi.output(`https://${args.domain.name}`)
      : pulumi.interpolate`http://${lb ? lb.address : this.servers[0].address}`;
    this.nodes = nodesOf(this);
    this.registerOutputs({
      url: this.url,
      serverAddresses: this.serverAddresses,
      serverIds: this.serverIds,
      loadBalancerAddress: this.loadBalancerAddress,
    });
  }
}
