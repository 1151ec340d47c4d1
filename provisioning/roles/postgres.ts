/**
 * Self-hosted PostgreSQL: the distribution's server with its cluster moved onto the data volume (so a
 * replacement server picks the data up again), listening only where told, scram-sha-256 for every
 * network client, the app's role and database created idempotently, and a nightly pg_dump kept for
 * `backupRetentionDays` days.
 */
import { lines, shQuote } from "../text";
import type { BackupStoreSpec, PostgresSpec, RolePart, WriteFile } from "../types";
import { HEARTBEAT_CHECKS, HEARTBEAT_LIB } from "./heartbeat";

export const POSTGRES_SETUP = "/usr/local/sbin/fullstack-postgres-setup";
export const POSTGRES_BACKUP = "/usr/local/sbin/fullstack-postgres-backup";
/** The backup's systemd service and timer (`.service`, `.timer`). */
export const POSTGRES_BACKUP_UNIT = "fullstack-postgres-backup";
export const POSTGRES_ENV = "/etc/fullstack/postgres.env";

export function renderPostgresEnv(pg: PostgresSpec): string {
  return lines(
    "# shellcheck shell=sh",
    "# Rendered by fullstack-pulumi: PostgreSQL settings. Secret: keep 0600.",
    `PG_DATABASE=${shQuote(pg.database)}`,
    `PG_USER=${shQuote(pg.user)}`,
    `PG_PASSWORD=${shQuote(pg.password)}`,
    `PG_LISTEN=${shQuote(pg.listen.join(","))}`,
    `PG_ALLOWED=${shQuote(pg.allowedCidrs.join(" "))}`,
    `PG_DATA_ROOT=${shQuote(pg.dataRoot)}`,
    `PG_BACKUP_DIR=${shQuote(pg.backupDir)}`,
    `PG_BACKUP_DAYS=${shQuote(String(pg.backupRetentionDays))}`,
    `PG_OFFSITE_BUCKET=${shQuote(pg.offsite?.bucket ?? "")}`,
    `PG_OFFSITE_PREFIX=${shQuote(pg.offsite?.prefix ?? "")}`,
    `PG_OFFSITE_OPTIONS=${shQuote(pg.offsite?.serverSideEncryption ? "--server-side-encryption" : "")}`,
    `PG_DRILL_PROBE=${shQuote(pg.restoreProbeSql ?? "")}`,
    `PG_DRILL_APP=${shQuote(pg.djangoApp ?? "")}`,
  );
}

/** A drop-in for Debian's createcluster.conf (postgresql-common). */
export const CREATECLUSTER_CONF = "/etc/postgresql-common/createcluster.d/50-fullstack.conf";

export function renderPostgresSetup(): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: puts the PostgreSQL cluster on the data volume and creates the app's role",
    "# and database. Safe to run again: existing data is reused, never initialised over.",
    "set -eu",
    `. ${POSTGRES_ENV}`,
    "",
    "version=$(pg_lsclusters --no-header | awk 'NR == 1 { print $1 }')",
    `if [ -z "$version" ]; then version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\\n' | sort -n | tail -n 1); fi`,
    'datadir="$PG_DATA_ROOT/$version/main"',
    "current=$(pg_lsclusters --no-header | awk -v v=\"$version\" '$1 == v && $2 == \"main\" { print $6 }')",
    "",
    'if [ "$current" != "$datadir" ]; then',
    '  if [ -n "$current" ]; then pg_dropcluster --stop "$version" main; fi',
    '  install -d -o postgres -g postgres -m 0700 "$PG_DATA_ROOT" "$PG_DATA_ROOT/$version"',
    '  if [ -f "$datadir/PG_VERSION" ]; then',
    '    echo "postgres: reusing the cluster already on the volume at $datadir"',
    '    pg_createcluster --datadir="$datadir" "$version" main',
    "  else",
    '    pg_createcluster --datadir="$datadir" "$version" main -- --auth-local=peer --auth-host=scram-sha-256 --data-checksums',
    "  fi",
    "fi",
    "",
    'conf="/etc/postgresql/$version/main"',
    'cat > "$conf/conf.d/10-fullstack.conf" <<EOF',
    "# Rendered by fullstack-pulumi.",
    "listen_addresses = '$PG_LISTEN'",
    "password_encryption = scram-sha-256",
    "EOF",
    "# Only the app's role, only its database, only from the allowed networks.",
    'hba="$conf/pg_hba.conf"',
    "sed -i '/# fullstack-begin/,/# fullstack-end/d' \"$hba\"",
    "{",
    "  echo '# fullstack-begin'",
    '  for cidr in $PG_ALLOWED; do',
    '    echo "host $PG_DATABASE $PG_USER $cidr scram-sha-256"',
    "  done",
    "  echo '# fullstack-end'",
    '} >> "$hba"',
    "",
    'systemctl enable --quiet "postgresql@$version-main"',
    'systemctl restart "postgresql@$version-main"',
    "",
    "# The password travels in the environment, never on a command line.",
    'export PG_USER PG_PASSWORD PG_DATABASE',
    "runuser -u postgres -- psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 <<'SQL'",
    "\\getenv user PG_USER",
    "\\getenv password PG_PASSWORD",
    "\\getenv database PG_DATABASE",
    "SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \\gexec",
    "ALTER ROLE :\"user\" WITH LOGIN PASSWORD :'password';",
    "SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') \\gexec",
    "SQL",
    "",
    'install -d -o postgres -g postgres -m 0700 "$PG_BACKUP_DIR"',
    `systemctl enable --quiet --now ${POSTGRES_BACKUP_UNIT}.timer`,
  );
}

/** s3cmd's settings for the off-box copies (root-only: it may hold the bucket's key). */
export const BACKUP_STORE_CFG = "/etc/fullstack/backup-store.s3cfg";
export const POSTGRES_RESTORE_DRILL = "/usr/local/sbin/fullstack-postgres-restore-drill";
/** The restore drill's systemd service and timer (`.service`, `.timer`). */
export const POSTGRES_DRILL_UNIT = "fullstack-postgres-restore-drill";
/** The throwaway cluster the drill restores into: its name, port and socket directory. */
export const DRILL_CLUSTER = { name: "drill", port: 5499, socketDir: "/run/fullstack-restore-drill" } as const;

/** How far each job's timer moves a run at random after its calendar time (systemd.timer RandomizedDelaySec). */
export const JOB_RANDOM_DELAY_MINUTES = 30;
/** Seconds between two runs of the backup (daily), and of the drill on each schedule (a month: up to 31 days). */
export const BACKUP_EVERY_SECONDS = 86_400;
export const DRILL_EVERY_SECONDS: Record<Exclude<NonNullable<PostgresSpec["restoreDrill"]>, "off">, number> = {
  daily: 86_400,
  weekly: 7 * 86_400,
  monthly: 31 * 86_400,
};

/** When each restore drill schedule runs (systemd.time(7) calendar events), on the single box and elsewhere. */
export const DRILL_CALENDAR: Record<Exclude<NonNullable<PostgresSpec["restoreDrill"]>, "off">, string> = {
  daily: "*-*-* 05:00:00",
  weekly: "Sun *-*-* 05:00:00",
  monthly: "*-*-01 05:00:00",
};

export function renderBackupStoreConfig(store: BackupStoreSpec): string {
  return lines(
    "# Rendered by fullstack-pulumi: where the nightly dumps are copied off the box (s3cmd). Secret: keep 0600.",
    "[default]",
    // Without keys, s3cmd takes the instance role's credentials from the instance metadata service.
    store.accessKey !== undefined ? `access_key = ${store.accessKey}` : undefined,
    store.secretKey !== undefined ? `secret_key = ${store.secretKey}` : undefined,
    `host_base = ${store.host}`,
    `host_bucket = %(bucket)s.${store.host}`,
    `bucket_location = ${store.region}`,
    "use_https = True",
    "check_ssl_certificate = True",
    "signature_v2 = False",
  );
}

/**
 * Shared by the backup and the drill: run the job itself (`$0 --run`) with its output captured, ping the
 * heartbeat at the start and with the job's exit status and output at the end, and show the output.
 */
export function jobWrapper(heartbeatName: string): string[] {
  return [
    `. ${HEARTBEAT_LIB}`,
    'if [ "${1:-}" != --run ]; then',
    `  heartbeat ${heartbeatName} start`,
    '  log=$(mktemp)',
    '  status=0',
    '  "$0" --run > "$log" 2>&1 || status=$?',
    '  cat "$log"',
    `  heartbeat ${heartbeatName} "$status" "$log"`,
    '  rm -f "$log"',
    '  exit "$status"',
    "fi",
  ];
}

export function renderPostgresBackup(): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: nightly logical backup of the app's database, kept PG_BACKUP_DAYS days on",
    "# the volume and, when a bucket is set up, copied off the box (the bucket expires it after as many days).",
    "set -eu",
    `. ${POSTGRES_ENV}`,
    ...jobWrapper(HEARTBEAT_CHECKS.backup),
    'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
    'target="$PG_BACKUP_DIR/$PG_DATABASE-$stamp.dump"',
    'runuser -u postgres -- pg_dump --format=custom --file="$target.partial" "$PG_DATABASE"',
    'mv "$target.partial" "$target"',
    'find "$PG_BACKUP_DIR" -name "$PG_DATABASE-*.dump" -type f -mtime "+$PG_BACKUP_DAYS" -delete',
    'echo "postgres backup: $target ($(stat -c %s "$target") bytes)"',
    'if [ -n "$PG_OFFSITE_BUCKET" ]; then',
    '  object="s3://$PG_OFFSITE_BUCKET/$PG_OFFSITE_PREFIX${target##*/}"',
    "  # shellcheck disable=SC2086 # PG_OFFSITE_OPTIONS: words on purpose",
    `  s3cmd --config=${BACKUP_STORE_CFG} --no-progress --quiet $PG_OFFSITE_OPTIONS put "$target" "$object"`,
    '  echo "postgres backup: copied off the box to $object"',
    "fi",
  );
}

/**
 * The restore drill's checks, one home for every drill (the single box's throwaway cluster, a managed
 * database's restored copy: provisioning/aws/rdsRestoreDrill.ts): every table's rows (counted, not
 * estimated), `PG_DRILL_PROBE` (one row, first column true), and Django's `manage.py migrate --check` of
 * the app `PG_DRILL_APP` (when it is on this server) against the restored database. Shell lines that expect
 * `drill_psql` (psql on the restored database, `-At`, ON_ERROR_STOP), `$PG_DATABASE`, and a private work
 * directory `$work`; they leave the summary in `$checks` and exit 1 with the reason on stderr when a check
 * fails. `scratchUrl`: the restored database's URL as a double-quoted shell word (Django connects with it).
 */
export function renderDrillChecks(opts: { scratchUrl: string }): string[] {
  return [
    "# Every table's rows (counted, not estimated).",
    `drill_psql --dbname="$PG_DATABASE" -F ' ' > "$work/counts" <<'SQL'`,
    "SELECT format('SELECT %L, count(*) FROM %I.%I', table_schema || '.' || table_name, table_schema, table_name)",
    "FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    "ORDER BY 1 \\gexec",
    "SQL",
    'tables=$(wc -l < "$work/counts")',
    `rows=$(awk '{ n += $2 } END { print n + 0 }' "$work/counts")`,
    'checks="$tables tables, $rows rows"',
    'if [ -n "$PG_DRILL_PROBE" ]; then',
    '  answer=$(drill_psql --dbname="$PG_DATABASE" -c "$PG_DRILL_PROBE" | head -n 1)',
    '  [ "$answer" = t ] || { echo "restore drill: the probe query answered \\"$answer\\", not true: $PG_DRILL_PROBE" >&2; exit 1; }',
    '  checks="$checks; probe true"',
    "fi",
    'if [ -n "$PG_DRILL_APP" ] && [ -f "/srv/$PG_DRILL_APP/current/manage.py" ]; then',
    "  # The app's environment with the scratch database in place of its own.",
    '  grep -v -E "^(DATABASE_URL|DATABASE_DIRECT_URL)=" "/etc/$PG_DRILL_APP/app.env" > "$work/app.env"',
    `  echo "DATABASE_URL=\\"${opts.scratchUrl}\\"" >> "$work/app.env"`,
    '  chmod 0600 "$work/app.env"',
    '  if ! systemd-run --quiet --wait --pipe --collect --service-type=exec --uid="$PG_DRILL_APP" --gid="$PG_DRILL_APP" \\',
    '    --property=EnvironmentFile="$work/app.env" --setenv=HOME="/srv/$PG_DRILL_APP" --working-directory="/srv/$PG_DRILL_APP/current" -- \\',
    '    "/srv/$PG_DRILL_APP/current/.venv/bin/python" manage.py migrate --check; then',
    '    echo "restore drill: the restored database lacks migrations the running release has (manage.py migrate --check)" >&2',
    "    exit 1",
    "  fi",
    '  checks="$checks; migrate --check clean"',
    "fi",
  ];
}

export function renderRestoreDrill(): string {
  const c = DRILL_CLUSTER;
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: restores the latest backup (off the box when there is a copy there) into a",
    "# throwaway cluster on this server, checks it (every table's rows, the probe query, Django's migrate",
    "# --check), reports the data-loss window and the restore's duration, and removes the cluster.",
    "set -eu",
    `. ${POSTGRES_ENV}`,
    ...jobWrapper(HEARTBEAT_CHECKS.drill),
    `version=$(pg_lsclusters --no-header | awk '$2 == "main" { print $1; exit }')`,
    '[ -n "$version" ] || { echo "restore drill: no main cluster" >&2; exit 1; }',
    'scratch="$PG_DATA_ROOT/restore-drill"',
    `sock=${c.socketDir}`,
    'work=""',
    "cleanup() {",
    `  pg_dropcluster --stop "$version" ${c.name} 2>/dev/null || true`,
    '  rm -rf "$scratch" "$sock" "$work"',
    "}",
    "cleanup",
    "work=$(mktemp -d)",
    "trap cleanup EXIT",
    "",
    "# The throwaway cluster lives on the data volume beside the real one: it must never fill the volume.",
    `need=$(runuser -u postgres -- psql --no-psqlrc -At -c "SELECT pg_database_size(current_database())" "$PG_DATABASE")`,
    `avail=$(df --output=avail -B1 "$PG_DATA_ROOT" | tail -n 1)`,
    'if [ "$avail" -lt $(( need * 2 + 1073741824 )) ]; then',
    '  echo "restore drill: $PG_DATA_ROOT has $avail bytes free; restoring a database of $need bytes needs twice that and 1 GiB more, so the drill does not run (grow volumeSizeGb)" >&2',
    "  exit 1",
    "fi",
    "",
    "# The newest dump: from the bucket when one is set up (what a lost volume leaves), else from the volume.",
    'if [ -n "$PG_OFFSITE_BUCKET" ]; then',
    `  source=$(s3cmd --config=${BACKUP_STORE_CFG} ls "s3://$PG_OFFSITE_BUCKET/$PG_OFFSITE_PREFIX" | awk '{ print $4 }' | grep -E "/$PG_DATABASE-[0-9]{8}T[0-9]{6}Z\\.dump$" | sort | tail -n 1 || true)`,
    '  [ -n "$source" ] || { echo "restore drill: no backup in s3://$PG_OFFSITE_BUCKET/$PG_OFFSITE_PREFIX" >&2; exit 1; }',
    `  s3cmd --config=${BACKUP_STORE_CFG} --no-progress --quiet get "$source" "$work/latest.dump"`,
    "else",
    `  source=$(find "$PG_BACKUP_DIR" -maxdepth 1 -type f -name "$PG_DATABASE-*.dump" | sort | tail -n 1)`,
    '  [ -n "$source" ] || { echo "restore drill: no backup in $PG_BACKUP_DIR" >&2; exit 1; }',
    '  cp "$source" "$work/latest.dump"',
    "fi",
    'stamp=${source##*-}',
    'stamp=${stamp%.dump}',
    `taken=$(date -u -d "$(echo "$stamp" | sed -E 's/^(....)(..)(..)T(..)(..)(..)Z$/\\1-\\2-\\3 \\4:\\5:\\6 UTC/')" +%s)`,
    "window=$(( $(date +%s) - taken ))",
    "",
    "started=$(date +%s)",
    'chown -R postgres:postgres "$work"',
    'install -d -o postgres -g postgres -m 0700 "$scratch"',
    "# Only postgres (and the app's user, for Django's check) reach the socket; local connections are trusted.",
    'install -d -o postgres -g "${PG_DRILL_APP:-postgres}" -m 0750 "$sock"',
    `pg_createcluster --datadir="$scratch/data" --socketdir="$sock" --port=${c.port} --start "$version" ${c.name} -- --auth-local=trust --auth-host=reject >/dev/null`,
    `drill_psql() { runuser -u postgres -- psql --host="$sock" --port=${c.port} --no-psqlrc --quiet -At -v ON_ERROR_STOP=1 "$@"; }`,
    'drill_psql --dbname=postgres -c "CREATE DATABASE \\"$PG_DATABASE\\""',
    `runuser -u postgres -- pg_restore --host="$sock" --port=${c.port} --no-owner --no-privileges --exit-on-error --dbname="$PG_DATABASE" "$work/latest.dump"`,
    "restored=$(( $(date +%s) - started ))",
    "",
    ...renderDrillChecks({ scratchUrl: `postgresql://postgres@/$PG_DATABASE?host=$sock&port=${c.port}` }),
    'echo "restore drill: ok; backup $source taken $(date -u -d "@$taken" +%Y-%m-%dT%H:%M:%SZ); data-loss window $window s; restore $restored s; $checks"',
  );
}

/**
 * A managed database's drill (RDS restore, DigitalOcean fork), in seconds: how long the copy may take to
 * become usable before the drill fails (and deletes it), how long a leftover copy may take to disappear,
 * and how often the drill looks (FULLSTACK_DRILL_POLL_SECONDS overrides that, for tests only).
 */
export const MANAGED_DRILL_SECONDS = { wait: 3600, gone: 1800, poll: 30 } as const;

/**
 * Python both managed drills share: `stop` (a signal handler: systemctl stop raises, so the finally clause
 * still deletes the `copy`, the drill's word for it) and `app_env()` (the app's env file, KEY="value" lines
 * with backslash escapes, as a dict). Needs `re`, `APP_ENV` and a `Failed` exception defined before.
 */
export function managedDrillCommonPython(copy: string): string[] {
  return [
    `def stop(signum, frame):  # systemctl stop: the finally clause still deletes the ${copy}`,
    "    raise Failed(f'stopped by signal {signum}')",
    "",
    "def app_env():",
    "    env = {}",
    "    with open(APP_ENV) as f:",
    "        for line in f:",
    "            m = re.match(r'^([A-Za-z_][A-Za-z0-9_]*)=\"(.*)\"$', line.rstrip('\\n'))",
    "            if m:",
    "                env[m.group(1)] = re.sub(r'\\\\(.)', r'\\1', m.group(2))",
    "    return env",
  ];
}

/** Those timings as the drill scripts' Python constants (WAIT_SECONDS, GONE_SECONDS, POLL). */
export function managedDrillTimingPython(): string[] {
  const t = MANAGED_DRILL_SECONDS;
  return [`WAIT_SECONDS = ${t.wait}`, `GONE_SECONDS = ${t.gone}`, `POLL = float(os.environ.get('FULLSTACK_DRILL_POLL_SECONDS', '${t.poll}'))`];
}

/**
 * The drill's two measurements in its report line (data-loss window, restore duration, in seconds), as a
 * regular expression: the metrics reporter reads them from the drill's output with it.
 */
export const DRILL_REPORT_NUMBERS = /data-loss window (\d+) s; restore (\d+) s/;

/**
 * A oneshot service and the timer that starts it (persistent: a run missed while powered off runs at boot).
 * `mountsFor`: a path whose mount the job needs (the data volume), if any.
 */
export function scheduledJob(unit: string, job: { description: string; timerDescription?: string; after: string; mountsFor?: string; exec: string; calendar: string }): WriteFile[] {
  return [
    {
      path: `/etc/systemd/system/${unit}.service`,
      permissions: "0644",
      content: lines(
        "# Rendered by fullstack-pulumi.", "[Unit]", `Description=${job.description}`, `After=${job.after}`, job.mountsFor !== undefined ? `RequiresMountsFor=${job.mountsFor}` : undefined,
        "", "[Service]", "Type=oneshot", `ExecStart=${job.exec}`,
      ),
    },
    {
      path: `/etc/systemd/system/${unit}.timer`,
      permissions: "0644",
      content: lines(
        "# Rendered by fullstack-pulumi.", "[Unit]", `Description=${job.timerDescription ?? job.description}`, "", "[Timer]",
        `OnCalendar=${job.calendar}`, `RandomizedDelaySec=${JOB_RANDOM_DELAY_MINUTES}min`, "Persistent=true", "", "[Install]", "WantedBy=timers.target",
      ),
    },
  ];
}

export function postgresRole(pg: PostgresSpec): RolePart {
  const drill = pg.restoreDrill !== undefined && pg.restoreDrill !== "off" ? DRILL_CALENDAR[pg.restoreDrill] : undefined;
  return {
    packages: ["postgresql", "postgresql-contrib", ...(pg.offsite ? ["s3cmd"] : [])],
    writeFiles: [
      // Written before the packages install: Debian's postinst then creates no "main" cluster on the root
      // disk (maintscripts-functions reads create_main_cluster through createcluster.conf's include_dir),
      // so the only initdb is the setup script's, on the data volume.
      {
        path: CREATECLUSTER_CONF, permissions: "0644",
        content: lines("# Rendered by fullstack-pulumi: the cluster lives on the data volume (fullstack-postgres-setup).", "create_main_cluster = false"),
      },
      { path: POSTGRES_ENV, permissions: "0600", content: renderPostgresEnv(pg), secret: true },
      { path: POSTGRES_SETUP, permissions: "0755", content: renderPostgresSetup() },
      { path: POSTGRES_BACKUP, permissions: "0755", content: renderPostgresBackup() },
      ...scheduledJob(POSTGRES_BACKUP_UNIT, {
        description: "Nightly pg_dump of the app's database", after: "postgresql.service", mountsFor: pg.backupDir,
        exec: POSTGRES_BACKUP, calendar: "*-*-* 03:15:00",
      }),
      ...(pg.offsite ? [{ path: BACKUP_STORE_CFG, permissions: "0600", content: renderBackupStoreConfig(pg.offsite), secret: true }] : []),
      ...(drill ? [
        { path: POSTGRES_RESTORE_DRILL, permissions: "0755", content: renderRestoreDrill() },
        ...scheduledJob(POSTGRES_DRILL_UNIT, {
          description: "Restore drill: the latest backup restored into a throwaway cluster and checked",
          timerDescription: "Restore drill of the app's database",
          after: `postgresql.service ${POSTGRES_BACKUP_UNIT}.service`, mountsFor: pg.dataRoot, exec: POSTGRES_RESTORE_DRILL, calendar: drill,
        }),
      ] : []),
    ],
    startsItself: ["postgresql"],
    runcmd: [
      ["systemctl", "daemon-reload"], [POSTGRES_SETUP],
      ...(drill ? [["systemctl", "enable", "--quiet", "--now", `${POSTGRES_DRILL_UNIT}.timer`]] : []),
    ],
  };
}
