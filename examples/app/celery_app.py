"""Celery application. Run from the app directory with:

    celery -A celery_app worker -Q default
    celery -A celery_app beat          # exactly one, for the heartbeat below
"""
import os

from celery import Celery

import db

QUEUE = os.environ.get("WORKER_QUEUE", "default")

app = Celery(
    "celery_app",
    broker=os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "redis://localhost:6379/0"),
)
app.conf.update(
    task_default_queue=QUEUE,
    task_ignore_result=True,
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    beat_schedule={
        "heartbeat-every-minute": {"task": "celery_app.heartbeat", "schedule": 60.0},
    },
)
if os.environ.get("CELERY_BEAT_SCHEDULE"):
    app.conf.beat_schedule_filename = os.environ["CELERY_BEAT_SCHEDULE"]


@app.task(name="celery_app.mark_done")
def mark_done(job_id):
    """Marks the job row done (enqueued by POST /jobs)."""
    if not db.mark_done(job_id):
        raise LookupError(f"no job {job_id}")
    return job_id


@app.task(name="celery_app.heartbeat")
def heartbeat():
    """Runs every minute under celery beat: one row in the heartbeats table."""
    return db.heartbeat("celery")
