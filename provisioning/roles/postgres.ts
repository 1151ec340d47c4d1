/**
 * Self-hosted PostgreSQL: the distribution's server with its cluster moved onto the data volume (so a
 * replacement server picks the data up again), listening only where told, scram-sha-256 for every
 * network client, the app's role and database created idempotently, and a nightly pg_dump kept for
 * `backupRetentionDays` days.
 */
import { lines, shQuote } from "../text";
import type { PostgresSpec, RolePart } from "../types";

export const POSTGRES_SETUP = "/usr/local/sbin/fullstack-postgres-setup";
export const POSTGRES_BACKUP = "/usr/local/sbin/fullstack-postgres-backup";
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
    "systemctl enable --quiet --now fullstack-postgres-backup.timer",
  );
}

export function renderPostgresBackup(): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: nightly logical backup of the app's database, kept PG_BACKUP_DAYS days.",
    "set -eu",
    `. ${POSTGRES_ENV}`,
    'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
    'target="$PG_BACKUP_DIR/$PG_DATABASE-$stamp.dump"',
    'runuser -u postgres -- pg_dump --format=custom --file="$target.partial" "$PG_DATABASE"',
    'mv "$target.partial" "$target"',
    'find "$PG_BACKUP_DIR" -name "$PG_DATABASE-*.dump" -type f -mtime "+$PG_BACKUP_DAYS" -delete',
    'echo "postgres backup: $target"',
  );
}

export function postgresRole(pg: PostgresSpec): RolePart {
  return {
    packages: ["postgresql", "postgresql-contrib"],
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
      {
        path: "/etc/systemd/system/fullstack-postgres-backup.service",
        permissions: "0644",
        content: lines(
          "# Rendered by fullstack-pulumi.",
          "[Unit]",
          "Description=Nightly pg_dump of the app's database",
          "After=postgresql.service",
          `RequiresMountsFor=${pg.backupDir}`,
          "",
          "[Service]",
          "Type=oneshot",
          `ExecStart=${POSTGRES_BACKUP}`,
        ),
      },
      {
        path: "/etc/systemd/system/fullstack-postgres-backup.timer",
        permissions: "0644",
        content: lines(
          "# Rendered by fullstack-pulumi.",
          "[Unit]",
          "Description=Nightly pg_dump of the app's database",
          "",
          "[Timer]",
          "OnCalendar=*-*-* 03:15:00",
          "RandomizedDelaySec=30min",
          "Persistent=true",
          "",
          "[Install]",
          "WantedBy=timers.target",
        ),
      },
    ],
    startsItself: ["postgresql"],
    runcmd: [["systemctl", "daemon-reload"], [POSTGRES_SETUP]],
  };
}
