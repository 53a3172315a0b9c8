"""Writing jobs into the outbox inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from builder.db import db, utcnow

from . import registry
from .models import JobRun, RunStatus


def enqueue(
    job: str,
    *args: int | str,
    run_key: str | None = None,
    at: datetime | None = None,
    delay: timedelta | None = None,
) -> JobRun:
    """Record a job to run after the current transaction commits.

    ``args`` are ids or short strings, never objects. ``run_key`` makes the job
    unique: enqueueing the same key twice fails on the database constraint.
    ``at`` / ``delay`` schedule it for later. Nothing is sent to Redis here;
    the dispatcher sends it after commit.
    """
    job_type = registry.get(job)
    run_at = at or (utcnow() + delay if delay else utcnow())
    run = JobRun(
        run_key=run_key or f"{job}:{':'.join(map(str, args))}:{utcnow().timestamp():.6f}",
        job=job,
        args=list(args),
        status=RunStatus.PENDING.value,
        max_attempts=job_type.max_attempts,
        run_at=run_at,
    )
    db.session.add(run)
    db.session.flush()
    return run
