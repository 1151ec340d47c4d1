"""PostgreSQL access shared by the web app and both workers (RQ and Celery)."""
import os

import psycopg2

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id serial PRIMARY KEY,
    status text NOT NULL DEFAULT 'queued',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS heartbeats (
    id serial PRIMARY KEY,
    source text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""

# Any fixed number: serialises CREATE TABLE IF NOT EXISTS between gunicorn workers and task workers,
# which otherwise race on the catalog the first time they start together.
_SCHEMA_LOCK = 4242

_schema_ready = False


class NotConfigured(RuntimeError):
    """DATABASE_URL is not set: this server runs without a database."""


def database_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise NotConfigured("DATABASE_URL is not set")
    return url


def connect():
    """A new connection with the schema in place. Use it as `with closing(connect()) as conn:`."""
    global _schema_ready
    conn = psycopg2.connect(database_url(), connect_timeout=5, application_name="sample-app")
    if not _schema_ready:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            cur.execute(SCHEMA)
        _schema_ready = True
    return conn


def mark_done(job_id):
    """Marks one job done; returns whether the row existed."""
    conn = connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE jobs SET status = 'done' WHERE id = %s", (int(job_id),))
            return cur.rowcount == 1
    finally:
        conn.close()


def heartbeat(source):
    conn = connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("INSERT INTO heartbeats (source) VALUES (%s) RETURNING id", (source,))
            return cur.fetchone()[0]
    finally:
        conn.close()
