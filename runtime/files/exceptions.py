"""Errors of the files package."""

from __future__ import annotations

from builder.exceptions import NotFound


class FileNotFound(NotFound):
    """No such file, or not one this user may see (always 404, never 403)."""


class FileRefused(Exception):
    """An upload the field does not take; ``message`` names the field and what it allows."""

    def __init__(self, message: str, status: int = 422):
        self.message = message
        self.status = status
        super().__init__(message)
