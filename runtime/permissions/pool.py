"""The public pool: claim an unowned record (one winner), release it back, list the pool.

A claim is a conditional UPDATE (``owner_id IS NULL``): of two people claiming
the same record at the same moment exactly one changes a row. The per-person
limit is checked under a lock per (form, person): SQLite's write lock, or a
transaction-scoped advisory lock on PostgreSQL, so two claims by one person in
parallel cannot both pass it. Claims and releases write a history entry
(``owner_id`` old → new, as ownership transfers do), a ``record.updated`` event
and an audit entry (``pool.claimed`` / ``pool.released``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from builder.db import begin_write, db, utcnow
from runtime.records import events
from runtime.records.exceptions import RecordNotFound
from runtime.records.models import Action, RecordHistory
from runtime.records.schema import PublishedForm

from ..audit import service as audit
from . import service as permissions
from .exceptions import ClaimLost, PermissionDenied, PoolClosed, PoolLimitReached
from .models import PoolClaim
from .projection import full_form

PAGE_SIZE = 50


def settings(form: PublishedForm) -> dict[str, Any]:
    """The form's pool settings (``enabled``, ``limit``) as published."""
    return dict(full_form(form).document.get("pool") or {})


def _require_pool(form: PublishedForm) -> dict[str, Any]:
    found = settings(form)
    if not found.get("enabled"):
        raise PoolClosed(_("This form has no public pool."))
    return found


def _lock(form_id: int, user_id: int) -> None:
    """Serialise one person's claims on one form (SQLite: the write lock is enough)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:a, :b)"),
                           {"a": form_id, "b": user_id})


def open_claims(form: PublishedForm, user_id: int) -> int:
    """How many claimed records the person still holds (owned, live, not released)."""
    table = full_form(form).table
    return db.session.execute(
        sa.select(sa.func.count()).select_from(PoolClaim)
        .join(table, table.c.id == PoolClaim.record_id)
        .where(PoolClaim.form_id == form.form_id, PoolClaim.user_id == user_id,
               PoolClaim.released_at.is_(None), table.c.owner_id == user_id,
               table.c.deleted_at.is_(None))).scalar_one()


def claim(actor, form: PublishedForm, record_id: int) -> None:
    """Make ``actor`` the owner of a pooled record (ClaimLost if someone was faster)."""
    found = _require_pool(form)
    full = full_form(form)
    permissions.require(actor, form, "view")
    begin_write()
    _lock(full.form_id, actor.id)
    current = _loaded(full, record_id)
    if current.system["owner_id"] == actor.id:
        db.session.rollback()
        return
    if current.system["owner_id"] is not None:
        db.session.rollback()
        raise ClaimLost(_("Someone else has already claimed this record."))
    permissions.require_record(actor, form, "view", current)
    limit = found.get("limit")
    if limit and open_claims(full, actor.id) >= limit:
        db.session.rollback()
        raise PoolLimitReached({"": [_(
            "You already hold %(count)d claimed records, the most this form allows. Release "
            "one before claiming another.", count=limit)]})
    table = full.table
    done = db.session.execute(
        table.update().where(table.c.id == record_id, table.c.owner_id.is_(None),
                             table.c.deleted_at.is_(None))
        .values(owner_id=actor.id, department_id=getattr(actor, "department_id", None),
                row_version=table.c.row_version + 1, updated_by_id=actor.id,
                updated_at=utcnow()))
    if done.rowcount != 1:
        db.session.rollback()
        raise ClaimLost(_("Someone else has already claimed this record."))
    db.session.add(PoolClaim(form_id=full.form_id, record_id=record_id, user_id=actor.id))
    _written(actor, full, record_id, current.row_version + 1, None, actor.id, "pool.claimed")


def release(actor, form: PublishedForm, record_id: int) -> None:
    """Put a record back into the pool: its owner, their managers or administrators."""
    from ..org import tree

    _require_pool(form)
    full = full_form(form)
    permissions.require(actor, form, "view")
    begin_write()
    current = _loaded(full, record_id, for_update=True)
    owner = current.system["owner_id"]
    if owner is None:
        db.session.rollback()
        return
    permissions.require_record(actor, form, "view", current)
    if not (owner == actor.id or permissions.rights(actor, form).full
            or tree.is_manager_of(actor.id, owner)):
        db.session.rollback()
        raise PermissionDenied(_("Only the owner or their manager can release this record."))
    table = full.table
    db.session.execute(table.update().where(table.c.id == record_id).values(
        owner_id=None, row_version=table.c.row_version + 1, updated_by_id=actor.id,
        updated_at=utcnow()))
    db.session.execute(sa.update(PoolClaim).where(
        PoolClaim.form_id == full.form_id, PoolClaim.record_id == record_id,
        PoolClaim.released_at.is_(None)).values(released_at=utcnow(), released_by_id=actor.id))
    _written(actor, full, record_id, current.row_version + 1, owner, None, "pool.released")


def _loaded(form: PublishedForm, record_id: int, *, for_update: bool = False):
    from runtime.records.service import _load

    record = _load(form, record_id, for_update=for_update)
    if record.deleted_at is not None:
        raise RecordNotFound(f"record {record_id}")
    return record


def _written(actor, form: PublishedForm, record_id: int, version: int, old: int | None,
             new: int | None, action: str) -> None:
    db.session.add(RecordHistory(form_id=form.form_id, record_id=record_id, row_version=version,
                                 form_version=form.version, action=Action.UPDATE.value,
                                 actor_id=actor.id, changes={"owner_id": [old, new]}))
    events.emit("record.updated", form.form_id, record_id)
    audit.record(actor, action, "record", f"{form.form_id}:{record_id}",
                 {"form_id": form.form_id, "record_id": record_id, "from": old, "to": new})
    db.session.commit()


# ---------------------------------------------------------------- reading


def page(actor, form: PublishedForm, *, before_id: int | None = None,
         limit: int = PAGE_SIZE) -> list[Any]:
    """Pooled records the person may see, newest first, keyset-paged by id."""
    from runtime.records import query, sides
    from runtime.records.service import _to_record

    _require_pool(form)
    permissions.require(actor, form, "view")
    view = permissions.visible_form(actor, form)
    table = view.table
    stmt = (sa.select(table).where(query.where(view, None), table.c.owner_id.is_(None))
            .order_by(table.c.id.desc()).limit(limit))
    if before_id is not None:
        stmt = stmt.where(table.c.id < before_id)
    records = [_to_record(view, row) for row in db.session.execute(stmt).mappings()]
    sides.fill(view, records, db.session.connection())
    return records


def actions(target: Any, record: Any = None) -> dict[str, Any]:
    """What the pool offers on a page (template global): the pool link, claim, release."""
    view = target.published
    found = settings(view)
    keys = {"app_key": target.app.key, "form_key": target.form.key}
    if not found.get("enabled") or not getattr(view, "rights", None):
        return {}
    rights = view.rights
    pooled = rights.full or rights.unrestricted("view") or any(
        i.get("kind") == "pool" for i in rights.scope("view"))
    if record is None:
        return {"list_url": url_for("permissions.pool_list", **keys)} if pooled else {}
    if record.deleted_at is not None:
        return {}
    owner = record.system.get("owner_id")
    if owner is None:
        return {"claim_url": url_for("permissions.claim", record_id=record.id, **keys)
                if pooled else None}
    from ..org import tree

    may_release = owner == view.actor_id or rights.full or (
        view.actor_id is not None and tree.is_manager_of(view.actor_id, owner))
    return {"release_url": url_for("permissions.release", record_id=record.id, **keys)
            if may_release else None}
