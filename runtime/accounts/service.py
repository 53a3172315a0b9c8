"""Sign-in, sessions, passwords and e-mailed links. Services own their transactions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from builder.db import db, utcnow
from builder.exceptions import ValidationFailed

from ..audit import service as audit
from . import mails, throttle, tokens
from .domain import NAME_MAX, has_control_characters, looks_like_email, normalise_email
from .exceptions import SignInFailed, SignInThrottled, TokenInvalid
from .models import Department, TokenPurpose, User, UserSession
from .passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, verify_password
from .tokens import new_token, token_hash

SESSION_DAYS = 1
REMEMBER_DAYS = 30
TOUCH_EVERY = timedelta(minutes=5)
# At most this many reset mails per account and hour (a mail-bombing brake).
RESET_MAILS_PER_HOUR = 3


def find_user_by_email(email: str) -> User | None:
    """The user with this address, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def count_users() -> int:
    """How many accounts exist (0 means the first-run page is shown)."""
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def profile_errors(name: str, email: str, *, user_id: int | None = None) -> dict[str, list[str]]:
    """Field errors for a name and e-mail address (the address must be unused)."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name: required.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Name: at most %(max)d characters (got %(length)d).",
                            max=NAME_MAX, length=len(name))]
    elif has_control_characters(name):
        errors["name"] = [_("Name: line breaks and control characters are not allowed.")]
    address = normalise_email(email)
    if not looks_like_email(address):
        errors["email"] = [_("E-mail: enter an address like name@example.com.")]
    else:
        other = find_user_by_email(address)
        if other is not None and other.id != user_id:
            errors["email"] = [_("E-mail: another user already has this address.")]
    return errors


def password_errors(password: str) -> dict[str, list[str]]:
    """Field errors for a new password under the policy."""
    if MIN_LENGTH <= len(password or "") <= MAX_LENGTH:
        return {}
    return {"password": [_("Password: must be %(min)d to %(max)d characters long.",
                           min=MIN_LENGTH, max=MAX_LENGTH)]}


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
        language=language,
    )
    db.session.add(user)
    db.session.flush()
    if department is not None:
        from ..org.service import assign_primary

        assign_primary(user, department)
    return user


def create_first_admin(name: str, email: str, password: str, language: str | None) -> User:
    """Create the first administrator of an empty instance (commits)."""
    errors = profile_errors(name, email) | password_errors(password)
    if errors:
        raise ValidationFailed(errors)
    user = create_user(email, name, password, is_admin=True, language=language)
    audit.record(user, "user.created", "user", user.id,
                 {"name": user.name, "email": user.email, "is_admin": True, "first_run": True})
    db.session.commit()
    return user


def _throttle_keys(email: str, ip: str | None) -> dict[str, str]:
    return {"account": normalise_email(email)[:254], "ip": (ip or "unknown")[:254]}


def _count_failure(keys: dict[str, str], also=None) -> None:
    """Record a failed attempt (and ``also()``, e.g. its audit entry) and commit.

    A lost race on a new counter row retries once.
    """
    for attempt in range(2):
        throttle.record_failure(keys)
        if also is not None:
            also()
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise


def authenticate(email: str, password: str, ip: str | None) -> User:
    """Check credentials with per-account and per-IP backoff; commits the counters.

    Both outcomes are audited with the IP; a success is committed by the session
    that follows (:func:`start_session`).
    """
    keys = _throttle_keys(email, ip)
    wait = throttle.retry_after(keys)
    if wait:
        raise SignInThrottled(wait)
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        reason = "password" if user is not None and user.is_active else (
            "disabled" if user is not None else "unknown_email")
        _count_failure(keys, lambda: audit.record(
            None, "auth.sign_in_failed", "user", user.id if user else None,
            {"email": keys["account"], "reason": reason}, ip, actor_name=keys["account"]))
        raise SignInFailed()
    throttle.clear(keys)
    audit.record(user, "auth.sign_in", "user", user.id, {}, ip)
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return user


def change_password(actor: User, current: str, new: str, *, keep_token: str | None,
                    ip: str | None) -> None:
    """Replace the actor's password and sign out their other browsers (commits).

    A wrong current password counts as a failed sign-in, so a stolen session
    cannot be used to guess the password without hitting the same backoff.
    """
    keys = _throttle_keys(actor.email, ip)
    wait = throttle.retry_after(keys)
    if wait:
        raise SignInThrottled(wait)
    if not verify_password(actor.password_hash, current):
        _count_failure(keys)
        raise ValidationFailed({"current_password": [_("Current password: not correct.")]})
    errors = password_errors(new)
    if errors:
        raise ValidationFailed(errors)
    actor.password_hash = hash_password(new)
    throttle.clear(keys)
    tokens.revoke(actor, TokenPurpose.RESET)
    end_all_sessions(actor, keep_token=keep_token)
    audit.record(actor, "auth.password_changed", "user", actor.id, {}, ip)
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account with a password has this address (commits).

    The caller answers the same whatever happens here, so nothing tells a
    visitor whether the address has an account.
    """
    user = find_user_by_email(email)
    if user is None or not user.is_active or user.password_hash is None:
        return
    since = utcnow() - timedelta(hours=1)
    if tokens.issued_since(user, TokenPurpose.RESET, since) >= RESET_MAILS_PER_HOUR:
        return
    token = tokens.issue(user, TokenPurpose.RESET)
    mails.queue_reset_mail(user, token)
    db.session.commit()


def link_user(token: str, purpose: TokenPurpose) -> User:
    """The user a reset or invitation link is for, if the link can still be used."""
    row = tokens.find_valid(token, purpose)
    user = db.session.get(User, row.user_id) if row else None
    if user is None or not _link_applies(user, purpose):
        raise TokenInvalid()
    return user


def _link_applies(user: User, purpose: TokenPurpose) -> bool:
    if not user.is_active:
        return False
    if purpose is TokenPurpose.INVITE:
        return user.password_hash is None
    return user.password_hash is not None


def redeem_link(token: str, purpose: TokenPurpose, password: str) -> User:
    """Use a link once: set the password, revoke the user's other links, end sessions."""
    errors = password_errors(password)
    if errors:
        raise ValidationFailed(errors)
    new_hash = hash_password(password)  # hashed before the token row is locked
    row = tokens.consume(token, purpose)
    user = db.session.get(User, row.user_id) if row else None
    if user is None or not _link_applies(user, purpose):
        db.session.rollback()
        raise TokenInvalid()
    user.password_hash = new_hash
    tokens.revoke(user)
    end_all_sessions(user)
    throttle.clear(_throttle_keys(user.email, None))
    audit.record(user, "auth.password_set", "user", user.id, {"link": purpose.value})
    db.session.commit()
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


@dataclass(frozen=True)
class LiveSession:
    """A signed-in browser's session as a request sees it."""

    id: int
    user: User
    remember: bool
    expires_at: datetime


def load_session(token: object) -> LiveSession | None:
    """The live session for a cookie token, sliding its expiry now and then."""
    if not token or not isinstance(token, str):
        return None
    row = db.session.execute(_SESSION_WITH_USER, {"token_hash": token_hash(token)}).first()
    now = utcnow()
    if row is None or row.session_expires_at <= now or not row.is_active:
        return None
    expires_at = row.session_expires_at
    if now - row.session_last_seen_at > TOUCH_EVERY:
        days = REMEMBER_DAYS if row.session_remember else SESSION_DAYS
        expires_at = now + timedelta(days=days)
        db.session.execute(update(UserSession).where(UserSession.id == row.session_id)
                           .values(last_seen_at=now, expires_at=expires_at))
        db.session.commit()
    user = _known_user(row[len(_SESSION_PART):])
    return LiveSession(row.session_id, user, row.session_remember, expires_at)


def _known_user(values: Sequence[Any]) -> User:
    """The user as an ORM object from the columns already read, without a second query.

    Every signed-in request needs its user; loading it through the ORM costs more
    than the query itself, so the object is put together from the row (as if the
    ORM had loaded it) unless this session already holds it.
    """
    key = _USER_MAPPER.identity_key_from_primary_key((values[_USER_ID],))
    user = db.session.identity_map.get(key)
    if user is None:
        user = _USER_MAPPER.class_manager.new_instance()
        inspect(user).dict.update(zip(_USER_ATTRIBUTES, values, strict=True))
        make_transient_to_detached(user)  # loaded values, identity key, no pending changes
        db.session.add(user)
    elif inspect(user).expired_attributes:
        # held but expired by an earlier commit: refresh it from the row just read
        for attribute, value in zip(_USER_ATTRIBUTES, values, strict=True):
            if attribute in inspect(user).expired_attributes:
                set_committed_value(user, attribute, value)
    return user


# Every signed-in request runs this: one query for the session and its user, built once.
_SESSIONS = UserSession.__table__
_USER_MAPPER = inspect(User)
_USER_ATTRIBUTES = [_USER_MAPPER.get_property_by_column(c).key for c in User.__table__.c]
_USER_ID = list(User.__table__.c).index(User.__table__.c.id)
_SESSION_PART = (_SESSIONS.c.id.label("session_id"), _SESSIONS.c.remember.label("session_remember"),
                 _SESSIONS.c.last_seen_at.label("session_last_seen_at"),
                 _SESSIONS.c.expires_at.label("session_expires_at"))
_SESSION_WITH_USER = (
    select(*_SESSION_PART, *User.__table__.c)  # the user's columns last, in table order
    .join_from(_SESSIONS, User.__table__, _SESSIONS.c.user_id == User.__table__.c.id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash")))


def end_session(token: str | None) -> None:
    """Sign out this browser (commits)."""
    if token and isinstance(token, str):
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
        db.session.commit()


def end_all_sessions(user: User, *, keep_token: str | None = None) -> None:
    """Sign the user out everywhere, except optionally the current browser (no commit)."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_hash(keep_token))
    db.session.execute(stmt)
