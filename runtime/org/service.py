"""Changing the organisation: departments, moves, archive, managers, memberships.

Each function takes the acting administrator first, checks, writes an audit
entry and commits. :func:`assign_primary` is the one helper without an actor:
the accounts services call it inside their own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from builder.db import begin_write, db, utcnow
from builder.exceptions import NotFound, PermissionDenied, ValidationFailed

from ..accounts.models import Department, User
from ..audit import service as audit
from . import domain, tree
from .exceptions import MoveRefused
from .models import DepartmentManager, DepartmentMember


def _require_admin(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_admin", False):
        raise PermissionDenied()


def _department(department_id: Any) -> Department:
    department = db.session.get(Department, department_id) if isinstance(
        department_id, int) else None
    if department is None:
        raise NotFound()
    return department


def _siblings(parent_id: int | None, *, exclude: int | None = None) -> list[Department]:
    stmt = sa.select(Department).where(Department.parent_id.is_(None) if parent_id is None
                                       else Department.parent_id == parent_id)
    if exclude is not None:
        stmt = stmt.where(Department.id != exclude)
    return list(db.session.scalars(stmt.order_by(Department.position, Department.name,
                                                 Department.id)))


def _parent(parent_id: int | None, field: str = "parent_id") -> Department | None:
    if parent_id is None:
        return None
    parent = db.session.get(Department, parent_id) if isinstance(parent_id, int) else None
    if parent is None:
        raise ValidationFailed({field: [_("Parent department: choose one from the list.")]})
    if parent.is_archived:
        raise ValidationFailed({field: [_("Parent department: %(name)s is archived; choose "
                                          "a department that is in use.", name=parent.name)]})
    return parent


def _lock_tree() -> None:
    """Serialise changes to the tree's shape (moves), so two moves cannot make a cycle."""
    begin_write()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(7461001)"))


# ---------------------------------------------------------------- departments


def create_department(actor: Any, name: str, parent_id: int | None = None) -> Department:
    """Add a department as the last child of ``parent_id`` (or at the top)."""
    _require_admin(actor)
    _lock_tree()
    parent = _parent(parent_id)
    siblings = _siblings(parent_id)
    errors = domain.name_errors(name, (d.name for d in siblings))
    if errors:
        db.session.rollback()
        raise ValidationFailed({"name": errors})
    position = max((d.position for d in siblings), default=-1) + 1
    department = Department(name=name.strip(), parent_id=parent.id if parent else None,
                            position=position)
    db.session.add(department)
    db.session.flush()
    audit.record(actor, "department.created", "department", department.id,
                 {"name": department.name, "parent": tree.describe(department.parent_id)})
    db.session.commit()
    return department


def rename_department(actor: Any, department_id: int, name: str) -> Department:
    """Give a department a new name (unique among its siblings)."""
    _require_admin(actor)
    begin_write()
    department = _department(department_id)
    others = _siblings(department.parent_id, exclude=department.id)
    errors = domain.name_errors(name, (d.name for d in others))
    if errors:
        db.session.rollback()
        raise ValidationFailed({"name": errors})
    old, department.name = department.name, name.strip()
    if old != department.name:
        audit.record(actor, "department.renamed", "department", department.id,
                     {"name": [old, department.name]})
    db.session.commit()
    return department


def move_department(actor: Any, department_id: int, parent_id: int | None,
                    position: int | None = None) -> Department:
    """Put a department under ``parent_id`` (None: the top) at ``position`` among siblings.

    Refused when the new parent is the department itself or lies below it.
    """
    _require_admin(actor)
    _lock_tree()
    department = _department(department_id)
    if department.is_archived:
        raise MoveRefused(_("%(name)s is archived; restore it before moving it.",
                            name=department.name))
    parent = _parent(parent_id)
    if parent is not None and tree.is_within(parent.id, department.id):
        db.session.rollback()
        raise MoveRefused(_("%(name)s cannot be moved under %(parent)s: %(parent)s is "
                            "%(name)s itself or one of its sub-departments.",
                            name=department.name, parent=parent.name))
    others = _siblings(parent_id, exclude=department.id)
    if parent_id != department.parent_id:
        errors = domain.name_errors(department.name, (d.name for d in others))
        if errors:
            db.session.rollback()
            raise MoveRefused(errors[0])
    old_parent = department.parent_id
    order = domain.insert_at([d.id for d in others], department.id, position)
    by_id = {d.id: d for d in others} | {department.id: department}
    for index, dep_id in enumerate(order):
        by_id[dep_id].position = index
    department.parent_id = parent.id if parent else None
    audit.record(actor, "department.moved", "department", department.id,
                 {"name": department.name, "parent": [tree.describe(old_parent)["name"],
                                                      parent.name if parent else None],
                  "parent_id": [old_parent, department.parent_id],
                  "position": order.index(department.id)})
    db.session.commit()
    return department


def set_archived(actor: Any, department_id: int, archived: bool) -> Department:
    """Archive a department with everything below it, or bring back what was archived with it."""
    _require_admin(actor)
    _lock_tree()
    department = _department(department_id)
    if archived == department.is_archived:
        db.session.rollback()
        return department
    ids = tree.subtree_ids(department.id)
    table = Department.__table__
    if archived:
        stamp = utcnow()
        db.session.execute(sa.update(table).where(table.c.id.in_(ids),
                                                  table.c.archived_at.is_(None))
                           .values(archived_at=stamp))
    else:
        parent = db.session.get(Department, department.parent_id) if department.parent_id else None
        if parent is not None and parent.is_archived:
            db.session.rollback()
            raise MoveRefused(_("%(name)s is inside %(parent)s, which is archived; restore "
                                "%(parent)s first.", name=department.name, parent=parent.name))
        db.session.execute(sa.update(table).where(table.c.id.in_(ids),
                                                  table.c.archived_at == department.archived_at)
                           .values(archived_at=None))
    audit.record(actor, f"department.{'archived' if archived else 'unarchived'}",
                 "department", department.id, {"name": department.name,
                                               "departments": len(ids)})
    db.session.commit()
    db.session.refresh(department)
    return department


# ---------------------------------------------------------------- people


def _active_user(user_id: Any, field: str = "user_id") -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise ValidationFailed({field: [_("Person: choose an active user from the list.")]})
    return user


def _usable(department: Department) -> None:
    if department.is_archived:
        raise MoveRefused(_("%(name)s is archived: people cannot be added to it.",
                            name=department.name))


def _commit_ignoring_duplicate() -> None:
    """Commit; a concurrent identical insert (unique pair) means the work is done."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def add_manager(actor: Any, department_id: int, user_id: int) -> None:
    """Make a user a manager of the department (managers need not be members)."""
    _require_admin(actor)
    begin_write()
    department = _department(department_id)
    _usable(department)
    user = _active_user(user_id)
    if _manager_row(department.id, user.id) is not None:
        db.session.rollback()
        return
    db.session.add(DepartmentManager(department_id=department.id, user_id=user.id))
    audit.record(actor, "department.manager_added", "department", department.id,
                 {"name": department.name, "user": {"id": user.id, "name": user.name}})
    _commit_ignoring_duplicate()


def remove_manager(actor: Any, department_id: int, user_id: int) -> None:
    """The user no longer manages the department."""
    _require_admin(actor)
    begin_write()
    department = _department(department_id)
    row = _manager_row(department.id, user_id)
    if row is None:
        db.session.rollback()
        return
    user = db.session.get(User, user_id)
    db.session.delete(row)
    audit.record(actor, "department.manager_removed", "department", department.id,
                 {"name": department.name, "user": {"id": user_id,
                                                    "name": user.name if user else None}})
    db.session.commit()


def _manager_row(department_id: int, user_id: int) -> DepartmentManager | None:
    return db.session.scalar(sa.select(DepartmentManager).where(
        DepartmentManager.department_id == department_id, DepartmentManager.user_id == user_id))


def _member_row(department_id: int, user_id: int) -> DepartmentMember | None:
    return db.session.scalar(sa.select(DepartmentMember).where(
        DepartmentMember.department_id == department_id, DepartmentMember.user_id == user_id))


def assign_primary(user: User, department: Department | None) -> None:
    """Make ``department`` the user's primary one, adding the membership (no commit, no audit).

    The previous primary membership is dropped: the accounts pages treat the
    primary department as "the" department, so changing it there is a transfer.
    """
    if department is not None and department.id is None:
        db.session.flush()  # a department created in the same transaction
    old = user.department_id
    if department is not None and department.id == old:
        _ensure_member(department.id, user.id)
        return
    if old is not None:
        row = _member_row(old, user.id)
        if row is not None:
            db.session.delete(row)
    user.department_id = department.id if department is not None else None
    if department is not None:
        _ensure_member(department.id, user.id)
    db.session.flush()


def _ensure_member(department_id: int, user_id: int) -> bool:
    if _member_row(department_id, user_id) is not None:
        return False
    db.session.add(DepartmentMember(department_id=department_id, user_id=user_id))
    db.session.flush()
    return True


def add_member(actor: Any, department_id: int, user_id: int, *, primary: bool = False) -> None:
    """Add a user to the department; ``primary`` (or having none yet) makes it their primary."""
    _require_admin(actor)
    begin_write()
    department = _department(department_id)
    _usable(department)
    user = _active_user(user_id)
    added = _ensure_member(department.id, user.id)
    who = {"id": user.id, "name": user.name}
    if added:
        audit.record(actor, "department.member_added", "department", department.id,
                     {"name": department.name, "user": who})
    if (primary or user.department_id is None) and user.department_id != department.id:
        old = user.department_id
        user.department_id = department.id
        audit.record(actor, "department.primary_set", "user", user.id,
                     {"user": who, "department": [tree.describe(old)["name"],
                                                  department.name]})
    _commit_ignoring_duplicate()


def remove_member(actor: Any, department_id: int, user_id: int) -> Department | None:
    """Take a user out of the department; returns their primary department afterwards.

    If it was their primary department, their oldest other membership becomes
    primary (or none is left).
    """
    _require_admin(actor)
    begin_write()
    department = _department(department_id)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    row = _member_row(department.id, user_id)
    if user is None or (row is None and user.department_id != department.id):
        db.session.rollback()
        raise NotFound()
    if row is not None:
        db.session.delete(row)
    details: dict[str, Any] = {"name": department.name, "user": {"id": user.id,
                                                                 "name": user.name}}
    if user.department_id == department.id:
        db.session.flush()
        user.department_id = db.session.scalar(
            sa.select(DepartmentMember.department_id).where(DepartmentMember.user_id == user.id)
            .order_by(DepartmentMember.id).limit(1))
        details["primary"] = [department.name, tree.describe(user.department_id)["name"]]
    audit.record(actor, "department.member_removed", "department", department.id, details)
    db.session.commit()
    return db.session.get(Department, user.department_id) if user.department_id else None


def set_primary(actor: Any, user_id: int, department_id: int) -> None:
    """Make one of the user's departments their primary one."""
    _require_admin(actor)
    add_member(actor, department_id, user_id, primary=True)


# ---------------------------------------------------------------- reading


def org_tree(actor: Any, *, include_archived: bool = False) -> list[domain.TreeNode]:
    """The whole tree with the number of active members of each department."""
    _require_admin(actor)
    stmt = sa.select(Department)
    if not include_archived:
        stmt = stmt.where(Department.archived_at.is_(None))
    return domain.build_tree(db.session.scalars(stmt), member_counts())


def member_counts() -> dict[int, int]:
    """Active members per department (a primary department counts as a membership)."""
    m = DepartmentMember.__table__
    pairs = sa.union(
        sa.select(m.c.department_id, m.c.user_id),
        sa.select(User.department_id.label("department_id"), User.id.label("user_id"))
        .where(User.department_id.is_not(None))).subquery()
    rows = db.session.execute(
        sa.select(pairs.c.department_id, sa.func.count())
        .join(User, User.id == pairs.c.user_id).where(User.is_active.is_(True))
        .group_by(pairs.c.department_id))
    return {department_id: n for department_id, n in rows}


@dataclass(frozen=True)
class DepartmentPage:
    """What the department page shows."""

    department: Department
    path: list[Department]
    children: list[Department]
    members: list[User]
    managers: list[User]
    candidates: list[User]
    counts: dict[int, int]


def department_page(actor: Any, department_id: int) -> DepartmentPage:
    """A department with its path from the top, sub-departments, members and managers."""
    _require_admin(actor)
    department = _department(department_id)
    path_ids = tree.ancestor_ids(department.id)[::-1]
    found = {d.id: d for d in db.session.scalars(
        sa.select(Department).where(Department.id.in_(path_ids)))}
    member_ids = tree.member_ids({department.id})
    members = _users(member_ids)
    m = DepartmentManager.__table__
    manager_ids = list(db.session.scalars(sa.select(m.c.user_id).where(
        m.c.department_id == department.id).order_by(m.c.id)))
    return DepartmentPage(
        department=department, path=[found[i] for i in path_ids if i in found],
        children=_siblings(department.id), members=members,
        managers=_users(set(manager_ids)),
        candidates=active_users(actor), counts=member_counts())


def active_users(actor: Any) -> list[User]:
    """Everyone who can be made a member, manager or new owner, by name."""
    _require_admin(actor)
    return list(db.session.scalars(sa.select(User).where(User.is_active.is_(True))
                                   .order_by(sa.func.lower(User.name), User.id)))


def _users(ids: set[int]) -> list[User]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids))
                                   .order_by(sa.func.lower(User.name), User.id)))
