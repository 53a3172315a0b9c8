"""Errors of the permissions package."""

from __future__ import annotations

from builder.exceptions import JimuError, PermissionDenied, ValidationFailed

__all__ = ["ClaimLost", "PermissionDenied", "PoolClosed", "PoolLimitReached"]


class PoolClosed(PermissionDenied):
    """The form has no public pool (or it is switched off)."""


class ClaimLost(JimuError):
    """Someone else claimed the record first (or it is not in the pool any more)."""

    status = 409


class PoolLimitReached(ValidationFailed):
    """The person already holds as many claimed records as the form allows."""
