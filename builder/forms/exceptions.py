"""Errors of the form block; the shared ones come from builder.exceptions."""

from __future__ import annotations

from builder.exceptions import NotFound, PermissionDenied, ValidationFailed
from builder.metadata import MetadataInvalid

__all__ = ["DraftChanged", "MetadataInvalid", "NotFound", "OperationInvalid",
           "PermissionDenied", "ValidationFailed"]


class DraftChanged(ValidationFailed):
    """The designer sent a change based on an older draft revision (someone saved since)."""

    status = 409

    def __init__(self, current_revision: int, message: str):
        self.current_revision = current_revision
        super().__init__({"": [message]})


class OperationInvalid(ValidationFailed):
    """A designer operation was refused; ``errors`` maps a property name to its messages."""
