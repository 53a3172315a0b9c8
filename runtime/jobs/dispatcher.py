"""Send outbox rows to RQ: right after commit, and from a periodic sweep.

Every send starts with a *claim*: a conditional UPDATE (``WHERE id = ? AND
status = ?``) whose row count says whether this dispatcher won the row, so
several dispatchers (web processes, workers) never send the same row twice in
one round. A Redis error puts the claimed rows back as they were and never
reaches the caller. The sweep also re-sends rows RQ lost (queued, never started,
gone from Redis) and rows whose worker died (running, lease expired).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select, update

from builder.db import db, utcnow

from . import domain, queue, registry
from .exceptions import UnknownJob
from .models import JobRun, RunStatus

log = logging.getLogger(__name__)

T = JobRun.__table__
BATCH = 200
#: after a failed send, commits skip Redis for this long (the sweep keeps probing)
BREAKER_SECONDS = 5.0
DUE = (RunStatus.PENDING.value, RunStatus.RETRYING.value)
#: a stale row whose RQ job is still "scheduled" is overdue: no scheduler runs, so resend
ALIVE_IN_RQ = {JobStatus.QUEUED, JobStatus.DEFERRED}

_down_until: dict[str, float] = {}
_breaker_lock = threading.Lock()


@dataclass
class Claimed:
    """A row this dispatcher won, with what it needs to send it or put it back."""

    id: int
    job: str
    attempts: int
    run_at: datetime
    previous_status: str
    previous_dispatched_at: datetime | None
    stamp: datetime


# ---------------------------------------------------------------- entry points


def send_committed(ids: list[int]) -> None:
    """After commit: try to send these new runs now; on any trouble leave them pending."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _breaker_open(app) or not queue.can_send(app):
        return
    try:
        dispatch_ids(ids)
    except Exception:  # the commit already happened: the sweep will send them later
        log.exception("could not dispatch job runs %s after commit", ids)


def dispatch_ids(ids: list[int]) -> int:
    """Claim and send the given runs if they are pending or retrying and due soon."""
    if not queue.can_send():
        return 0
    now = utcnow()
    horizon = now + _lookahead()
    rows = _select(T.c.id.in_(ids), T.c.status.in_(DUE), T.c.run_at <= horizon)
    return _send(_claim(rows, now))


def sweep(app: Flask | None = None, *, redispatch_after: float | None = None) -> int:
    """One round: send due rows, re-send lost ones, recover expired leases. Sent count.

    ``redispatch_after`` overrides JIMU_REDISPATCH_AFTER (0 right after the embedded
    queue starts: a fresh fake Redis holds nothing, so every queued row was lost).
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if not queue.can_send(app):
        return 0
    now = utcnow()
    sent = _send(_claim(_select(T.c.status.in_(DUE), T.c.run_at <= now + _lookahead(),
                                limit=True), now))
    if redispatch_after is None:
        redispatch_after = float(app.config.get("JIMU_REDISPATCH_AFTER", 60))
    sent += _resend_lost(now, timedelta(seconds=redispatch_after))
    sent += _recover_expired(now)
    return sent


# ---------------------------------------------------------------- claiming


def _lookahead() -> timedelta:
    """Rows due within the next sweep go to RQ's scheduler now, so they fire on time."""
    return timedelta(seconds=float(current_app.config.get("JIMU_DISPATCH_INTERVAL", 2)) + 1)


def _select(*conditions, limit: bool = False):
    statement = (select(T.c.id, T.c.status, T.c.attempts, T.c.dispatched_at, T.c.lease_until)
                 .where(*conditions).order_by(T.c.run_at, T.c.id))
    if limit:
        statement = statement.limit(BATCH)
    with db.engine.connect() as conn:
        return conn.execute(statement).all()


def _claim(rows, now: datetime) -> list[Claimed]:
    """Move each row to queued if nobody changed it since we read it."""
    if not rows:
        return []
    won: dict[int, tuple[str, datetime | None]] = {}
    with db.engine.begin() as conn:
        for row in rows:
            conditions = [T.c.id == row.id, T.c.status == row.status]
            if row.status == RunStatus.QUEUED.value:
                conditions.append(T.c.dispatched_at == row.dispatched_at)
            if row.status == RunStatus.RUNNING.value:
                conditions.append(T.c.lease_until < now)
            result = conn.execute(update(T).where(*conditions).values(
                status=RunStatus.QUEUED.value, dispatched_at=now))
            if result.rowcount == 1:
                won[row.id] = (row.status, row.dispatched_at)
        if not won:
            return []
        fresh = conn.execute(select(T.c.id, T.c.job, T.c.attempts, T.c.run_at)
                             .where(T.c.id.in_(list(won)))).all()
    return [Claimed(r.id, r.job, r.attempts, r.run_at, won[r.id][0], won[r.id][1], now)
            for r in fresh]


def _release(rows: list[Claimed]) -> None:
    """Put rows we could not send back as they were, unless something else moved them."""
    with db.engine.begin() as conn:
        for row in rows:
            conn.execute(update(T).where(T.c.id == row.id, T.c.status == RunStatus.QUEUED.value,
                                         T.c.dispatched_at == row.stamp)
                         .values(status=row.previous_status,
                                 dispatched_at=row.previous_dispatched_at))


# ---------------------------------------------------------------- sending


def _send(rows: list[Claimed]) -> int:
    if not rows:
        return 0
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    rq_queue = queue.get_queue(app)
    for position, row in enumerate(rows):
        try:
            _enqueue(rq_queue, row)
        except (RedisError, OSError) as error:
            _trip_breaker(app, error)
            _release(rows[position:])
            return position
    _reset_breaker(app)
    return len(rows)


def _enqueue(rq_queue, row: Claimed) -> None:
    try:
        timeout = registry.get(row.job).timeout
    except UnknownJob:
        timeout = 600  # the runner records the error; the job still has to reach it
    options = {
        "job_id": domain.rq_job_id(row.id, row.attempts + 1),
        "job_timeout": timeout,
        "result_ttl": 600,
        "failure_ttl": 7 * 24 * 3600,
        "description": f"{row.job} (run {row.id})",
    }
    if row.run_at > utcnow() + timedelta(milliseconds=500):
        rq_queue.enqueue_at(domain.ceil_to_second(row.run_at), domain.RQ_FUNCTION, row.id,
                            **options)
    else:
        rq_queue.enqueue(domain.RQ_FUNCTION, row.id, **options)


def _resend_lost(now: datetime, after: timedelta) -> int:
    """Queued rows not started within ``after``: re-send those RQ lost."""
    cutoff = now - after
    rows = _select(T.c.status == RunStatus.QUEUED.value, T.c.dispatched_at <= cutoff,
                   T.c.run_at <= cutoff, limit=True)
    if not rows:
        return 0
    lost, waiting = _split_by_rq_state(rows)
    _touch(waiting, now)
    return _send(_claim(lost, now))


def _split_by_rq_state(rows) -> tuple[list, list]:
    """Rows RQ no longer holds (lost, failed, finished without us) vs still waiting in it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    connection = queue.connection(app)
    lost, waiting = [], []
    for row in rows:
        rq_id = domain.rq_job_id(row.id, row.attempts + 1)
        try:
            status = Job.fetch(rq_id, connection=connection).get_status()
        except NoSuchJobError:
            status = None
        except (RedisError, OSError) as error:
            _trip_breaker(app, error)
            return [], []
        (waiting if status in ALIVE_IN_RQ else lost).append(row)
    return lost, waiting


def _touch(rows, now: datetime) -> None:
    """Still waiting in RQ (a long queue, not a loss): check again later."""
    if not rows:
        return
    with db.engine.begin() as conn:
        for row in rows:
            conn.execute(update(T).where(T.c.id == row.id, T.c.status == RunStatus.QUEUED.value,
                                         T.c.dispatched_at == row.dispatched_at)
                         .values(dispatched_at=now))


def _recover_expired(now: datetime) -> int:
    """Running rows whose lease expired: the worker died. Run again, or give up."""
    rows = _select(T.c.status == RunStatus.RUNNING.value, T.c.lease_until < now, limit=True)
    if not rows:
        return 0
    _fail_exhausted([r.id for r in rows], now)
    again = _select(T.c.id.in_([r.id for r in rows]), T.c.status == RunStatus.RUNNING.value,
                    T.c.lease_until < now)
    for row in again:
        log.warning("job run %s: worker stopped responding (lease expired); sending again",
                    row.id)
    return _send(_claim(again, now))


def _fail_exhausted(ids: list[int], now: datetime) -> None:
    message = "The worker stopped responding during the last attempt (lease expired)."
    with db.engine.begin() as conn:
        conn.execute(update(T).where(T.c.id.in_(ids), T.c.status == RunStatus.RUNNING.value,
                                     T.c.lease_until < now, T.c.attempts >= T.c.max_attempts)
                     .values(status=RunStatus.FAILED.value, finished_at=now, lease_until=None,
                             error=message))


# ---------------------------------------------------------------- Redis health


def _breaker_key(app: Flask) -> str:
    return app.config.get("REDIS_URL") or "embedded"


def _breaker_open(app: Flask) -> bool:
    with _breaker_lock:
        return _down_until.get(_breaker_key(app), 0.0) > time.monotonic()


def _trip_breaker(app: Flask, error: Exception) -> None:
    key = _breaker_key(app)
    with _breaker_lock:
        was_down = key in _down_until
        _down_until[key] = time.monotonic() + BREAKER_SECONDS
    if not was_down:
        log.warning("Redis is unavailable (%s); job runs stay pending until it is back", error)


def _reset_breaker(app: Flask) -> None:
    with _breaker_lock:
        was_down = _down_until.pop(_breaker_key(app), None) is not None
    if was_down:
        log.warning("Redis is reachable again; sending pending job runs")


def _new_locks_after_fork() -> None:
    """A forked work horse may inherit locks held by the sweep thread: start afresh."""
    global _breaker_lock, _sweeper_lock, _sweeper
    _breaker_lock = threading.Lock()
    _sweeper_lock = threading.Lock()
    _sweeper = None  # threads do not survive a fork


# ---------------------------------------------------------------- sweep thread


class Sweeper(threading.Thread):
    """Runs :func:`sweep` every ``JIMU_DISPATCH_INTERVAL`` seconds in a daemon thread."""

    def __init__(self, app: Flask):
        super().__init__(name="jimu-dispatcher", daemon=True)
        self.app = app
        self.interval = float(app.config.get("JIMU_DISPATCH_INTERVAL", 2))
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Sweep until stopped; errors are logged and the next round tries again."""
        while True:
            try:
                with self.app.app_context():
                    sweep(self.app)
            except Exception:
                log.exception("dispatcher sweep failed")
            if self._stop_event.wait(self.interval):
                return

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish its round and wait for it."""
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


_sweeper: Sweeper | None = None
_sweeper_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_locks_after_fork)


def start_thread(app: Flask) -> Sweeper:
    """Start this process's sweep thread (once; later calls return the running one)."""
    global _sweeper
    with _sweeper_lock:
        if _sweeper is None or not _sweeper.is_alive():
            _sweeper = Sweeper(app)
            _sweeper.start()
        return _sweeper


def stop_thread() -> None:
    """Stop this process's sweep thread, if any (tests, shutdown)."""
    global _sweeper
    with _sweeper_lock:
        sweeper, _sweeper = _sweeper, None
    if sweeper is not None:
        sweeper.stop()
