"""Administration of users: list, invite, edit, disable. Only administrators may act."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from builder.db import db, utcnow
from builder.exceptions import NotFound, PermissionDenied, ValidationFailed

from ..audit import service as audit
from ..config import LANGUAGES
from . import mails, tokens
from .domain import UserStatus, normalise_email
from .exceptions import ActionRefused
from .models import Department, TokenPurpose, User
from .service import create_user, end_all_sessions, profile_errors

PAGE_SIZE = 50


@dataclass(frozen=True)
class UserPage:
    """One page of the user list."""

    users: list[User]
    page: int
    total: int

    @property
    def has_prev(self) -> bool:
        """Whether an earlier page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.page * PAGE_SIZE < self.total


@dataclass(frozen=True)
class UserChanges:
    """What an administrator may set on a user."""

    name: str
    email: str
    department_id: int | None
    is_admin: bool
    language: str | None


def _require_admin(actor: User) -> None:
    if actor is None or not actor.is_admin:
        raise PermissionDenied()


def list_users(actor: User, *, query: str = "", status: str = "", page: int = 1) -> UserPage:
    """Users matching a search text and status, ordered by name, PAGE_SIZE per page."""
    _require_admin(actor)
    conditions = list(_status_conditions(status))
    text = (query or "").strip().lower()[:100]
    if text:
        conditions.append(or_(func.lower(User.name).contains(text, autoescape=True),
                              User.email.contains(text, autoescape=True)))
    total = db.session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    page = max(1, min(page, (total + PAGE_SIZE - 1) // PAGE_SIZE or 1))
    users = db.session.scalars(
        select(User).where(*conditions).order_by(func.lower(User.name), User.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return UserPage(list(users), page, total)


def _status_conditions(status: str):
    if status == UserStatus.ACTIVE.value:
        return (User.is_active.is_(True), User.password_hash.is_not(None))
    if status == UserStatus.INVITED.value:
        return (User.is_active.is_(True), User.password_hash.is_(None))
    if status == UserStatus.DISABLED.value:
        return (User.is_active.is_(False),)
    return ()


def list_departments(actor: User, *, keep: int | None = None) -> list[Department]:
    """Departments to choose from, top-down in tree order; archived ones only if ``keep``."""
    _require_admin(actor)
    from ..org import domain as org_domain

    rows = db.session.scalars(select(Department).where(or_(
        Department.archived_at.is_(None), Department.id == keep)))
    by_id = {d.id: d for d in rows}
    return [by_id[node.id] for node in org_domain.flatten(
        org_domain.build_tree(by_id.values(), {}))]


def get_user(actor: User, user_id: int) -> User:
    """One user, for an administrator."""
    _require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def _check(changes: UserChanges, *, user_id: int | None = None) -> Department | None:
    errors = profile_errors(changes.name, changes.email, user_id=user_id)
    department = None
    if changes.department_id is not None:
        department = db.session.get(Department, changes.department_id)
        current = db.session.get(User, user_id) if user_id is not None else None
        unchanged = current is not None and current.department_id == changes.department_id
        if department is None or (department.is_archived and not unchanged):
            errors["department_id"] = [_("Department: choose one from the list.")]
    if changes.language is not None and changes.language not in LANGUAGES:
        errors["language"] = [_("Language: choose one from the list.")]
    if errors:
        raise ValidationFailed(errors)
    return department


def invite_user(actor: User, changes: UserChanges) -> User:
    """Create a user without a password and mail them a link to choose one (commits)."""
    _require_admin(actor)
    department = _check(changes)
    user = create_user(changes.email, changes.name, None, is_admin=changes.is_admin,
                       department=department, language=changes.language)
    user.invited_at = utcnow()
    mails.queue_invitation_mail(user, tokens.issue(user, TokenPurpose.INVITE), actor)
    audit.record(actor, "user.invited", "user", user.id, _profile(user))
    _commit_profile()
    return user


def resend_invitation(actor: User, user_id: int) -> User:
    """Mail a fresh invitation link; earlier links stop working (commits)."""
    user = get_user(actor, user_id)
    if not user.is_pending or not user.is_active:
        raise ActionRefused(_("Only invited users who have not signed in yet can get "
                              "a new invitation."))
    tokens.revoke(user, TokenPurpose.INVITE)
    user.invited_at = utcnow()
    mails.queue_invitation_mail(user, tokens.issue(user, TokenPurpose.INVITE), actor)
    audit.record(actor, "user.invitation_resent", "user", user.id, {"email": user.email})
    db.session.commit()
    return user


def update_user(actor: User, user_id: int, changes: UserChanges) -> User:
    """Change a user's profile and administrator flag (commits)."""
    user = get_user(actor, user_id)
    department = _check(changes, user_id=user.id)
    if user.is_admin and not changes.is_admin and _is_last_admin(user):
        raise ValidationFailed({"is_admin": [_(
            "Administrator: %(name)s is the last active administrator; make someone "
            "else an administrator first.", name=user.name)]})
    from ..org.service import assign_primary

    before = _profile(user)
    user.name = changes.name.strip()
    user.email = normalise_email(changes.email)
    assign_primary(user, department)
    user.is_admin = changes.is_admin
    user.language = changes.language
    after = _profile(user)
    diff = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if diff:
        audit.record(actor, "user.updated", "user", user.id, diff)
    _commit_profile()
    return user


def _profile(user: User) -> dict:
    """What the audit log keeps of a user's profile."""
    department = db.session.get(Department, user.department_id) if user.department_id else None
    return {"name": user.name, "email": user.email,
            "department": department.name if department else None,
            "is_admin": bool(user.is_admin), "language": user.language}


def set_active(actor: User, user_id: int, active: bool) -> User:
    """Enable or disable a user; disabling signs them out everywhere at once (commits)."""
    user = get_user(actor, user_id)
    if not active:
        if user.id == actor.id:
            raise ActionRefused(_("You cannot disable your own account."))
        if user.is_admin and _is_last_admin(user):
            raise ActionRefused(_("%(name)s is the last active administrator and cannot "
                                  "be disabled.", name=user.name))
        end_all_sessions(user)
        tokens.revoke(user, TokenPurpose.RESET)
    if user.is_active != active:
        audit.record(actor, f"user.{'enabled' if active else 'disabled'}", "user", user.id,
                     {"name": user.name, "email": user.email})
    user.is_active = active
    db.session.commit()
    return user


def _is_last_admin(user: User) -> bool:
    """Whether no other active administrator who can sign in would remain.

    The other administrators' rows are locked (PostgreSQL), so two
    administrators demoting each other at the same moment cannot both succeed.
    """
    others = db.session.scalars(
        select(User.id).where(User.is_admin.is_(True), User.is_active.is_(True),
                              User.password_hash.is_not(None), User.id != user.id)
        .with_for_update()
    ).all()
    return user.is_active and not user.is_pending and not others


def _commit_profile() -> None:
    """Commit; a concurrent insert of the same address becomes a field error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed({"email": [_("E-mail: another user already has this "
                                            "address.")]}) from None
