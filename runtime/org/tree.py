"""Questions about the organisation that other blocks ask (row scopes, approvals, automations).

These are read-only and take ids. They do not check who asks: callers are
services that already decided the question may be asked. Tree walks are
recursive CTEs (the same SQL on SQLite and PostgreSQL), one query each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from builder.db import db

from ..accounts.models import Department, User
from .models import DepartmentManager, DepartmentMember

#: a guard against a corrupted parent chain (moves refuse cycles; this is belt and braces)
MAX_DEPTH = 64


def subtree_ids(department_id: int) -> set[int]:
    """The department and every department below it (archived ones included)."""
    return subtrees_ids({department_id})


def subtrees_ids(department_ids: set[int]) -> set[int]:
    """The departments and everything below them, in one recursive query."""
    if not department_ids:
        return set()
    d = Department.__table__
    tree = sa.select(d.c.id).where(d.c.id.in_(department_ids)).cte("subtree", recursive=True)
    # UNION (not UNION ALL) also ends on a cycle, should one ever exist
    tree = tree.union(sa.select(d.c.id).where(d.c.parent_id == tree.c.id))
    return set(db.session.scalars(sa.select(tree.c.id)))


def ancestor_ids(department_id: int) -> list[int]:
    """The department, its parent, its grandparent … up to the root (nearest first)."""
    d = Department.__table__
    path = (sa.select(d.c.id, d.c.parent_id, sa.literal(0).label("depth"))
            .where(d.c.id == department_id).cte("path", recursive=True))
    path = path.union_all(
        sa.select(d.c.id, d.c.parent_id, (path.c.depth + 1).label("depth"))
        .where(d.c.id == path.c.parent_id, path.c.depth < MAX_DEPTH))
    return list(db.session.scalars(sa.select(path.c.id).order_by(path.c.depth)))


def is_within(department_id: int, ancestor_id: int) -> bool:
    """Whether ``department_id`` is ``ancestor_id`` or lies below it."""
    return ancestor_id in ancestor_ids(department_id)


def member_department_ids(user_id: int) -> set[int]:
    """Every department the user belongs to (the primary one included)."""
    m = DepartmentMember.__table__
    ids = set(db.session.scalars(sa.select(m.c.department_id).where(m.c.user_id == user_id)))
    primary = db.session.scalar(sa.select(User.department_id).where(User.id == user_id))
    return ids | ({primary} if primary is not None else set())


def departments_of(user_id: int) -> list[Department]:
    """The user's departments: the primary one first, then the others by position and name."""
    ids = member_department_ids(user_id)
    if not ids:
        return []
    primary = db.session.scalar(sa.select(User.department_id).where(User.id == user_id))
    found = db.session.scalars(sa.select(Department).where(Department.id.in_(ids))
                               .order_by(Department.position, Department.name))
    return sorted(found, key=lambda d: d.id != primary)


def managed_department_ids(user_id: int, *, with_subtrees: bool = False) -> set[int]:
    """The departments the user manages (and, if asked, everything below them)."""
    m = DepartmentManager.__table__
    ids = set(db.session.scalars(sa.select(m.c.department_id).where(m.c.user_id == user_id)))
    return subtrees_ids(ids) if with_subtrees else ids


def manager_ids(department_ids: list[int]) -> dict[int, list[int]]:
    """Active managers of each department, by department id (one query)."""
    if not department_ids:
        return {}
    m = DepartmentManager.__table__
    rows = db.session.execute(
        sa.select(m.c.department_id, m.c.user_id).join(User, User.id == m.c.user_id)
        .where(m.c.department_id.in_(department_ids), User.is_active.is_(True))
        .order_by(m.c.department_id, m.c.id))
    out: dict[int, list[int]] = {}
    for department_id, user_id in rows:
        out.setdefault(department_id, []).append(user_id)
    return out


@dataclass(frozen=True)
class ManagerLevel:
    """One step of a manager chain: the department whose managers answer, and them."""

    level: int
    department_id: int
    manager_ids: list[int]


def manager_chain(user_id: int, levels: int = 1) -> list[ManagerLevel]:
    """The user's managers, ``levels`` steps up from their primary department.

    Walking up from the primary department, a department counts as a level when
    it has an active manager who is neither the user nor already in the chain;
    departments the user manages themselves, and departments without managers,
    are passed through (so a manager's manager is the parent department's).
    Fewer levels come back when the tree ends first.
    """
    user = db.session.get(User, user_id)
    if user is None or user.department_id is None or levels < 1:
        return []
    path = ancestor_ids(user.department_id)
    by_department = manager_ids(path)
    chain: list[ManagerLevel] = []
    seen = {user_id}
    for department_id in path:
        managers = by_department.get(department_id, [])
        if user_id in managers:
            continue
        fresh = [m for m in managers if m not in seen]
        if not fresh:
            continue
        chain.append(ManagerLevel(len(chain) + 1, department_id, fresh))
        seen.update(fresh)
        if len(chain) == levels:
            break
    return chain


def managers_of(user_id: int, levels: int = 1) -> list[User]:
    """The user's managers up to ``levels`` levels, nearest first (level 1: "my manager").

    For exactly the N-th level, use ``manager_chain(user_id, n)[n - 1]`` when the
    chain is that long.
    """
    ids = [m for step in manager_chain(user_id, levels) for m in step.manager_ids]
    if not ids:
        return []
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    return [users[i] for i in ids if i in users]


def is_manager_of(user_id: int, other_user_id: int) -> bool:
    """Whether the user manages a department that the other user belongs to, or one above it."""
    if user_id == other_user_id:
        return False
    managed = managed_department_ids(user_id)
    if not managed:
        return False
    return any(managed.intersection(ancestor_ids(d))
               for d in member_department_ids(other_user_id))


def member_ids(department_ids: set[int]) -> set[int]:
    """Users who belong to any of the departments (memberships and primary departments)."""
    if not department_ids:
        return set()
    m = DepartmentMember.__table__
    members = set(db.session.scalars(
        sa.select(m.c.user_id).where(m.c.department_id.in_(department_ids))))
    primary = set(db.session.scalars(
        sa.select(User.id).where(User.department_id.in_(department_ids))))
    return members | primary


def describe(department_id: int | None) -> dict[str, Any]:
    """A department's id and name for audit details (None stays None)."""
    if department_id is None:
        return {"id": None, "name": None}
    department = db.session.get(Department, department_id)
    return {"id": department_id, "name": department.name if department else None}
