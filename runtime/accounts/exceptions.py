"""Errors of the accounts package."""

from __future__ import annotations

from builder.exceptions import JimuError


class SignInFailed(JimuError):
    """Wrong e-mail or password (deliberately does not say which)."""

    status = 200


class SignInThrottled(JimuError):
    """Too many failed sign-ins for this account or address; try again later."""

    status = 429

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"retry after {retry_after} s")


class TokenInvalid(JimuError):
    """A reset or invitation link is unknown, expired or already used."""

    status = 400


class ActionRefused(JimuError):
    """An account change that the rules forbid (e.g. disabling the last administrator)."""

    status = 409

    def __init__(self, message: str):
        self.message = message
        self.errors = {"": [message]}
        super().__init__(message)
