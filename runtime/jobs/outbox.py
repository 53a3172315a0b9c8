"""Writing jobs into the outbox inside the caller's transaction.

A job is a ``job_run`` row added to the same transaction as the change that
causes it: if the change rolls back, the job never existed. After the commit a
session hook asks the dispatcher to send the new rows to RQ at once; whatever
it cannot send (Redis down, process killed) the dispatcher's sweep sends later.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from flask import has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from builder.db import db, utcnow

from . import registry
from .models import JobRun, RunStatus

log = logging.getLogger(__name__)

#: ids of job runs to send after the session's transaction commits
DISPATCH_KEY = "jimu_jobs_to_dispatch"
MAX_ARG_LENGTH = 200


def enqueue(
    job: str,
    *args: int | str,
    run_key: str | None = None,
    at: datetime | None = None,
    delay: timedelta | None = None,
) -> JobRun:
    """Record a job to run after the current transaction commits (no commit here).

    ``args`` are ids or short strings, never objects. ``run_key`` makes the job
    unique: enqueueing a key that already exists adds nothing and returns the
    existing run. ``at`` / ``delay`` schedule it for later.
    """
    job_type = registry.get(job)
    _check_args(job, args)
    key = run_key or _default_key(job, args)
    if len(key) > 200:
        raise ValueError(f"run_key: at most 200 characters (got {len(key)})")
    if at is not None and at.tzinfo is None:
        raise ValueError("at: must be timezone-aware (use builder.db.utcnow())")
    now = utcnow()
    run_at = at or (now + delay if delay else now)
    values = {
        "run_key": key, "job": job, "args": list(args), "status": RunStatus.PENDING.value,
        "attempts": 0, "max_attempts": job_type.max_attempts, "run_at": run_at,
        "created_at": now,
    }
    run_id = _insert_once(values)
    if run_id is None:  # the run key exists: this job is already recorded
        return db.session.scalars(select(JobRun).where(JobRun.run_key == key)).one()
    mark_for_dispatch(run_id)
    return db.session.get(JobRun, run_id)


def enqueue_at(when: datetime, job: str, *args: int | str, run_key: str | None = None) -> JobRun:
    """Record a job to run at ``when`` (aware datetime), once, in any mode."""
    return enqueue(job, *args, run_key=run_key, at=when)


def enqueue_in(delta: timedelta, job: str, *args: int | str,
               run_key: str | None = None) -> JobRun:
    """Record a job to run ``delta`` from now, once, in any mode."""
    return enqueue(job, *args, run_key=run_key, delay=delta)


def mark_for_dispatch(run_id: int) -> None:
    """Ask for ``run_id`` to be sent to RQ right after the current transaction commits."""
    db.session.info.setdefault(DISPATCH_KEY, []).append(run_id)


def _check_args(job: str, args: tuple) -> None:
    for position, value in enumerate(args, start=1):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"{job}: argument {position} must be an id or a short string "
                            f"(got {type(value).__name__})")
        if isinstance(value, str) and len(value) > MAX_ARG_LENGTH:
            raise ValueError(f"{job}: argument {position}: at most {MAX_ARG_LENGTH} characters "
                             f"(got {len(value)})")


def _default_key(job: str, args: tuple) -> str:
    """Without a run key every enqueue is a new run: the key only has to be unique."""
    shown = ":".join(map(str, args))[:100]
    return f"{job}:{shown}:{uuid.uuid4().hex}"


def _insert_once(values: dict) -> int | None:
    """Insert unless the run key exists; the new id, or None. Race-free on both backends."""
    table = JobRun.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases: check first, let the constraint catch races
        if db.session.scalar(select(table.c.id).where(table.c.run_key == values["run_key"])):
            return None
        return db.session.execute(table.insert().values(**values)).inserted_primary_key[0]
    statement = (insert(table).values(**values)
                 .on_conflict_do_nothing(index_elements=["run_key"]).returning(table.c.id))
    return db.session.execute(statement).scalar()


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    """Hand the runs this transaction added to the dispatcher (never raises)."""
    ids = session.info.pop(DISPATCH_KEY, None)
    if not ids or not has_app_context():
        return
    from . import dispatcher

    dispatcher.send_committed(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    """Rolled back: the rows are gone, nothing to send."""
    session.info.pop(DISPATCH_KEY, None)
