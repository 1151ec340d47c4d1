/** The app section: what is deployed (repository, ref, framework, paths, environment). */
import { RESERVED_ACCOUNT_NAMES } from "../accounts";
import { appEnvRefusal } from "../appEnv";
import { SettingsError } from "../errors";
import type { ConfigReader } from "../reader";
import { fullKey as k } from "../schema";
import type { AppSettings } from "../types";
import * as v from "../validate";
import type { StackContext } from "./stack";

/**
 * The app: its name, repository and ref, framework entry points, paths in the repo and environment.
 * @param adminUser the admin's name, which the app's must differ from.
 * @throws SettingsError naming the first bad key.
 */
export function readApp(r: ConfigReader, { framework }: StackContext, adminUser: string): AppSettings {
  const appName = v.identifier(k("appName"), r.get("appName"));
  if (RESERVED_ACCOUNT_NAMES.has(appName)) {
    throw new SettingsError(k("appName"), appName, "is a system account or group on the servers (the app runs as a user of this name)",
      'use a name of your own, e.g. "shop"');
  }
  if (appName === adminUser) {
    throw new SettingsError(k("appName"), appName, "is the same as fullstack:adminUser", "give the app and the admin different names");
  }
  const repo = r.get("appRepo");
  if (repo === undefined) {
    throw new SettingsError(k("appRepo"), repo, "is required", "set it with `pulumi config set appRepo https://github.com/you/app.git`");
  }
  const wsgiApp = v.matches(k("wsgiApp"), r.get("wsgiApp") ?? (framework === "django" ? `${appName.replace(/-/g, "_")}.wsgi:application` : "app:app"),
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\(\))?$/, "a WSGI module:callable",
    'use module:attribute, e.g. "shop.wsgi:application" or "app:app"');
  const djangoSettingsModule = framework === "django"
    ? v.matches(k("djangoSettingsModule"), r.get("djangoSettingsModule") ?? `${wsgiApp.split(":")[0].split(".")[0]}.settings`,
      /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, "a Python module path", 'use a dotted module, e.g. "shop.settings"')
    : undefined;
  const relPath = (key: "requirementsFile" | "staticDir") => v.matches(k(key), r.get(key), /^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "a path inside the repo",
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
  const healthCheckPath = v.matches(k("healthCheckPath"), r.get("healthCheckPath"), /^\/[A-Za-z0-9._~/-]{0,255}$/, "a URL path of at most 256 characters",
    'use a path starting with "/", e.g. "/healthz"');
  const env = readAppEnv(r);
  const secrets = readRepoAccess(r, repo);
  return {
    name: appName,
    repo: v.gitUrl(k("appRepo"), repo),
    ref: v.gitRef(k("appRef"), r.get("appRef")),
    framework,
    wsgiApp,
    djangoSettingsModule,
    requirementsFile: relPath("requirementsFile"),
    ...secrets,
    staticDir: staticDirectory(relPath("staticDir")),
    healthCheckPath,
    env,
  };
}

/** The app's extra environment (appEnv), as names and values. */
function readAppEnv(r: ConfigReader): Record<string, string> {
  const env: Record<string, string> = {};
  v.stringList(k("appEnv"), r.get("appEnv")).forEach((entry, i) => {
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
  return env;
}

/**
 * How the servers fetch the app: the repository URL checked for what a reviewer cannot see or what must
 * not be in it, the ref, and the secrets (a private index, a deploy key) that are never shown in errors.
 */
function readRepoAccess(r: ConfigReader, repo: unknown): Pick<AppSettings, "pipIndexUrl" | "repoDeployKey"> {
  v.visibleAscii(k("appRepo"), repo);
  // A password or token in the URL would sit in the deploy's world-readable settings and in git's config.
  if (typeof repo === "string" && /^[a-z]+:\/\/[^/@]*@/i.test(repo) && !/^ssh:\/\/[A-Za-z0-9._-]+@/.test(repo)) {
    throw new SettingsError(k("appRepo"), repo.replace(/\/\/[^/@]*@/, "//[credentials]@"), "holds credentials",
      `remove them from the URL: use the repository's SSH URL (git@host:owner/repo.git) with ${k("appRepoDeployKey")}, or a public https:// URL`);
  }
  if (typeof repo === "string" && /^(http|git):\/\//i.test(repo) && !v.boolean(k("insecureRepoTransport"), r.get("insecureRepoTransport"))) {
    throw new SettingsError(k("appRepo"), repo, "uses a transport nobody authenticates (anyone on the path can change the code you deploy)",
      `use https:// or ssh://, or set ${k("insecureRepoTransport")} true for a test server on a private network`);
  }
  v.visibleAscii(k("appRef"), r.get("appRef"));
  // A secret (it may hold a token): a refusal never shows the value.
  const pipIndexUrlRaw = r.get("pipIndexUrl");
  if (pipIndexUrlRaw !== undefined && !(typeof pipIndexUrlRaw === "string" && /^(https:\/\/[^\s'"`$\\]+|file:\/\/\/[A-Za-z0-9._/-]+)$/.test(pipIndexUrlRaw))) {
    throw new SettingsError(k("pipIndexUrl"), "[secret]", "is not an https:// or file:/// index URL",
      "use the index's simple API URL, e.g. https://pypi.example.com/simple/ (a token may go in it: set it with --secret)");
  }
  const pipIndexUrl = pipIndexUrlRaw as string | undefined;
  let repoDeployKey: string | undefined;
  if (r.get("appRepoDeployKey") !== undefined) {
    const raw = r.get("appRepoDeployKey");
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
  return { ...(pipIndexUrl ? { pipIndexUrl } : {}), ...(repoDeployKey ? { repoDeployKey } : {}) };
}
