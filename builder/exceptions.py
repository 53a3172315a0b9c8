"""Errors shared by builder and runtime; each maps to one HTTP status."""

from __future__ import annotations


class JimuError(Exception):
    """Base class of the platform's expected errors."""

    status = 400


class PermissionDenied(JimuError):
    """The acting user may not do this."""

    status = 403


class NotFound(JimuError):
    """The thing does not exist, or the acting user may not know it does."""

    status = 404


class ValidationFailed(JimuError):
    """Input was refused; ``errors`` maps a field (or JSON path) to its messages."""

    status = 422

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"": [errors]}
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" if k else ", ".join(v)
                                   for k, v in errors.items()))
