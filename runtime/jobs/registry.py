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
    from ..mail import jobs as mail_jobs

    register(JobType("mail.send", mail_jobs.send_mail, max_attempts=6, backoff=30, timeout=120))
    _platform_registered = True
