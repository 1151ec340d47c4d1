/**
 * Stack config -> typed, validated, defaulted settings. Pure: no Pulumi import, so it can be tested
 * with plain objects and fuzzed. Every failure is a {@link SettingsError} naming the key.
 */
import { CATALOG, CLOUDS, CloudName, ENVIRONMENTS, Environment, FRAMEWORKS, Framework, OPERATING_SYSTEMS, OperatingSystem } from "./catalog";
import { SettingsError } from "./errors";
import { KEYS, KEY_NAMES, KeyDecl, fullKey } from "./schema";
import * as v from "./validate";

export { SettingsError, isSettingsError } from "./errors";
export * from "./catalog";
export { KEYS, KEY_NAMES, NAMESPACE, fullKey } from "./schema";
export type { KeyDecl, KeyType } from "./schema";
export * as validate from "./validate";

/** Raw config as Pulumi hands it over: strings (lists as JSON text) or already-parsed values. */
export type RawConfig = Readonly<Record<string, unknown>>;

export interface AccessSettings {
  adminUser: string;
  adminSshKeys: string[];
  adminCidrs: string[];
  sshKeyIds: string[];
}

export interface AppSettings {
  name: string;
  repo: string;
  ref: string;
  framework: Framework;
  wsgiApp: string;
  djangoSettingsModule?: string;
  requirementsFile: string;
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
}

export interface DomainSettings {
  name: string;
  zone: string;
  createZone: boolean;
}

export interface Settings {
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
    if (value === undefined || value === null || value === "") return DECLS.get(key)?.default;
    return value;
  };
  const k = fullKey;

  const cloud = v.oneOf(k("cloud"), get("cloud"), CLOUDS, "a supported cloud");
  const catalog = CATALOG[cloud];
  const region = v.oneOf(k("region"), get("region"), catalog.regions as string[], `a ${catalog.title} region`);
  const environment = v.oneOf(k("environment"), get("environment"), ENVIRONMENTS, "an environment");
  const protect = get("protect") === undefined ? environment !== "dev" : v.boolean(k("protect"), get("protect"));
  const os = v.oneOf(k("os"), get("os"), OPERATING_SYSTEMS, "a supported operating system");

  const adminUser = v.matches(k("adminUser"), get("adminUser"), /^[a-z_][a-z0-9_-]{0,30}$/, "a valid Unix user name",
    "use lowercase letters, digits, _ or -, starting with a letter or _");
  if (["root", "daemon", "nobody", "www-data", "postgres", "redis"].includes(adminUser)) {
    throw new SettingsError(k("adminUser"), adminUser, "is a system account", 'use a name of your own, e.g. "ops"');
  }
  const access: AccessSettings = {
    adminUser,
    adminSshKeys: v.stringList(k("adminSshKeys"), get("adminSshKeys")).map((key, i) => v.sshPublicKey(`${k("adminSshKeys")}[${i}]`, key)),
    adminCidrs: v.stringList(k("adminCidrs"), get("adminCidrs")).map((c, i) => v.cidr(`${k("adminCidrs")}[${i}]`, c)),
    sshKeyIds: v.stringList(k("sshKeyIds"), get("sshKeyIds")).map((id, i) => v.matches(`${k("sshKeyIds")}[${i}]`, id,
      /^(\d+|([0-9a-f]{2}:){15}[0-9a-f]{2}|SHA256:[A-Za-z0-9+/=]+)$/, "an SSH key ID or fingerprint",
      'use the numeric ID or the MD5 fingerprint shown in the cloud console, e.g. "3b:16:bf:..."')),
  };
  if (access.adminCidrs.includes("0.0.0.0/0") || access.adminCidrs.includes("::/0")) {
    throw new SettingsError(k("adminCidrs"), access.adminCidrs, "opens SSH to the whole internet",
      "list only your own addresses, e.g. \"203.0.113.7/32\", or leave it empty to close SSH");
  }

  const server = {
    timezone: v.matches(k("timezone"), get("timezone"), /^(UTC|[A-Z][A-Za-z_-]+(\/[A-Za-z0-9_+-]+){1,2})$/, "an IANA time zone",
      'use a name such as "UTC" or "Europe/Berlin"'),
    swapMb: v.integer(k("swapMb"), get("swapMb"), 0, 65536),
  };

  const appName = v.identifier(k("appName"), get("appName"));
  if (appName === adminUser) {
    throw new SettingsError(k("appName"), appName, "is the same as fullstack:adminUser", "give the app and the admin different names");
  }
  const repo = get("appRepo");
  if (repo === undefined) {
    throw new SettingsError(k("appRepo"), repo, "is required", "set it with `pulumi config set appRepo https://github.com/you/app.git`");
  }
  const framework = v.oneOf(k("framework"), get("framework"), FRAMEWORKS, "a supported framework");
  const wsgiApp = v.matches(k("wsgiApp"), get("wsgiApp") ?? (framework === "django" ? `${appName.replace(/-/g, "_")}.wsgi:application` : "app:app"),
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\(\))?$/, "a WSGI module:callable",
    'use module:attribute, e.g. "shop.wsgi:application" or "app:app"');
  const djangoSettingsModule = framework === "django"
    ? v.matches(k("djangoSettingsModule"), get("djangoSettingsModule") ?? `${wsgiApp.split(":")[0].split(".")[0]}.settings`,
      /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, "a Python module path", 'use a dotted module, e.g. "shop.settings"')
    : undefined;
  const relPath = (key: string) => v.matches(k(key), get(key), /^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "a path inside the repo",
    'use a relative path without "..", e.g. "requirements.txt"');
  const healthCheckPath = v.matches(k("healthCheckPath"), get("healthCheckPath"), /^\/[A-Za-z0-9._~/-]*$/, "a URL path",
    'use a path starting with "/", e.g. "/healthz"');
  const env: Record<string, string> = {};
  v.stringList(k("appEnv"), get("appEnv")).forEach((entry, i) => {
    const m = /^([A-Z_][A-Z0-9_]*)=([^\n\r\0]*)$/.exec(entry);
    if (!m) {
      throw new SettingsError(`${k("appEnv")}[${i}]`, entry, "is not KEY=value", 'use an upper-case name, "=", and a one-line value, e.g. "SENTRY_ENVIRONMENT=prod"');
    }
    env[m[1]] = m[2];
  });
  const app: AppSettings = {
    name: appName,
    repo: v.gitUrl(k("appRepo"), repo),
    ref: v.gitRef(k("appRef"), get("appRef")),
    framework,
    wsgiApp,
    djangoSettingsModule,
    requirementsFile: relPath("requirementsFile"),
    staticDir: relPath("staticDir"),
    healthCheckPath,
    env,
  };

  const web: WebSettings = {
    count: v.integer(k("webCount"), get("webCount"), 1, 50),
    size: v.matches(k("webSize"), get("webSize") ?? catalog.defaultSize, catalog.sizePattern, `a ${catalog.title} size`,
      `use one of the size slugs, e.g. ${catalog.sizeExamples.join(", ")}`),
    gunicorn: {
      workers: v.integer(k("gunicornWorkers"), get("gunicornWorkers"), 0, 64),
      timeout: v.integer(k("gunicornTimeout"), get("gunicornTimeout"), 5, 3600),
      version: v.matches(k("gunicornVersion"), get("gunicornVersion"), /^\d+\.\d+(\.\d+)?$/, "a gunicorn version", 'use a release number, e.g. "23.0.0"'),
    },
    maxUploadMb: v.integer(k("maxUploadMb"), get("maxUploadMb"), 1, 5120),
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
    for (const key of ["dnsZone", "createDnsZone"]) {
      if (raw[key] !== undefined) {
        throw new SettingsError(k(key), raw[key], `needs ${k("domain")}`, `set ${k("domain")} too, or remove ${k(key)}`);
      }
    }
  }

  return { cloud, region, environment, protect, os, access, server, app, web, domain };
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
