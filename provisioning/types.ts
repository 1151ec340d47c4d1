/**
 * What the renderers need to know about one server. Pure data: components resolve Pulumi outputs
 * first, then hand a plain {@link ServerSpec} to renderServerFiles (cloudConfig.ts).
 */
import type { AcmeSettings, AppSettings, GunicornSettings, OperatingSystem } from "../settings";
import type { AdminConnection, AppGrant } from "./postgresGrants";

export type Role = "web" | "worker" | "scheduler" | "postgres" | "redis";

/** One host firewall (ufw) rule; the cloud firewall is the first layer, this is the second. */
export interface HostFirewallRule {
  port: number;
  /** CIDRs allowed; empty means from anywhere. */
  from: string[];
  comment: string;
}

export interface BaseSpec {
  os: OperatingSystem;
  adminUser: string;
  adminSshKeys: string[];
  /** Users besides the admin that sshd admits (each restricted by its own authorized_keys). */
  sshUsers?: string[];
  /**
   * Where the admin may log in from, checked by sshd too (AllowUsers admin@cidr), so a port opened for
   * another user (releases from `releaseCidrs`) never opens the admin's login. Empty: the admin has no
   * SSH login. Undefined: no check beyond the firewalls.
   */
  adminFrom?: string[];
  /** The server's SSH host key (ed25519, OpenSSH format), when the stack made it. Secret. */
  hostKey?: { privateKey: string; publicKey: string };
  timezone: string;
  swapMb: number;
  /** Allowed inbound ports; everything else is denied. */
  firewall: HostFirewallRule[];
  /** A data volume to format once (never over existing data) and mount. */
  dataVolume?: { device: string; mountPoint: string };
}

export interface AppSpec extends AppSettings {
  /** Final environment (library-provided values, user env and secrets), written to a 0600 file. */
  environment: Record<string, string>;
  /** gunicorn installed into the virtualenv when the requirements do not pin one. */
  gunicornVersion: string;
  /**
   * Run release-once hooks (Django migrate) on this server. Exactly one server per stack does, so
   * two servers never migrate the same database at once.
   * @default true
   */
  runMigrations?: boolean;
  /**
   * Where the cloud's admin owns the app's database (DigitalOcean), the grants the app role needs before
   * it can migrate, issued as that admin by the server that migrates (provisioning/postgresGrants.ts).
   * Secret: the admin's connection lands only in a root-only file.
   * @default none (the app role owns its database already)
   */
  dbGrant?: DbGrantSpec;
}

/** The app role's grants and the admin connection that issues them. */
export interface DbGrantSpec extends AppGrant {
  /** The admin's connection that issues the grants (secret). */
  admin: AdminConnection;
}

/** Self-hosted PostgreSQL (the single profile, or a database server of one's own). */
export interface PostgresSpec {
  /** The app's database. */
  database: string;
  /** The app's role, which owns the database. */
  user: string;
  /** Secret. Lands only in root-only files. */
  password: string;
  /** Addresses PostgreSQL listens on, e.g. ["localhost"] or a private address. */
  listen: string[];
  /** Client networks allowed in pg_hba (scram-sha-256); local peers always are. */
  allowedCidrs: string[];
  /** Where the cluster's data lives (on the data volume). */
  dataRoot: string;
  /** Where the nightly pg_dump files go (on the data volume). */
  backupDir: string;
  /** Days of nightly dumps kept. */
  backupRetentionDays: number;
  /**
   * Where each nightly dump is copied off the box (the bucket expires copies after the retention).
   * @default none (the volume's copy only)
   */
  offsite?: BackupStoreSpec;
  /**
   * How often the latest backup is restored into a throwaway cluster and checked.
   * @default "off"
   */
  restoreDrill?: "daily" | "weekly" | "monthly" | "off";
  /**
   * A query the drill runs on the restored database: one row, first column true.
   * @default none
   */
  restoreProbeSql?: string;
  /**
   * The Django app whose `manage.py migrate --check` the drill runs against the restored database.
   * @default none (no migration check)
   */
  djangoApp?: string;
}

/**
 * A managed database's restore drill, run by one server (AWS: provisioning/aws/rdsRestoreDrill.ts;
 * DigitalOcean: provisioning/digitalocean/doRestoreDrill.ts): the database's latest backup (RDS: its latest
 * restorable time) restored into a throwaway copy, checked, reported and deleted.
 */
export interface ManagedDrillSpec {
  /** How often (the single box's calendar for each). */
  schedule: "daily" | "weekly" | "monthly";
  /** The cloud's identifier of the database (RDS: DBInstanceIdentifier; DigitalOcean: the cluster's name); the copy is `<database>-drill`. */
  database: string;
  /** The cloud region of the database. */
  region: string;
  /** The app on the drill's server whose environment file holds the database URL (its credentials). */
  appName: string;
  /**
   * A query the drill runs on the copy: one row, first column true.
   * @default none
   */
  probeSql?: string;
  /**
   * Run the app's `manage.py migrate --check` against the copy (Django).
   * @default false
   */
  django?: boolean;
  /**
   * Secret: the cloud API token the drill calls the API with, where the server has no identity of its own
   * (DigitalOcean: provisioning/digitalocean/doRestoreDrill.ts); a file only root reads.
   * @default none (the server's identity: AWS's instance role)
   */
  apiToken?: string;
}

/** Self-hosted Redis. */
export interface RedisSpec {
  /** Secret. */
  password: string;
  /** Addresses Redis listens on (localhost, or a private address). */
  bind: string[];
  /** maxmemory in MiB. */
  maxMemoryMb: number;
  /** noeviction for a broker: a full broker must refuse writes, never drop queued tasks. */
  maxMemoryPolicy: "noeviction" | "allkeys-lru" | "volatile-lru";
  /** Where Redis keeps its append-only file and snapshots (on the data volume). */
  dataDir: string;
}

export interface WorkerSpec {
  /** Celery or RQ. */
  kind: "celery" | "rq";
  /** Celery's -A application module (RQ: unused). */
  app: string;
  /** Queues the workers consume. */
  queues: string[];
  /** Tasks each worker server runs at once (Celery). */
  concurrency: number;
  /** Seconds the longest task may run; a stopping worker gets this much plus 30 s to finish. */
  taskTimeLimit: number;
}

export interface WebSpec {
  /** Host names the app answers to. Empty: requests addressed to an IP literal (no domain yet). */
  serverNames: string[];
  /** Largest request body nginx accepts, in MiB. */
  maxUploadMb: number;
  /** How gunicorn runs the app. */
  gunicorn: GunicornSettings;
  /** Addresses whose X-Forwarded-For / X-Forwarded-Proto nginx believes (the load balancer's network). */
  trustedProxies: string[];
  /**
   * nginx terminates TLS itself for `serverNames`, with a certificate the server gets from an ACME CA
   * (provisioning/roles/tls.ts): set for a single server with a domain and no load balancer.
   * @default none (plain HTTP; a load balancer, if any, terminates TLS)
   */
  tls?: AcmeSettings;
}

/**
 * How releases reach a server that runs the app. `push`: over SSH, as the release user, with this key
 * (restricted to the release entry point, and to `fromCidrs` when given); the user data carries no ref
 * and no environment. `file`: the first release is a file among the secret files (fetched from the
 * cloud's secret store, or inline where the user data is private), run at boot; later ones are
 * delivered the same way and run by the cloud's own agent.
 */
export type ReleaseAccess =
  | { kind: "push"; publicKey: string; fromCidrs: string[] }
  | { kind: "file" };

/** Where the server's jobs and services check in (provisioning/roles/heartbeat.ts): a ping URL, the cloud's metrics, or both. */
export interface HeartbeatSpec {
  /**
   * The ping URL with its ping key, no trailing slash. Secret.
   * @default none (no pings: metrics only)
   */
  url?: string;
  /** Prepended to every check's name, e.g. the stack's app name "shop-prod". */
  prefix: string;
  /** How often services check in. */
  everyMinutes: number;
  /**
   * Every check also reported as a metric, where the cloud has custom metrics (AWS: CloudWatch; the cloud's
   * `heartbeatMetrics` makes this, its `heartbeatReporterPart` the program that reports).
   * @default none (the URL only)
   */
  metrics?: HeartbeatMetricsSpec;
}

/** Where heartbeats go as metrics: the namespace (one per stack) and the region of the cloud's metrics service. */
export interface HeartbeatMetricsSpec {
  /** e.g. "Fullstack/shop-prod". */
  namespace: string;
  /** The region whose metrics service the servers report to (the stack's). */
  region: string;
}

/** Where a server ships its logs besides its journal (provisioning/roles/logShipper.ts): a syslog receiver over TCP. */
export interface LogSinkSpec {
  /** The receiver's host name or IP address (with TLS: the name its certificate must carry). */
  host: string;
  /** Its TCP port. */
  port: number;
  /** TLS, the receiver's certificate checked against the system's CAs and its name. */
  tls: boolean;
}

/**
 * An S3-compatible bucket the nightly dumps are copied to (s3cmd's settings): Spaces with a key limited
 * to the bucket, or S3 through the server's instance role (no keys).
 */
export interface BackupStoreSpec {
  /** host[:port] of the S3 API, e.g. fra1.digitaloceanspaces.com or s3.eu-central-1.amazonaws.com. */
  host: string;
  /** The bucket's name. */
  bucket: string;
  /** The region the bucket is in (s3cmd's bucket_location, and the region requests are signed for). */
  region: string;
  /** Object names start with this, e.g. "postgresql/". */
  prefix: string;
  /**
   * The access key ID. Secret.
   * @default none (the instance role's credentials)
   */
  accessKey?: string;
  /**
   * The secret access key. Secret.
   * @default none (the instance role's credentials)
   */
  secretKey?: string;
  /** Ask for server-side encryption (SSE-S3) on each upload (S3; Spaces encrypts at rest by itself). */
  serverSideEncryption: boolean;
}

export interface ServerSpec {
  roles: Role[];
  /**
   * Where jobs (backup, restore drill) and services (scheduler, workers) check in.
   * @default none (no pings)
   */
  heartbeat?: HeartbeatSpec;
  /**
   * Where the server ships its logs besides its journal.
   * @default none (they stay on the server)
   */
  logSink?: LogSinkSpec;
  /** How releases reach the server (roles that run the app). @default { kind: "file" } */
  release?: ReleaseAccess;
  base: BaseSpec;
  app?: AppSpec;
  web?: WebSpec;
  /** Required by the worker and scheduler roles. */
  worker?: WorkerSpec;
  postgres?: PostgresSpec;
  redis?: RedisSpec;
  /**
   * A managed database's restore drill this server runs (its files come with the cloud's part in `extra`;
   * this makes the server report the drill's heartbeat).
   * @default none
   */
  restoreDrill?: ManagedDrillSpec;
  /** Parts the cloud adds (e.g. how a group's server leaves the group gracefully), after the roles'. */
  extra?: RolePart[];
  /**
   * What the server boots from: the cloud's stock image, whose first boot installs the roles' packages,
   * or an image baked with them (provisioning/image.ts; the rendered files then carry the bake).
   * @default "stock"
   */
  image?: "stock" | "baked";
}

/** A cloud-init write_files entry. */
export interface WriteFile {
  path: string;
  content: string;
  permissions: string;
  owner?: string;
  defer?: boolean;
  /** Holds secrets: delivered the cloud's way (inline where user data is protected, else fetched at boot). */
  secret?: boolean;
}

/**
 * How a server receives its secret files. `inline`: inside the user data (DigitalOcean keeps user data
 * private to the droplet). `fetch`: the cloud stores them in its secret store; the user data carries only
 * a script that fetches them at boot, before anything that reads them runs.
 */
export type SecretDelivery =
  | { kind: "inline" }
  | { kind: "fetch"; packages: string[]; files: WriteFile[]; command: string[] };

/** What one role adds to a server's cloud-config. */
export interface RolePart {
  packages?: string[];
  users?: Record<string, unknown>[];
  writeFiles?: WriteFile[];
  runcmd?: (string | string[])[];
  /**
   * Services this role configures and starts in its runcmd: their packages must not start them during
   * the first boot's install (provisioning/firstBoot.ts).
   */
  startsItself?: string[];
}

/** Paths shared by every role that runs the app. */
export function appPaths(appName: string) {
  const root = `/srv/${appName}`;
  return {
    root,
    releases: `${root}/releases`,
    current: `${root}/current`,
    shared: `${root}/shared`,
    staticRoot: `${root}/shared/static`,
    mediaRoot: `${root}/shared/media`,
    etc: `/etc/${appName}`,
    envFile: `/etc/${appName}/app.env`,
    /** The environment of a release being deployed, staged by the release entry point; live only after the switch. */
    nextEnvFile: `/etc/${appName}/app.env.next`,
    /** The release bundle where the cloud delivers it as a file (fetched from the secret store). */
    releaseBundle: `/etc/${appName}/release.json`,
    releaseCheck: `/etc/${appName}/release-check.py`,
    sdistCheck: `/etc/${appName}/sdist-check.py`,
    releaseScript: `/usr/local/sbin/${appName}-release`,
    releaseSudoers: `/etc/sudoers.d/${appName}-release`,
    /** The deploy tools' own settings (PIP_INDEX_URL, GIT_SSH_COMMAND), 0600: only the deploy's git and pip read it. */
    toolsEnvFile: `/etc/${appName}/deploy-tools.env`,
    /** The repository's deploy key (read-only SSH key), root:<app> 0640: ssh as the app user reads it. */
    deployKey: `/etc/${appName}/deploy_key`,
    deployConf: `/etc/${appName}/deploy.conf`,
    migrateScript: `/etc/${appName}/migrate.py`,
    gunicornConf: `/etc/${appName}/gunicorn.conf.py`,
    socket: `/run/${appName}/gunicorn.sock`,
    gunicornUnit: `${appName}-gunicorn`,
    workerUnit: `${appName}-worker`,
    schedulerUnit: `${appName}-scheduler`,
    deployScript: `/usr/local/sbin/${appName}-deploy`,
    dbGrantScript: `/usr/local/sbin/${appName}-db-grant`,
    dbGrantSql: `/etc/${appName}/db-grant.sql`,
    dbAdminEnv: `/etc/${appName}/db-admin.env`,
  };
}
