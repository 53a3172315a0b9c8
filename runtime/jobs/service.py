"""The job-run log for administrators: list, count, retry. Permission checks live here."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from builder.db import db, utcnow
from builder.exceptions import NotFound, PermissionDenied, ValidationFailed
from builder.web import Actor

from . import domain, registry
from .models import JobRun, RunStatus
from .outbox import mark_for_dispatch

PER_PAGE = 50
STATUS_ORDER = [s.value for s in (RunStatus.PENDING, RunStatus.QUEUED, RunStatus.RUNNING,
                                  RunStatus.RETRYING, RunStatus.SUCCEEDED, RunStatus.FAILED,
                                  RunStatus.CANCELLED)]


@dataclass
class RunPage:
    """One page of the run log with what the filters need."""

    runs: list[JobRun]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    status: str | None = None
    job: str | None = None
    job_names: list[str] = field(default_factory=list)


def require_admin(actor: Actor | None) -> None:
    """Only administrators see and retry background jobs."""
    if actor is None or not actor.is_admin:
        raise PermissionDenied()


def list_runs(actor: Actor, *, status: str | None = None, job: str | None = None,
              page: int = 1) -> RunPage:
    """Runs newest first, filtered by status and job name, with counts per status."""
    require_admin(actor)
    if status and status not in STATUS_ORDER:
        raise ValidationFailed({"status": [_("Status: must be one of %(allowed)s (got %(got)s).",
                                             allowed=", ".join(STATUS_ORDER), got=status[:40])]})
    if job and len(job) > 100:
        raise ValidationFailed({"job": [_("Job: at most 100 characters (got %(n)d).",
                                          n=len(job))]})
    conditions = [c for c in (JobRun.status == status if status else None,
                              JobRun.job == job if job else None) if c is not None]
    total = db.session.scalar(select(func.count()).select_from(JobRun).where(*conditions)) or 0
    pages = domain.page_count(total, PER_PAGE)
    page = min(max(page, 1), pages)
    runs = list(db.session.scalars(select(JobRun).where(*conditions)
                                   .order_by(JobRun.created_at.desc(), JobRun.id.desc())
                                   .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    return RunPage(runs, total, page, pages, status_counts(actor), status, job, _job_names())


def status_counts(actor: Actor) -> dict[str, int]:
    """How many runs are in each status (every status present, zero if none)."""
    require_admin(actor)
    found = dict(db.session.execute(select(JobRun.status, func.count())
                                    .group_by(JobRun.status)).all())
    return {status: found.get(status, 0) for status in STATUS_ORDER}


def _job_names() -> list[str]:
    recorded = db.session.scalars(select(JobRun.job).distinct()).all()
    return sorted(set(recorded) | set(registry.names()))


def retry_run(actor: Actor, run_id: int) -> JobRun:
    """Give a failed run a fresh set of attempts now; it is sent right after commit."""
    require_admin(actor)
    run = db.session.get(JobRun, run_id, with_for_update=True, populate_existing=True)
    if run is None:
        raise NotFound()
    if run.status != RunStatus.FAILED.value:
        raise ValidationFailed(_("Only failed runs can be retried; run %(id)d has not failed.",
                                 id=run.id))
    run.status = RunStatus.PENDING.value
    run.run_at = utcnow()
    run.attempts = 0
    run.dispatched_at = run.lease_until = run.finished_at = None
    mark_for_dispatch(run.id)
    db.session.commit()
    return run
