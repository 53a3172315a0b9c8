"""Runtime errors; the shared ones come from the builder (the lower layer)."""

from __future__ import annotations

from builder.exceptions import JimuError, NotFound, PermissionDenied, ValidationFailed

__all__ = ["ConfigurationError", "JimuError", "NotFound", "PermissionDenied", "ValidationFailed"]


class ConfigurationError(JimuError):
    """The environment does not allow the platform to start safely."""

    status = 500
