"""Errors of the organisation package."""

from __future__ import annotations

from builder.exceptions import JimuError


class MoveRefused(JimuError):
    """A change to the tree that its rules forbid (a cycle, an archived department)."""

    status = 422

    def __init__(self, message: str):
        self.message = message
        self.errors = {"": [message]}
        super().__init__(message)
