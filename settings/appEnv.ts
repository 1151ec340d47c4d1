/**
 * What `appEnv` may not set. Two kinds of name are refused, each with the reason a user can act on:
 *
 * - names the library sets itself: a value in appEnv would be silently overridden, or (for the security
 *   values) would quietly undo what another key decided, so the error points at the key that controls it;
 * - names that change how processes load code or find programs (the dynamic loader, Python's import
 *   machinery, git's configuration, PATH): the app gets appEnv, and such a name would reach every process
 *   the app starts. (The deploy's git and pip never see appEnv at all: provisioning/deploy.ts.)
 */

/** Names the library sets, and what controls each. */
export const LIBRARY_ENV: Readonly<Record<string, string>> = {
  ALLOWED_HOSTS: "fullstack:domain (the app's host names)",
  CSRF_TRUSTED_ORIGINS: "fullstack:domain (the app's https:// origin)",
  DJANGO_SETTINGS_MODULE: "fullstack:djangoSettingsModule",
  FLASK_APP: "fullstack:wsgiApp",
  STATIC_ROOT: "the library (nginx serves /static/ from it)",
  MEDIA_ROOT: "the library (nginx serves /media/ from it)",
  STATIC_URL: "the library (the CDN's URL when fullstack:bucket is on)",
  PYTHONUNBUFFERED: "the library (logs reach the journal at once)",
  DATABASE_URL: "the library (the PostgresDb's connection URL)",
  DATABASE_DIRECT_URL: "the library (the PostgresDb's connection URL without the pool)",
  REDIS_URL: "the library (the RedisCache's connection URL)",
  SECRET_KEY: "the library (a random key kept in the stack)",
  AWS_STORAGE_BUCKET_NAME: "fullstack:bucket",
  AWS_S3_ENDPOINT_URL: "fullstack:bucket",
  AWS_S3_REGION_NAME: "fullstack:bucket",
  AWS_ACCESS_KEY_ID: "fullstack:spacesAccessId, or the bucket's own key",
  AWS_SECRET_ACCESS_KEY: "fullstack:spacesSecretKey, or the bucket's own key",
  CELERY_BROKER_URL: "fullstack:queueBackend",
  CELERY_BROKER_TRANSPORT_OPTIONS: "fullstack:queueBackend",
};

/** Python variables that only tune behaviour (no code or path comes from them): allowed. */
const PYTHON_TUNING = new Set(["PYTHONHASHSEED", "PYTHONWARNINGS", "PYTHONFAULTHANDLER", "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONTRACEMALLOC"]);

/** Why `name` may not be set through appEnv, or undefined when it may. */
export function appEnvRefusal(name: string): string | undefined {
  if (LIBRARY_ENV[name]) return `is set by ${LIBRARY_ENV[name]}; appEnv may not override it`;
  if (name.startsWith("LD_")) return "changes how the dynamic loader loads code (LD_*)";
  if (name.startsWith("GIT_")) return "changes git's configuration (GIT_*)";
  if (name.startsWith("PYTHON") && !PYTHON_TUNING.has(name)) {
    return `changes where Python loads code from (only ${[...PYTHON_TUNING].join(", ")} are allowed)`;
  }
  if (["PATH", "HOME", "USER", "LOGNAME", "SHELL", "IFS", "ENV", "BASH_ENV", "VIRTUAL_ENV", "NODE_OPTIONS", "PERL5LIB", "PERL5OPT"].includes(name)) {
    return "changes which programs and libraries processes run";
  }
  if (name.startsWith("PIP_")) return "changes where pip installs packages from (PIP_*); the app's requirements decide that";
  return undefined;
}
