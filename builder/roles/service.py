"""Role services: define roles, grant them per form, name their members and app admins.

Each takes the acting user first, checks that they may build the app (platform
administrators and the app's own administrators), and owns its transaction.
Every change is announced through :data:`signals.access_changed` inside the
transaction, so the audit entry commits with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from builder import metadata
from builder.db import begin_write, db, utcnow
from builder.exceptions import NotFound, PermissionDenied, ValidationFailed
from builder.web import Actor, directory

from ..apps import domain as app_domain
from ..apps import service as apps
from ..apps.models import App, AppAdmin
from . import domain
from .models import Role, RoleMember, RoleVersion
from .signals import access_changed

# ---------------------------------------------------------------- reading (no checks)


def roles_of_app(app_id: int) -> list[Role]:
    """Every role of an app in order, for the runtime's rights (no permission check)."""
    return list(db.session.scalars(select(Role).where(Role.app_id == app_id)
                                   .order_by(Role.position, Role.id)))


def ensure_default(app: App, actor: Actor | None = None) -> Role | None:
    """Give an app without roles its default role "Everyone" (no commit)."""
    if db.session.scalar(select(Role.id).where(Role.app_id == app.id).limit(1)) is not None:
        return None
    document = domain.everyone_document(domain.EVERYONE_NAME)
    metadata.ensure_valid(domain.KIND, document)
    role = Role(app_id=app.id, key=document["key"], name=document["name"], everyone=True,
                position=0, document=document, version=1,
                created_by_id=actor.id if actor is not None else None)
    db.session.add(role)
    db.session.flush()
    _record_version(actor, role)
    return role


# ---------------------------------------------------------------- reading (builders)


def list_roles(actor: Actor, app: App) -> list[Role]:
    """The app's roles for its builders (an app from before roles gets "Everyone" now)."""
    apps.require_builder(actor, app)
    if ensure_default(app, actor) is not None:
        db.session.commit()
    return roles_of_app(app.id)


def get_role(actor: Actor, app: App, key: str) -> Role:
    """A role of the app by key."""
    apps.require_builder(actor, app)
    role = db.session.scalar(select(Role).where(Role.app_id == app.id, Role.key == key))
    if role is None:
        raise NotFound(_("This role does not exist."))
    return role


def members(actor: Actor, role: Role) -> list[RoleMember]:
    """The role's members: departments first, then users, oldest first."""
    apps.require_builder(actor, role.app_id)
    return list(db.session.scalars(
        select(RoleMember).where(RoleMember.role_id == role.id)
        .order_by(RoleMember.department_id.is_(None), RoleMember.id)))


def member_counts(app: App) -> dict[int, int]:
    """How many member rows each role of the app has."""
    rows = db.session.execute(
        select(RoleMember.role_id, func.count()).join(Role, Role.id == RoleMember.role_id)
        .where(Role.app_id == app.id).group_by(RoleMember.role_id))
    return {role_id: count for role_id, count in rows}


def history(actor: Actor, role: Role) -> list[RoleVersion]:
    """The role's saved versions, newest first."""
    apps.require_builder(actor, role.app_id)
    return list(db.session.scalars(select(RoleVersion).where(RoleVersion.role_id == role.id)
                                   .order_by(RoleVersion.version.desc())))


# ---------------------------------------------------------------- roles


def create_role(actor: Actor, app: App, *, name: str, description: str = "") -> Role:
    """Add a role without any access; its key comes from the name (or ``role_<n>``)."""
    apps.require_builder(actor, app)
    begin_write()
    ensure_default(app, actor)
    name, description = _clean(name), _clean_text(description)
    key = _free_key(app, name)
    document = domain.new_document(key, name, description)
    metadata.ensure_valid(domain.KIND, document)
    position = (db.session.scalar(select(func.max(Role.position))
                                  .where(Role.app_id == app.id)) or 0) + 1
    role = Role(app_id=app.id, key=key, name=name, position=position, document=document,
                created_by_id=actor.id)
    db.session.add(role)
    db.session.flush()
    _record_version(actor, role)
    _announce(actor, app, "role.created", role, {"key": key, "name": name})
    db.session.commit()
    return role


def update_role(actor: Actor, app: App, role: Role, *, name: str, description: str,
                expected_version: int | None = None) -> bool:
    """Rename or describe a role; False when nothing changed, 409 if someone saved first."""
    apps.require_builder(actor, app)
    document = dict(role.document, name=_clean(name), description=_clean_text(description))
    return _save(actor, app, role, document, "role.updated", expected_version)


def delete_role(actor: Actor, app: App, role: Role) -> None:
    """Delete a role, its members and its history (the default role cannot go)."""
    apps.require_builder(actor, app)
    if role.everyone:
        raise ValidationFailed({"": [_("The role “%(name)s” includes every user and cannot "
                                       "be deleted; take its permissions away instead.",
                                       name=role.display_name)]})
    begin_write()
    _announce(actor, app, "role.deleted", role, {"key": role.key, "name": role.name})
    db.session.delete(role)
    db.session.commit()


def set_access(actor: Actor, app: App, form_key: str,
               entries: Mapping[int, Mapping[str, Any]]) -> list[Role]:
    """Save one form's permission grid: role id → access entry. Returns the roles changed."""
    apps.require_builder(actor, app)
    begin_write()
    ensure_default(app, actor)
    roles = {r.id: r for r in roles_of_app(app.id)}
    unknown = set(entries) - set(roles)
    if unknown:
        db.session.rollback()
        raise ValidationFailed({"": [_("A role of this grid no longer exists; reload the "
                                       "page.")]})
    changed = []
    for role_id, entry in entries.items():
        role = roles[role_id]
        document = domain.with_access(role.document, form_key, entry)
        if _save(actor, app, role, document, "permission.changed", None, commit=False,
                 extra={"form": form_key}):
            changed.append(role)
    db.session.commit()
    return changed


# ---------------------------------------------------------------- members


def add_member(actor: Actor, app: App, role: Role, *, user_id: int | None = None,
               department_id: int | None = None, with_subdepartments: bool = True
               ) -> RoleMember:
    """Add a user or a department (with or without its sub-departments) to a role."""
    apps.require_builder(actor, app)
    _refuse_everyone(role)
    if (user_id is None) == (department_id is None):
        raise ValidationFailed({"member": [_("choose a user or a department")]})
    if user_id is not None and user_id not in {u[0] for u in directory().users()}:
        raise ValidationFailed({"user_id": [_("choose an active user")]})
    if department_id is not None and department_id not in dict(directory().departments()):
        raise ValidationFailed({"department_id": [
            _("choose an existing department that is not archived")]})
    begin_write()
    found = db.session.scalar(select(RoleMember).where(
        RoleMember.role_id == role.id,
        RoleMember.user_id == user_id if user_id is not None
        else RoleMember.department_id == department_id))
    if found is not None:
        if department_id is not None and found.with_subdepartments != with_subdepartments:
            found.with_subdepartments = with_subdepartments
            _announce(actor, app, "role.member_changed", role, _member_details(found))
            db.session.commit()
        else:
            db.session.rollback()
        return found
    member = RoleMember(role_id=role.id, user_id=user_id, department_id=department_id,
                        with_subdepartments=bool(with_subdepartments) if department_id else False)
    db.session.add(member)
    _announce(actor, app, "role.member_added", role, _member_details(member))
    db.session.commit()
    return member


def remove_member(actor: Actor, app: App, role: Role, member_id: int) -> None:
    """Take a user or department out of a role."""
    apps.require_builder(actor, app)
    _refuse_everyone(role)
    begin_write()
    member = db.session.get(RoleMember, member_id)
    if member is None or member.role_id != role.id:
        db.session.rollback()
        raise NotFound(_("This member is not in the role."))
    _announce(actor, app, "role.member_removed", role, _member_details(member))
    db.session.delete(member)
    db.session.commit()


def _member_details(member: RoleMember) -> dict[str, Any]:
    if member.user_id is not None:
        return {"user_id": member.user_id}
    return {"department_id": member.department_id,
            "with_subdepartments": member.with_subdepartments}


def _refuse_everyone(role: Role) -> None:
    if role.everyone:
        raise ValidationFailed({"member": [_("“%(name)s” always includes every active user.",
                                             name=role.display_name)]})


# ---------------------------------------------------------------- app administrators


def app_admins(actor: Actor, app: App) -> list[AppAdmin]:
    """The app's own administrators, oldest first."""
    apps.require_builder(actor, app)
    return list(db.session.scalars(select(AppAdmin).where(AppAdmin.app_id == app.id)
                                   .order_by(AppAdmin.id)))


def add_app_admin(actor: Actor, app: App, user_id: int) -> None:
    """Let a user build this app (forms, roles, permissions)."""
    apps.require_builder(actor, app)
    if user_id not in {u[0] for u in directory().users()}:
        raise ValidationFailed({"user_id": [_("choose an active user")]})
    begin_write()
    exists = db.session.scalar(select(AppAdmin.id).where(AppAdmin.app_id == app.id,
                                                         AppAdmin.user_id == user_id))
    if exists is None:
        db.session.add(AppAdmin(app_id=app.id, user_id=user_id))
        access_changed.send(app, actor=actor, action="permission.admin_added",
                            target_type="app", target_id=app.id, details={"user_id": user_id})
    db.session.commit()
    apps.forget_cached()


def remove_app_admin(actor: Actor, app: App, user_id: int) -> None:
    """Stop a user building this app; refused for yourself unless a platform administrator
    (you would lock yourself out of the page you are on)."""
    apps.require_builder(actor, app)
    if user_id == actor.id and not getattr(actor, "is_admin", False):
        raise PermissionDenied(_("You cannot remove yourself as an administrator of this app; "
                                 "ask another administrator."))
    begin_write()
    row = db.session.scalar(select(AppAdmin).where(AppAdmin.app_id == app.id,
                                                   AppAdmin.user_id == user_id))
    if row is not None:
        db.session.delete(row)
        access_changed.send(app, actor=actor, action="permission.admin_removed",
                            target_type="app", target_id=app.id, details={"user_id": user_id})
    db.session.commit()
    apps.forget_cached()


# ---------------------------------------------------------------- helpers


class RoleChanged(ValidationFailed):
    """Someone saved the role after the editor loaded it (409)."""

    status = 409


def _save(actor: Actor, app: App, role: Role, document: dict[str, Any], action: str,
          expected_version: int | None, *, commit: bool = True,
          extra: dict[str, Any] | None = None) -> bool:
    if expected_version is not None and expected_version != role.version:
        raise RoleChanged({"": [_("Someone else saved this role while you were editing. "
                                  "Reload the page to see their changes, then try again.")]})
    document = metadata.upgrade(domain.KIND, document)
    metadata.ensure_valid(domain.KIND, document)
    if document == role.document:
        return False
    details = domain.diff(role.document, document)
    if extra:
        details = {**extra, **details}
    begin_write()
    role.document = document
    role.name = document["name"]
    role.version += 1
    role.updated_at = utcnow()
    _record_version(actor, role)
    _announce(actor, app, action, role, details)
    if commit:
        db.session.commit()
    return True


def _record_version(actor: Actor | None, role: Role) -> None:
    db.session.add(RoleVersion(role_id=role.id, version=role.version, document=role.document,
                               schema_version=role.document["schema_version"],
                               created_by_id=actor.id if actor is not None else None))
    try:
        db.session.flush()
    except IntegrityError:  # another save took this version number first
        db.session.rollback()
        raise RoleChanged({"": [_("Someone else saved this role while you were editing. "
                                  "Reload the page to see their changes, then try again.")]}
                          ) from None


def _announce(actor: Actor, app: App, action: str, role: Role, details: dict[str, Any]) -> None:
    access_changed.send(app, actor=actor, action=action, target_type="role",
                        target_id=role.id, details={"role": role.key, **details})


def _free_key(app: App, name: str) -> str:
    taken = set(db.session.scalars(select(Role.key).where(Role.app_id == app.id)))
    base = app_domain.key_base(name)
    if len(base) >= 2 and base not in taken:
        return base
    n = len(taken) + 1
    while f"role_{n}" in taken:
        n += 1
    return f"role_{n}"


def _clean(value: str | None) -> str:
    return metadata.normalize_text(re.sub(r"[\x00-\x1f\x7f]", " ", value or ""))


def _clean_text(value: str | None) -> str:
    return metadata.normalize_text((value or "").replace("\r\n", "\n").replace("\r", "\n"))
