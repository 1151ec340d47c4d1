"""RQ tasks. Run a worker from the app directory with:

    rq worker --url "$REDIS_URL" default
"""
import db


def mark_done(job_id):
    """Marks the job row done (enqueued by POST /jobs)."""
    if not db.mark_done(job_id):
        raise LookupError(f"no job {job_id}")
    return job_id


def heartbeat():
    """A periodic task for rq-scheduler or cron: one row in the heartbeats table."""
    return db.heartbeat("rq")
