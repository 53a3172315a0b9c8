"""Errors of the job system."""

from __future__ import annotations

from builder.exceptions import JimuError


class UnknownJob(JimuError, LookupError):
    """No handler is registered under this job name (a programming or deployment error)."""

    status = 500

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"no job type is registered as {name!r}")
