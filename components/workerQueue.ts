import * as pulumi from "@pulumi/pulumi";
import type { QueueHandle } from "../clouds";
import { buildAppSpec, type HeartbeatSpec, type LogSinkSpec, type WorkerSpec } from "../provisioning";
import {
  CATALOG, QUEUE_BACKENDS, SettingsError, defaultOf, validate, type AccessSettings, type AppSettings, type OperatingSystem, type QueueBackend, type ServerImage,
} from "../settings";
import { LinuxServer, type ManagedDrillJob } from "./linuxServer";
import { LinuxServerGroup } from "./serverGroup";
import type { Network } from "./network";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms, type ChildTransforms } from "./transform";

export interface WorkerQueueArgs {
  /** The app's private network (the broker admits the worker role inside it). */
  network: Network;
  /** The same app as the web tier: same repo, ref and environment. */
  app: AppSettings<pulumi.Input<string>>;
  /** Celery or RQ, the Celery app module, queues, concurrency and the longest task's duration. */
  worker: WorkerSpec;
  /**
   * Worker servers.
   * @default 1
   */
  count?: number;
  /**
   * Run the stack's one scheduler (celery beat / rq-scheduler) on the first worker server. Set false when
   * another component already runs it.
   * @default true
   */
  scheduler?: boolean;
  /**
   * Server size.
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
  /** Admin user, keys and SSH addresses. */
  access: AccessSettings;
  /** Environment shared with the web tier; must include the broker (REDIS_URL). Secrets as secret outputs. */
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * gunicorn version (the release script installs it when requirements lack it; workers share releases).
   * @default "23.0.0"
   */
  gunicornVersion?: string;
  /**
   * Server time zone.
   * @default "UTC"
   */
  timezone?: string;
  /**
   * Celery's broker: `redis` (the REDIS_URL in `environment`) or `sqs` (an SQS queue per worker queue, each
   * with a dead-letter queue; clouds with a queue service only).
   * @default "redis"
   */
  broker?: QueueBackend;
  /**
   * Buckets the workers read and write (static and media files).
   * @default []
   */
  bucketAccess?: pulumi.Input<pulumi.Input<string>[]>;
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
   * Protect the queues (SQS) from deletion.
   * @default true
   */
  protect?: boolean;
  /**
   * A managed database's restore drill ({@link PostgresDb.restoreDrillJob}) for the first worker server to
   * run: the scheduler's, or without a scheduler a worker server of its own beside the group.
   * @default none
   */
  restoreDrill?: ManagedDrillJob;
  /**
   * Run the workers that do not run the scheduler as one self-healing group with rolling releases (an
   * auto scaling group on AWS) where the cloud has one; otherwise, or when false, one server each.
   * @default true
   */
  serverGroup?: boolean;
  /**
   * Adjusts the resources this component makes (a droplet's size or backups, an instance's monitoring,
   * tags, ...) with the provider's own argument types: `{ digitalocean: { droplet: (args) => { ... } } }`.
   * Reaches children of nested components too. See `ChildTransforms` for the kinds each cloud has.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

/**
 * The task queue box: M servers running Celery or RQ workers as systemd services of the app user, from
 * the same release and environment as the web tier, plus exactly one scheduler. Workers expose no port.
 * The scheduler's server is always a {@link LinuxServer} of its own (a group may run two for a while
 * during a rolling release, and two schedulers would send every periodic task twice); where the cloud
 * has server groups (AWS) the other workers are one {@link LinuxServerGroup}.
 *
 * @example
 * ```ts
 * const settings = loadSettings({
 *   appRepo: "https://github.com/acme/shop.git", framework: "django",
 *   adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"],
 * });
 * const network = new Network("shop", { region: "fra1" });
 * const redis = new RedisCache("shop-redis", { network });
 * const queue = new WorkerQueue("shop", {
 *   network, app: settings.app, access: settings.access, environment: { REDIS_URL: redis.url },
 *   worker: { kind: "celery", app: "shop", queues: ["default"], concurrency: 4, taskTimeLimit: 600 },
 * });
 * export const workerIds = queue.serverIds;
 * ```
 */
export class WorkerQueue extends pulumi.ComponentResource {
  /** Cloud ids of the worker servers and of the worker group, if any. */
  readonly serverIds: pulumi.Output<string[]>;
  /** The task queues the cloud runs (SQS), as its adapter made them: none with the Redis broker. */
  readonly queues?: QueueHandle;
  /** The individual worker servers (the scheduler's, and all of them where the cloud has no groups). */
  readonly servers: LinuxServer[];
  /** The workers without the scheduler, as a group, where the cloud has groups. */
  readonly serverGroup?: LinuxServerGroup;
  /** Broker settings the web tier needs too, to enqueue tasks (empty with the Redis broker). */
  readonly brokerEnvironment: Record<string, pulumi.Input<string>>;
  /** Queue identifiers the web tier must be allowed to send to (SQS). */
  readonly queueArns: pulumi.Output<string[]>;
  /**
   * What the queue made, its servers' and group's children included, by cloud and kind ({@link Nodes}):
   * droplets or EC2 instances (and a launch template and auto scaling group), their firewalls or security
   * groups, and the SQS queues with the SQS broker. Resources of kinds the tables do not list (release keys
   * and commands, instance profiles and their policies) are in `other`.
   *
   * @example
   * ```ts
   * import * as aws from "@pulumi/aws";
   * import { Network, WorkerQueue, loadSettings } from "fullstack-pulumi";
   *
   * const settings = loadSettings({ cloud: "aws", region: "eu-central-1", appRepo: "https://github.com/acme/shop.git", workerKind: "celery" });
   * const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
   * const queue = new WorkerQueue("shop", {
   *   network, app: settings.app, access: settings.access, environment: { REDIS_URL: "redis://redis.internal:6379/0" },
   *   worker: { kind: "celery", app: "shop", queues: ["default"], concurrency: 2, taskTimeLimit: 600 },
   * });
   * // The scheduler runs on one server: EC2 recovers it on new hardware when its system status check fails.
   * const [scheduler] = queue.nodes.aws.instance;
   * const recover = new aws.cloudwatch.MetricAlarm("shop-scheduler-recover", {
   *   namespace: "AWS/EC2", metricName: "StatusCheckFailed_System", dimensions: { InstanceId: scheduler.id },
   *   statistic: "Maximum", period: 60, evaluationPeriods: 2, comparisonOperator: "GreaterThanThreshold", threshold: 0,
   *   alarmActions: ["arn:aws:automate:eu-central-1:ec2:recover"],
   * });
   * export const alarmId = recover.id;
   * ```
   */
  readonly nodes: Nodes;

  constructor(name: string, args: WorkerQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    const count = validate.bounded("WorkerQueue.count", args.count ?? 1, "workerCount");
    validate.bounded("WorkerQueue.worker.taskTimeLimit", args.worker.taskTimeLimit, "taskTimeLimit");
    validate.bounded("WorkerQueue.worker.concurrency", args.worker.concurrency, "workerConcurrency");
    const broker = validate.oneOf("WorkerQueue.broker", args.broker ?? defaultOf("queueBackend"), QUEUE_BACKENDS, "a broker");
    const adapter = args.network.adapter;
    if (broker === "sqs" && (!adapter.queues || args.worker.kind !== "celery")) {
      throw new SettingsError("WorkerQueue.broker", broker, `needs Celery on a cloud with a queue service (not ${args.worker.kind} on ${CATALOG[args.network.cloud].title})`, "use redis");
    }
    super("fullstack:queue:WorkerQueue", name, {}, withTransforms(opts, args.transform));
    this.brokerEnvironment = {};
    this.queueArns = pulumi.output([]);
    if (broker === "sqs" && adapter.queues) {
      const queues = adapter.queues(`${name}-queue`, {
        names: args.worker.queues, visibilityTimeout: args.worker.taskTimeLimit + 60, protect: args.protect ?? true,
      }, { parent: this });
      this.brokerEnvironment = queues.environment;
      this.queues = queues;
      this.queueArns = queues.arns;
    }
    const environment = pulumi.all([args.environment, pulumi.all(this.brokerEnvironment)]).apply(([env, brokerEnv]) => ({ ...env, ...brokerEnv }));
    const app = pulumi.all([environment, args.app]).apply(([extra, plainApp]) => ({
      ...buildAppSpec(plainApp as AppSettings, args.gunicornVersion ?? defaultOf("gunicornVersion"), { hostNames: [], https: false }, extra as Record<string, string>),
      // The web tier migrates; workers only run code.
      runMigrations: false,
    }));
    this.servers = [];
    const withScheduler = args.scheduler ?? true;
    const size = args.size ?? CATALOG[args.network.cloud].defaultSize;
    // The scheduler, or a managed database's drill, runs on a server of its own (never on every group member).
    const plain = count - (withScheduler || args.restoreDrill ? 1 : 0);
    const grouped = plain >= 1 && adapter.serverGroup !== undefined && (args.serverGroup ?? true);
    // What every worker server shares, alone or in the group.
    const common = {
      network: args.network, size, os: args.os, image: args.image, access: args.access, timezone: args.timezone, app, worker: args.worker,
      bucketAccess: args.bucketAccess, queueAccess: broker === "sqs" ? this.queueArns : undefined, heartbeat: args.heartbeat,
      logSink: args.logSink,
    };
    if (grouped) this.serverGroup = new LinuxServerGroup(`${name}-workers`, { ...common, roles: ["worker"], count: plain }, { parent: this });
    for (let i = 1; i <= (grouped ? count - plain : count); i++) {
      const scheduler = i === 1 && withScheduler;
      // One worker server releases at a time, so the queue keeps being worked while the others restart.
      this.servers.push(new LinuxServer(`${name}-worker-${i}`, {
        ...common, roles: scheduler ? ["worker", "scheduler"] : ["worker"], releaseAfter: this.servers.slice(-1),
        ...(i === 1 && args.restoreDrill ? { restoreDrill: args.restoreDrill } : {}),
      }, { parent: this }));
    }
    this.serverIds = pulumi.all([...this.servers.map((s) => s.id), ...(this.serverGroup ? [this.serverGroup.id] : [])]);
    this.nodes = nodesOf(this);
    this.registerOutputs({ serverIds: this.serverIds });
  }
}
