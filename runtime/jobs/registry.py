"""Job handlers by name. Handlers take ids, re-read what they need and are idempotent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .exceptions import UnknownJob


@dataclass(frozen=True)
class JobType:
    """A named handler with its retry policy."""

    name: str
    #: an importable module-level function taking the run's args (ids, short strings)
    handler: Callable[..., None]
    max_attempts: int = 5
    #: first retry delay in seconds; doubles on each further attempt
    backoff: float = 10
    #: RQ kills an attempt that runs longer than this many seconds
    timeout: int = 600


_registry: dict[str, JobType] = {}
_platform_registered = False


def register(job_type: JobType) -> None:
    """Add a job type; registering a name twice is a programming error."""
    if job_type.name in _registry:
        raise ValueError(f"job type {job_type.name!r} is already registered")
    if job_type.max_attempts < 1:
        raise ValueError(f"job type {job_type.name!r}: max_attempts must be at least 1")
    _registry[job_type.name] = job_type


def unregister(name: str) -> None:
    """Remove a job type (tests register their own handlers and remove them after)."""
    _registry.pop(name, None)


def get(name: str) -> JobType:
    """The job type called ``name``; :class:`UnknownJob` if none is registered."""
    try:
        return _registry[name]
    except KeyError:
        raise UnknownJob(name) from None


def names() -> list[str]:
    """Every registered job name."""
    return sorted(_registry)


def register_all() -> None:
    """Register the platform's job types (called once by the app factory)."""
    global _platform_registered
    if _platform_registered:
        return
    from ..files import jobs as file_jobs
    from ..mail import jobs as mail_jobs
    from ..org import transfer
    from ..transfer import export as transfer_export
    from ..transfer import jobs as transfer_jobs

    register(JobType("mail.send", mail_jobs.send_mail, max_attempts=6, backoff=30, timeout=120))
    register(JobType(transfer.JOB, transfer.run_transfer, max_attempts=5, backoff=30,
                     timeout=3600))
    register(JobType("files.clean_orphan", file_jobs.clean_orphan, max_attempts=5, backoff=60,
                     timeout=120))
    # Imports commit chunk by chunk and resume after the last one, so a retry never
    # repeats work; a million rows take minutes, hence the long timeout.
    register(JobType("transfer.import", transfer_jobs.run_import, max_attempts=3, backoff=30,
                     timeout=4 * 3600))
    register(JobType("transfer.expire_import", transfer_jobs.expire_import, max_attempts=3))
    register(JobType("transfer.export", transfer_export.run_export, max_attempts=3, backoff=30,
                     timeout=3600))
    register(JobType("transfer.expire_export", transfer_export.expire_export, max_attempts=3))
    _platform_registered = True
