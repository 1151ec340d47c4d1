/**
 * What the settings layer hands on: typed, validated, defaulted settings, one interface per section of
 * the config (each read by its own reader in settings/read/).
 */
import type { CloudName, Environment, Framework, NatMode, OperatingSystem, Profile, QueueBackend, WorkerKind } from "./catalog";

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

export interface ServerSettings {
  /** IANA time zone. */
  timezone: string;
  /** Swap file size in MiB; 0 for none. */
  swapMb: number;
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
  server: ServerSettings;
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
