"""Random tokens for cookies and e-mailed links; the database keeps only hashes."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A URL-safe random token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
