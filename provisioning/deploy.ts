/**
 * The release script: fetch the configured ref into a new release directory, build its virtualenv,
 * run the framework's hooks as the app user with the app's environment, switch the `current` symlink
 * atomically and restart the app's services. Also what an operator runs by hand:
 * `sudo <app>-deploy [ref]`.
 */
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
    APP_REQUIREMENTS: app.requirementsFile,
    APP_ENV_FILE: p.envFile,
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
    "# Run a command as the app user, with the app's environment, like its services do.",
    "as_app() {",
    '  systemd-run --quiet --wait --pipe --collect --service-type=exec \\',
    '    --uid="$APP_USER" --gid="$APP_USER" \\',
    '    --property=EnvironmentFile="$APP_ENV_FILE" \\',
    '    --setenv=HOME="$APP_ROOT" --setenv=PIP_DISABLE_PIP_VERSION_CHECK=1 \\',
    '    --working-directory="$release" -- "$@"',
    "}",
    "",
    'install -d -o "$APP_USER" -g "$APP_USER" -m 0755 "$APP_ROOT" "$APP_ROOT/releases" "$APP_ROOT/shared" \\',
    '  "$APP_ROOT/shared/static" "$APP_ROOT/shared/media" "$release"',
    "",
    'echo "deploy: fetching $ref from $APP_REPO"',
    "as_app git init --quiet .",
    'as_app git remote add origin "$APP_REPO"',
    'as_app git fetch --quiet --depth 1 origin "$ref"',
    "as_app git checkout --quiet --detach FETCH_HEAD",
    'as_app git rev-parse HEAD > "$release/.release-commit"',
    "",
    "echo 'deploy: building the virtualenv'",
    "# VENV_OPTIONS (from the caller's environment): extra `python3 -m venv` options, split into words on purpose.",
    "# shellcheck disable=SC2086",
    'as_app python3 -m venv ${VENV_OPTIONS:-} "$release/.venv"',
    'as_app "$release/.venv/bin/pip" install --quiet --no-input -r "$release/$APP_REQUIREMENTS"',
    'if ! as_app "$release/.venv/bin/python" -c "import gunicorn" 2>/dev/null; then',
    '  as_app "$release/.venv/bin/pip" install --quiet --no-input "gunicorn==$GUNICORN_VERSION"',
    "fi",
    "",
    'if [ "$APP_FRAMEWORK" = django ]; then',
    "  echo 'deploy: django migrate and collectstatic'",
    '  if [ "$APP_RUN_MIGRATIONS" = yes ]; then as_app "$release/.venv/bin/python" manage.py migrate --noinput; fi',
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
