import * as pulumi from "@pulumi/pulumi";
import type { LogsHandle } from "../clouds";
import { logStreams } from "../provisioning";
import { defaultOf, logRetentionDays, validate } from "../settings";
import type { LinuxServer } from "./linuxServer";
import { serverRoles } from "./monitoring";
import type { Network } from "./network";
import { withTransforms, type ChildTransforms } from "./transform";
import type { WebTier } from "./webTier";
import type { WorkerQueue } from "./workerQueue";

export interface ServerLogsArgs {
  /** The app's network: decides the cloud and the region. */
  network: Network;
  /** The app's name (its units are `<app>-gunicorn`, `<app>-worker`, ...; its access log `/var/log/nginx/<app>.access.log`). */
  app: string;
  /**
   * The web tier whose servers' logs these are.
   * @default none
   */
  web?: WebTier;
  /**
   * The task queue whose servers' logs these are.
   * @default none
   */
  workers?: WorkerQueue;
  /**
   * More servers (e.g. a database server of your own).
   * @default []
   */
  servers?: LinuxServer[];
  /**
   * The servers' admin user (DigitalOcean's tail command logs in as it).
   * @default "ops"
   */
  adminUser?: string;
  /**
   * Days the cloud's log service keeps them (AWS: one of CloudWatch Logs' periods).
   * @default 30
   */
  retentionDays?: number;
  /**
   * Install the agent that ships them. Give false when you pass these logs to `Alerts` (its agent then ships
   * them, one agent per server).
   * @default true
   */
  agent?: boolean;
  /**
   * Adjusts the resources this component makes with the provider's own argument types:
   * `{ aws: { logGroup: (args) => { ... } } }`.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

/**
 * The servers' logs, off the servers where the cloud has a log service. Every service logs to the journal
 * under its unit name and nginx writes the app's requests as JSON lines (provisioning/logs.ts); on AWS a
 * CloudWatch Logs group per stream (`/fullstack/<name>/app`, `jobs`, `nginx`) keeps them `retentionDays`,
 * filled by the CloudWatch agent on every server. On DigitalOcean they stay on the droplets (journald,
 * capped at 500 MB) and `tailCommand` follows them over SSH. Shipping to a syslog receiver from any
 * server is the servers' own `logSink` (LinuxServerArgs). The component never branches on the cloud.
 *
 * Cost note: CloudWatch Logs charges per GB ingested (about $0.50) and stored (about $0.03 a month).
 *
 * @example
 * ```ts
 * import { Network, ServerLogs, WebTier, loadSettings } from "fullstack-pulumi";
 *
 * const settings = loadSettings({
 *   appRepo: "https://github.com/acme/shop.git", cloud: "aws", region: "eu-central-1",
 * });
 * const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
 * const web = new WebTier("shop", { network, count: 2, app: settings.app, access: settings.access, environment: {} });
 * const logs = new ServerLogs("shop", { network, app: settings.app.name, web, retentionDays: 14 });
 * export const tail = logs.tailCommand;
 * ```
 */
export class ServerLogs extends pulumi.ComponentResource {
  /** The log groups made (none on DigitalOcean). */
  readonly groups: string[];
  /** One command that follows the app's logs (`aws logs tail ... --follow`, or journalctl over SSH). */
  readonly tailCommand: pulumi.Output<string>;
  /** Days the log service keeps them. */
  readonly retentionDays: number;
  /** Whether this component installed the agent (false: the Alerts given it do). */
  readonly installsAgent: boolean;
  /** The adapter's handle (for `Alerts`). */
  readonly handle: LogsHandle;

  constructor(readonly name: string, args: ServerLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    const retentionDays = logRetentionDays("ServerLogs.retentionDays",
      validate.bounded("ServerLogs.retentionDays", args.retentionDays ?? defaultOf("logRetentionDays"), "logRetentionDays"));
    const roles = serverRoles("ServerLogs", args);
    super("fullstack:monitoring:ServerLogs", name, {}, withTransforms(opts, args.transform));
    this.installsAgent = args.agent ?? true;
    this.retentionDays = retentionDays;
    this.handle = args.network.adapter.logs(name, {
      name,
      region: args.network.handle.region,
      roles,
      streams: logStreams(args.app),
      retentionDays,
      adminUser: args.adminUser ?? defaultOf("adminUser"),
      agent: this.installsAgent,
    }, { parent: this });
    this.groups = [...this.handle.groups];
    this.tailCommand = this.handle.tailCommand;
    this.registerOutputs({ groups: this.groups, tailCommand: this.tailCommand });
  }
}
