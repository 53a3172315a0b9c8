"""Sign-in, sessions and user creation. Services own their transactions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from builder.db import db, utcnow

from . import throttle
from .exceptions import SignInFailed, SignInThrottled
from .models import Department, User, UserSession
from .passwords import hash_password, needs_rehash, verify_password
from .tokens import new_token, token_hash

SESSION_DAYS = 1
REMEMBER_DAYS = 30
TOUCH_EVERY = timedelta(minutes=5)


def normalise_email(email: str) -> str:
    """E-mail addresses are compared trimmed and lower-cased."""
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The user with this address, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def count_users() -> int:
    """How many accounts exist (0 means the first-run page is shown)."""
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def create_user(
    email: str,
    name: str,
    password: str | None,
    *,
    is_admin: bool = False,
    department: Department | None = None,
    language: str | None = None,
) -> User:
    """Add a user (no commit: the caller's transaction decides)."""
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        is_admin=is_admin,
        department=department,
        language=language,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, ip: str | None) -> User:
    """Check credentials with per-account and per-IP backoff; commits the counters."""
    keys = {"account": normalise_email(email)[:254], "ip": (ip or "unknown")[:254]}
    wait = throttle.retry_after(keys)
    if wait:
        raise SignInThrottled(wait)
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        throttle.record_failure(keys)
        db.session.commit()
        raise SignInFailed()
    throttle.clear(keys)
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, *, remember: bool, ip: str | None, user_agent: str | None) -> str:
    """Open a new server-side session and return the cookie token (commits)."""
    token = new_token()
    now = utcnow()
    days = REMEMBER_DAYS if remember else SESSION_DAYS
    db.session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=days),
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    user.last_login_at = now
    db.session.commit()
    return token


def load_session(token: str | None) -> UserSession | None:
    """The live session for a cookie token, sliding its expiry now and then."""
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    now = utcnow()
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        days = REMEMBER_DAYS if row.remember else SESSION_DAYS
        row.expires_at = now + timedelta(days=days)
        db.session.commit()
    return row


def end_session(token: str | None) -> None:
    """Sign out this browser (commits)."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
        db.session.commit()


def end_all_sessions(user: User, *, keep_token: str | None = None) -> None:
    """Sign the user out everywhere, except optionally the current browser (no commit)."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_hash(keep_token))
    db.session.execute(stmt)
