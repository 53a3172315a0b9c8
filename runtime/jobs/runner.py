"""Run one job run: claim it atomically, call its handler, record the outcome.

:func:`execute` is the only function RQ ever calls. The claim is a conditional
UPDATE, so a run that is already running (lease held) or finished makes a second
delivery return quietly. While the handler runs, a small thread keeps extending
the lease; if the worker dies, the lease expires and the dispatcher sends the run
again. The success mark is written in the handler's own transaction, so database
work and "succeeded" commit together.
"""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from builder.db import db, utcnow

from . import domain, registry
from .exceptions import UnknownJob
from .models import JobRun, RunStatus

log = logging.getLogger(__name__)

T = JobRun.__table__
CLAIMABLE = (RunStatus.QUEUED.value, RunStatus.PENDING.value, RunStatus.RETRYING.value)
#: a delivery this early (clock skew, whole-second scheduling) waits instead of giving up
EARLY_GRACE_SECONDS = 2.0

_app: Flask | None = None
_app_lock = threading.Lock()
_current: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar(
    "jimu_job_attempt", default=None)


@dataclass(frozen=True)
class Attempt:
    """The attempt a handler is running in (see :func:`current_attempt`)."""

    run_id: int
    job: str
    args: tuple
    number: int
    max_attempts: int
    token: str

    @property
    def is_last(self) -> bool:
        """No retry follows if this attempt fails."""
        return self.number >= self.max_attempts


def set_app(app: Flask | None) -> None:
    """Use ``app`` for every job this process runs (called by the worker bootstrap)."""
    global _app
    with _app_lock:
        _app = app


def get_app() -> Flask:
    """The worker's app: the one set by the bootstrap, the current one, or a new one."""
    global _app
    if _app is not None:
        return _app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    with _app_lock:
        if _app is None:  # a plain `rq worker` process: build the app once
            from .. import create_app

            _app = create_app()
        return _app


def current_attempt() -> Attempt | None:
    """The attempt being run in this thread, for handlers that care (e.g. the last one)."""
    return _current.get()


def execute(run_id: int) -> None:
    """RQ entry point: run job run ``run_id`` once, in a fresh application context."""
    app = get_app()
    with app.app_context():
        try:
            _execute(app, int(run_id))
        finally:
            db.session.remove()


def _execute(app: Flask, run_id: int) -> None:
    if not _wait_until_due(run_id):
        return
    token = _token()
    attempt = _claim(run_id, token, app.config["JIMU_JOB_LEASE_SECONDS"])
    if attempt is None:
        log.debug("job run %s: already done or running elsewhere; nothing to do", run_id)
        return
    keeper = LeaseKeeper(db.engine, run_id, token, app.config["JIMU_JOB_LEASE_SECONDS"])
    keeper.start()
    started = time.monotonic()
    reset = _current.set(attempt)
    try:
        registry.get(attempt.job).handler(*attempt.args)
    except Exception:
        keeper.stop()
        _record_failure(attempt, traceback.format_exc(), _elapsed_ms(started))
    else:
        keeper.stop()
        _record_success(attempt, _elapsed_ms(started))
    finally:
        _current.reset(reset)
        keeper.join(5)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _token() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _wait_until_due(run_id: int) -> bool:
    """False if the run is gone or was delivered far too early (the sweep resends it)."""
    with db.engine.connect() as conn:
        row = conn.execute(select(T.c.status, T.c.run_at).where(T.c.id == run_id)).first()
    if row is None:
        return False
    early = (row.run_at - utcnow()).total_seconds()
    if row.status not in CLAIMABLE or early <= 0:
        return True
    if early <= EARLY_GRACE_SECONDS:
        time.sleep(early)
        return True
    with db.engine.begin() as conn:
        conn.execute(update(T).where(T.c.id == run_id, T.c.status == RunStatus.QUEUED.value)
                     .values(status=RunStatus.PENDING.value))
    return False


def _claim(run_id: int, token: str, lease_seconds: float) -> Attempt | None:
    """Take the run if it is waiting and due, or its previous worker's lease expired."""
    now = utcnow()
    waiting = and_(T.c.status.in_(CLAIMABLE), T.c.run_at <= now)
    abandoned = and_(T.c.status == RunStatus.RUNNING.value, T.c.lease_until < now,
                     T.c.attempts < T.c.max_attempts)
    with db.engine.begin() as conn:
        result = conn.execute(
            update(T).where(T.c.id == run_id, or_(waiting, abandoned)).values(
                status=RunStatus.RUNNING.value, attempts=T.c.attempts + 1, started_at=now,
                finished_at=None, lease_until=now + timedelta(seconds=lease_seconds),
                worker=token[:120]))
        if result.rowcount != 1:
            return None
        row = conn.execute(select(T.c.job, T.c.args, T.c.attempts, T.c.max_attempts)
                           .where(T.c.id == run_id)).one()
    return Attempt(run_id, row.job, tuple(row.args or ()), row.attempts, row.max_attempts,
                   token[:120])


def _mine(attempt: Attempt):
    return and_(T.c.id == attempt.run_id, T.c.status == RunStatus.RUNNING.value,
                T.c.worker == attempt.token)


def _record_success(attempt: Attempt, duration_ms: int) -> None:
    """Mark succeeded in the handler's transaction; if the lease was lost, undo everything."""
    result = db.session.execute(update(T).where(_mine(attempt)).values(
        status=RunStatus.SUCCEEDED.value, finished_at=utcnow(), duration_ms=duration_ms,
        lease_until=None, error=None))
    if result.rowcount != 1:
        db.session.rollback()
        log.warning("job run %s: lease lost before it finished; its work was rolled back",
                    attempt.run_id)
        return
    db.session.commit()
    log.info("job run %s (%s) succeeded in %d ms", attempt.run_id, attempt.job, duration_ms)


def _record_failure(attempt: Attempt, error: str, duration_ms: int) -> None:
    """Roll back the handler's work, keep the traceback, schedule a retry or give up."""
    db.session.rollback()
    now = utcnow()
    values = {"error": domain.truncate_error(error), "duration_ms": duration_ms,
              "lease_until": None}
    delay = None
    if attempt.is_last:
        values.update(status=RunStatus.FAILED.value, finished_at=now)
    else:
        delay = domain.retry_delay(_backoff(attempt.job), attempt.number)
        values.update(status=RunStatus.RETRYING.value, run_at=now + delay)
    result = db.session.execute(update(T).where(_mine(attempt)).values(**values))
    db.session.commit()
    log.warning("job run %s (%s) attempt %d/%d failed%s: %s", attempt.run_id, attempt.job,
                attempt.number, attempt.max_attempts,
                "" if delay is None else f", retrying in {delay.total_seconds():g} s",
                domain.error_summary(error))
    if result.rowcount == 1 and delay is not None:
        _send_retry(attempt.run_id)


def _backoff(job: str) -> float:
    try:
        return registry.get(job).backoff
    except UnknownJob:
        return registry.JobType.backoff


def _send_retry(run_id: int) -> None:
    """A retry due soon is sent now (to RQ's scheduler); later ones wait for the sweep."""
    from . import dispatcher

    try:
        dispatcher.dispatch_ids([run_id])
    except Exception:
        log.exception("job run %s: could not send the retry; the sweep will", run_id)


class LeaseKeeper(threading.Thread):
    """Extends a running attempt's lease every third of its length until stopped."""

    def __init__(self, engine: Engine, run_id: int, token: str, lease_seconds: float):
        super().__init__(name=f"jimu-lease-{run_id}", daemon=True)
        self.engine = engine
        self.run_id = run_id
        self.token = token[:120]
        self.lease = timedelta(seconds=lease_seconds)
        self.every = max(float(lease_seconds) / 3, 0.2)
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Renew until stopped or until the lease turns out to be lost."""
        while not self._stop_event.wait(self.every):
            try:
                with self.engine.begin() as conn:
                    result = conn.execute(update(T).where(
                        T.c.id == self.run_id, T.c.status == RunStatus.RUNNING.value,
                        T.c.worker == self.token).values(lease_until=utcnow() + self.lease))
                if result.rowcount != 1:
                    return
            except Exception:
                log.warning("job run %s: could not extend the lease", self.run_id, exc_info=True)

    def stop(self) -> None:
        """Stop renewing (does not wait: the caller may hold a database lock)."""
        self._stop_event.set()
