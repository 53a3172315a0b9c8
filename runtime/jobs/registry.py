"""Job handlers by name. Handlers take ids, re-read what they need and are idempotent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobType:
    """A named handler with its retry policy."""

    name: str
    handler: Callable[..., None]
    max_attempts: int = 5
    #: first retry delay in seconds; doubles on each further attempt
    backoff: int = 10


_registry: dict[str, JobType] = {}


def register(job_type: JobType) -> None:
    """Add a job type; registering a name twice is a programming error."""
    if job_type.name in _registry:
        raise ValueError(f"job type {job_type.name!r} is already registered")
    _registry[job_type.name] = job_type


def get(name: str) -> JobType:
    """The job type called ``name``."""
    return _registry[name]


def names() -> list[str]:
    """Every registered job name."""
    return sorted(_registry)


def register_all() -> None:
    """Register the platform's job types (called once by the app factory)."""
    if _registry:
        return
    from ..mail import jobs as mail_jobs

    register(JobType("mail.send", mail_jobs.send_mail, max_attempts=6, backoff=30))
