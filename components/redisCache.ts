import * as pulumi from "@pulumi/pulumi";
import type { RedisHandle } from "../clouds";
import * as random from "@pulumi/random";
import type { RedisSpec } from "../provisioning";
import { CATALOG, SettingsError, defaultOf, validate } from "../settings";
import type { Network } from "./network";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms, type ChildTransforms } from "./transform";

export interface RedisCacheArgs {
  /** The private network of the app. */
  network: Network;
  /**
   * `managed`: the cloud's Redis-compatible service (Valkey on DigitalOcean). `self-hosted`: a role spec for a
   * LinuxServer (pass {@link RedisCache.serverSpec}), persistence on its volume.
   * @default "managed"
   */
  mode?: "managed" | "self-hosted";
  /**
   * Roles allowed to connect.
   * Managed: each role named gets a network identity ({@link Network.role}) that its servers, made after
   * this, wear; name only roles that have servers (e.g. `["web"]` without workers).
   * @default ["web", "worker"]
   */
  allowRoles?: string[];
  /**
   * Managed: node size.
   * @default "db-s-1vcpu-1gb" on DigitalOcean, "cache.t4g.micro" on AWS
   */
  size?: string;
  /**
   * Managed: nodes; 2 adds a standby.
   * @default 1
   */
  nodes?: number;
  /**
   * What happens when memory is full. A task broker must never drop queued tasks.
   * @default "noeviction"
   */
  evictionPolicy?: "noeviction" | "allkeys-lru";
  /**
   * Self-hosted: maxmemory in MiB.
   * @default 256
   */
  maxMemoryMb?: number;
  /**
   * Self-hosted: address to bind and connect to.
   * @default "localhost"
   */
  host?: string;
  /**
   * Self-hosted: directory for the append-only file, on the data volume.
   * @default "/mnt/data/redis"
   */
  dataDir?: string;
  /**
   * Protect the managed cluster from deletion and replacement.
   * @default true
   */
  protect?: boolean;
  /**
   * Adjusts the resources this component makes (a droplet's size or backups, an instance's monitoring,
   * tags, ...) with the provider's own argument types: `{ digitalocean: { droplet: (args) => { ... } } }`.
   * Reaches children of nested components too. See `ChildTransforms` for the kinds each cloud has.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

/**
 * The key-value store and task broker box. Managed: a Valkey cluster (DigitalOcean discontinued managed
 * Redis; Celery and RQ work unchanged) reachable only from the web and worker roles over TLS
 * (`rediss://`). Self-hosted: a password and a role spec for the server that hosts it.
 *
 * Cost note: a 1 GB managed node is about $15/month.
 *
 * @example
 * ```ts
 * const settings = loadSettings({
 *   appRepo: "https://github.com/acme/shop.git", workerKind: "rq",
 *   adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"],
 * });
 * const network = new Network("shop", { region: "fra1" });
 * const redis = new RedisCache("shop-redis", { network, allowRoles: ["web", "worker"] });
 * new WorkerQueue("shop", {
 *   network, app: settings.app, access: settings.access, environment: { REDIS_URL: redis.url },
 *   worker: { kind: "rq", app: "shop.tasks", queues: ["default"], concurrency: 1, taskTimeLimit: 600 },
 * });
 * ```
 */
export class RedisCache extends pulumi.ComponentResource {
  /** Secret connection URL. */
  readonly url: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Managed only: the cache as the cloud adapter made it (alerts watch it). */
  readonly handle?: RedisHandle;
  /** Self-hosted only: give this to the LinuxServer that has the redis role. */
  readonly serverSpec?: pulumi.Output<RedisSpec>;
  /**
   * What the cache made, by cloud and kind of child ({@link Nodes}). Managed: on DigitalOcean the Valkey
   * cluster and its database firewall; on AWS the replication group, its parameter group and security group
   * with its rules. Resources of kinds the tables do not list (the auth token, the subnet group) are in
   * `other`; self-hosted makes only a password there.
   */
  readonly nodes: Nodes;

  constructor(name: string, args: RedisCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    const mode = validate.oneOf("RedisCache.mode", args.mode ?? "managed", ["managed", "self-hosted"], "a Redis mode");
    const policy = validate.oneOf("RedisCache.evictionPolicy", args.evictionPolicy ?? "noeviction", ["noeviction", "allkeys-lru"], "an eviction policy");
    const catalog = CATALOG[args.network.cloud];
    // Managed only (self-hosted ignores them, as before).
    const managed = mode === "managed";
    const size = managed ? validate.matches("RedisCache.size", args.size ?? catalog.defaultCacheSize, catalog.cacheSizePattern, "a cache node size", `use e.g. ${catalog.cacheSizeExamples.join(", ")}`) : "";
    const nodes = managed ? validate.bounded("RedisCache.nodes", args.nodes ?? 1, "redisNodes") : 1;
    const problem = managed ? catalog.clusterPlanProblem?.("valkey", size, nodes) : undefined;
    if (problem) throw new SettingsError("RedisCache.size", size, `with RedisCache.nodes ${nodes}: ${problem}`, `use a plan with standby nodes, e.g. ${catalog.scaledCacheSize}, or 1 node`);
    super("fullstack:data:RedisCache", name, {}, withTransforms(opts, args.transform));

    if (mode === "managed") {
      const handle = args.network.adapter.managedRedis(name, {
        region: args.network.handle.region,
        network: args.network.handle,
        clusterName: name,
        size,
        nodes,
        evictionPolicy: policy === "noeviction" ? "noeviction" : "allkeys_lru",
        allowRoles: (args.allowRoles ?? ["web", "worker"]).map((r) => args.network.role(r)),
        protect: args.protect ?? true,
      }, { parent: this });
      this.handle = handle;
      this.url = handle.url;
      this.host = handle.host;
      this.port = handle.port;
    } else {
      const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
      const host = args.host ?? "localhost";
      const maxMemoryMb = validate.bounded("RedisCache.maxMemoryMb", args.maxMemoryMb ?? defaultOf("redisMaxMemoryMb"), "redisMaxMemoryMb");
      this.serverSpec = pulumi.secret(password.result.apply((pw): RedisSpec => ({
        password: pw,
        bind: host === "localhost" ? ["127.0.0.1", "-::1"] : [host],
        maxMemoryMb,
        maxMemoryPolicy: policy,
        dataDir: args.dataDir ?? "/mnt/data/redis",
      })));
      this.url = pulumi.secret(pulumi.interpolate`redis://:${password.result}@${host}:6379/0`);
      this.host = pulumi.output(host);
      this.port = pulumi.output(6379);
    }
    this.nodes = nodesOf(this);
    this.registerOutputs({ url: this.url, host: this.host, port: this.port });
  }
}
