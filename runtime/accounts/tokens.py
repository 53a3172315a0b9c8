"""Random tokens for cookies and e-mailed links; the database keeps only hashes.

E-mailed links (password reset, invitation) are :class:`AuthToken` rows: they
expire, and using one is a single ``UPDATE ... WHERE used_at IS NULL`` whose
row count decides the winner, so two simultaneous uses cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from builder.db import db, utcnow

from .models import AuthToken, TokenPurpose, User

LIFETIMES = {
    TokenPurpose.RESET: timedelta(hours=1),
    TokenPurpose.INVITE: timedelta(days=7),
}


def new_token() -> str:
    """A URL-safe random token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, purpose: TokenPurpose) -> str:
    """Store a new single-use token for ``user`` and return it (no commit)."""
    token = new_token()
    now = utcnow()
    db.session.add(AuthToken(token_hash=token_hash(token), user_id=user.id,
                             purpose=purpose.value, created_at=now,
                             expires_at=now + LIFETIMES[purpose]))
    db.session.flush()
    return token


def find_valid(token: str, purpose: TokenPurpose) -> AuthToken | None:
    """The unused, unexpired token row, or None."""
    row = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == token_hash(token),
                                                    AuthToken.purpose == purpose.value))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def consume(token: str, purpose: TokenPurpose) -> AuthToken | None:
    """Mark the token used, atomically; None if it was unknown, expired or already used."""
    now = utcnow()
    result = db.session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == token_hash(token), AuthToken.purpose == purpose.value,
               AuthToken.used_at.is_(None), AuthToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return db.session.scalar(select(AuthToken).where(AuthToken.token_hash == token_hash(token)))


def revoke(user: User, purpose: TokenPurpose | None = None) -> None:
    """Make the user's unused tokens (of one purpose, or all) worthless (no commit)."""
    stmt = update(AuthToken).where(AuthToken.user_id == user.id, AuthToken.used_at.is_(None))
    if purpose is not None:
        stmt = stmt.where(AuthToken.purpose == purpose.value)
    db.session.execute(stmt.values(used_at=utcnow()).execution_options(synchronize_session=False))


def issued_since(user: User, purpose: TokenPurpose, since: datetime) -> int:
    """How many tokens of this purpose were issued to the user since ``since``."""
    return db.session.scalar(
        select(func.count()).select_from(AuthToken).where(
            AuthToken.user_id == user.id, AuthToken.purpose == purpose.value,
            AuthToken.created_at >= since)
    ) or 0
