"""Errors of imports and exports."""

from __future__ import annotations

from builder.exceptions import NotFound, ValidationFailed

__all__ = ["ImportNotFound", "SourceInvalid", "ValidationFailed"]


class SourceInvalid(ValidationFailed):
    """The uploaded file cannot be read; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__({"file": [message]})
        self.message = message


class ImportNotFound(NotFound):
    """No such import or export, or it belongs to someone else."""
