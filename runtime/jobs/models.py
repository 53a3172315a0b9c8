"""The job-run table: outbox entry, run log and idempotency guard in one row."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow

from .domain import error_summary


class RunStatus(StrEnum):
    """Where a job run stands."""

    PENDING = "pending"  # written in the caller's transaction, waiting to be sent to RQ
    QUEUED = "queued"  # handed to RQ, not started yet
    RUNNING = "running"  # a worker holds the lease
    SUCCEEDED = "succeeded"
    RETRYING = "retrying"  # failed, will be sent again at run_at
    FAILED = "failed"  # gave up after max_attempts (an admin may retry)
    CANCELLED = "cancelled"


class JobRun(db.Model):
    """One job to run exactly once, identified by its unique ``run_key``."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_key: Mapped[str] = mapped_column(String(200), unique=True)
    job: Mapped[str] = mapped_column(String(100))
    args: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def error_summary(self) -> str:
        """The error's last line, for a one-line view of what went wrong."""
        return error_summary(self.error)

    def __repr__(self) -> str:
        return f"<JobRun {self.id} {self.job} {self.status}>"
