/**
 * The one interface every cloud implements. Components talk only to this; everything cloud-specific
 * (resource types, naming rules, how a firewall names its sources) lives in the adapter behind it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AdminConnection, BackupStoreSpec, HeartbeatCheckName, HeartbeatMetricsSpec, LogStream, ManagedDrillSpec, RolePart, SecretDelivery, WriteFile } from "../provisioning";
import type { AlertThresholds, CloudName, NatMode, OperatingSystem } from "../settings";

/** A private network the servers and data stores share. */
export interface NetworkHandle {
  readonly id: pulumi.Output<string>;
  /** The network's address range, e.g. 10.110.0.0/20. */
  readonly cidr: pulumi.Output<string>;
  readonly region: string;
}

/**
 * A network identity for a role ("web", "worker", ...): a tag on DigitalOcean, a security group on AWS.
 * Made only for a role something connects to or selects by: the component `Network` makes it the first
 * time its `ref` is read (by a rule, a data store's firewall, a load balancer), which comes before the
 * servers that wear it, so rules between roles never wait on servers.
 */
export interface RoleHandle {
  readonly role: string;
  /** The cloud's reference (the tag name on DigitalOcean, the security group's ID on AWS). */
  readonly ref: pulumi.Output<string>;
}

/**
 * A load balancer an adapter made: data only (IDs and addresses), so that components pass it to each other
 * and a package schema can describe it. Fields marked with a cloud are set by that cloud's adapter, which
 * reads them back (no lookup by object identity).
 */
export interface LoadBalancerHandle {
  readonly id: pulumi.Output<string>;
  /** Public address (an IP, or a DNS name where the cloud gives one) clients and DNS records point at. */
  readonly address: pulumi.Output<string>;
  /**
   * The load balancer's own network identity where rules name it (AWS: its security group).
   * @default none (DigitalOcean: rules name the load balancer by `id`)
   */
  readonly securityRef?: pulumi.Output<string>;
  /**
   * For DNS alias records (AWS: the ALB's hosted zone).
   * @default none (DigitalOcean: A records to `address`)
   */
  readonly zoneId?: pulumi.Output<string>;
  /**
   * Where servers are registered (AWS: the target group's ARN).
   * @default none (DigitalOcean: the load balancer selects droplets by their role's tag)
   */
  readonly targetGroup?: pulumi.Output<string>;
  /**
   * The metric dimensions its alerts use (AWS/ApplicationELB: the ARN suffixes of the ALB and of its target group).
   * @default none (DigitalOcean: alerts name the load balancer by `id`)
   */
  readonly metricDimensions?: { readonly loadBalancer: pulumi.Output<string>; readonly targetGroup: pulumi.Output<string> };
}

/** The kinds of {@link Source}. */
export const SOURCE_KINDS = ["anywhere", "cidrs", "role", "loadBalancer"] as const;

/**
 * Where traffic may come from: `kind` says which, and the field of that name says what (`cidrs`, `role`
 * or `loadBalancer`; `anywhere` has none). One object with a kind rather than a union of objects, so that
 * a Pulumi package schema can describe it; components check it ({@link CheckedSource}) before any
 * resource is made.
 *
 * @example
 * ```ts
 * import { LinuxServer, Network } from "fullstack-pulumi";
 *
 * const network = new Network("shop", { region: "fra1" });
 * const box = new LinuxServer("box", {
 *   network, roles: [],
 *   access: { adminUser: "ops", adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"], sshKeyIds: [] },
 *   ingress: [
 *     { port: 80, protocol: "tcp", source: { kind: "anywhere" }, description: "HTTP from anywhere" },
 *     { port: 9100, protocol: "tcp", source: { kind: "cidrs", cidrs: ["198.51.100.0/24"] }, description: "metrics from the office" },
 *     { port: 6379, protocol: "tcp", source: { kind: "role", role: network.role("worker") }, description: "Redis from the workers" },
 *   ],
 * });
 * export const address = box.address;
 * ```
 */
export interface Source {
  /** anywhere (IPv4 and IPv6), cidrs, role (the servers of a role) or loadBalancer. */
  readonly kind: (typeof SOURCE_KINDS)[number];
  /**
   * With kind `cidrs`: the address ranges, e.g. "203.0.113.7/32" (at least one).
   * @default none (only with kind cidrs)
   */
  readonly cidrs?: readonly string[];
  /**
   * With kind `role`: the servers of a role, as {@link Network.role} gives it (a tag, a security group).
   * @default none (only with kind role)
   */
  readonly role?: RoleHandle;
  /**
   * With kind `loadBalancer`: the load balancer, as a component made it (e.g. `WebTier.loadBalancer`).
   * @default none (only with kind loadBalancer)
   */
  readonly loadBalancer?: LoadBalancerHandle;
}

/** A {@link Source} checked to carry exactly the field its kind names: what adapters read. */
export type CheckedSource =
  | { readonly kind: "anywhere" }
  | { readonly kind: "cidrs"; readonly cidrs: readonly string[] }
  | { readonly kind: "role"; readonly role: RoleHandle }
  | { readonly kind: "loadBalancer"; readonly loadBalancer: LoadBalancerHandle };

export interface IngressRule {
  /** The TCP port admitted. */
  readonly port: number;
  /** Only TCP. */
  readonly protocol: "tcp";
  /** Who may connect. */
  readonly source: Source;
  /** Why the rule exists; shown in the cloud console where the cloud supports it. */
  readonly description: string;
}

/** An {@link IngressRule} whose source is checked (components/ingress.ts): what adapters get. */
export interface CheckedIngressRule extends Omit<IngressRule, "source"> {
  readonly source: CheckedSource;
}

/**
 * The machine a server of a role runs on (size, image, user data, network, network identities, secret
 * files, access), whether the cloud runs it alone ({@link ServerRequest}) or in a group
 * ({@link ServerGroupRequest}). Not provisioning's `ServerSpec`, which is what the renderers write onto it.
 */
export interface MachineRequest {
  readonly region: string;
  readonly size: string;
  readonly os: OperatingSystem;
  readonly userData: pulumi.Input<string>;
  readonly network: NetworkHandle;
  /** The server's roles by name (web, worker, ...), for labels such as AWS's `Roles` tag. */
  readonly roleNames: readonly string[];
  /**
   * The network identities the server wears: those of its roles that something references by the time
   * the server is made (see the component `Network.role`). A role nothing connects to has none.
   */
  readonly identities: readonly RoleHandle[];
  /** IDs/fingerprints of SSH keys stored in the cloud account. */
  readonly sshKeyIds: readonly string[];
  /** Secret files the user data leaves out (adapters with `fetch` delivery store them for the server). */
  readonly fetchedFiles: pulumi.Output<WriteFile[]>;
  /** Buckets the server reads and writes (static files); granted by identity where the cloud can. */
  readonly bucketAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /** Queues the server sends to and receives from (SQS). */
  readonly queueAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Backup buckets the server writes to and reads from but cannot delete from (where the server's instance
   * role signs requests: AWS).
   */
  readonly backupAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /** Run releases of the app in place and wait for them (servers that run the app). */
  readonly release?: ReleaseRequest;
  /** An image baked with the server's packages (the adapter's `bakeImage`), booted instead of the stock image of `os`. */
  readonly image?: ImageHandle;
  /**
   * Where the server reports its heartbeats as metrics (made by the adapter's `heartbeatMetrics`): its
   * identity may put metrics there, and nowhere else besides the cloud's own agent's.
   */
  readonly heartbeatMetrics?: pulumi.Input<HeartbeatMetricsSpec | undefined>;
  /**
   * The managed database whose restore drill this server runs (the adapter's `restoreDrillPart`): where
   * servers have an identity (AWS), it may restore that database into its drill copy, and describe and
   * delete the copy, nothing else; elsewhere (DigitalOcean) the drill's API token comes in its spec.
   */
  readonly restoreDrillOf?: PostgresHandle;
}

/**
 * A release in place (provisioning/release.ts): the adapter runs the release entry point on the server
 * (or on each server of a group, one at a time) whenever the bundle changes, and waits for its result;
 * a failed release fails the update with the server's own output where the cloud returns it.
 */
export interface ReleaseRequest {
  readonly appName: pulumi.Output<string>;
  /** The release bundle (secret). */
  readonly bundle: pulumi.Output<string>;
  /** `push` clouds: the release user's private key (secret), and the server's host key to check. */
  readonly ssh?: { readonly privateKey: pulumi.Output<string>; readonly hostPublicKey: pulumi.Output<string> };
  /** Releases that must finish first (servers behind one load balancer release one at a time). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
  /** Seconds a release may take: the build, the health check and the workers' warm stop. */
  readonly timeoutSeconds: number;
}

/**
 * A server image baked with a server's packages (provisioning/image.ts): a throwaway builder boots the stock
 * image of `os` with `userData`, which powers it off when it succeeded; the cloud keeps a snapshot of it.
 */
export interface ImageBakeRequest {
  readonly region: string;
  readonly os: OperatingSystem;
  /** The builder's size: the servers that boot from the image (their disks at least as large as the builder's). */
  readonly size: string;
  /** The network's name (the stack's prefix) and the kind of server (OS, size, roles): what the image is named after. */
  readonly prefix: string;
  readonly kind: string;
  /** The bake's key (a hash of `userData`): a new key is a new image, equal keys are one image. */
  readonly key: pulumi.Output<string>;
  /** The builder's user data (secret-free: packages and apt settings). */
  readonly userData: pulumi.Output<string>;
}

export interface ImageHandle {
  /** What the cloud's server takes as its image (a DigitalOcean snapshot's ID). */
  readonly id: pulumi.Output<string>;
}

export interface ServerRequest extends MachineRequest {
  /** Physical name (hostname), e.g. "shop-prod-web-1". */
  readonly hostname: string;
  /** A data volume created with the server and attached at boot. */
  readonly volume?: { readonly name: string; readonly sizeGb: number; readonly protect: boolean };
  /** Reserve a static public address that survives server replacement. */
  readonly reservedIp?: boolean;
  /** Seconds the server's services may take to stop (a worker's warm shutdown) when it is deleted. */
  readonly drainSeconds?: number;
}

/**
 * N interchangeable servers the cloud keeps running from one template (an auto scaling group on AWS):
 * a server that fails its health check is replaced, and a changed template (a new release, a new size)
 * rolls through the group, new servers in service before old ones go.
 */
export interface ServerGroupRequest extends MachineRequest {
  /** Physical name of the group and of its servers, e.g. "shop-prod-web". */
  readonly name: string;
  /** Servers the group keeps running. */
  readonly count: number;
  /** Inbound traffic the group's servers admit (their firewall); everything else is denied. */
  readonly ingress: readonly CheckedIngressRule[];
  /** Register the servers with this load balancer and replace those it finds unhealthy. */
  readonly loadBalancer?: LoadBalancerHandle;
  /** Seconds a leaving server may take to stop its services (see `groupMemberPart`). */
  readonly drainSeconds?: pulumi.Input<number>;
}

/** Services a group's server stops before it leaves, and how long they may take. */
export interface GroupDrain {
  readonly units: readonly string[];
  readonly stopSeconds: number;
}

export interface ServerGroupHandle {
  readonly id: pulumi.Output<string>;
  /** The group's physical name. */
  readonly name: pulumi.Output<string>;
  /** The resource that runs releases on the group's servers. */
  readonly release?: pulumi.Resource;
}

export interface ServerHandle {
  readonly id: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  /** The static address when one was reserved, else the server's own public address. */
  readonly address: pulumi.Output<string>;
  /** The data volume's id, when the server has one. */
  readonly volumeId?: pulumi.Output<string>;
  /** The resource that runs releases on the server, when it runs the app: the next release waits for it. */
  readonly release?: pulumi.Resource;
}

export interface LoadBalancerRequest {
  readonly name: string;
  readonly region: string;
  readonly network: NetworkHandle;
  /** Servers of this role receive the traffic. */
  readonly targetRole: RoleHandle;
  /** Path on the servers' port 80 that answers 200 when healthy. */
  readonly healthCheckPath: string;
  /** With a certificate: 443 terminates TLS and 80 redirects to it. */
  readonly certificate?: CertificateHandle;
}

export interface CertificateHandle {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
}

/**
 * A DNS zone the cloud hosts, made or found by an adapter: data only. When the stack creates the zone,
 * both outputs come from that resource, so whatever reads them waits for the zone.
 */
export interface DnsZoneHandle {
  /** The zone's name, e.g. example.com. */
  readonly name: pulumi.Output<string>;
  /** The cloud's ID of the zone (AWS: the Route 53 hosted zone ID; DigitalOcean: the domain's name). */
  readonly id: pulumi.Output<string>;
}

export interface ManagedPostgresRequest {
  readonly region: string;
  readonly network: NetworkHandle;
  /** Physical cluster name. */
  readonly clusterName: string;
  readonly version: string;
  readonly size: string;
  /** Nodes; more than one adds standbys. */
  readonly nodes: number;
  readonly database: string;
  readonly user: string;
  readonly poolSize: number;
  /** Only these roles may connect. */
  readonly allowRoles: readonly RoleHandle[];
  readonly protect: boolean;
}

export interface PostgresHandle {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly database: pulumi.Output<string>;
  readonly user: pulumi.Output<string>;
  /** Secret. Through the connection pool where the cloud has one. */
  readonly url: pulumi.Output<string>;
  /** Secret. Straight to the primary (for migrations and session features). */
  readonly directUrl: pulumi.Output<string>;
  /**
   * Secret. Where the cloud's admin owns the app's database and the app role starts without rights in it
   * (DigitalOcean), the admin's connection to that database: the server that migrates grants the app
   * role its rights with it first (provisioning/postgresGrants.ts).
   */
  readonly adminConnection?: pulumi.Output<AdminConnection>;
}

export interface ManagedRedisRequest {
  readonly region: string;
  readonly network: NetworkHandle;
  readonly clusterName: string;
  readonly size: string;
  readonly nodes: number;
  readonly evictionPolicy: "noeviction" | "allkeys_lru";
  readonly allowRoles: readonly RoleHandle[];
  readonly protect: boolean;
}

export interface RedisHandle {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Secret; rediss:// where the service speaks TLS. */
  readonly url: pulumi.Output<string>;
}

export interface BucketRequest {
  readonly region: string;
  readonly bucketName: pulumi.Input<string>;
  readonly corsOrigins: readonly string[];
  /**
   * Keys for the bucket API where the cloud needs them (Spaces). Unset: the adapter makes its own (a
   * full-access key to create the bucket, a key limited to the bucket for the app).
   */
  readonly credentials?: { readonly accessId: pulumi.Input<string>; readonly secretKey: pulumi.Input<string> };
  /** A custom CDN name and the zone it lives in. */
  readonly customDomain?: { readonly name: string; readonly zone: DnsZoneHandle };
  readonly protect: boolean;
}

/** A private bucket for the single box's nightly dumps, which expires them after `retentionDays`. */
export interface BackupStoreRequest {
  readonly region: string;
  readonly bucketName: pulumi.Input<string>;
  readonly retentionDays: number;
  readonly protect: boolean;
}
export interface BackupStoreHandle {
  readonly bucketName: pulumi.Output<string>;
  /** What the server's s3cmd needs (secret when it holds a key), but the object prefix. */
  readonly store: pulumi.Output<Omit<BackupStoreSpec, "prefix">>;
  /** Whether servers reach the bucket through their instance role (pass the bucket in `backupAccess`). */
  readonly byInstanceRole: boolean;
}

export interface BucketHandle {
  readonly bucketName: pulumi.Output<string>;
  /** S3-compatible endpoint for uploads (e.g. https://fra1.digitaloceanspaces.com). */
  readonly endpoint: pulumi.Output<string>;
  /** Where browsers fetch files, through the CDN. */
  readonly publicUrl: pulumi.Output<string>;
  /**
   * The keys the app's servers use for the bucket (the secret one secret), where the cloud has no instance
   * role (Spaces); undefined where servers use their instance role (AWS).
   */
  readonly appCredentials?: { readonly accessId: pulumi.Output<string>; readonly secretKey: pulumi.Output<string> };
}

export interface NetworkRequest {
  readonly region: string;
  readonly description: string;
  /** AWS: how private subnets reach the internet. */
  readonly natMode?: NatMode;
}

export interface QueueRequest {
  /** Queue names as the app knows them. */
  readonly names: readonly string[];
  /** Seconds a received message stays invisible; longer than the longest task. */
  readonly visibilityTimeout: number;
  readonly protect: boolean;
}

export interface QueueHandle {
  /** Identifiers servers are granted (ARNs on AWS). */
  readonly arns: pulumi.Output<string[]>;
  /** Environment for the app (broker URL and queue settings). */
  readonly environment: Record<string, pulumi.Input<string>>;
}

/** A server an alert watches: its physical name (host name), roles, handle and size, and its data volume's mount. */
export interface AlertServer {
  readonly name: string;
  /** Every role it runs (the single box's web server runs them all), for descriptions. */
  readonly roles: readonly string[];
  readonly handle: ServerHandle;
  /** The server's size in the cloud's terms (DigitalOcean's load alert counts its vCPUs). */
  readonly size: string;
  /** Where its data volume is mounted, when it has one (a disk alert watches it where the cloud can). */
  readonly dataMount?: string;
}

/** A server group an alert watches (AWS: an auto scaling group, watched through its group-wide metrics). */
export interface AlertServerGroup {
  readonly name: string;
  readonly roles: readonly string[];
  readonly handle: ServerGroupHandle;
  readonly size: string;
}

/** The servers of one role ("web", "worker"), alone or in groups: every one gets CPU, memory, disk (and load or status) alerts. */
export interface AlertRole {
  readonly role: string;
  readonly servers: readonly AlertServer[];
  readonly groups: readonly AlertServerGroup[];
}

/**
 * Alerts to people: what exists (servers by role, the load balancer, managed data stores, queues, the
 * public URL) and who is told. The adapter makes the cloud's alerts for each, every one of them sent to
 * every recipient, and whatever the cloud needs to deliver them.
 */
export interface AlertsRequest {
  /** Prefix of every alert's name, e.g. "shop-prod". */
  readonly name: string;
  readonly region: string;
  readonly emails: readonly string[];
  /** A Slack-compatible incoming webhook (secret), and the channel named with it where the cloud asks for one. */
  readonly webhook?: { readonly url: pulumi.Input<string>; readonly channel: string };
  readonly thresholds: AlertThresholds;
  readonly roles: readonly AlertRole[];
  readonly loadBalancer?: LoadBalancerHandle;
  /** Managed PostgreSQL (a self-hosted one is watched through its server). */
  readonly postgres?: PostgresHandle;
  /** Managed Redis/Valkey. */
  readonly redis?: RedisHandle;
  /** Task queues the cloud runs (SQS). */
  readonly queues?: QueueHandle;
  /** The app's public URL (http:// or https://, no path), checked from outside, and whether it is https://. */
  readonly publicUrl?: { readonly url: pulumi.Input<string>; readonly https: boolean };
  /** Path on the public URL that answers 200 when the app is healthy. */
  readonly healthCheckPath: string;
  /** The servers' logs (made by `logs` with `agent: false`): the alerts' agent ships them too. */
  readonly logs?: LogsHandle;
  /**
   * Heartbeats reported as metrics (where the cloud has `heartbeatMetrics`): each check gets an alert when
   * its successes stop for longer than its period and grace, one at once on a failure, and the restore
   * drill one when its data-loss window is over `thresholds.dataLossHours`.
   */
  readonly heartbeats?: HeartbeatAlerts;
}

/** The checks that report to the cloud's metrics, and where. */
export interface HeartbeatAlerts {
  readonly metrics: HeartbeatMetricsSpec;
  readonly checks: readonly HeartbeatWatch[];
}

/** One check the alerts watch (provisioning/roles/heartbeat.ts). */
export interface HeartbeatWatch {
  readonly name: HeartbeatCheckName;
  /** What reports it, for the alert's description, e.g. "the nightly backup". */
  readonly what: string;
  /** Seconds between two successes when all is well (the services' heartbeatMinutes, a day, the drill's schedule). */
  readonly everySeconds: number;
  /** Seconds more before a missing success alerts (a timer's random delay and a slow run). */
  readonly graceSeconds: number;
  /**
   * Its servers report the time since its last success with every report (HEARTBEAT_AGE_CHECKS), at least
   * this often and this late (the nightly backup's): a check that runs less often than a day is watched
   * through that.
   */
  readonly age?: { readonly everySeconds: number; readonly graceSeconds: number };
}

/**
 * Where the servers' logs go besides their own journal: each stream (provisioning/logs.ts) shipped off the
 * servers where the cloud has a log service (AWS: a CloudWatch Logs group per stream, kept
 * `retentionDays`, and the CloudWatch agent on every server), and how to follow them.
 */
export interface LogsRequest {
  /** Prefix of every name, e.g. "shop-prod". */
  readonly name: string;
  readonly region: string;
  /** The servers whose logs these are, by role (the same shape the alerts take). */
  readonly roles: readonly AlertRole[];
  readonly streams: readonly LogStream[];
  /** Days the cloud's log service keeps them. */
  readonly retentionDays: number;
  /** The admin user who may read the journal over SSH (the tail command of clouds without a log service). */
  readonly adminUser: string;
  /**
   * Install the agent that ships them. False when alerts are made with this handle (AlertsRequest.logs):
   * the alerts' agent (memory and disk metrics) then ships these logs too, one agent per server.
   */
  readonly agent: boolean;
}

export interface LogsHandle {
  /** The log groups made (none where logs stay on the servers). */
  readonly groups: readonly string[];
  /** One command that follows the app's logs as they come. */
  readonly tailCommand: pulumi.Output<string>;
}

export interface AlertsHandle {
  /** The name of every alert made, as the cloud shows it. */
  readonly names: readonly string[];
}

export interface CloudAdapter {
  readonly name: CloudName;
  /** Bytes of user data the cloud accepts. */
  readonly userDataLimit: number;
  /** Size of a cloud-config as the cloud counts it (after any compression the adapter applies). */
  userDataBytes(cloudConfig: string): number;
  /** How secret files reach a server of this name. */
  secretDelivery(hostname: string, region: string): SecretDelivery;
  /**
   * How releases reach servers. `push`: over SSH from where `pulumi up` runs (the component makes the
   * release key; the cloud firewall must admit port 22 from there). `file`: the bundle is one of the
   * secret files, and the adapter has the cloud's agent run it.
   */
  readonly releaseDelivery: "push" | "file";
  /** A task queue service (SQS), where the cloud has one. */
  queues?(name: string, args: QueueRequest, opts: pulumi.ComponentResourceOptions): QueueHandle;
  /**
   * The device path a server sees for a data volume of this name, as the rendered user data names it.
   * Where the path depends on something known only once the volume exists (AWS: its ID), this may be a
   * stand-in that the adapter's `server()` replaces in the user data.
   */
  volumeDevicePath(volumeName: string): string;
  network(name: string, args: NetworkRequest, opts: pulumi.ComponentResourceOptions): NetworkHandle;
  /** Makes a role's network identity, now (the component `Network` calls it when the identity is first needed). */
  role(name: string, args: { network: NetworkHandle; role: string; tagName: string }, opts: pulumi.ComponentResourceOptions): RoleHandle;
  server(name: string, args: ServerRequest, opts: pulumi.ComponentResourceOptions): ServerHandle;
  /**
   * Bakes a server image and keeps it while the stack uses it, where the cloud can (DigitalOcean: a
   * snapshot of a builder droplet), named within the cloud's rules. A new `key` is a new image; the old one
   * goes once nothing uses it.
   */
  bakeImage?(name: string, args: ImageBakeRequest, opts: pulumi.ComponentResourceOptions): ImageHandle;
  /**
   * A self-healing group of identical servers with rolling replacement, where the cloud has one (AWS auto
   * scaling groups). Without it, components make N servers.
   */
  serverGroup?(name: string, args: ServerGroupRequest, opts: pulumi.ComponentResourceOptions): ServerGroupHandle;
  /**
   * What a server of a group runs so that leaving the group (a rolling release, a smaller group) is
   * graceful: wait for the cloud's notice, stop `drain.units` (systemd lets running work finish within
   * `drain.stopSeconds`), then let the cloud go on. Clouds with `serverGroup` whose groups wait for it
   * (AWS lifecycle hooks) provide it; without it, a worker in a group is stopped however the cloud stops it.
   */
  groupMemberPart?(group: { name: string; region: string }, drain: GroupDrain): RolePart;
  /** The firewall of one server: all egress, and the given ingress; everything else denied. */
  serverFirewall(name: string, args: { server: ServerHandle; ingress: readonly CheckedIngressRule[] }, opts: pulumi.ComponentResourceOptions): void;
  loadBalancer(name: string, args: LoadBalancerRequest, opts: pulumi.ComponentResourceOptions): LoadBalancerHandle;
  /** Attach a server to a load balancer (a no-op where the load balancer selects servers by role). */
  attachToLoadBalancer(name: string, args: { loadBalancer: LoadBalancerHandle; server: ServerHandle }, opts: pulumi.ComponentResourceOptions): void;
  dnsZone(name: string, args: { zone: string; create: boolean }, opts: pulumi.ComponentResourceOptions): DnsZoneHandle;
  certificate(name: string, args: { zone: DnsZoneHandle; domain: string }, opts: pulumi.ComponentResourceOptions): CertificateHandle;
  /**
   * Points a name at an IPv4 address (an A record: a single server's reserved address) or, with
   * `loadBalancer`, at that load balancer (an A record to its address, or an alias where the cloud has
   * them; `address` is then the load balancer's).
   */
  dnsRecord(name: string, args: { zone: DnsZoneHandle; domain: string; address: pulumi.Input<string>; loadBalancer?: LoadBalancerHandle }, opts: pulumi.ComponentResourceOptions): void;
  managedPostgres(name: string, args: ManagedPostgresRequest, opts: pulumi.ComponentResourceOptions): PostgresHandle;
  managedRedis(name: string, args: ManagedRedisRequest, opts: pulumi.ComponentResourceOptions): RedisHandle;
  bucket(name: string, args: BucketRequest, opts: pulumi.ComponentResourceOptions): BucketHandle;
  /** A private bucket for backups, written by a key limited to it or by the servers' instance role. */
  backupStore(name: string, args: BackupStoreRequest, opts: pulumi.ComponentResourceOptions): BackupStoreHandle;
  /**
   * Alerts to people for everything the request lists, sent to every recipient. Handles in the request must
   * come from this adapter (it finds the cloud's ids behind them).
   */
  alerts(name: string, args: AlertsRequest, opts: pulumi.ComponentResourceOptions): AlertsHandle;
  /** The servers' logs off the servers where the cloud has a log service, and how to follow them. */
  logs(name: string, args: LogsRequest, opts: pulumi.ComponentResourceOptions): LogsHandle;
  /**
   * Where the heartbeats of the app `prefix` go as metrics, where the cloud has custom metrics (AWS:
   * CloudWatch; DigitalOcean has no custom metrics API, so its heartbeats are pings to a URL only).
   */
  heartbeatMetrics?(prefix: string, region: string): HeartbeatMetricsSpec;
  /** What a server whose heartbeats go to metrics runs to report them (with `heartbeatMetrics`). */
  heartbeatReporterPart?(): RolePart;
  /**
   * What the one server that runs a managed database's restore drill gets (its scripts, unit and timer),
   * where the cloud can restore its managed databases from their backups (AWS: RDS to a point in time;
   * DigitalOcean: a fork, with the API token in `drill.apiToken`). Without it the drill exists on the
   * single box only.
   */
  restoreDrillPart?(drill: ManagedDrillSpec): RolePart;
  /** The cloud's identifier of a managed database it made (RDS: DBInstanceIdentifier; DigitalOcean: the cluster's name), for its drill. */
  managedDatabaseId?(handle: PostgresHandle): string;
}
