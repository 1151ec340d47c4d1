import * as pulumi from "@pulumi/pulumi";
import type { PostgresHandle } from "../clouds";
import * as random from "@pulumi/random";
import type { BackupStoreSpec, DbGrantSpec, PostgresSpec } from "../provisioning";
import { CATALOG, SettingsError, defaultOf, validate } from "../settings";
import type { ManagedDrillJob } from "./linuxServer";
import type { Network } from "./network";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms, type ChildTransforms } from "./transform";

export interface PostgresDbArgs {
  /** The private network of the app; only `allowRoles` inside it may connect. */
  network: Network;
  /**
   * `managed`: the cloud's PostgreSQL with a connection pool and firewall. `self-hosted`: a role spec for a
   * LinuxServer (pass {@link PostgresDb.serverSpec} to it), data on its volume.
   * @default "managed"
   */
  mode?: "managed" | "self-hosted";
  /**
   * Database name.
   * @default "app"
   */
  database?: string;
  /**
   * The app's database role.
   * @default "app"
   */
  user?: string;
  /**
   * Roles allowed to connect, on 5432 (self-hosted) or the managed port.
   * Managed: each role named gets a network identity ({@link Network.role}) that its servers, made after
   * this, wear; name only roles that have servers (e.g. `["web"]` without workers).
   * @default ["web", "worker"]
   */
  allowRoles?: string[];
  /**
   * Managed: major version.
   * @default "17"
   */
  version?: string;
  /**
   * Managed: node size.
   * @default "db-s-1vcpu-1gb" on DigitalOcean, "db.t4g.micro" on AWS
   */
  size?: string;
  /**
   * Managed: nodes; 2 or 3 adds standby nodes that take over on failure.
   * @default 1
   */
  nodes?: number;
  /**
   * Managed: connections in the transaction-mode pool the app connects through.
   * @default 20
   */
  poolSize?: number;
  /**
   * Self-hosted: where the server listens and clients connect (`localhost` on a single box).
   * @default "localhost"
   */
  host?: string;
  /**
   * Self-hosted: networks allowed to connect with a password.
   * @default ["127.0.0.1/32", "::1/128"]
   */
  allowedCidrs?: string[];
  /**
   * Self-hosted: directory on the data volume for the cluster.
   * @default "/mnt/data/postgresql"
   */
  dataRoot?: string;
  /**
   * Self-hosted: days of nightly pg_dump backups kept.
   * @default 7
   */
  backupRetentionDays?: number;
  /**
   * Self-hosted: copy each nightly dump to a private bucket of its own (Spaces with a key limited to it, or
   * S3 encrypted, written through the server's instance role: pass {@link PostgresDb.backupBucket} to the
   * server's `backupAccess`), which expires copies after `backupRetentionDays`.
   * @default false
   */
  offsiteBackups?: boolean;
  /**
   * How often the latest backup is restored into a scratch database and checked. Self-hosted: into a
   * throwaway cluster on the server. Managed, where the cloud can restore a backup (AWS: RDS to a point in
   * time; DigitalOcean: a fork, with `restoreDrillToken` only): into a throwaway copy that one server
   * restores, checks and deletes (give {@link PostgresDb.restoreDrillJob} to that one server's `restoreDrill`).
   * @default "weekly"
   */
  restoreDrill?: "daily" | "weekly" | "monthly" | "off";
  /**
   * Secret. Managed on DigitalOcean: the API token its drill forks the cluster with (custom scopes
   * database:create, read, update, delete); without it a DigitalOcean cluster has no drill, and
   * `restoreDrill` set there is refused. It can delete any cluster of the team: README, "Backups and the
   * restore drill".
   * @default none
   */
  restoreDrillToken?: pulumi.Input<string>;
  /**
   * A query the restore drill runs on the restored database (one row, first column true).
   * @default none (row counts, and Django's migrate --check with `djangoApp`)
   */
  restoreProbeSql?: string;
  /**
   * The Django app whose `manage.py migrate --check` the drill runs against the restored database (its
   * name: user, /srv/<name>): on the same server (self-hosted), or on the drill's server (managed).
   * @default none
   */
  djangoApp?: string;
  /**
   * Protect the cluster and database from deletion and replacement.
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
 * The relational database box. Managed: a PostgreSQL cluster in the private network, the app's database
 * and user, a transaction-mode connection pool, and a firewall admitting only the web and worker roles;
 * TLS required. Self-hosted: the password and a role spec for the server that hosts it.
 *
 * Cost note: a 1 GB managed node is about $15/month; each standby node costs the same again.
 *
 * @example
 * ```ts
 * const settings = loadSettings({
 *   appRepo: "https://github.com/acme/shop.git", framework: "django",
 *   adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"],
 * });
 * const network = new Network("shop", { region: "fra1" });
 * const db = new PostgresDb("shop-db", { network, size: "db-s-1vcpu-2gb", nodes: 2, allowRoles: ["web"] });
 * const web = new WebTier("shop", { network, app: settings.app, access: settings.access, environment: { DATABASE_URL: db.url } });
 * export const url = web.url;
 * ```
 */
export class PostgresDb extends pulumi.ComponentResource {
  /** Secret connection URL the app uses (through the pool when managed). */
  readonly url: pulumi.Output<string>;
  /** Secret URL straight to the primary (migrations, LISTEN/NOTIFY, server-side cursors). */
  readonly directUrl: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly database: pulumi.Output<string>;
  readonly user: pulumi.Output<string>;
  /** Managed only: the database as the cloud adapter made it (alerts watch it). */
  readonly handle?: PostgresHandle;
  /** Self-hosted only: give this to the LinuxServer that has the postgres role. */
  readonly serverSpec?: pulumi.Output<PostgresSpec>;
  /**
   * Secret. Managed, where the cloud's admin owns the database (DigitalOcean): the grants the app role
   * needs before it can migrate. Give it to the web tier (`databaseGrant`); its migrating server issues them.
   */
  readonly grant?: pulumi.Output<DbGrantSpec>;
  /**
   * Self-hosted with `offsiteBackups`, where the server reaches the bucket through its instance role (AWS):
   * the bucket to give the server's `backupAccess`.
   */
  readonly backupBucket?: pulumi.Output<string>;
  /**
   * How often the restore drill runs (the alerts watch its heartbeats): self-hosted, and managed where the
   * cloud has a drill ({@link restoreDrillJob}).
   */
  readonly restoreDrill?: "daily" | "weekly" | "monthly" | "off";
  /**
   * Managed, where the cloud restores a backup (AWS; DigitalOcean with `restoreDrillToken`) and the drill is
   * not off: the drill for ONE server that runs the app to run (its `restoreDrill`), never a group's servers.
   */
  readonly restoreDrillJob?: ManagedDrillJob;
  /**
   * What the database made, by cloud and kind of child ({@link Nodes}). Managed: on DigitalOcean the
   * cluster, database, user, pool and database firewall; on AWS the RDS instance, its parameter group and
   * security group with its rules. Resources of kinds the tables do not list (passwords, the subnet group)
   * are in `other`; self-hosted makes only a password there.
   *
   * @example
   * ```ts
   * import * as aws from "@pulumi/aws";
   * import { Network, PostgresDb } from "fullstack-pulumi";
   *
   * const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
   * const db = new PostgresDb("shop-db", { network, allowRoles: ["web"] });
   * // An alarm when the database has less than 2 GiB of storage left.
   * const [rds] = db.nodes.aws.dbInstance;
   * const alarm = new aws.cloudwatch.MetricAlarm("shop-db-storage", {
   *   namespace: "AWS/RDS", metricName: "FreeStorageSpace", dimensions: { DBInstanceIdentifier: rds.identifier },
   *   statistic: "Minimum", period: 300, evaluationPeriods: 1, comparisonOperator: "LessThanThreshold", threshold: 2 * 1024 ** 3,
   * });
   * export const alarmId = alarm.id;
   * ```
   */
  readonly nodes: Nodes;

  constructor(name: string, args: PostgresDbArgs, opts?: pulumi.ComponentResourceOptions) {
    const mode = validate.oneOf("PostgresDb.mode", args.mode ?? "managed", ["managed", "self-hosted"], "a PostgreSQL mode");
    const ident = /^[a-z_][a-z0-9_]{0,62}$/;
    const database = validate.matches("PostgresDb.database", args.database ?? "app", ident, "a database name", "use lowercase letters, digits and _");
    const user = validate.matches("PostgresDb.user", args.user ?? "app", ident, "a role name", "use lowercase letters, digits and _");
    if (["postgres", "doadmin"].includes(user)) throw new SettingsError("PostgresDb.user", user, "is an administrator role", 'use the app\'s own role, e.g. "app"');
    const catalog = CATALOG[args.network.cloud];
    const protect = args.protect ?? true;
    // Managed only (self-hosted ignores them, as before).
    const managed = mode === "managed";
    const size = managed ? validate.matches("PostgresDb.size", args.size ?? catalog.defaultDbSize, catalog.dbSizePattern, "a database size", `use e.g. ${catalog.dbSizeExamples.join(", ")}`) : "";
    const nodes = managed ? validate.bounded("PostgresDb.nodes", args.nodes ?? 1, "dbNodes") : 1;
    const poolSize = managed ? validate.bounded("PostgresDb.poolSize", args.poolSize ?? defaultOf("dbPoolSize"), "dbPoolSize") : 0;
    if (managed) {
      // The cloud's plan rules (settings/limits/), checked before anything is registered.
      const problem = catalog.clusterPlanProblem?.("pg", size, nodes);
      if (problem) throw new SettingsError("PostgresDb.size", size, `with PostgresDb.nodes ${nodes}: ${problem}`, `use a plan with standby nodes, e.g. ${catalog.scaledDbSize ?? catalog.dbSizeExamples[1]}, or 1 node`);
      const maxPool = catalog.maxPoolConnections?.(size);
      if (maxPool !== undefined && poolSize > maxPool) {
        throw new SettingsError("PostgresDb.poolSize", poolSize, `is more than the ${maxPool} connections ${size} allows`, `use ${maxPool} or less, or a bigger size`);
      }
    }
    super("fullstack:data:PostgresDb", name, {}, withTransforms(opts, args.transform));

    if (mode === "managed") {
      const handle = args.network.adapter.managedPostgres(name, {
        region: args.network.handle.region,
        network: args.network.handle,
        clusterName: name,
        version: args.version ?? defaultOf("pgVersion"),
        size,
        nodes,
        database,
        user,
        poolSize,
        allowRoles: (args.allowRoles ?? ["web", "worker"]).map((r) => args.network.role(r)),
        protect,
      }, { parent: this });
      this.handle = handle;
      this.url = handle.url;
      this.directUrl = handle.directUrl;
      this.host = handle.host;
      this.port = handle.port;
      this.database = handle.database;
      this.user = handle.user;
      const adapter = args.network.adapter;
      // A cloud whose drill calls its API with a token (DigitalOcean) has a drill only with one.
      const needsToken = catalog.managedRestoreDrill === "token";
      if (needsToken && args.restoreDrillToken === undefined && args.restoreDrill !== undefined && args.restoreDrill !== "off") {
        throw new SettingsError("PostgresDb.restoreDrill", args.restoreDrill, "needs PostgresDb.restoreDrillToken on this cloud's managed databases", "give restoreDrillToken, or leave restoreDrill unset");
      }
      const drill = needsToken && args.restoreDrillToken === undefined ? "off" : args.restoreDrill ?? defaultOf("restoreDrill");
      if (drill !== "off" && adapter.restoreDrillPart && adapter.managedDatabaseId) {
        this.restoreDrill = drill;
        const spec = {
          schedule: drill, database: adapter.managedDatabaseId(handle), region: args.network.handle.region,
          ...(args.restoreProbeSql !== undefined ? { probeSql: args.restoreProbeSql } : {}),
          ...(args.djangoApp !== undefined ? { django: true } : {}),
        };
        this.restoreDrillJob = {
          database: this,
          spec: needsToken ? pulumi.secret(pulumi.output(args.restoreDrillToken!).apply((apiToken) => ({ ...spec, apiToken }))) : spec,
        };
      }
      if (handle.adminConnection) {
        this.grant = pulumi.secret(pulumi.all([handle.adminConnection, handle.database, handle.user])
          .apply(([admin, db, appUser]): DbGrantSpec => ({ admin, database: db, user: appUser })));
      }
    } else {
      const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
      const retention = validate.bounded("PostgresDb.backupRetentionDays", args.backupRetentionDays ?? defaultOf("backupRetentionDays"), "backupRetentionDays");
      let offsite: pulumi.Output<BackupStoreSpec | undefined> = pulumi.output(undefined);
      if (args.offsiteBackups) {
        // Bucket names are global: a stable random suffix avoids collisions without ever changing.
        const suffix = new random.RandomString(`${name}-backups-suffix`, { length: 6, special: false, upper: false }, { parent: this });
        const store = args.network.adapter.backupStore(`${name}-backups`, {
          region: args.network.handle.region,
          bucketName: pulumi.interpolate`${name.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 47)}-backups-${suffix.result}`,
          retentionDays: retention,
          protect: args.protect ?? true,
        }, { parent: this });
        offsite = store.store.apply((s): BackupStoreSpec => ({ ...s, prefix: "postgresql/" }));
        if (store.byInstanceRole) this.backupBucket = store.bucketName;
      }
      const drill = args.restoreDrill ?? defaultOf("restoreDrill");
      this.restoreDrill = drill;
      const host = args.host ?? "localhost";
      const dataRoot = args.dataRoot ?? "/mnt/data/postgresql";
      this.serverSpec = pulumi.secret(pulumi.all([password.result, offsite]).apply(([pw, offsiteStore]): PostgresSpec => ({
        database,
        user,
        password: pw,
        listen: [host],
        allowedCidrs: args.allowedCidrs ?? ["127.0.0.1/32", "::1/128"],
        dataRoot,
        backupDir: `${dataRoot.replace(/\/[^/]+$/, "")}/backups/postgresql`,
        backupRetentionDays: retention,
        ...(offsiteStore ? { offsite: offsiteStore } : {}),
        restoreDrill: drill,
        ...(args.restoreProbeSql !== undefined ? { restoreProbeSql: args.restoreProbeSql } : {}),
        ...(args.djangoApp !== undefined ? { djangoApp: args.djangoApp } : {}),
      })));
      this.url = pulumi.secret(pulumi.interpolate`postgresql://${user}:${password.result}@${host}:5432/${database}`);
      this.directUrl = this.url;
      this.host = pulumi.output(host);
      this.port = pulumi.output(5432);
      this.database = pulumi.output(database);
      this.user = pulumi.output(user);
    }
    this.nodes = nodesOf(this);
    this.registerOutputs({ url: this.url, host: this.host, port: this.port, database: this.database, user: this.user });
  }
}
