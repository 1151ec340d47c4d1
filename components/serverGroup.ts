import * as pulumi from "@pulumi/pulumi";
import type { IngressRule, LoadBalancerHandle, ServerGroupHandle } from "../clouds";
import { workerStopSeconds, type AppSpec, type HeartbeatSpec, type LogSinkSpec, type Role, type WebSpec, type WorkerSpec } from "../provisioning";
import { CATALOG, SettingsError, validate, type AccessSettings, type OperatingSystem, type ServerImage } from "../settings";
import { checkRoleArgs, machineRequest, physicalName, releaseKeys, releaseRequest, renderServer, serverImage, serverShape } from "./linuxServer";
import { checkedIngress } from "./ingress";
import type { Network } from "./network";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms, type ChildTransforms } from "./transform";

export interface LinuxServerGroupArgs {
  /** The private network the servers join; it also decides the cloud, which must have server groups. */
  network: Network;
  /** Roles every server of the group plays: stateless ones only (web, worker). */
  roles: Extract<Role, "web" | "worker">[];
  /** Servers the group keeps running (1 to 50). */
  count: number;
  /**
   * Server size in the cloud's terms.
   * @default the cloud's smallest general-purpose size (e.g. "t3.small" on AWS)
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
   * Name of the group and of its servers.
   * @default the component name
   */
  groupName?: string;
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
   * Inbound traffic to admit besides SSH, in the cloud firewall and the host firewall, checked as
   * `LinuxServer`'s `ingress` is.
   * @default [] (nothing but SSH from `access.adminCidrs`)
   */
  ingress?: IngressRule[];
  /**
   * Servers register with this load balancer, and one that fails its health check is replaced.
   * @default none (servers are replaced when the cloud finds them unhealthy, not when the load balancer does)
   */
  loadBalancer?: LoadBalancerHandle;
  /** The app to deploy (required by both roles). */
  app: pulumi.Input<AppSpec>;
  /**
   * nginx and gunicorn settings (required by the web role).
   * @default none (the web role refuses that)
   */
  web?: pulumi.Input<WebSpec>;
  /**
   * Task queue settings (required by the worker role).
   * @default none (the worker role refuses that)
   */
  worker?: pulumi.Input<WorkerSpec>;
  /**
   * Buckets the servers' code may read and write.
   * @default []
   */
  bucketAccess?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Queues (SQS ARNs) the servers' code may use.
   * @default []
   */
  queueAccess?: pulumi.Input<pulumi.Input<string>[]>;
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
   * Adjusts the resources this component makes (a droplet's size or backups, an instance's monitoring,
   * tags, ...) with the provider's own argument types: `{ digitalocean: { droplet: (args) => { ... } } }`.
   * Reaches children of nested components too. See `ChildTransforms` for the kinds each cloud has.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

/**
 * N interchangeable servers from one template that the cloud keeps running: an auto scaling group on
 * AWS. A server whose VM fails (or, behind a load balancer, whose `/healthz` fails) is replaced, and a
 * new template (a new release: the rendered cloud-config changed; a new size) rolls through the group,
 * new servers in service before old ones stop, so capacity never drops below `count`.
 *
 * Only for stateless roles: every server boots the same cloud-config, so nothing in it may be unique to
 * one server. The stack's one scheduler stays on a {@link LinuxServer}; migrations run on every new web
 * server of a release, one at a time under a PostgreSQL advisory lock (see the deploy script), so the
 * first does the work and the others find nothing to do.
 *
 * @example
 * ```ts
 * // Three RQ workers on AWS, replaced when unhealthy; a new release rolls through them.
 * const settings = loadSettings({
 *   cloud: "aws", region: "eu-central-1", appRepo: "https://github.com/acme/shop.git", workerKind: "rq",
 * });
 * const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
 * const group = new LinuxServerGroup("shop-workers", {
 *   network, roles: ["worker"], count: 3, size: "t3.small", access: settings.access,
 *   app: buildAppSpec(settings.app, settings.web.gunicorn.version, { hostNames: [], https: false }),
 *   worker: { kind: "rq", app: "shop.tasks", queues: ["default"], concurrency: 1, taskTimeLimit: 600 },
 * });
 * export const groupName = group.groupName;
 * ```
 */
export class LinuxServerGroup extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  /** The group's physical name, as the cloud names it and its servers. */
  readonly physicalName: string;
  /** Its servers' size in the cloud's terms. */
  readonly size: string;
  /** The roles its servers run. */
  readonly roles: readonly ("web" | "worker")[];
  /** The group's physical name (the cloud's console lists its servers under it). */
  readonly groupName: pulumi.Output<string>;
  /** The rendered cloud-config every server boots. */
  readonly userData: pulumi.Output<string>;
  readonly handle: ServerGroupHandle;
  /**
   * What the group made, by cloud and kind of child ({@link Nodes}): on AWS its launch template, auto
   * scaling group, security group and rules, and the Parameter Store entry of its secret files. Resources
   * of kinds the tables do not list (the instance role's profile and policies, the drain hook) are in `other`.
   */
  readonly nodes: Nodes;

  constructor(name: string, args: LinuxServerGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    const adapter = args.network.adapter;
    const catalog = CATALOG[args.network.cloud];
    if (!adapter.serverGroup) {
      throw new SettingsError("LinuxServerGroup.network", args.network.cloud, `is ${catalog.title}, which has no server groups here`,
        "use LinuxServer for each server");
    }
    const count = validate.bounded("LinuxServerGroup.count", args.count, "webCount") // webCount and workerCount share these bounds;
    const { size, os } = serverShape("LinuxServerGroup", args.network, args.size, args.os);
    // Groups exist where images are not baked here (AWS): "baked" is refused, naming the argument.
    if (serverImage("LinuxServerGroup", args.network, args.image) === "baked") {
      throw new SettingsError("LinuxServerGroup.image", "baked", "is not available for server groups", 'use "stock"');
    }
    const groupName = physicalName("LinuxServerGroup.groupName", args.groupName ?? name, "a group name");
    for (const [i, role] of args.roles.entries()) {
      validate.oneOf(`LinuxServerGroup.roles[${i}]`, role, ["web", "worker"] as const, "a stateless role");
    }
    checkRoleArgs(`LinuxServerGroup "${name}"`, args.roles, args);
    const ingressRules = checkedIngress("LinuxServerGroup.ingress", args.ingress ?? [], args.network.cloud);
    super("fullstack:compute:LinuxServerGroup", name, {}, withTransforms(opts, args.transform));

    const keys = releaseKeys(name, args.network, true, this);
    const { ingress, userData, fetchedFiles } = renderServer(`LinuxServerGroup "${name}"`, args.network, groupName, { ...args, os, ingress: ingressRules, group: groupName, releaseKeys: keys });
    this.handle = adapter.serverGroup(name, {
      ...machineRequest(groupName, args, { size, os }, { userData, fetchedFiles }),
      name: groupName,
      count,
      ingress,
      loadBalancer: args.loadBalancer,
      // Workers finish their running tasks before they leave (see renderServer).
      drainSeconds: args.roles.includes("worker") && args.worker !== undefined ? pulumi.output(args.worker).apply(workerStopSeconds) : undefined,
      // A group's servers are released in place, one at a time.
      release: releaseRequest(args.app, keys, undefined,
        args.roles.includes("worker") && args.worker !== undefined && !pulumi.Output.isInstance(args.worker)
          ? workerStopSeconds(args.worker as WorkerSpec) : 0),
    }, { parent: this });

    this.id = this.handle.id;
    this.physicalName = groupName;
    this.size = size;
    this.roles = [...args.roles];
    this.groupName = this.handle.name;
    this.userData = userData;
    this.nodes = nodesOf(this);
    this.registerOutputs({ id: this.id, groupName: this.groupName });
  }
}
