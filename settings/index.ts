/**
 * Stack config -> typed, validated, defaulted settings. Pure: no Pulumi import, so it can be tested
 * with plain objects and fuzzed. Every failure is a {@link SettingsError} naming the key.
 */
import {
  CATALOG, CLOUDS, CloudName, ENVIRONMENTS, Environment, FRAMEWORKS, Framework, OPERATING_SYSTEMS, OperatingSystem,
  NAT_MODES, NatMode, PG_VERSIONS, PROFILES, Profile, QUEUE_BACKENDS, QueueBackend, WORKER_KINDS, WorkerKind,
} from "./catalog";
import { checkApplicability } from "./applicability";
import { RESERVED_ACCOUNT_NAMES } from "./accounts";
import { appEnvRefusal } from "./appEnv";
import { isOpenToWorld, WORLD_PREFIX } from "./cidr";
import { SettingsError } from "./errors";
import { SQS_MAX_VISIBILITY_SECONDS, SQS_VISIBILITY_MARGIN_SECONDS, sqsQueueNameProblems, sqsVisibilityProblems } from "./limits/aws";
import { KEYS, KEY_NAMES, KeyDecl, boundsOf, fullKey, type KeyName } from "./schema";
import * as v from "./validate";

export { SettingsError, isSettingsError } from "./errors";
export * from "./catalog";
export { isOpenToWorld, parseCidr, WORLD_PREFIX, type Cidr } from "./cidr";
export { CONTEXT_KEYS, KEYS, KEY_NAMES, NAMESPACE, boundsOf, defaultOf, fullKey, valuesOf, whereItApplies } from "./schema";
export type { Applicability, ApplicabilityContext, DefaultOf, KeyDecl, KeyName, KeyType } from "./schema";
export * as validate from "./validate";

/** Raw config as Pulumi hands it over: strings (lists as JSON text) or already-parsed values. */
export type RawConfig = Readonly<Record<string, unknown>>;

export interface AccessSettings {
  adminUser: string;
  adminSshKeys: string[];
  adminCidrs: string[];
  sshKeyIds: string[];
  /**
   * Where releases over SSH come from (where `pulumi up` runs), on clouds that push releases
   * (DigitalOcean); port 22 admits them for the release key only.
   * @default the adminCidrs
   */
  releaseCidrs?: string[];
}

export interface AppSettings {
  name: string;
  repo: string;
  ref: string;
  framework: Framework;
  wsgiApp: string;
  djangoSettingsModule?: string;
  requirementsFile: string;
  /** PIP_INDEX_URL for the deploy's pip (secret: may hold a token). Unset: PyPI. */
  pipIndexUrl?: string;
  /** Secret: the OpenSSH private key git uses to fetch a private repository over SSH. */
  repoDeployKey?: string;
  staticDir: string;
  healthCheckPath: string;
  env: Record<string, string>;
}

export interface GunicornSettings {
  /** 0 = 2 x cores + 1, worked out on the server. */
  workers: number;
  timeout: number;
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
  /** Contact address of the ACME account. */
  email?: string;
  /** The ACME directory URL (e.g. a test CA's); wins over `staging`. */
  directory?: string;
  /** Let's Encrypt's staging directory (untrusted certificates, generous rate limits). */
  staging?: boolean;
}

/** Whether web servers stand behind a load balancer: always from 2 servers, for one only when asked. */
export function usesLoadBalancer(count: number, forced: boolean | undefined): boolean {
  return count >= 2 || forced === true;
}

export interface DomainSettings {
  name: string;
  zone: string;
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

export interface BucketSettings {
  corsOrigins: string[];
  cdnDomain?: string;
  /** Access keys where the cloud's bucket API needs them (Spaces); AWS servers use their instance role. */
  credentials?: {
    accessId: string;
    /** Secret: wrap it with pulumi.secret() before use. */
    secretKey: string;
  };
}

export interface Settings {
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
  access: AccessSettings;
  server: { timezone: string; swapMb: number };
  app: AppSettings;
  web: WebSettings;
  domain?: DomainSettings;
  /** The single web server's own certificate (a domain and no load balancer). */
  acme: AcmeSettings;
  worker?: WorkerSettings;
  postgres: PostgresSettings;
  redis: RedisSettings;
  /** Single profile: the data volume's size. */
  volumeSizeGb: number;
  bucket?: BucketSettings;
  /** AWS: how private subnets reach the internet. */
  natMode?: NatMode;
}

const DECLS = new Map<string, KeyDecl>(KEYS.map((k) => [k.key, k]));

/**
 * Reads and validates stack config.
 * @param raw config values keyed without the namespace (`region`, not `fullstack:region`).
 * @throws SettingsError naming the first bad key.
 */
export function loadSettings(raw: RawConfig): Settings {
  for (const key of Object.keys(raw)) {
    if (!DECLS.has(key)) {
      const hint = closest(key);
      throw new SettingsError(fullKey(key), raw[key], "is not a known config key",
        hint ? `did you mean ${fullKey(hint)}? See the README for every key` : "see the README for every key");
    }
  }
  const get = (key: string): unknown => {
    const value = raw[key];
    if (unset(value)) return DECLS.get(key)?.default;
    return value;
  };
  // Set to something other than its default. The Pulumi CLI hands every declared default to the program
  // as if the stack had set it (pulumi/pulumi workspace/config.go, mergeConfig), so a key that only
  // matters with another one is refused only when it asks for something: a default is never an error.
  const explicit = (key: string): boolean => {
    const value = raw[key];
    if (unset(value)) return false;
    const fallback = DECLS.get(key)?.default;
    return fallback === undefined || asConfigText(value) !== asConfigText(fallback);
  };
  const k = fullKey;
  for (const [key, value] of Object.entries(raw)) {
    // A private key is the one value that spans lines (LF only).
    const text = key === "appRepoDeployKey" && typeof value === "string" ? value.replace(/\r?\n/g, "") : value;
    v.printable(k(key), text, DECLS.get(key)?.secret);
  }

  // Bounds are declared once, in settings/schema.ts.
  const int = (key: KeyName, fallback?: number) => v.integer(k(key), get(key) ?? fallback, boundsOf(key).min, boundsOf(key).max);

  const profile = v.oneOf(k("profile"), get("profile"), PROFILES, "a profile");
  const cloud = v.oneOf(k("cloud"), get("cloud"), CLOUDS, "a supported cloud");
  const framework = v.oneOf(k("framework"), get("framework"), FRAMEWORKS, "a supported framework");
  const workerKind = v.oneOf(k("workerKind"), get("workerKind"), WORKER_KINDS, "a task queue");
  checkApplicability({ profile, cloud, framework, workerKind }, explicit, (key) => raw[key]);
  const catalog = CATALOG[cloud];
  const region = v.oneOf(k("region"), get("region") ?? (cloud === "aws" ? "eu-central-1" : "fra1"), catalog.regions as string[], `a ${catalog.title} region`);
  let natMode: NatMode | undefined;
  if (catalog.hasNatChoice) {
    natMode = v.oneOf(k("natMode"), get("natMode") ?? (profile === "scaled" ? "gateway" : "none"), NAT_MODES, "a NAT mode");
  }
  const environment = v.oneOf(k("environment"), get("environment"), ENVIRONMENTS, "an environment");
  const protect = get("protect") === undefined ? environment !== "dev" : v.boolean(k("protect"), get("protect"));
  const os = v.oneOf(k("os"), get("os"), OPERATING_SYSTEMS, "a supported operating system");

  const adminUser = v.matches(k("adminUser"), get("adminUser"), /^[a-z_][a-z0-9_-]{0,30}$/, "a valid Unix user name",
    "use lowercase letters, digits, _ or -, starting with a letter or _");
  if (RESERVED_ACCOUNT_NAMES.has(adminUser)) {
    throw new SettingsError(k("adminUser"), adminUser, "is a system account or group on the servers", 'use a name of your own, e.g. "ops"');
  }
  const access: AccessSettings = {
    adminUser,
    adminSshKeys: v.stringList(k("adminSshKeys"), get("adminSshKeys")).map((key, i) => v.sshPublicKey(`${k("adminSshKeys")}[${i}]`, key)),
    adminCidrs: v.stringList(k("adminCidrs"), get("adminCidrs")).map((c, i) => v.cidr(`${k("adminCidrs")}[${i}]`, c)),
    sshKeyIds: v.stringList(k("sshKeyIds"), get("sshKeyIds")).map((id, i) => v.matches(`${k("sshKeyIds")}[${i}]`, id,
      /^(\d+|([0-9a-f]{2}:){15}[0-9a-f]{2}|SHA256:[A-Za-z0-9+/=]+)$/, "an SSH key ID or fingerprint",
      'use the numeric ID or the MD5 fingerprint shown in the cloud console, e.g. "3b:16:bf:..."')),
  };
  if (catalog.requiresSshKey && access.adminSshKeys.length === 0 && access.sshKeyIds.length === 0) {
    throw new SettingsError(k("adminSshKeys"), [], `is empty and so is ${k("sshKeyIds")}; ${catalog.title} would mail a root password`,
      `add your public key with \`pulumi config set --path 'adminSshKeys[0]' "$(cat ~/.ssh/id_ed25519.pub)"\` (SSH stays closed unless ${k("adminCidrs")} lists addresses)`);
  }
  if (catalog.releaseDelivery === "push") {
    access.releaseCidrs = get("releaseCidrs") === undefined ? [...access.adminCidrs]
      : v.stringList(k("releaseCidrs"), get("releaseCidrs")).map((c, i) => v.cidr(`${k("releaseCidrs")}[${i}]`, c));
    if (access.releaseCidrs.length === 0) {
      throw new SettingsError(k("releaseCidrs"), [], `is empty and so is ${k("adminCidrs")}; ${catalog.title} releases reach the servers over SSH from where \`pulumi up\` runs`,
        `list that address, e.g. a CI runner's egress "198.51.100.4/32" (see the README, "Releases"), or ["0.0.0.0/0", "::/0"] to admit the release key from anywhere`);
    }
  }
  const worldWide = access.adminCidrs.findIndex((c) => isOpenToWorld(c));
  if (worldWide >= 0) {
    throw new SettingsError(`${k("adminCidrs")}[${worldWide}]`, access.adminCidrs[worldWide], "opens SSH to the internet, or a large share of it",
      `list only your own addresses, no wider than /${WORLD_PREFIX[4]} (IPv4) or /${WORLD_PREFIX[6]} (IPv6), e.g. "203.0.113.7/32", or leave it empty to close SSH`);
  }

  const server = {
    timezone: v.matches(k("timezone"), get("timezone"), /^(UTC|[A-Z][A-Za-z_-]+(\/[A-Za-z0-9_+-]+){1,2})$/, "an IANA time zone",
      'use a name such as "UTC" or "Europe/Berlin"'),
    swapMb: int("swapMb"),
  };

  const appName = v.identifier(k("appName"), get("appName"));
  if (RESERVED_ACCOUNT_NAMES.has(appName)) {
    throw new SettingsError(k("appName"), appName, "is a system account or group on the servers (the app runs as a user of this name)",
      'use a name of your own, e.g. "shop"');
  }
  if (appName === adminUser) {
    throw new SettingsError(k("appName"), appName, "is the same as fullstack:adminUser", "give the app and the admin different names");
  }
  const repo = get("appRepo");
  if (repo === undefined) {
    throw new SettingsError(k("appRepo"), repo, "is required", "set it with `pulumi config set appRepo https://github.com/you/app.git`");
  }
  const wsgiApp = v.matches(k("wsgiApp"), get("wsgiApp") ?? (framework === "django" ? `${appName.replace(/-/g, "_")}.wsgi:application` : "app:app"),
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\(\))?$/, "a WSGI module:callable",
    'use module:attribute, e.g. "shop.wsgi:application" or "app:app"');
  const djangoSettingsModule = framework === "django"
    ? v.matches(k("djangoSettingsModule"), get("djangoSettingsModule") ?? `${wsgiApp.split(":")[0].split(".")[0]}.settings`,
      /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, "a Python module path", 'use a dotted module, e.g. "shop.settings"')
    : undefined;
  const relPath = (key: string) => v.matches(k(key), get(key), /^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "a path inside the repo",
    'use a relative path without "..", e.g. "requirements.txt"');
  // nginx serves this directory to the world at /static/: never the checkout itself or a hidden directory.
  const staticDirectory = (dir: string): string => {
    const segments = dir.split("/").filter((x) => x !== "" && x !== ".");
    if (segments.length === 0 || segments.some((x) => x.startsWith("."))) {
      throw new SettingsError(k("staticDir"), dir, segments.length === 0
        ? "is the repository's root: nginx would serve your code, .git included, at /static/"
        : "is or lies inside a hidden directory (such as .git), which nginx would serve at /static/",
      'use the directory that holds only static files, e.g. "static"');
    }
    return segments.join("/");
  };
  const healthCheckPath = v.matches(k("healthCheckPath"), get("healthCheckPath"), /^\/[A-Za-z0-9._~/-]{0,255}$/, "a URL path of at most 256 characters",
    'use a path starting with "/", e.g. "/healthz"');
  const env: Record<string, string> = {};
  v.stringList(k("appEnv"), get("appEnv")).forEach((entry, i) => {
    const m = /^([A-Z_][A-Z0-9_]*)=([^\n\r\0]*)$/.exec(entry);
    if (!m) {
      throw new SettingsError(`${k("appEnv")}[${i}]`, entry, "is not KEY=value", 'use an upper-case name, "=", and a one-line value, e.g. "SENTRY_ENVIRONMENT=prod"');
    }
    const refusal = appEnvRefusal(m[1]);
    if (refusal) {
      throw new SettingsError(`${k("appEnv")}[${i}]`, entry, `sets ${m[1]}, which ${refusal}`,
        "remove it from appEnv (see the README's \"What your app needs\" for what the library sets)");
    }
    if (m[1] in env) {
      throw new SettingsError(`${k("appEnv")}[${i}]`, entry, `sets ${m[1]} a second time`, "set each variable once");
    }
    env[m[1]] = m[2];
  });
  const envBytes = Object.entries(env).reduce((n, [key, value]) => n + key.length + value.length + 4, 0);
  if (envBytes > 4096) {
    throw new SettingsError(k("appEnv"), `${Object.keys(env).length} entries, ${envBytes} bytes`, "is too large",
      "keep it under 4096 bytes (it rides in every server's user data or secret store); put bulk configuration in the repo");
  }
  v.visibleAscii(k("appRepo"), repo);
  // A password or token in the URL would sit in the deploy's world-readable settings and in git's config.
  if (typeof repo === "string" && /^[a-z]+:\/\/[^/@]*@/i.test(repo) && !/^ssh:\/\/[A-Za-z0-9._-]+@/.test(repo)) {
    throw new SettingsError(k("appRepo"), repo.replace(/\/\/[^/@]*@/, "//[credentials]@"), "holds credentials",
      `remove them from the URL: use the repository's SSH URL (git@host:owner/repo.git) with ${k("appRepoDeployKey")}, or a public https:// URL`);
  }
  if (typeof repo === "string" && /^(http|git):\/\//i.test(repo) && !v.boolean(k("insecureRepoTransport"), get("insecureRepoTransport"))) {
    throw new SettingsError(k("appRepo"), repo, "uses a transport nobody authenticates (anyone on the path can change the code you deploy)",
      `use https:// or ssh://, or set ${k("insecureRepoTransport")} true for a test server on a private network`);
  }
  v.visibleAscii(k("appRef"), get("appRef"));
  // A secret (it may hold a token): a refusal never shows the value.
  const pipIndexUrlRaw = get("pipIndexUrl");
  if (pipIndexUrlRaw !== undefined && !(typeof pipIndexUrlRaw === "string" && /^(https:\/\/[^\s'"`$\\]+|file:\/\/\/[A-Za-z0-9._/-]+)$/.test(pipIndexUrlRaw))) {
    throw new SettingsError(k("pipIndexUrl"), "[secret]", "is not an https:// or file:/// index URL",
      "use the index's simple API URL, e.g. https://pypi.example.com/simple/ (a token may go in it: set it with --secret)");
  }
  const pipIndexUrl = pipIndexUrlRaw as string | undefined;
  let repoDeployKey: string | undefined;
  if (get("appRepoDeployKey") !== undefined) {
    const raw = get("appRepoDeployKey");
    const key = typeof raw === "string" ? raw.replace(/\r\n/g, "\n").trim() : "";
    if (!/^-----BEGIN (OPENSSH|RSA|EC) PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END (OPENSSH|RSA|EC) PRIVATE KEY-----$/.test(key)) {
      throw new SettingsError(k("appRepoDeployKey"), "[secret]", "is not an unencrypted OpenSSH private key",
        "make one with `ssh-keygen -t ed25519 -N \"\" -f deploy_key`, add deploy_key.pub to the repository as a read-only deploy key, and set `pulumi config set --secret appRepoDeployKey < deploy_key`");
    }
    if (typeof repo !== "string" || !/^(ssh:\/\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)/.test(repo)) {
      throw new SettingsError(k("appRepoDeployKey"), "[secret]", `needs an SSH ${k("appRepo")} (ssh:// or git@host:owner/repo.git)`,
        `set ${k("appRepo")} to the repository's SSH URL, e.g. git@github.com:acme/shop.git`);
    }
    repoDeployKey = `${key}\n`;
  }
  const app: AppSettings = {
    name: appName,
    repo: v.gitUrl(k("appRepo"), repo),
    ref: v.gitRef(k("appRef"), get("appRef")),
    framework,
    wsgiApp,
    djangoSettingsModule,
    requirementsFile: relPath("requirementsFile"),
    ...(pipIndexUrl ? { pipIndexUrl } : {}),
    ...(repoDeployKey ? { repoDeployKey } : {}),
    staticDir: staticDirectory(relPath("staticDir")),
    healthCheckPath,
    env,
  };

  const webCount = int("webCount", profile === "scaled" ? 2 : 1);
  if (profile === "single" && webCount !== 1) {
    throw new SettingsError(k("webCount"), webCount, "must be 1 in the single profile (one server runs everything)",
      "use fullstack:profile standard or scaled for more web servers");
  }
  if (profile === "scaled" && webCount < 2) {
    throw new SettingsError(k("webCount"), webCount, "must be at least 2 in the scaled profile",
      "use 2 or more, or fullstack:profile standard for one web server");
  }
  const web: WebSettings = {
    count: webCount,
    size: v.matches(k("webSize"), get("webSize") ?? catalog.defaultSize, catalog.sizePattern, `a ${catalog.title} size`,
      `use one of the size slugs, e.g. ${catalog.sizeExamples.join(", ")}`),
    gunicorn: {
      workers: int("gunicornWorkers"),
      timeout: int("gunicornTimeout"),
      version: v.matches(k("gunicornVersion"), get("gunicornVersion"), /^\d+\.\d+(\.\d+)?$/, "a gunicorn version", 'use a release number, e.g. "23.0.0"'),
    },
    maxUploadMb: int("maxUploadMb"),
    loadBalancer: v.boolean(k("loadBalancer"), get("loadBalancer")),
  };

  let domain: DomainSettings | undefined;
  if (get("domain") !== undefined) {
    const name = v.domainName(k("domain"), get("domain"));
    const labels = name.split(".");
    const zone = get("dnsZone") !== undefined ? v.domainName(k("dnsZone"), get("dnsZone"))
      : labels.length >= 3 ? labels.slice(1).join(".") : name;
    if (name !== zone && !name.endsWith(`.${zone}`)) {
      throw new SettingsError(k("dnsZone"), zone, `does not contain ${k("domain")} "${name}"`, `use a parent zone of ${name}, e.g. "${labels.slice(1).join(".")}"`);
    }
    domain = { name, zone, createZone: v.boolean(k("createDnsZone"), get("createDnsZone")) };
  } else {
    for (const key of ["dnsZone", "createDnsZone", "acmeEmail"]) {
      if (explicit(key)) {
        throw new SettingsError(k(key), raw[key], `needs ${k("domain")}`, `set ${k("domain")} too, or remove ${k(key)}`);
      }
    }
  }

  const acme: AcmeSettings = {};
  if (domain && get("acmeEmail") !== undefined) {
    if (usesLoadBalancer(web.count, web.loadBalancer)) {
      throw new SettingsError(k("acmeEmail"), get("acmeEmail"), "has no effect behind a load balancer (its certificate comes from the cloud)",
        `remove it, or run one web server without ${k("loadBalancer")} so that the server gets its own certificate`);
    }
    // It reaches certbot's command line: never an option, never anything a shell or an URL would read twice.
    acme.email = v.matches(k("acmeEmail"), get("acmeEmail"), /^[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "an email address",
      'use a plain address, e.g. "ops@example.com"');
  }

  const size = (key: string, fallback: string) => v.matches(k(key), get(key) ?? fallback, catalog.sizePattern,
    `a ${catalog.title} size`, `use one of the size slugs, e.g. ${catalog.sizeExamples.join(", ")}`);
  const dbSize = (key: string, fallback: string) => v.matches(k(key), get(key) ?? fallback, catalog.dbSizePattern,
    `a ${catalog.title} database size`, `use one of the database slugs, e.g. ${catalog.dbSizeExamples.join(", ")}`);
  // Queue names reach the worker's command line: never an option (a leading -), never a list separator.
  const queueName = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

  let worker: WorkerSettings | undefined;
  if (workerKind !== "none") {
    const workerCount = int("workerCount", profile === "scaled" ? 2 : 1);
    worker = {
      kind: workerKind,
      app: v.matches(k("workerApp"), get("workerApp") ?? wsgiApp.split(":")[0].split(".")[0], /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?$/,
        "a Python module", 'use the module holding your Celery app, e.g. "shop" or "shop.celery:app"'),
      queues: v.stringList(k("workerQueues"), get("workerQueues")).map((q, i) => v.matches(`${k("workerQueues")}[${i}]`, q, queueName,
        "a queue name", "use letters, digits, _ . : or -, starting with a letter, digit or _")),
      concurrency: int("workerConcurrency"),
      count: workerCount,
      size: size("workerSize", catalog.defaultSize),
      taskTimeLimit: int("taskTimeLimit"),
      // RQ's scheduler is a separate package (rq-scheduler) the app must list; Celery's beat is built in.
      scheduler: get("scheduler") === undefined ? workerKind === "celery" : v.boolean(k("scheduler"), get("scheduler")),
      backend: v.oneOf(k("queueBackend"), get("queueBackend"), QUEUE_BACKENDS, "a queue backend"),
    };
    // A task may hold its SQS message for its whole time limit (plus a margin): SQS allows 12 hours.
    if (worker.backend === "sqs" && sqsVisibilityProblems(worker.taskTimeLimit).length > 0) {
      throw new SettingsError(k("taskTimeLimit"), worker.taskTimeLimit, `is too long for SQS: ${sqsVisibilityProblems(worker.taskTimeLimit).join("; ")}`,
        `use at most ${SQS_MAX_VISIBILITY_SECONDS - SQS_VISIBILITY_MARGIN_SECONDS} with ${k("queueBackend")} sqs, or ${k("queueBackend")} redis`);
    }
    if (worker.queues.length === 0) {
      throw new SettingsError(k("workerQueues"), [], "is empty", 'list at least one queue, e.g. ["default"]');
    }
  }

  const dbNodes = int("dbNodes", profile === "scaled" ? 2 : 1);
  const postgres: PostgresSettings = {
    version: v.oneOf(k("pgVersion"), get("pgVersion"), PG_VERSIONS, "a managed PostgreSQL version"),
    size: dbSize("dbSize", profile === "scaled" ? catalog.scaledDbSize ?? catalog.defaultDbSize : catalog.defaultDbSize),
    nodes: dbNodes,
    poolSize: int("dbPoolSize"),
    backupRetentionDays: int("backupRetentionDays"),
  };
  const redis: RedisSettings = {
    size: v.matches(k("redisSize"), get("redisSize") ?? (profile === "scaled" ? catalog.scaledCacheSize : catalog.defaultCacheSize),
      catalog.cacheSizePattern, `a ${catalog.title} cache size`, `use e.g. ${catalog.cacheSizeExamples.join(", ")}`),
    nodes: int("redisNodes", profile === "scaled" ? 2 : 1),
    maxMemoryMb: int("redisMaxMemoryMb"),
  };
  if (profile === "scaled" && postgres.nodes < 2) {
    throw new SettingsError(k("dbNodes"), postgres.nodes, "leaves the scaled profile without a standby database node",
      "use 2 or 3, or fullstack:profile standard");
  }
  if (profile !== "single" && catalog.clusterPlanProblem) {
    // The cloud's plan rules (e.g. no standby nodes on DigitalOcean's smallest plan); see settings/limits/.
    for (const [engine, sizeKey, nodesKey, plan] of [["pg", "dbSize", "dbNodes", postgres], ["valkey", "redisSize", "redisNodes", redis]] as const) {
      const problem = catalog.clusterPlanProblem(engine, plan.size, plan.nodes);
      if (problem) {
        throw new SettingsError(k(sizeKey), plan.size, `with ${k(nodesKey)} ${plan.nodes}: ${problem}`,
          `use a plan with standby nodes such as ${engine === "pg" ? catalog.scaledDbSize ?? catalog.dbSizeExamples[1] : catalog.scaledCacheSize}${profile === "scaled" ? "" : `, or ${k(nodesKey)} 1`}`);
      }
    }
    const maxPool = catalog.maxPoolConnections?.(postgres.size);
    if (maxPool !== undefined && postgres.poolSize > maxPool) {
      throw new SettingsError(k("dbPoolSize"), postgres.poolSize, `is more than the ${maxPool} connections ${postgres.size} allows`,
        `use ${maxPool} or less, or a bigger ${k("dbSize")}`);
    }
  }
  const volumeSizeGb = int("volumeSizeGb");

  const wantBucket = get("bucket") === undefined ? profile !== "single" : v.boolean(k("bucket"), get("bucket"));
  let bucket: BucketSettings | undefined;
  if (wantBucket && catalog.bucketRegions && !catalog.bucketRegions.includes(region)) {
    throw new SettingsError(k("bucket"), true, `has no Spaces in ${region}`,
      `set ${k("bucket")} false, or use a ${k("region")} with Spaces: ${catalog.bucketRegions.join(", ")}`);
  }
  if (wantBucket) {
    let credentials: BucketSettings["credentials"];
    if (catalog.bucketNeedsKeys) {
      // Optional: without them the API token makes the bucket's keys (clouds/digitalocean.ts).
      const accessId = get("spacesAccessId");
      const secretKey = get("spacesSecretKey");
      const given = (x: unknown) => typeof x === "string" && x.length > 0;
      if (given(accessId) !== given(secretKey)) {
        const [missing, set] = given(accessId) ? ["spacesSecretKey", "spacesAccessId"] : ["spacesAccessId", "spacesSecretKey"];
        throw new SettingsError(k(missing), "(unset)", `is needed with ${k(set)} (your own Spaces key pair)`,
          `set both (\`pulumi config set ${missing.replace(/^spacesSecretKey$/, "--secret spacesSecretKey")} <value>\`), or neither to let the API token make the bucket's keys`);
      }
      if (given(accessId)) {
        v.matches(k("spacesAccessId"), accessId, /^[A-Za-z0-9]{10,64}$/, "a Spaces access key ID", "use the key ID shown under API > Spaces Keys");
        credentials = { accessId: accessId as string, secretKey: secretKey as string };
      }
    }
    const cdnDomain = get("cdnDomain") === undefined ? undefined : v.domainName(k("cdnDomain"), get("cdnDomain"));
    const corsOrigins = get("corsOrigins") !== undefined
      ? v.stringList(k("corsOrigins"), get("corsOrigins")).map((o, i) => v.matches(`${k("corsOrigins")}[${i}]`, o,
        /^(\*|https?:\/\/[a-z0-9.-]+(:\d{1,5})?)$/, "an origin", 'use "https://host" or "*"'))
      : domain ? [`https://${domain.name}`] : ["*"];
    if (cdnDomain && !domain) {
      throw new SettingsError(k("cdnDomain"), cdnDomain, `needs ${k("domain")} (its DNS zone hosts the CDN name)`, `set ${k("domain")}, or remove ${k("cdnDomain")}`);
    }
    if (cdnDomain && domain && !cdnDomain.endsWith(`.${domain.zone}`)) {
      throw new SettingsError(k("cdnDomain"), cdnDomain, `is not inside the DNS zone "${domain.zone}"`, `use a name ending in .${domain.zone}`);
    }
    bucket = { credentials, corsOrigins, cdnDomain };
  } else {
    for (const key of ["cdnDomain", "corsOrigins"]) {
      if (explicit(key)) {
        throw new SettingsError(k(key), raw[key], `needs the bucket`, `set ${k("bucket")} true, or remove ${k(key)}`);
      }
    }
  }

  const warnings: string[] = [];
  if (environment === "production" && !protect) {
    warnings.push(`${k("protect")} is false on a production environment: Pulumi will delete or replace volumes, databases and buckets when a change asks for it; set ${k("environment")} to staging or dev if this stack is not production`);
  }
  if (/^(http|git):\/\//i.test(app.repo)) {
    warnings.push(`${k("appRepo")} uses ${app.repo.split(":")[0]}://, which nobody authenticates (${k("insecureRepoTransport")} is true): anyone on the path can change the code you deploy`);
  }
  return { warnings, profile, cloud, region, environment, protect, os, access, server, app, web, domain, acme, worker, postgres, redis, volumeSizeGb, bucket, natMode };
}

/**
 * Refuses a component name from which the cloud could not derive valid resource names. The stack program
 * names its app `<appName>-<stack>`, so the error names fullstack:appName.
 * @throws SettingsError naming fullstack:appName.
 */
export function checkNamePrefix(settings: Pick<Settings, "cloud"> & Partial<Pick<Settings, "worker">>, prefix: string): void {
  const problems = CATALOG[settings.cloud].namePrefixProblems(prefix);
  if (problems.length > 0) {
    const shown = problems.length > 3 ? [...problems.slice(0, 3), `and ${problems.length - 3} more`] : problems;
    throw new SettingsError(fullKey("appName"), prefix, `(with the stack name) makes names ${CATALOG[settings.cloud].title} refuses: ${shown.join("; ")}`,
      "use a shorter app or stack name, of lowercase letters, digits and -");
  }
  // SQS queue names carry the app name and the worker queue's (auto-named, at most 80 characters).
  const queues = settings.worker?.backend === "sqs" ? sqsQueueNameProblems(prefix, settings.worker.queues) : [];
  if (queues.length > 0) {
    throw new SettingsError(fullKey("workerQueues"), settings.worker!.queues, `make SQS queue names SQS refuses (with ${fullKey("appName")} and the stack name): ${queues.join("; ")}`,
      "use shorter queue names with letters, digits, _ and -, each distinct");
  }
}

/**
 * Refuses an AWS provider region other than fullstack:region. Every resource goes to the provider's
 * region (aws:region, or AWS_REGION / AWS_DEFAULT_REGION when unset), while the servers' boot script reads
 * its secrets from Parameter Store in fullstack:region and SQS clients use it: they must be one region.
 * @param providerRegion the region the default AWS provider will use, if any.
 * @throws SettingsError naming fullstack:region and aws:region.
 */
export function checkProviderRegion(region: string, providerRegion: string | undefined): void {
  if (providerRegion === region) return;
  throw new SettingsError(fullKey("region"), region,
    providerRegion === undefined ? "has no matching aws:region (the AWS provider's region is unset)" : `differs from aws:region "${providerRegion}", where AWS creates the resources`,
    `set both to one region: \`pulumi config set aws:region ${region}\`, or set ${fullKey("region")} to ${providerRegion ?? "your AWS region"}`);
}

/**
 * Left empty. The CLI hands a YAML null (`key:` with nothing after it) to the program as the JSON text
 * "null" (pulumi/pulumi resource/config/object.go: MarshalString of a nil object), so that text is unset too.
 */
function unset(value: unknown): boolean {
  return value === undefined || value === null || value === "" || value === "null";
}

/** A config value as the CLI hands it to the program: text as is, anything else as JSON. */
function asConfigText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function closest(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of KEY_NAMES) {
    const d = distance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
