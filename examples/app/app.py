"""Sample Flask app for the fullstack-pulumi servers. WSGI callable: app:app.

Environment:
  DATABASE_URL   PostgreSQL URL (postgresql://user:pass@host/db); needed by /jobs only.
  REDIS_URL      Redis URL (redis://host:6379/0); needed by POST /jobs only.
  WORKER_KIND    rq (default) or celery: which worker POST /jobs enqueues for.
  WORKER_QUEUE   queue name (default "default").
"""
import os
import socket
from contextlib import closing

from flask import Flask, jsonify, render_template_string

import db

app = Flask(__name__)

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sample app</title>
  <link rel="stylesheet" href="{{ url_for('static', filename='style.css') }}">
</head>
<body>
  <main>
    <h1>Sample app</h1>
    <p>Served by gunicorn on <code>{{ host }}</code> behind nginx.</p>
    <form method="post" action="/jobs"><button type="submit">Queue a job</button></form>
  </main>
</body>
</html>
"""


def worker_kind():
    kind = os.environ.get("WORKER_KIND", "rq").strip().lower()
    if kind not in ("rq", "celery"):
        raise ValueError(f"WORKER_KIND must be rq or celery, not {kind!r}")
    return kind


def queue_name():
    return os.environ.get("WORKER_QUEUE", "default")


def enqueue_mark_done(job_id):
    """Sends mark_done(job_id) to the configured worker through Redis."""
    if worker_kind() == "celery":
        from celery_app import mark_done  # imported lazily: RQ deployments need not configure Celery

        mark_done.apply_async(args=[job_id], queue=queue_name())
        return
    from redis import Redis
    from rq import Queue

    url = os.environ.get("REDIS_URL", "")
    if not url:
        raise db.NotConfigured("REDIS_URL is not set")
    Queue(queue_name(), connection=Redis.from_url(url)).enqueue("tasks.mark_done", job_id)


@app.get("/")
def index():
    return render_template_string(PAGE, host=socket.gethostname())


# The release the server runs (the VERSION file of this commit) and one setting from the environment:
# the server test releases new commits and settings in place and watches them arrive.
_VERSION_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "VERSION")
VERSION = open(_VERSION_FILE, encoding="utf-8").read().strip() if os.path.exists(_VERSION_FILE) else "unknown"


@app.get("/version")
def version():
    return {"version": VERSION, "greeting": os.environ.get("GREETING", "")}


@app.get("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@app.post("/jobs")
def create_job():
    with closing(db.connect()) as conn:
        with conn, conn.cursor() as cur:
            cur.execute("INSERT INTO jobs (status) VALUES ('queued') RETURNING id, status, created_at")
            job_id, status, created_at = cur.fetchone()
    enqueue_mark_done(job_id)
    return jsonify(id=job_id, status=status, created_at=created_at.isoformat()), 201


@app.get("/jobs/<int:job_id>")
def get_job(job_id):
    with closing(db.connect()) as conn:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT id, status, created_at FROM jobs WHERE id = %s", (job_id,))
            row = cur.fetchone()
    if row is None:
        return jsonify(error="not found"), 404
    return jsonify(id=row[0], status=row[1], created_at=row[2].isoformat())


@app.get("/heartbeats")
def heartbeats():
    with closing(db.connect()) as conn:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*), max(created_at) FROM heartbeats")
            count, latest = cur.fetchone()
    return jsonify(count=count, latest=latest.isoformat() if latest else None)


@app.errorhandler(db.NotConfigured)
def not_configured(err):
    return jsonify(error=str(err)), 503
