"""Sign-in, sessions, passwords and e-mailed links. Services own their transactions."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from builder.db import db, utcnow
from builder.exceptions import ValidationFailed

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
        department=department,
        language=language,
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_first_admin(name: str, email: str, password: str, language: str | None) -> User:
    """Create the first administrator of an empty instance (commits)."""
    errors = profile_errors(name, email) | password_errors(password)
    if errors:
        raise ValidationFailed(errors)
    user = create_user(email, name, password, is_admin=True, language=language)
    db.session.commit()
    return user


def _throttle_keys(email: str, ip: str | None) -> dict[str, str]:
    return {"account": normalise_email(email)[:254], "ip": (ip or "unknown")[:254]}


def _count_failure(keys: dict[str, str]) -> None:
    """Record a failed attempt and commit; a lost race on a new counter row retries once."""
    for attempt in range(2):
        throttle.record_failure(keys)
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise


def authenticate(email: str, password: str, ip: str | None) -> User:
    """Check credentials with per-account and per-IP backoff; commits the counters."""
    keys = _throttle_keys(email, ip)
    wait = throttle.retry_after(keys)
    if wait:
        raise SignInThrottled(wait)
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        _count_failure(keys)
        raise SignInFailed()
    throttle.clear(keys)
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


def load_session(token: object) -> UserSession | None:
    """The live session for a cookie token, sliding its expiry now and then."""
    if not token or not isinstance(token, str):
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
    if token and isinstance(token, str):
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
        db.session.commit()


def end_all_sessions(user: User, *, keep_token: str | None = None) -> None:
    """Sign the user out everywhere, except optionally the current browser (no commit)."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_hash(keep_token))
    db.session.execute(stmt)
