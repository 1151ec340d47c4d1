/**
 * What the app's database role needs on a managed PostgreSQL whose databases are created by the
 * cluster's admin (DigitalOcean: `DatabaseDb` is owned by doadmin, the app's `DatabaseUser` gets no
 * grants). Since PostgreSQL 15 the schema `public` is owned by `pg_database_owner` and only the database
 * owner may CREATE in it (PostgreSQL 15 release notes, "Migration to Version 15": "Remove PUBLIC
 * creation permission on the public schema" and "Change the owner of the public schema to the new
 * pg_database_owner role"), so without these grants `manage.py migrate` fails with "permission denied
 * for schema public".
 *
 * The SQL lives here and only here; tests/postgresGrants.test.ts runs it against a real PostgreSQL 15+.
 * GRANT is idempotent: running it on every release changes nothing once it has been granted.
 */
import { lines, shQuote } from "./text";

export interface AppGrant {
  /** The app's database (the URL the script connects with must point at it: schema grants are per database). */
  readonly database: string;
  /** The app's login role. */
  readonly user: string;
}

/** A PostgreSQL identifier, always quoted (names come from settings, but never trust a name in SQL). */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 63 || name.includes("\0")) throw new Error(`not a PostgreSQL identifier: ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The exact SQL the admin runs, connected to the app's database: the app role may connect and create
 * temporary tables there, and use and create in schema public (tables, indexes, sequences it then owns).
 */
export function renderAppGrantSql(grant: AppGrant): string {
  const db = quoteIdent(grant.database);
  const user = quoteIdent(grant.user);
  return lines(
    "-- Rendered by fullstack-pulumi: the app role's rights in its database (PostgreSQL 15+ gives CREATE on",
    "-- schema public to the database owner only; the cluster's admin owns this database). Idempotent.",
    "\\set ON_ERROR_STOP on",
    `GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${user};`,
    `GRANT USAGE, CREATE ON SCHEMA public TO ${user};`,
  );
}

/** How the cluster's admin connects to the app's database (libpq's own environment variables). */
export interface AdminConnection {
  /** The cluster's private host name. */
  readonly host: string;
  /** The cluster's port (not the pool's). */
  readonly port: number;
  /** The cluster's admin user. */
  readonly user: string;
  /** Secret. */
  readonly password: string;
  /** The app's database: schema grants are per database. */
  readonly database: string;
  /** e.g. "require" on managed clusters. */
  readonly sslmode: string;
}

/**
 * The root-only file the grant script reads: libpq's PG* variables, so the password reaches psql through
 * its environment (readable only by root), never on a command line or in the app's environment.
 */
export function renderAdminEnv(conn: AdminConnection): string {
  const value = (v: string) => {
    if (/[\n\r\0]/.test(v)) throw new Error("connection values must be one line");
    return shQuote(v);
  };
  return lines(
    "# shellcheck shell=sh",
    "# Rendered by fullstack-pulumi: the database admin's connection for the grant script. Secret: keep 0600 root.",
    `PGHOST=${value(conn.host)}`,
    `PGPORT=${value(String(conn.port))}`,
    `PGUSER=${value(conn.user)}`,
    `PGPASSWORD=${value(conn.password)}`,
    `PGDATABASE=${value(conn.database)}`,
    `PGSSLMODE=${value(conn.sslmode)}`,
  );
}

/**
 * Runs the grant SQL with psql as the cluster's admin, connection from the root-only file
 * {@link renderAdminEnv} renders. Exits non-zero when psql fails (ON_ERROR_STOP).
 */
export function renderGrantScript(paths: { adminEnvFile: string; sqlFile: string }): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: grant the app role its rights in its database, as the cluster's admin.",
    "set -eu",
    "# Only what the admin file sets reaches psql: no PG* variables from the caller.",
    "unset PGSERVICE PGSERVICEFILE PGPASSFILE PGOPTIONS",
    "set -a",
    `. ${shQuote(paths.adminEnvFile)}`,
    "set +a",
    `psql -X -q -v ON_ERROR_STOP=1 -f ${shQuote(paths.sqlFile)}`,
    'echo "db-grant: granted"',
  );
}
