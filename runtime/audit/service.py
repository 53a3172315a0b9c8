"""Write audit entries (in the caller's transaction) and read them (administrators only).

There is deliberately no function that changes or deletes an entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from builder.db import db, utcnow
from builder.exceptions import PermissionDenied
from builder.fields.dates import local_zone

from .domain import ACTION_KEY, PAGE_SIZE, TARGET_TYPE, AuditFilter, day_bounds
from .models import AuditEntry

EXPORT_BATCH = 500


def record(actor: Any, action: str, target_type: str | None = None,
           target_id: Any = None, details: dict[str, Any] | None = None,
           ip: str | None = None, *, actor_name: str | None = None) -> AuditEntry:
    """Add one entry to the current transaction (no commit: it lives or dies with the change).

    ``actor`` is the acting user (or None for the system / an unknown visitor,
    then ``actor_name`` says who, e.g. the address typed at a failed sign-in).
    ``ip`` defaults to the current request's remote address.
    """
    if not ACTION_KEY.match(action):
        raise ValueError(f"audit action keys look like 'group.verb' (got {action!r})")
    if target_type is not None and not TARGET_TYPE.match(target_type):
        raise ValueError(f"audit target types are short lower-case words (got {target_type!r})")
    name = actor_name if actor_name is not None else getattr(actor, "name", "") or ""
    entry = AuditEntry(
        at=utcnow(), actor_id=getattr(actor, "id", None), actor_name=name[:254],
        ip=(ip or _request_ip() or "")[:64] or None, action=action,
        target_type=target_type, target_id=None if target_id is None else str(target_id)[:64],
        summary=_jsonable(details or {}))
    db.session.add(entry)
    return entry


def _request_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    """Details as plain JSON (dates and decimals become text)."""
    return json.loads(json.dumps(details, default=str, ensure_ascii=False))


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class AuditPage:
    """Entries newest first; ``next_before`` continues the list (keyset), if more exist."""

    entries: list[AuditEntry]
    next_before: int | None


def _require_admin(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_admin", False):
        raise PermissionDenied()


def _conditions(f: AuditFilter) -> list[Any]:
    t = AuditEntry
    out: list[Any] = []
    if f.actor_id is not None:
        out.append(t.actor_id == f.actor_id)
    if f.action.endswith(".*"):
        out.append(t.action.startswith(f.action[:-1], autoescape=True))
    elif f.action:
        out.append(t.action == f.action)
    if f.target_type:
        out.append(t.target_type == f.target_type)
    if f.target_id:
        out.append(t.target_id == f.target_id)
    zone = local_zone()
    if f.date_from:
        out.append(t.at >= day_bounds(f.date_from, zone))
    if f.date_to:
        out.append(t.at < day_bounds(f.date_to, zone, end=True))
    return out


def page(actor: Any, f: AuditFilter, *, before_id: int | None = None,
         limit: int = PAGE_SIZE) -> AuditPage:
    """One page of entries matching ``f``, newest first, older than ``before_id``."""
    _require_admin(actor)
    stmt = sa.select(AuditEntry).where(*_conditions(f))
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    rows = list(db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, rows[-1].id if more and rows else None)


def count(actor: Any, f: AuditFilter) -> int:
    """How many entries match ``f``."""
    _require_admin(actor)
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(*_conditions(f))) or 0


def start_export(actor: Any, f: AuditFilter) -> int:
    """Audit the export itself (commits) and return how many rows it will hold."""
    total = count(actor, f)
    record(actor, "audit.exported", "audit", None,
           {"filters": f.query_args(), "rows": total})
    db.session.commit()
    return total


def export_entries(actor: Any, f: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, read in keyset batches (for streaming)."""
    _require_admin(actor)
    before: int | None = None
    while True:
        batch = page(actor, f, before_id=before, limit=EXPORT_BATCH)
        yield from batch.entries
        if batch.next_before is None:
            return
        before = batch.next_before


def actors(actor: Any) -> list[tuple[int, str]]:
    """Everyone who can appear as an actor, for the filter (users by name)."""
    _require_admin(actor)
    from ..accounts.models import User

    return [(u.id, u.name) for u in db.session.scalars(
        sa.select(User).order_by(sa.func.lower(User.name), User.id))]
