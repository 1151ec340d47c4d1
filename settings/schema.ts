/**
 * Every stack config key, declared once. `Pulumi.yaml`'s `config:` block and the README's key table are
 * checked against this list by the tests, so the three never drift apart.
 */
import {
  CATALOG, CLOUDS, ENVIRONMENTS, FRAMEWORKS, NAT_MODES, OPERATING_SYSTEMS, PG_VERSIONS, PROFILES, QUEUE_BACKENDS, RESTORE_DRILLS, SERVER_IMAGES, WORKER_KINDS,
  type CloudName, type Framework, type Profile, type WorkerKind,
} from "./catalog";

export type KeyType = "string" | "integer" | "boolean" | "array";

/**
 * Where a key has an effect, one list per setting that decides it (named by that setting's key). A missing
 * list means every value of that setting. `loadSettings` refuses a key set where it has no effect
 * (settings/applicability.ts); the README's key table shows the same lists.
 */
export interface Applicability {
  readonly profile?: readonly Profile[];
  readonly cloud?: readonly CloudName[];
  readonly framework?: readonly Framework[];
  readonly workerKind?: readonly WorkerKind[];
}

/**
 * Features that other keys only matter with: a domain, the bucket, alert recipients (emails or a webhook),
 * heartbeats (a heartbeat URL, or alert recipients on a cloud that takes heartbeat metrics).
 */
export type Feature = "domain" | "bucket" | "alerts" | "heartbeat";

/** The settings applicability depends on, in the order an error names them. */
export const CONTEXT_KEYS = ["cloud", "profile", "framework", "workerKind"] as const;
/** The settings a key's applicability depends on, resolved for one stack. */
export type ApplicabilityContext = { readonly [K in keyof Applicability]-?: NonNullable<Applicability[K]>[number] };

export interface KeyDecl {
  /** Key without the `fullstack:` namespace. */
  readonly key: string;
  /**
   * Where the key sits in FullStackApp's args, as a dotted path (`app.repo`): the one mapping between stack
   * config and the component's nested args (settings/args.ts), and the generated FullStackAppArgs type.
   */
  readonly arg: string;
  readonly type: KeyType;
  readonly description: string;
  /** Static default. Omitted when the default depends on other keys (then `derived` explains it). */
  readonly default?: string | number | boolean | readonly string[];
  /** How the default is worked out when it is not static. */
  readonly derived?: string;
  /** Set with `pulumi config set --secret`. */
  readonly secret?: boolean;
  /** Leaving it unset is fine (the feature it enables is off). */
  readonly optional?: boolean;
  /** Where the key has an effect; unset: everywhere. A list: wherever any one of them holds. */
  readonly appliesTo?: Applicability | readonly Applicability[];
  /** A feature the key only matters with: fullstack:domain set, the bucket made, or alert recipients given. */
  readonly needs?: Feature;
  /** Integer keys: the smallest and largest value accepted. */
  readonly min?: number;
  readonly max?: number;
  /** Keys with a fixed set of values: the values accepted. */
  readonly values?: readonly string[];
}

export const NAMESPACE = "fullstack";

/**
 * Where a restore drill exists: the single box (any cloud), managed databases on AWS (RDS point-in-time
 * restore), and on DigitalOcean (a fork) with fullstack:restoreDrillToken only (settings/read/operations.ts).
 */
const RESTORE_DRILL_APPLIES: readonly Applicability[] = [
  { profile: ["single"] }, { cloud: ["aws"], profile: ["standard", "scaled"] }, { cloud: ["digitalocean"], profile: ["standard", "scaled"] },
];

/**
 * The nested objects of FullStackApp's args (components/fullStackAppArgs.ts is generated from these and
 * the keys' `arg` paths): the type's name and what it holds, by path.
 */
export const ARG_GROUPS: Readonly<Record<string, {
  readonly type: string;
  readonly description: string;
  /** Fields a program must give when it gives the group (in stack config the same keys are optional). */
  readonly required?: readonly string[];
}>> = {
  access: { type: "FullStackAccess", description: "Who may log in to the servers over SSH, and from where." },
  server: { type: "FullStackServer", description: "What every server shares: time zone and swap; and the single profile's data volume." },
  app: { type: "FullStackAppSource", description: "The app: where its code is, which ref to deploy, its framework, entry points and environment." },
  web: { type: "FullStackWeb", description: "The web servers: how many, their size, the load balancer, nginx's upload limit and gunicorn." },
  "web.gunicorn": { type: "FullStackGunicorn", description: "gunicorn, which runs the app behind nginx." },
  worker: { type: "FullStackWorker", description: "Task queue workers (Celery or RQ) and the one scheduler. Unset: no workers.", required: ["kind"] },
  postgres: { type: "FullStackPostgres", description: "PostgreSQL: self-hosted on the single box, managed in standard and scaled." },
  redis: { type: "FullStackRedis", description: "Redis (single box) or managed Valkey (standard, scaled): cache and task broker." },
  bucket: { type: "FullStackBucket", description: "The bucket behind the CDN for static and media files." },
  heartbeats: { type: "FullStackHeartbeats", description: "Dead man's switches: jobs and long-running services check in with a ping URL; unset: none.", required: ["url"] },
  "bucket.credentials": { type: "FullStackBucketCredentials", description: "DigitalOcean: your own Spaces key (both fields, or neither).", required: ["accessId", "secretKey"] },
  domain: { type: "FullStackDomain", description: "The app's public name: a DNS record and HTTPS. Unset: the server's address, HTTP only.", required: ["name"] },
  logs: { type: "FullStackLogs", description: "Where the servers' logs go besides their own journal: AWS ships them to CloudWatch Logs." },
  alerts: {
    type: "FullStackAlerts",
    description: "Who is told when something breaks (email addresses, a Slack-compatible webhook), and the thresholds of the alerts on every server, data store, load balancer, queue and the public URL. No recipients: no alerts.",
  },
};

/** How many web or worker servers (and so servers in one group) a stack may have. */
const SERVER_COUNT = { min: 1, max: 50 } as const;

/** A default that each cloud's catalog entry decides, as the README shows it: `digitalocean: fra1, aws: eu-central-1`. */
function perCloud(pick: (catalog: (typeof CATALOG)[CloudName]) => string): string {
  return CLOUDS.map((c) => `${c}: ${pick(CATALOG[c])}`).join(", ");
}

const DECLS = [
  {
    key: "profile", arg: "profile", type: "string", values: PROFILES, default: "single",
    description: "single (one server runs everything, data on a volume), standard (web server, managed PostgreSQL and Valkey, worker server, CDN bucket) or scaled (N web servers behind a load balancer, M workers, standby database nodes).",
  },
  { key: "cloud", arg: "cloud", type: "string", values: CLOUDS, default: "digitalocean", description: "Where to deploy: digitalocean (bare VPS) or aws (IaaS)." },
  { key: "region", arg: "region", type: "string", derived: perCloud((c) => c.defaultRegion), description: "Cloud region, e.g. fra1, nyc3 (DigitalOcean) or eu-central-1, us-east-1 (AWS)." },
  {
    key: "natMode", arg: "natMode", type: "string", values: NAT_MODES, appliesTo: { cloud: ["aws"] }, derived: "none for single and standard, gateway for scaled",
    description: "AWS only: how private subnets reach the internet. none (servers in public subnets behind strict security groups), instance (a small NAT instance) or gateway (a managed NAT gateway; servers in private subnets).",
  },
  {
    key: "environment", arg: "environment", type: "string", values: ENVIRONMENTS, default: "production",
    description: "dev, staging or production. Only dev leaves stateful resources unprotected by default.",
  },
  {
    key: "protect", arg: "protect", type: "boolean", derived: "true unless environment is dev",
    description: "Mark volumes, databases and buckets `protect` so Pulumi refuses to delete or replace them.",
  },
  { key: "os", arg: "os", type: "string", values: OPERATING_SYSTEMS, default: "ubuntu-24.04", description: "Server operating system: ubuntu-24.04 or debian-12 (debian-12 on DigitalOcean only: AWS's Debian AMIs carry no SSM agent, which runs releases)." },
  {
    key: "serverImage", arg: "serverImage", type: "string", values: SERVER_IMAGES, appliesTo: { cloud: ["digitalocean"] }, default: "stock",
    description: "DigitalOcean: what servers boot from. stock (the cloud's image of os; the first boot installs the roles' packages, several minutes) or baked (the stack first bakes a snapshot with those packages, one per distinct package set, made by a throwaway builder droplet through the API with the stack's DigitalOcean token, and servers boot from it in a fraction of the time; a new package set means a new snapshot and replaced servers; snapshot storage is billed per GB-month).",
  },
  { key: "adminUser", arg: "access.adminUser", type: "string", default: "ops", description: "Name of the non-root sudo user created on every server; not an account or group the servers already have (root, bin, sudo, www-data, ...)." },
  {
    key: "adminSshKeys", arg: "access.sshKeys", type: "array", default: [],
    description: "SSH public keys (one line each) allowed to log in as adminUser. Empty: nobody can log in over SSH.",
  },
  {
    key: "adminCidrs", arg: "access.cidrs", type: "array", default: [],
    description: "Addresses allowed to reach SSH (port 22), e.g. [\"203.0.113.7/32\"], none wider than /8 (IPv4) or /32 (IPv6). Empty: the admin has no SSH login (on DigitalOcean port 22 still admits releaseCidrs, for the release key only; sshd admits the admin only from adminCidrs).",
  },
  {
    key: "releaseCidrs", arg: "access.releaseCidrs", type: "array", appliesTo: { cloud: ["digitalocean"] }, optional: true, derived: "adminCidrs",
    description: "DigitalOcean: addresses releases come from over SSH (where `pulumi up` runs: your machine, a CI runner's egress address), e.g. [\"198.51.100.4/32\"]. Port 22 admits them, and the release key, restricted to the release command, is accepted only from them. [\"0.0.0.0/0\", \"::/0\"] admits the release key from anywhere. Not used on AWS (releases run through Systems Manager).",
  },
  {
    key: "sshKeyIds", arg: "access.sshKeyIds", type: "array", default: [],
    description: "IDs or fingerprints of SSH keys already stored in the cloud account, attached at creation. Optional: adminSshKeys reach the admin user through cloud-init, and without account keys the root password DigitalOcean mails is locked.",
  },
  { key: "timezone", arg: "server.timezone", type: "string", default: "UTC", description: "Server time zone (IANA name)." },
  { key: "swapMb", arg: "server.swapMb", type: "integer", min: 0, max: 65536, default: 1024, description: "Swap file size in MiB; 0 for none." },
  { key: "appName", arg: "app.name", type: "string", default: "app", description: "Short name of the app: its Unix user, /srv/<appName>, unit and resource names; not an account or group the servers already have (root, postgres, www-data, ...)." },
  { key: "appRepo", arg: "app.repo", type: "string", description: "Git URL of the app (https://, ssh:// or git@host:owner/repo.git). Required." },
  {
    key: "insecureRepoTransport", arg: "app.insecureRepoTransport", type: "boolean", default: false,
    description: "Allow an appRepo over http:// or git://, which nobody authenticates: anyone on the path can change the code you deploy. For a test server on a private network only.",
  },
  {
    key: "appRepoDeployKey", arg: "app.deployKey", type: "string", optional: true, secret: true,
    description: "A private repository's read-only deploy key (an OpenSSH private key), for an ssh:// or git@host: appRepo. Set it with `pulumi config set --secret appRepoDeployKey < deploy_key`; it lands only in a root-owned file git's ssh reads, never in AWS user data.",
  },
  {
    key: "pipIndexUrl", arg: "app.pipIndexUrl", type: "string", optional: true, secret: true,
    description: "A package index for the deploy's pip instead of PyPI (PIP_INDEX_URL), e.g. a private index https://user:token@pypi.example.com/simple/ or a local mirror file:///srv/wheels/simple/. Set with --secret when it holds a token; it lands only in a 0600 file the deploy reads.",
  },
  { key: "appRef", arg: "app.ref", type: "string", default: "main", description: "Branch, tag or commit to deploy. Changing it ships a new release. Quote a ref that looks like a number (\"1.10\"): YAML would read 1.10 as 1.1, and npm run plan refuses it unquoted." },
  { key: "framework", arg: "app.framework", type: "string", values: FRAMEWORKS, default: "django", description: "django or flask: decides the release hooks (Django: migrate, collectstatic)." },
  {
    key: "wsgiApp", arg: "app.wsgiApp", type: "string", derived: "django: <appName>.wsgi:application, flask: app:app",
    description: "The WSGI callable gunicorn serves, as module:attribute.",
  },
  {
    key: "djangoSettingsModule", arg: "app.djangoSettingsModule", type: "string", appliesTo: { framework: ["django"] }, derived: "the wsgiApp package + .settings, e.g. shop.settings",
    description: "DJANGO_SETTINGS_MODULE for Django apps.",
  },
  { key: "requirementsFile", arg: "app.requirementsFile", type: "string", default: "requirements.txt", description: "Path of the pip requirements file inside the repo." },
  {
    key: "staticDir", arg: "app.staticDir", type: "string", appliesTo: { framework: ["flask"] }, default: "static",
    description: "Flask: the repo directory served at /static/. Django: ignored (collectstatic fills STATIC_ROOT).",
  },
  {
    key: "healthCheckPath", arg: "app.healthCheckPath", type: "string", default: "/healthz",
    description: "Path of the app that answers 200 when it is healthy; nginx serves it as /healthz for load balancer checks.",
  },
  {
    key: "appEnv", arg: "app.env", type: "array", default: [],
    description: "Extra environment for the app as KEY=value strings, written to its 0600 environment file. Not the names the library sets, nor LD_*, GIT_*, PIP_*, PYTHONPATH-like or PATH.",
  },
  {
    key: "webCount", arg: "web.count", type: "integer", ...SERVER_COUNT, derived: "1; 2 in the scaled profile",
    description: "Number of web servers. 2 or more puts a load balancer in front (single: must be 1; scaled: at least 2).",
  },
  {
    key: "loadBalancer", arg: "web.loadBalancer", type: "boolean", appliesTo: { profile: ["single", "standard"] }, default: false,
    description: "Put a load balancer in front of a single web server too (about $12/month on DigitalOcean); with a domain it then holds the cloud's certificate. false: a load balancer only for 2 or more web servers, and one server with a domain gets its Let's Encrypt certificate itself (certbot on the server).",
  },
  { key: "webSize", arg: "web.size", type: "string", derived: perCloud((c) => c.defaultSize), description: "Web server size: a DigitalOcean slug (s-1vcpu-1gb) or an EC2 instance type (t3.small)." },
  { key: "gunicornWorkers", arg: "web.gunicorn.workers", type: "integer", min: 0, max: 64, default: 0, description: "gunicorn worker processes; 0 means 2 x cores + 1, worked out on the server." },
  { key: "gunicornTimeout", arg: "web.gunicorn.timeout", type: "integer", min: 5, max: 3600, default: 30, description: "Seconds before gunicorn kills a silent worker (also nginx's upstream read timeout)." },
  { key: "gunicornVersion", arg: "web.gunicorn.version", type: "string", default: "23.0.0", description: "gunicorn version installed into the app's virtualenv when requirements do not pin one." },
  { key: "maxUploadMb", arg: "web.maxUploadMb", type: "integer", min: 1, max: 5120, default: 10, description: "Largest request body nginx accepts, in MiB (client_max_body_size)." },
  {
    key: "workerKind", arg: "worker.kind", type: "string", values: WORKER_KINDS, default: "none",
    description: "Task queue: celery, rq or none. Workers use Redis/Valkey as the broker.",
  },
  {
    key: "workerApp", arg: "worker.app", type: "string", appliesTo: { workerKind: ["celery"] }, derived: "the wsgiApp's top-level package",
    description: "Celery: the -A application module. RQ: ignored.",
  },
  { key: "workerQueues", arg: "worker.queues", type: "array", appliesTo: { workerKind: ["celery", "rq"] }, default: ["default"], description: "Queues the workers consume." },
  { key: "workerConcurrency", arg: "worker.concurrency", type: "integer", min: 1, max: 256, appliesTo: { workerKind: ["celery"] }, default: 2, description: "Tasks each worker server runs at once." },
  {
    key: "workerCount", arg: "worker.count", type: "integer", ...SERVER_COUNT, appliesTo: { profile: ["standard", "scaled"], workerKind: ["celery", "rq"] }, derived: "standard: 1, scaled: 2 (single: the one server)",
    description: "Number of worker servers (standard and scaled).",
  },
  { key: "workerSize", arg: "worker.size", type: "string", appliesTo: { profile: ["standard", "scaled"], workerKind: ["celery", "rq"] }, derived: perCloud((c) => c.defaultSize), description: "Worker server size (DigitalOcean slug or EC2 instance type)." },
  {
    key: "taskTimeLimit", arg: "worker.taskTimeLimit", type: "integer", min: 1, max: 86400, appliesTo: { workerKind: ["celery", "rq"] }, default: 300,
    description: "Seconds the longest task may run; workers get this much plus 30 s to finish tasks when stopped.",
  },
  {
    key: "scheduler", arg: "worker.scheduler", type: "boolean", appliesTo: { workerKind: ["celery", "rq"] }, derived: "true for celery, false for rq",
    description: "Run exactly one scheduler (celery beat, or rqscheduler: add rq-scheduler to your requirements) on the first worker.",
  },
  { key: "pgVersion", arg: "postgres.version", type: "string", values: PG_VERSIONS, appliesTo: { profile: ["standard", "scaled"] }, default: "17", description: "Managed PostgreSQL major version (standard and scaled)." },
  { key: "dbSize", arg: "postgres.size", type: "string", appliesTo: { profile: ["standard", "scaled"] }, derived: perCloud((c) => `${c.defaultDbSize}${c.scaledDbSize ? ` (scaled ${c.scaledDbSize})` : ""}`), description: "Managed PostgreSQL node size (DigitalOcean database slug, or a current-generation RDS for PostgreSQL instance class from the list in settings/limits/aws.ts)." },
  {
    key: "dbNodes", arg: "postgres.nodes", type: "integer", min: 1, max: 3, appliesTo: { profile: ["standard", "scaled"] }, derived: "standard: 1, scaled: 2 (a primary and a standby)",
    description: "Managed PostgreSQL nodes; more than 1 adds standby nodes for failover (Multi-AZ on AWS). DigitalOcean's smallest plan (db-s-1vcpu-1gb) has no standby nodes.",
  },
  { key: "dbPoolSize", arg: "postgres.poolSize", type: "integer", min: 1, max: 500, appliesTo: { profile: ["standard", "scaled"] }, default: 20, description: "Connections in the managed database's transaction-mode pool; on DigitalOcean at most 25 per GiB of dbSize minus 3, and a change replaces the pool (seconds without it)." },
  {
    key: "redisSize", arg: "redis.size", type: "string", appliesTo: { profile: ["standard", "scaled"] }, derived: perCloud((c) => `${c.defaultCacheSize} (scaled ${c.scaledCacheSize})`),
    description: "Managed Valkey node size (DigitalOcean database slug, or a current-generation ElastiCache node type from the list in settings/limits/aws.ts; not T2, which cannot create new clusters).",
  },
  {
    key: "redisNodes", arg: "redis.nodes", type: "integer", min: 1, max: 3, appliesTo: { profile: ["standard", "scaled"] }, derived: "standard: 1, scaled: 2",
    description: "Managed Valkey nodes; 2 adds a standby node (a replica with automatic failover on AWS). DigitalOcean's smallest plan has no standby nodes.",
  },
  { key: "redisMaxMemoryMb", arg: "redis.maxMemoryMb", type: "integer", min: 16, max: 65536, appliesTo: { profile: ["single"] }, default: 256, description: "Self-hosted Redis (single profile): maxmemory in MiB." },
  { key: "volumeSizeGb", arg: "server.volumeSizeGb", type: "integer", min: 1, max: 16384, appliesTo: { profile: ["single"] }, default: 20, description: "Single profile: size of the data volume holding PostgreSQL, Redis and backups." },
  { key: "backupRetentionDays", arg: "postgres.backupRetentionDays", type: "integer", min: 1, max: 365, appliesTo: { profile: ["single"] }, default: 7, description: "Single profile: days of nightly pg_dump backups kept, on the volume and off the box." },
  {
    key: "offsiteBackups", arg: "postgres.offsiteBackups", type: "boolean", appliesTo: { profile: ["single"] }, derived: "true unless environment is dev",
    description: "Single profile: also copy each nightly dump off the box, to a private bucket of its own that expires copies after backupRetentionDays: Spaces (with a key that reaches only that bucket; the Spaces subscription is about $5/month) or S3 (SSE-S3 encrypted, written through the server's instance role, which cannot delete). The restore drill then restores the copy off the box.",
  },
  {
    key: "restoreDrill", arg: "postgres.restoreDrill", type: "string", values: RESTORE_DRILLS, appliesTo: RESTORE_DRILL_APPLIES, default: "weekly",
    description: "How often the latest backup is restored into a scratch database and checked (row counts of every table, Django's migrate --check, restoreProbeSql), reporting the data-loss window and the restore's duration (journal, heartbeat, CloudWatch on AWS with alerts). daily, weekly, monthly or off. Single profile: into a throwaway cluster on the server. AWS standard and scaled: RDS restored to its latest restorable time into <db>-drill (an instance of the database's class for the minutes to an hour it runs), checked and deleted, by the scheduler's server, else by the one web server; a stack with neither (every server in a group) has no drill unless asked for, and asking is refused. DigitalOcean standard and scaled: only with restoreDrillToken, the cluster's latest backup forked into <cluster>-drill (a cluster of the source's size for the minutes it runs), checked and deleted, by the same server.",
  },
  {
    key: "restoreProbeSql", arg: "postgres.restoreProbeSql", type: "string", appliesTo: RESTORE_DRILL_APPLIES, optional: true,
    description: "A query the restore drill runs on the restored database; it must return exactly one row whose first column is true, e.g. SELECT count(*) > 0 FROM auth_user.",
  },
  {
    key: "restoreDrillToken", arg: "postgres.restoreDrillToken", type: "string", appliesTo: { cloud: ["digitalocean"], profile: ["standard", "scaled"] }, optional: true, secret: true,
    description: "DigitalOcean standard and scaled: a DigitalOcean API token (set with --secret) with the custom scopes database:create, database:read, database:update, database:delete (and those DigitalOcean requires beside them: regions:read, sizes:read, actions:read, vpc:read) that turns on the managed database's restore drill (restoreDrill): the drill's server forks the cluster's latest backup into <cluster>-drill, checks it and deletes it. DigitalOcean tokens are not scoped to one cluster: this one can read, change and delete every database cluster of the team, the real one included (the drill itself only ever deletes the fork it made). Unset: no drill on DigitalOcean's managed profiles.",
  },
  {
    key: "heartbeatUrl", arg: "heartbeats.url", type: "string", optional: true, secret: true,
    description: "Dead man's switch: a healthchecks.io-compatible ping URL with a ping key, e.g. https://hc-ping.com/<ping-key> (set with --secret). Each job pings <url>/<app>-<job> (with ?create=1): the backup and the restore drill at start, success and failure (with their exit code), the scheduler and each worker every heartbeatMinutes while they run. When pings stop, the service tells you. On AWS with alert recipients the same checks also go to CloudWatch, alarmed without a URL; on DigitalOcean (no custom metrics) this URL is the only heartbeat.",
  },
  {
    key: "heartbeatMinutes", arg: "heartbeats.everyMinutes", type: "integer", min: 1, max: 60, needs: "heartbeat", default: 5,
    description: "How often the scheduler's and each worker's heartbeat checks in; set the check's period to match. On AWS with alert recipients it is also the period of their CloudWatch heartbeat alarms.",
  },
  {
    key: "logSink", arg: "logs.sink", type: "string", optional: true,
    description: "Ship every server's logs (the app's services, its jobs, nginx's access and error logs) to a syslog receiver over TCP, with rsyslog: syslog+tls://host:port (TLS, the certificate checked against the system's CAs and the host name; e.g. a Papertrail destination, a Loki or Vector syslog source) or syslog://host:port (plain TCP, only to a private address). Unset: logs stay on the servers (and reach CloudWatch Logs on AWS).",
  },
  {
    key: "logRetentionDays", arg: "logs.retentionDays", type: "integer", min: 1, max: 3653, appliesTo: { cloud: ["aws"] }, default: 30,
    description: "AWS only: days CloudWatch Logs keeps the servers' logs (log groups /fullstack/<app>-<stack>/app, jobs and nginx): one of CloudWatch's periods, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653.",
  },
  {
    key: "sentryDsn", arg: "app.sentryDsn", type: "string", optional: true, secret: true,
    description: "Error tracking: a Sentry DSN (https://<key>@<host>/<project>), set with --secret; the app gets it as SENTRY_DSN (see the README's \"What your app needs\").",
  },
  {
    key: "bucket", arg: "bucket.enabled", type: "boolean", derived: "false for single, true for standard and scaled",
    description: "Create a bucket behind the CDN for static and media files (Spaces + CDN, or S3 + CloudFront). DigitalOcean: needs a region with Spaces.",
  },
  { key: "cdnDomain", arg: "bucket.cdnDomain", type: "string", needs: "bucket", optional: true, description: "Custom name for the CDN, e.g. static.example.com (needs domain's DNS zone)." },
  {
    key: "corsOrigins", arg: "bucket.corsOrigins", type: "array", needs: "bucket", derived: "https://<domain>, or * without a domain",
    description: "Origins allowed to fetch from the bucket (fonts, JS modules).",
  },
  { key: "spacesAccessId", arg: "bucket.credentials.accessId", type: "string", appliesTo: { cloud: ["digitalocean"] }, needs: "bucket", optional: true, description: "DigitalOcean: your own Spaces access key ID, with spacesSecretKey. Unset: the API token makes the keys (one to create the bucket, one limited to the bucket for the app). AWS servers use their instance role." },
  { key: "spacesSecretKey", arg: "bucket.credentials.secretKey", type: "string", appliesTo: { cloud: ["digitalocean"] }, needs: "bucket", optional: true, secret: true, description: "DigitalOcean: the secret of your own Spaces key (set with --secret), with spacesAccessId." },
  {
    key: "queueBackend", arg: "worker.broker", type: "string", values: QUEUE_BACKENDS, appliesTo: { cloud: ["aws"], profile: ["standard", "scaled"], workerKind: ["celery"] }, default: "redis",
    description: "AWS only, Celery only: the broker, redis (the RedisCache) or sqs (an SQS queue per worker queue, each with a dead-letter queue).",
  },
  {
    key: "domain", arg: "domain.name", type: "string", optional: true,
    description: "Public name of the app, e.g. shop.example.com: a DNS record, and HTTPS with a Let's Encrypt certificate, at the load balancer when there is one, else on the web server itself (certbot, renewed automatically; HTTP redirects to HTTPS).",
  },
  {
    key: "dnsZone", arg: "domain.zone", type: "string", needs: "domain", derived: "domain without its first label when it has three or more labels, else domain",
    description: "DNS zone (as hosted by the cloud's DNS) the domain's records go into.",
  },
  {
    key: "createDnsZone", arg: "domain.createZone", type: "boolean", needs: "domain", default: false,
    description: "Create the DNS zone in the cloud account. Leave false when the zone already exists there.",
  },
  {
    key: "acmeEmail", arg: "domain.acmeEmail", type: "string", needs: "domain", optional: true,
    description: "Contact address of the Let's Encrypt account when the web server gets its certificate itself (a domain and no load balancer), e.g. ops@example.com. Unset: the account is registered without one.",
  },
  {
    key: "alertEmails", arg: "alerts.emails", type: "array", default: [],
    description: "Email addresses every alert (and its all-clear) goes to. Empty, and no alertWebhookUrl: no alerts are made (a production stack warns). DigitalOcean mails only verified members of the team that owns the API token. AWS mails each address a subscription confirmation (a second one outside us-east-1, where the public URL's health check alarm lives) and sends nothing until it is confirmed.",
  },
  {
    key: "alertWebhookUrl", arg: "alerts.webhookUrl", type: "string", optional: true, secret: true,
    description: "A Slack-compatible incoming webhook (https://hooks.slack.com/services/..., Mattermost, Rocket.Chat) every alert is posted to. DigitalOcean posts to it itself; on AWS a small Lambda function subscribed to the alert topic posts each alarm as {\"text\": ...} (SNS cannot post to a webhook that does not confirm subscriptions). Set with --secret.",
  },
  {
    key: "alertSlackChannel", arg: "alerts.slackChannel", type: "string", appliesTo: { cloud: ["digitalocean"] }, needs: "alerts", default: "#alerts",
    description: "DigitalOcean, with alertWebhookUrl: the channel its alerts name (the API requires one; a Slack app's webhook posts to its own channel whatever this says).",
  },
  { key: "alertCpuPercent", arg: "alerts.cpuPercent", type: "integer", min: 1, max: 100, needs: "alerts", default: 90, description: "Alert when a server's (or a role's group's, or a managed database's) CPU stays above this percentage for 10 minutes." },
  { key: "alertMemoryPercent", arg: "alerts.memoryPercent", type: "integer", min: 1, max: 100, needs: "alerts", default: 90, description: "Alert when a server's or a managed data store's memory use stays above this percentage (AWS servers: through the CloudWatch agent)." },
  {
    key: "alertDiskPercent", arg: "alerts.diskPercent", type: "integer", min: 1, max: 100, needs: "alerts", derived: "80 for single (its data volume holds the database, Redis and the nightly dumps), 90 otherwise",
    description: "Alert when a disk is fuller than this percentage: each server's root disk (and the single profile's data volume on AWS, through the CloudWatch agent; DigitalOcean measures the root disk only) and a DigitalOcean managed database's disk.",
  },
  {
    key: "alertLoadPerCpu", arg: "alerts.loadPerCpu", type: "integer", min: 1, max: 64, appliesTo: { cloud: ["digitalocean"] }, needs: "alerts", default: 2,
    description: "DigitalOcean: alert when a droplet's 5-minute load average (a managed database's 15-minute one) stays above this many times its vCPUs for 10 minutes.",
  },
  {
    key: "alertLatencyMs", arg: "alerts.latencyMs", type: "integer", min: 100, max: 30000, needs: "alerts", derived: "single 2000, standard 1500, scaled 1000",
    description: "Alert when the app answers slower than this many milliseconds: the public URL's uptime check (DigitalOcean), the load balancer's 95th percentile response time (AWS).",
  },
  {
    key: "alertErrorRatePercent", arg: "alerts.errorRatePercent", type: "integer", min: 1, max: 100, needs: "alerts", default: 5,
    description: "With a load balancer: alert when more than this percentage of requests fail with a 5xx over 5 minutes (DigitalOcean: its increase in the 5xx rate).",
  },
  {
    key: "alertDbConnections", arg: "alerts.dbConnections", type: "integer", min: 1, max: 5000, appliesTo: { cloud: ["aws"], profile: ["standard", "scaled"] }, needs: "alerts",
    derived: "80% of the max_connections RDS gives dbSize by default",
    description: "AWS: alert when the database holds more connections than this for 10 minutes.",
  },
  {
    key: "alertDbFreeStorageGb", arg: "alerts.dbFreeStorageGb", type: "integer", min: 1, max: 1000, appliesTo: { cloud: ["aws"], profile: ["standard", "scaled"] }, needs: "alerts", default: 1,
    description: "AWS: alert when the database has less free storage than this many GiB (RDS grows its storage itself, up to 200 GB, when less than 10% is free: this says when it could not).",
  },
  {
    key: "alertDataLossHours", arg: "alerts.dataLossHours", type: "integer", min: 1, max: 744, appliesTo: { cloud: ["aws"] }, needs: "alerts", default: 25,
    description: "AWS with a restoreDrill: alert when the drill's data-loss window (the age of the newest backup when it ran) is over this many hours. The default allows one nightly backup and its random delay: a missed night alerts.",
  },
  {
    key: "alertQueueAgeSeconds", arg: "alerts.queueAgeSeconds", type: "integer", min: 60, max: 1209600, appliesTo: { cloud: ["aws"], profile: ["standard", "scaled"], workerKind: ["celery"] }, needs: "alerts",
    derived: "twice taskTimeLimit, at least 600",
    description: "AWS with queueBackend sqs: alert when a task has waited in a queue longer than this many seconds (no worker takes it). Any message in a dead-letter queue alerts too.",
  },
] as const satisfies readonly KeyDecl[];

/** The name of a declared key (without the namespace). */
export type KeyName = (typeof DECLS)[number]["key"];

export const KEYS: readonly KeyDecl[] = DECLS;

export const KEY_NAMES = KEYS.map((k) => k.key);

export function fullKey(key: string): string {
  return `${NAMESPACE}:${key}`;
}

const BY_NAME = new Map<string, KeyDecl>(KEYS.map((k) => [k.key, k]));

/** A declared key's declaration; undefined for a name that is not a key. */
export function declOf(key: string): KeyDecl | undefined {
  return BY_NAME.get(key);
}

/** The accepted range of an integer key: the one place a limit is written (components import it too). */
export function boundsOf(key: KeyName): { readonly min: number; readonly max: number } {
  const d = BY_NAME.get(key);
  if (d?.min === undefined || d.max === undefined) throw new Error(`settings/schema.ts: ${key} declares no bounds`);
  return { min: d.min, max: d.max };
}

type DeclOf<K extends KeyName> = Extract<(typeof DECLS)[number], { readonly key: K }>;
/** The values a key with a fixed set of values accepts, typed as declared. */
export type ValuesOf<K extends KeyName> = DeclOf<K> extends { readonly values: readonly (infer V)[] } ? V : never;

/** The values a key with a fixed set of values accepts: the one place they are listed for config. */
export function valuesOf<K extends KeyName>(key: K): readonly ValuesOf<K>[] {
  const values = BY_NAME.get(key)?.values;
  if (!values) throw new Error(`settings/schema.ts: ${key} declares no values`);
  return values as readonly ValuesOf<K>[];
}
/** The static default of a key, typed as declared. */
export type DefaultOf<K extends KeyName> = DeclOf<K> extends { readonly default: infer D } ? D : never;

/** A key's static default: the one place a default is written (components import it too). */
export function defaultOf<K extends KeyName>(key: K): DefaultOf<K> {
  const value = BY_NAME.get(key)?.default;
  if (value === undefined) throw new Error(`settings/schema.ts: ${key} declares no static default`);
  return value as DefaultOf<K>;
}

/** The keys that only matter with `feature`, refused when it is off (settings/read/web.ts, bucket.ts). */
export function keysNeeding(feature: Feature): KeyName[] {
  return DECLS.filter((k) => "needs" in k && k.needs === feature).map((k) => k.key);
}

/** A key's `appliesTo` as the list of places any one of which it applies in (none: everywhere). */
export function alternativesOf(applies: KeyDecl["appliesTo"]): readonly Applicability[] {
  return applies === undefined ? [] : Array.isArray(applies) ? applies : [applies as Applicability];
}

function failingUnder(applies: Applicability, context: ApplicabilityContext): (typeof CONTEXT_KEYS)[number] | undefined {
  return CONTEXT_KEYS.find((c) => {
    const allowed = applies[c] as readonly string[] | undefined;
    return allowed !== undefined && !allowed.includes(context[c]);
  });
}

/** Whether a key declared with `applies` has an effect in `context`. */
export function appliesIn(applies: KeyDecl["appliesTo"], context: ApplicabilityContext): boolean {
  const alternatives = alternativesOf(applies);
  return alternatives.length === 0 || alternatives.some((a) => failingUnder(a, context) === undefined);
}

/** The first setting of `context` under which the key has no effect, if any (of its first place, when it has several). */
export function inapplicableUnder(decl: KeyDecl, context: ApplicabilityContext): (typeof CONTEXT_KEYS)[number] | undefined {
  if (appliesIn(decl.appliesTo, context)) return undefined;
  return failingUnder(alternativesOf(decl.appliesTo)[0], context);
}

/**
 * Where a key applies, as settings and their values, e.g. `fullstack:profile standard or scaled`; a key
 * that applies in several places gets one entry naming them all (`...; or ...`).
 */
export function whereItApplies(applies: Applicability | readonly Applicability[]): string[] {
  const parts = (a: Applicability) => CONTEXT_KEYS.filter((c) => a[c] !== undefined).map((c) => `${fullKey(c)} ${(a[c] as readonly string[]).join(" or ")}`);
  if (!Array.isArray(applies)) return parts(applies as Applicability);
  return [(applies as readonly Applicability[]).map((a) => parts(a).join(" and ")).join("; or ")];
}
