"""Brute-force protection: exponential backoff per account and per IP address.

Counters live in the database so every web process sees the same numbers.
The same rules apply to unknown e-mail addresses, so answers never reveal
whether an account exists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from builder.db import db, utcnow

from .models import AuthThrottle

# (scope, failures allowed before backoff starts, first delay in seconds)
RULES = {"account": (5, 30), "ip": (20, 30)}
MAX_DELAY = 15 * 60
RESET_AFTER = timedelta(hours=1)


def _row(scope: str, key: str) -> AuthThrottle | None:
    return db.session.scalar(
        select(AuthThrottle).where(AuthThrottle.scope == scope, AuthThrottle.key == key)
    )


def retry_after(keys: dict[str, str]) -> int:
    """Seconds until a sign-in may be tried for these keys (0 = now)."""
    now = utcnow()
    wait = 0
    for scope, key in keys.items():
        row = _row(scope, key)
        if row and row.blocked_until and row.blocked_until > now:
            wait = max(wait, int((row.blocked_until - now).total_seconds()) + 1)
    return wait


def record_failure(keys: dict[str, str]) -> None:
    """Count a failed sign-in against every key; start or extend the backoff."""
    now = utcnow()
    for scope, key in keys.items():
        row = _row(scope, key)
        if row is None:
            row = AuthThrottle(scope=scope, key=key, failures=0)
            db.session.add(row)
        elif now - row.last_failure_at > RESET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        allowed, first_delay = RULES[scope]
        over = row.failures - allowed
        if over >= 0:
            delay = min(MAX_DELAY, first_delay * 2**over)
            row.blocked_until = now + timedelta(seconds=delay)


def clear(keys: dict[str, str]) -> None:
    """Forget the failures of an account after a successful sign-in."""
    for scope, key in keys.items():
        if scope == "account":
            row = _row(scope, key)
            if row is not None:
                db.session.delete(row)
