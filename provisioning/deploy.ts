/**
 * The release script: fetch the configured ref into a new release directory, build its virtualenv,
 * run the framework's hooks as the app user with the app's environment, switch the `current` symlink
 * atomically and restart the app's services. Also what an operator runs by hand:
 * `sudo <app>-deploy [ref]`.
 */
import { createHash } from "node:crypto";
import { lines, shQuote } from "./text";
import { appPaths, type AppSpec } from "./types";

/** Shell-sourced settings for the deploy script (kept apart so the script itself is generic). */
export function renderDeployConf(app: AppSpec, units: { sockets: string[]; services: string[] }): string {
  const p = appPaths(app.name);
  const vars: Record<string, string> = {
    APP_NAME: app.name,
    APP_USER: app.name,
    APP_ROOT: p.root,
    APP_REPO: app.repo,
    APP_REF: app.ref,
    APP_FRAMEWORK: app.framework,
    APP_RUN_MIGRATIONS: app.runMigrations === false ? "no" : "yes",
    APP_MIGRATE_SCRIPT: p.migrateScript,
    // The app role's grants, issued as the database admin before migrating (only where the cloud needs them).
    APP_DB_GRANT_SCRIPT: app.dbGrant && app.runMigrations !== false ? p.dbGrantScript : "",
    APP_REQUIREMENTS: app.requirementsFile,
    APP_ENV_FILE: p.envFile,
    APP_TOOLS_ENV_FILE: p.toolsEnvFile,
    GUNICORN_VERSION: app.gunicornVersion,
    APP_SOCKETS: units.sockets.join(" "),
    APP_SERVICES: units.services.join(" "),
    KEEP_RELEASES: "5",
  };
  return lines(
    "# shellcheck shell=sh",
    "# Rendered by fullstack-pulumi: settings for the deploy script.",
    ...Object.entries(vars).map(([k, v]) => `${k}=${shQuote(v)}`),
  );
}

export function renderDeployScript(app: AppSpec): string {
  const p = appPaths(app.name);
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi. Usage: deploy [git-ref]   (default: the ref in the stack config)",
    "set -eu",
    `. ${p.deployConf}`,
    "",
    'ref="${1:-$APP_REF}"',
    "# Timestamp plus PID: two deploys in one second never share a directory, and names still sort by time.",
    'release="$APP_ROOT/releases/$(date -u +%Y%m%d%H%M%S)-$$"',
    "",
    "# Run the deploy's own tools (git, venv, pip) as the app user in a clean environment: nothing from",
    "# appEnv (GIT_CONFIG_*, PIP_*, LD_PRELOAD, ...) reaches them. systemd-run starts with an empty environment.",
    "# Their only settings come from the tools file (a private index, a deploy key; - when there is none).",
    "as_tool() {",
    '  systemd-run --quiet --wait --pipe --collect --service-type=exec \\',
    '    --uid="$APP_USER" --gid="$APP_USER" \\',
    '    --property=EnvironmentFile=-"$APP_TOOLS_ENV_FILE" \\',
    '    --setenv=HOME="$APP_ROOT" --setenv=PIP_DISABLE_PIP_VERSION_CHECK=1 \\',
    '    --working-directory="$release" -- "$@"',
    "}",
    "",
    "# Run the app's own code (the framework's hooks) as the app user, with the app's environment, like its services do.",
    "as_app() {",
    '  systemd-run --quiet --wait --pipe --collect --service-type=exec \\',
    '    --uid="$APP_USER" --gid="$APP_USER" \\',
    '    --property=EnvironmentFile="$APP_ENV_FILE" \\',
    '    --setenv=HOME="$APP_ROOT" \\',
    '    --working-directory="$release" -- "$@"',
    "}",
    "",
    'install -d -o "$APP_USER" -g "$APP_USER" -m 0755 "$APP_ROOT" "$APP_ROOT/releases" "$APP_ROOT/shared" \\',
    '  "$APP_ROOT/shared/static" "$APP_ROOT/shared/media" "$release"',
    "",
    'echo "deploy: fetching $ref from $APP_REPO"',
    "as_tool git init --quiet .",
    'as_tool git remote add origin "$APP_REPO"',
    'as_tool git fetch --quiet --depth 1 origin "$ref"',
    "as_tool git checkout --quiet --detach FETCH_HEAD",
    'as_tool git rev-parse HEAD > "$release/.release-commit"',
    "",
    "echo 'deploy: building the virtualenv'",
    "# VENV_OPTIONS (from the caller's environment): extra `python3 -m venv` options, split into words on purpose.",
    "# shellcheck disable=SC2086",
    'as_tool python3 -m venv ${VENV_OPTIONS:-} "$release/.venv"',
    'as_tool "$release/.venv/bin/pip" install --quiet --no-input -r "$release/$APP_REQUIREMENTS"',
    'if ! as_tool "$release/.venv/bin/python" -c "import gunicorn" 2>/dev/null; then',
    '  as_tool "$release/.venv/bin/pip" install --quiet --no-input "gunicorn==$GUNICORN_VERSION"',
    "fi",
    "",
    'if [ "$APP_FRAMEWORK" = django ]; then',
    "  echo 'deploy: django migrate and collectstatic'",
    "  # One server at a time: the migrate script holds a PostgreSQL advisory lock around `manage.py migrate`.",
    '  if [ "$APP_RUN_MIGRATIONS" = yes ] && [ -n "$APP_DB_GRANT_SCRIPT" ]; then "$APP_DB_GRANT_SCRIPT"; fi',
    '  if [ "$APP_RUN_MIGRATIONS" = yes ]; then as_app "$release/.venv/bin/python" "$APP_MIGRATE_SCRIPT"; fi',
    '  as_app "$release/.venv/bin/python" manage.py collectstatic --noinput',
    "fi",
    "",
    "# Atomic switch: rename(2) over the old symlink.",
    'ln -sfn "$release" "$APP_ROOT/current.next"',
    'mv -T "$APP_ROOT/current.next" "$APP_ROOT/current"',
    "",
    "for socket in $APP_SOCKETS; do",
    '  systemctl enable --quiet --now "$socket"',
    "done",
    "for service in $APP_SERVICES; do",
    '  systemctl enable --quiet "$service"',
    '  systemctl restart "$service"',
    "done",
    "",
    "# Keep the newest releases for a quick roll back. Release names are UTC timestamps, so the glob lists",
    "# them oldest first; the live release is never removed.",
    'live="$(readlink -f "$APP_ROOT/current")"',
    'set -- "$APP_ROOT"/releases/*/',
    'while [ "$#" -gt "$KEEP_RELEASES" ]; do',
    '  [ "${1%/}" = "$live" ] || rm -rf "${1%/}"',
    "  shift",
    "done",
    'echo "deploy: $(cat "$release/.release-commit") is live"',
  );
}

/** The advisory lock key of an app's migrations: stable, and different per app sharing a database server. */
export function migrationLockKey(appName: string): bigint {
  return BigInt(`0x${createHash("sha256").update(`fullstack-migrate:${appName}`).digest("hex").slice(0, 15)}`);
}

/**
 * `manage.py migrate` under a PostgreSQL advisory lock. Servers that deploy at once (the new servers of an
 * auto scaling group, a deploy run by hand during a release) migrate one after another, and those after
 * the first find nothing to do. The lock is transaction-scoped on a connection of its own, to the primary
 * (DATABASE_DIRECT_URL) when the app has one, so waiting servers hold no pool connection; through
 * PgBouncer in transaction mode a transaction keeps its server connection, where a session lock could be
 * released on another. While migrate runs the script touches the lock's transaction every half second,
 * so neither PostgreSQL's idle_in_transaction_session_timeout nor PgBouncer's idle_transaction_timeout
 * ends it, and it fails the deploy if the lock is lost anyway. Run by the deploy script as the app user,
 * in the release directory, with the app's environment.
 */
export function renderMigrateScript(app: AppSpec): string {
  return lines(
    "# Rendered by fullstack-pulumi. Usage (by the deploy script): <venv>/bin/python migrate.py, in the release directory.",
    "import os",
    "import subprocess",
    "import sys",
    "",
    `LOCK_KEY = ${migrationLockKey(app.name).toString()}`,
    'MIGRATE = [sys.executable, "manage.py", "migrate", "--noinput"]',
    "# URL schemes dj-database-url reads as PostgreSQL; libpq itself knows only the first two.",
    'POSTGRES_SCHEMES = ("postgres://", "postgresql://", "postgis://", "pgsql://")',
    "KEEPALIVE_SECONDS = 0.5",
    "",
    "",
    "def connect(url):",
    "    try:",
    "        import psycopg",
    "    except ImportError:",
    "        try:",
    "            import psycopg2 as psycopg",
    "        except ImportError:",
    "            return None",
    '    return psycopg.connect("postgresql://" + url.split("://", 1)[1])',
    "",
    "",
    "def migrate_holding(conn):",
    "    with conn.cursor() as cur:",
    '        print("migrate: waiting for the migration lock", flush=True)',
    '        cur.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))',
    '        cur.execute("SET LOCAL idle_in_transaction_session_timeout = 0")',
    '        print("migrate: holding the migration lock", flush=True)',
    "        proc = subprocess.Popen(MIGRATE)",
    "        lost = None",
    "        while True:",
    "            try:",
    "                return_code = proc.wait(timeout=KEEPALIVE_SECONDS)",
    "                break",
    "            except subprocess.TimeoutExpired:",
    "                pass",
    "            if lost is None:",
    "                try:",
    '                    cur.execute("SELECT 1")  # keeps the transaction, and so the lock, from idling out',
    "                    cur.fetchall()",
    "                except Exception as err:",
    "                    lost = err",
    '                    print(f"migrate: LOST the migration lock while migrating ({err}); another server may migrate at the same time", flush=True)',
    "    if lost is not None:",
    "        return return_code or 1",
    "    return return_code",
    "",
    "",
    "def main():",
    '    url = os.environ.get("DATABASE_DIRECT_URL") or os.environ.get("DATABASE_URL", "")',
    "    conn = connect(url) if url.startswith(POSTGRES_SCHEMES) else None",
    "    if conn is None:",
    '        print("migrate: no PostgreSQL DATABASE_URL or driver (psycopg, psycopg2): migrating without the lock", flush=True)',
    "        return subprocess.call(MIGRATE)",
    "    try:",
    "        return migrate_holding(conn)",
    "    finally:",
    "        try:",
    "            conn.close()  # ends the transaction, which releases the lock",
    "        except Exception as err:",
    '            print(f"migrate: closing the lock connection: {err}", flush=True)',
    "",
    "",
    'if __name__ == "__main__":',
    "    sys.exit(main())",
  );
}
