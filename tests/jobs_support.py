"""Test job handlers, importable by RQ workers in this and in child processes.

Every handler writes marks into ``jobs_test_mark`` on its own connection, so a
mark survives the handler's failure: tests count marks to see how often
something ran. ``python -c "from tests.jobs_support import main; main()"``
starts a worker process with these handlers registered (configured by env).
"""

from __future__ import annotations

import os
import time

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from builder.db import UTCDateTime, db, utcnow

metadata = MetaData()
marks = Table(
    "jobs_test_mark",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tag", String(100), nullable=False),
    Column("event", String(20), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)


def mark(tag: str, event: str) -> None:
    """Record that ``event`` happened for ``tag`` (committed at once, whatever follows)."""
    with db.engine.begin() as conn:
        conn.execute(insert(marks).values(tag=tag, event=event, pid=os.getpid(), at=utcnow()))


def count(tag: str, event: str = "done") -> int:
    """How many ``event`` marks ``tag`` has."""
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(marks)
                           .where(marks.c.tag == tag, marks.c.event == event)) or 0


def rows(tag: str) -> list:
    """Every mark of ``tag``, oldest first."""
    with db.engine.connect() as conn:
        return conn.execute(select(marks).where(marks.c.tag == tag).order_by(marks.c.id)).all()


def record(tag: str) -> None:
    """Succeed at once."""
    mark(tag, "done")


def flaky(tag: str, failures: int) -> None:
    """Fail the first ``failures`` attempts, then succeed."""
    mark(tag, "attempt")
    if count(tag, "attempt") <= int(failures):
        raise RuntimeError(f"flaky {tag}: failing on purpose")
    mark(tag, "done")


def broken(tag: str) -> None:
    """Always fail."""
    mark(tag, "attempt")
    raise ValueError(f"broken {tag}: <b>always</b> fails")


def slow(tag: str, seconds: str) -> None:
    """Mark the start, sleep, mark completion (a worker killed in between never completes)."""
    mark(tag, "start")
    time.sleep(float(seconds))
    mark(tag, "done")


def register_test_jobs() -> None:
    """Register the test handlers (short backoff so retries happen within a test)."""
    from runtime.jobs import registry

    for job_type in (
        registry.JobType("test.record", record, max_attempts=3, backoff=0.2),
        registry.JobType("test.flaky", flaky, max_attempts=3, backoff=0.2),
        registry.JobType("test.broken", broken, max_attempts=3, backoff=0.2),
        registry.JobType("test.slow", slow, max_attempts=3, backoff=0.2, timeout=60),
    ):
        registry.unregister(job_type.name)
        registry.register(job_type)


def unregister_test_jobs() -> None:
    """Remove the test handlers again."""
    from runtime.jobs import registry

    for name in ("test.record", "test.flaky", "test.broken", "test.slow"):
        registry.unregister(name)


def main() -> None:
    """Worker process entry: the app from the environment, test jobs, `jimu worker`."""
    import logging

    from runtime import create_app
    from runtime.jobs import worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(message)s")
    register_test_jobs()
    app = create_app()
    worker.run(app, burst=os.environ.get("JIMU_TEST_BURST") == "1")
