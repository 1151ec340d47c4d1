/**
 * What the settings layer hands on: typed, validated, defaulted settings, one interface per section of
 * the config (each read by its own reader in settings/read/).
 */
import type { CloudName, Environment, Framework, NatMode, OperatingSystem, Profile, QueueBackend, RestoreDrill, ServerImage, WorkerKind } from "./catalog";

export interface AccessSettings {
  /** The non-root sudo user made on every server (`fullstack:adminUser`). */
  adminUser: string;
  /** SSH public keys (one line each) that may log in as the admin; empty: nobody can. */
  adminSshKeys: string[];
  /** Addresses the admin may log in from over SSH; empty: no admin login at all. */
  adminCidrs: string[];
  /** IDs or fingerprints of SSH keys already in the cloud account, attached when a server is made. */
  sshKeyIds: string[];
  /**
   * Where releases over SSH come from (where `pulumi up` runs), on clouds that push releases
   * (DigitalOcean); port 22 admits them for the release key only.
   * @default the adminCidrs
   */
  releaseCidrs?: string[];
}

export interface ServerSettings {
  /** IANA time zone. */
  timezone: string;
  /** Swap file size in MiB; 0 for none. */
  swapMb: number;
}

/**
 * The app. `Secret` is how its secret values are held: plain strings as read from stack config, or
 * `pulumi.Input<string>` where a program hands them in (FullStackApp's args).
 */
export interface AppSettings<Secret = string> {
  /** The app's Unix user, `/srv/<name>`, unit and resource names. */
  name: string;
  /** Git URL the servers fetch the app from (https://, ssh:// or git@host:owner/repo.git). */
  repo: string;
  /** Branch, tag or commit to deploy; a change ships a release. */
  ref: string;
  /** django or flask: decides the release hooks (Django: migrate, collectstatic). */
  framework: Framework;
  /** The WSGI callable gunicorn serves, as module:attribute. */
  wsgiApp: string;
  /**
   * DJANGO_SETTINGS_MODULE (Django apps).
   * @default none (Flask)
   */
  djangoSettingsModule?: string;
  /** Path of the pip requirements file inside the repo. */
  requirementsFile: string;
  /**
   * PIP_INDEX_URL for the deploy's pip (secret: may hold a token).
   * @default none (PyPI)
   */
  pipIndexUrl?: Secret;
  /**
   * Secret: the OpenSSH private key git uses to fetch a private repository over SSH.
   * @default none (a public repository)
   */
  repoDeployKey?: Secret;
  /** Flask: the repo directory nginx serves at /static/. */
  staticDir: string;
  /** The app's path that answers 200 when it is healthy (nginx serves it as /healthz). */
  healthCheckPath: string;
  /** Extra environment for the app, written to its 0600 environment file. */
  env: Record<string, Secret>;
}

export interface GunicornSettings {
  /** 0 = 2 x cores + 1, worked out on the server. */
  workers: number;
  /** Seconds before gunicorn kills a silent worker (also nginx's upstream read timeout). */
  timeout: number;
  /** gunicorn installed into the virtualenv when the requirements do not pin one. */
  version: string;
}

export interface WebSettings {
  count: number;
  size: string;
  gunicorn: GunicornSettings;
  maxUploadMb: number;
  /** A load balancer even in front of a single server (2 or more always have one): see {@link usesLoadBalancer}. */
  loadBalancer: boolean;
}

/**
 * How the web server that terminates TLS itself (a domain, no load balancer) gets its certificate from
 * an ACME CA (provisioning/roles/tls.ts). Unset fields: Let's Encrypt's production directory, no contact.
 */
export interface AcmeSettings {
  /**
   * Contact address of the ACME account.
   * @default none (an account without one)
   */
  email?: string;
  /**
   * The ACME directory URL (e.g. a test CA's); wins over `staging`.
   * @default Let's Encrypt's production directory
   */
  directory?: string;
  /**
   * Let's Encrypt's staging directory (untrusted certificates, generous rate limits).
   * @default false
   */
  staging?: boolean;
}

/** Whether web servers stand behind a load balancer: always from 2 servers, for one only when asked. */
export function usesLoadBalancer(count: number, forced: boolean | undefined): boolean {
  return count >= 2 || forced === true;
}

export interface DomainSettings {
  /** The app's public name, e.g. shop.example.com. */
  name: string;
  /** The DNS zone (as the cloud's DNS hosts it) the records go into, e.g. example.com. */
  zone: string;
  /** Create the zone in the cloud account (false: it exists there already). */
  createZone: boolean;
}

export interface WorkerSettings {
  kind: Exclude<WorkerKind, "none">;
  /** Celery's -A module. */
  app: string;
  queues: string[];
  concurrency: number;
  /** Worker servers (standard/scaled); the single profile runs the worker on its one server. */
  count: number;
  size: string;
  /** Seconds the longest task may take. */
  taskTimeLimit: number;
  scheduler: boolean;
  /** Celery's broker: the RedisCache, or SQS (AWS). */
  backend: QueueBackend;
}

export interface PostgresSettings {
  version: string;
  size: string;
  nodes: number;
  poolSize: number;
  backupRetentionDays: number;
}

export interface RedisSettings {
  size: string;
  nodes: number;
  maxMemoryMb: number;
}

export interface BucketSettings<Secret = string> {
  corsOrigins: string[];
  cdnDomain?: string;
  /** Access keys where the cloud's bucket API needs them (Spaces); AWS servers use their instance role. */
  credentials?: {
    accessId: string;
    /** Secret: wrap it with pulumi.secret() before use. */
    secretKey: Secret;
  };
}

/**
 * Where jobs check in: a healthchecks.io-compatible ping URL with a ping key, and where the cloud takes
 * custom metrics and alerts exist, the cloud's metrics too.
 */
export interface HeartbeatSettings<Secret = string> {
  /**
   * The ping URL without a trailing slash; each job appends its own name. Secret.
   * @default none (metrics only)
   */
  url?: Secret;
  /** Checks also go to the cloud's metrics, watched by its alerts (the cloud has them and alerts exist). */
  metrics: boolean;
  /** How often long-running services (scheduler, workers) check in. */
  everyMinutes: number;
}

/** Backups off the box and their drill, heartbeats, error tracking. */
export interface OperationsSettings<Secret = string> {
  /** Single profile: copy each nightly dump to a bucket of its own. */
  offsiteBackups: boolean;
  /**
   * How often the latest backup is restored and checked: on the single box, or (AWS) by the server
   * {@link restoreDrillHome} names; "off" where no server can run it.
   */
  restoreDrill: RestoreDrill;
  /**
   * Which server runs the drill: the single box; on managed profiles the scheduler's server, else the one
   * web server, else the first worker (a server of its own then); never a group's servers. Unset with the
   * drill off.
   */
  restoreDrillHome?: "single" | "scheduler" | "web" | "worker";
  /**
   * Secret: the API token a managed database's drill uses where the cloud's servers have no identity of
   * their own (DigitalOcean); set only with a drill.
   * @default none (no drill of DigitalOcean's managed databases)
   */
  restoreDrillToken?: Secret;
  /**
   * A query the drill runs on the restored database (one row, first column true).
   * @default none (row counts and Django's migrate --check only)
   */
  restoreProbeSql?: string;
  /**
   * Where jobs check in.
   * @default none (no heartbeats)
   */
  heartbeat?: HeartbeatSettings<Secret>;
  /**
   * The app's SENTRY_DSN. Secret.
   * @default none
   */
  sentryDsn?: Secret;
  /**
   * A syslog receiver every server ships its logs to.
   * @default none
   */
  logSink?: { host: string; port: number; tls: boolean };
  /**
   * AWS: days CloudWatch Logs keeps the servers' logs (one of CLOUDWATCH_LOG_RETENTION_DAYS).
   * @default 30
   */
  logRetentionDays: number;
}

/**
 * When an alert fires: thresholds shared by both clouds (each cloud uses those its monitoring has). Read from
 * stack config by settings/read/alerts.ts; the `Alerts` component takes them too.
 */
export interface AlertThresholds {
  /** CPU use, percent, sustained for 10 minutes (servers, managed databases). */
  cpuPercent: number;
  /** Memory use, percent (servers, managed data stores). */
  memoryPercent: number;
  /** Disk use, percent (servers' disks, managed database disks). */
  diskPercent: number;
  /** DigitalOcean: load average per vCPU. */
  loadPerCpu: number;
  /** Response time of the public URL (uptime check) or the load balancer's 95th percentile, in milliseconds. */
  latencyMs: number;
  /** Requests failing with a 5xx at the load balancer, percent over 5 minutes. */
  errorRatePercent: number;
  /**
   * AWS: connections the managed database may hold before it alerts.
   * @default 80% of the default max_connections of the database's class
   */
  dbConnections?: number;
  /** AWS: free database storage, GiB, below which it alerts. */
  dbFreeStorageGb: number;
  /** AWS SQS: age of the oldest message in a task queue, seconds, above which it alerts. */
  queueAgeSeconds: number;
  /** AWS, restore drill: its data-loss window (the age of the newest backup), hours, above which it alerts. */
  dataLossHours: number;
}

/** Who hears about trouble, and when; `Secret` as in {@link AppSettings}. */
export interface AlertSettings<Secret = string> {
  /** Email addresses every alert goes to. */
  emails: string[];
  /**
   * A Slack-compatible incoming webhook every alert is posted to (secret), and the channel DigitalOcean names.
   * @default none
   */
  webhook?: { url: Secret; channel: string };
  thresholds: AlertThresholds;
}

/** Validated, defaulted settings; `Secret` as in {@link AppSettings}. */
export interface Settings<Secret = string> {
  /**
   * Things allowed but worth a second look (shown by `pulumi up` and `npm run plan`): stateful resources
   * unprotected in production, an unauthenticated repository transport.
   */
  warnings: string[];
  profile: Profile;
  cloud: CloudName;
  region: string;
  environment: Environment;
  protect: boolean;
  os: OperatingSystem;
  /**
   * What servers boot from: the cloud's stock image of `os`, or an image baked first with the roles'
   * packages (DigitalOcean). "stock" on clouds without baked images.
   */
  serverImage: ServerImage;
  access: AccessSettings;
  server: ServerSettings;
  app: AppSettings<Secret>;
  web: WebSettings;
  domain?: DomainSettings;
  /** The single web server's own certificate (a domain and no load balancer). */
  acme: AcmeSettings;
  worker?: WorkerSettings;
  postgres: PostgresSettings;
  redis: RedisSettings;
  /** Single profile: the data volume's size. */
  volumeSizeGb: number;
  bucket?: BucketSettings<Secret>;
  /** The restore drill, heartbeats, error tracking. */
  operations: OperationsSettings<Secret>;
  /** AWS: how private subnets reach the internet. */
  natMode?: NatMode;
  /** Alerts to people; undefined without recipients (no alertEmails, no alertWebhookUrl). */
  alerts?: AlertSettings<Secret>;
}
