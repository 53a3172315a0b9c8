"""Errors of the app block; the shared ones come from builder.exceptions."""

from __future__ import annotations

from builder.exceptions import JimuError, NotFound, PermissionDenied, ValidationFailed
from builder.metadata import MetadataInvalid

__all__ = ["AppChanged", "MetadataInvalid", "NotFound", "PermissionDenied", "ValidationFailed"]


class AppChanged(JimuError):
    """Someone else saved the app after the editor loaded it (optimistic locking)."""

    status = 409

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"app is at version {current_version}")
