/**
 * Every stack config key, declared once. `Pulumi.yaml`'s `config:` block and the README's key table are
 * checked against this list by the tests, so the three never drift apart.
 */
export type KeyType = "string" | "integer" | "boolean" | "array";

export interface KeyDecl {
  /** Key without the `fullstack:` namespace. */
  readonly key: string;
  readonly type: KeyType;
  readonly description: string;
  /** Static default. Omitted when the default depends on other keys (then `derived` explains it). */
  readonly default?: string | number | boolean | readonly string[];
  /** How the default is worked out when it is not static. */
  readonly derived?: string;
  /** Set with `pulumi config set --secret`. */
  readonly secret?: boolean;
}

export const NAMESPACE = "fullstack";

export const KEYS: readonly KeyDecl[] = [
  { key: "cloud", type: "string", default: "digitalocean", description: "Where to deploy: digitalocean." },
  { key: "region", type: "string", default: "fra1", description: "Cloud region, e.g. fra1, nyc3, ams3." },
  {
    key: "environment", type: "string", default: "production",
    description: "dev, staging or production. Only dev leaves stateful resources unprotected by default.",
  },
  {
    key: "protect", type: "boolean", derived: "true unless environment is dev",
    description: "Mark volumes, databases and buckets `protect` so Pulumi refuses to delete or replace them.",
  },
  { key: "os", type: "string", default: "ubuntu-24.04", description: "Server operating system: ubuntu-24.04 or debian-12." },
  { key: "adminUser", type: "string", default: "ops", description: "Name of the non-root sudo user created on every server." },
  {
    key: "adminSshKeys", type: "array", default: [],
    description: "SSH public keys (one line each) allowed to log in as adminUser. Empty: nobody can log in over SSH.",
  },
  {
    key: "adminCidrs", type: "array", default: [],
    description: "Addresses allowed to reach SSH (port 22), e.g. [\"203.0.113.7/32\"]. Empty: SSH is closed at the cloud firewall.",
  },
  {
    key: "sshKeyIds", type: "array", default: [],
    description: "IDs or fingerprints of SSH keys already stored in the cloud account, attached at creation (stops DigitalOcean from mailing a root password).",
  },
  { key: "timezone", type: "string", default: "UTC", description: "Server time zone (IANA name)." },
  { key: "swapMb", type: "integer", default: 1024, description: "Swap file size in MiB; 0 for none." },
  { key: "appName", type: "string", default: "app", description: "Short name of the app: its Unix user, /srv/<appName>, unit and resource names." },
  { key: "appRepo", type: "string", description: "Git URL of the app (https://, ssh:// or git@host:owner/repo.git). Required." },
  { key: "appRef", type: "string", default: "main", description: "Branch, tag or commit to deploy. Changing it ships a new release." },
  { key: "framework", type: "string", default: "django", description: "django or flask: decides the release hooks (Django: migrate, collectstatic)." },
  {
    key: "wsgiApp", type: "string", derived: "django: <appName>.wsgi:application, flask: app:app",
    description: "The WSGI callable gunicorn serves, as module:attribute.",
  },
  {
    key: "djangoSettingsModule", type: "string", derived: "the wsgiApp package + .settings, e.g. shop.settings",
    description: "DJANGO_SETTINGS_MODULE for Django apps.",
  },
  { key: "requirementsFile", type: "string", default: "requirements.txt", description: "Path of the pip requirements file inside the repo." },
  {
    key: "staticDir", type: "string", default: "static",
    description: "Flask: the repo directory served at /static/. Django: ignored (collectstatic fills STATIC_ROOT).",
  },
  {
    key: "healthCheckPath", type: "string", default: "/healthz",
    description: "Path of the app that answers 200 when it is healthy; nginx serves it as /healthz for load balancer checks.",
  },
  {
    key: "appEnv", type: "array", default: [],
    description: "Extra environment for the app as KEY=value strings, written to its 0600 environment file.",
  },
  { key: "webCount", type: "integer", default: 1, description: "Number of web servers. 2 or more puts a load balancer in front." },
  { key: "webSize", type: "string", default: "s-1vcpu-1gb", description: "Web server size (DigitalOcean slug), e.g. s-1vcpu-1gb, s-2vcpu-4gb." },
  { key: "gunicornWorkers", type: "integer", default: 0, description: "gunicorn worker processes; 0 means 2 x cores + 1, worked out on the server." },
  { key: "gunicornTimeout", type: "integer", default: 30, description: "Seconds before gunicorn kills a silent worker (also nginx's upstream read timeout)." },
  { key: "gunicornVersion", type: "string", default: "23.0.0", description: "gunicorn version installed into the app's virtualenv when requirements do not pin one." },
  { key: "maxUploadMb", type: "integer", default: 10, description: "Largest request body nginx accepts, in MiB (client_max_body_size)." },
  {
    key: "domain", type: "string",
    description: "Public name of the app, e.g. shop.example.com. Setting it adds a load balancer with a Let's Encrypt certificate and DNS records.",
  },
  {
    key: "dnsZone", type: "string", derived: "domain without its first label when it has three or more labels, else domain",
    description: "DNS zone (as hosted by the cloud's DNS) the domain's records go into.",
  },
  {
    key: "createDnsZone", type: "boolean", default: false,
    description: "Create the DNS zone in the cloud account. Leave false when the zone already exists there.",
  },
];

export const KEY_NAMES = KEYS.map((k) => k.key);

export function fullKey(key: string): string {
  return `${NAMESPACE}:${key}`;
}
