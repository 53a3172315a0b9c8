"""The one write path and the basic read path for records.

permission → coercion → validation (types, required, visibility, rules,
unique) → history row → outbox events, in one transaction. The HTML pages,
the importer, the API, approvals and automations all call these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder.db import begin_write, db, utcnow
from builder.exceptions import PermissionDenied

from . import computed, domain, events
from .exceptions import RecordNotFound, StaleRecord, ValidationFailed
from .models import Action, RecordHistory
from .schema import PublishedForm

SYSTEM_FIELDS = ("owner_id", "department_id", "created_by_id", "created_at", "updated_by_id",
                 "updated_at", "row_version", "flow_state", "deleted_at")


@dataclass
class Record:
    """A record's live values by field id plus its system columns."""

    id: int
    values: dict[str, Any]
    system: dict[str, Any] = field(default_factory=dict)

    @property
    def row_version(self) -> int:
        """The optimistic-locking version."""
        return self.system["row_version"]

    @property
    def deleted_at(self) -> datetime | None:
        """When it was moved to the trash."""
        return self.system.get("deleted_at")


def _require(actor, form: PublishedForm, operation: str) -> None:
    """Every signed-in, active user may use a published form (roles come with issue 5)."""
    if actor is None or not getattr(actor, "is_active", False):
        raise PermissionDenied(f"{operation} on form {form.form_id}")


def _to_record(form: PublishedForm, row: Mapping[str, Any]) -> Record:
    values = {fid: row[key] if read is None else read(row[key])
              for fid, key, read in form.readers}
    return Record(id=row["id"], values=values, system={k: row[k] for k in SYSTEM_FIELDS})


def _load(form: PublishedForm, record_id: int, *, for_update: bool = False) -> Record:
    stmt = sa.select(form.table).where(form.table.c.id == record_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = db.session.execute(stmt).mappings().first()
    if row is None:
        raise RecordNotFound(f"record {record_id}")
    return _to_record(form, row)


def _columns(form: PublishedForm, values: Mapping[str, Any]) -> dict[str, Any]:
    out = {f.id: form.type_of(f.id).to_db(f, values.get(f.id)) for f in form.fields
           if form.type_of(f.id).stored}
    out.update(domain.unique_keys(form, values))
    return out


def _check_unique(form: PublishedForm, values: Mapping[str, Any], record_id: int | None,
                  prepared: domain.Prepared) -> None:
    keys = domain.unique_keys(form, values)
    table = form.table
    for field_id in form.unique:
        column = form.unique_column(field_id)
        key = keys.get(column, values.get(field_id))
        if key is None:
            continue
        stmt = sa.select(table.c.id).where(table.c[column] == key, table.c.deleted_at.is_(None))
        if record_id is not None:
            stmt = stmt.where(table.c.id != record_id)
        if db.session.execute(stmt.limit(1)).first() is not None:
            prepared.add_error(field_id, _("is already used by another record; it must be "
                                           "unique"))


def _check_references(form: PublishedForm, prepared: domain.Prepared,
                      existing: Record | None) -> None:
    """Members must be active users and departments must exist (one query per kind)."""
    from ..accounts.models import Department, User

    wanted: dict[str, dict[str, int]] = {"user": {}, "department": {}}
    for item in form.fields:
        kind = getattr(form.type_of(item.id), "references", None)
        value = prepared.values.get(item.id)
        unchanged = existing is not None and existing.values.get(item.id) == value
        if kind in wanted and value is not None and not unchanged:
            wanted[kind][item.id] = value
    checks = ((User, wanted["user"], User.is_active.is_(True), _("choose an active member")),
              (Department, wanted["department"], sa.true(), _("choose an existing department")))
    for model, by_field, condition, message in checks:
        if not by_field:
            continue
        found = set(db.session.scalars(sa.select(model.id).where(
            model.id.in_(set(by_field.values())), condition)))
        for field_id, value in by_field.items():
            if value not in found:
                prepared.add_error(field_id, message)


def _validated(form: PublishedForm, data: Mapping[str, Any], existing: Record | None
               ) -> domain.Prepared:
    prepared = domain.prepare(form, data, existing.values if existing else None)
    _check_references(form, prepared, existing)
    if not prepared.errors:
        _check_unique(form, prepared.values, existing.id if existing else None, prepared)
    if prepared.errors:
        db.session.rollback()
        raise ValidationFailed(prepared.errors)
    return prepared


def _history(form: PublishedForm, record_id: int, row_version: int, action: Action, actor,
             changes: dict[str, list[Any]]) -> None:
    db.session.add(RecordHistory(form_id=form.form_id, record_id=record_id,
                                 row_version=row_version, form_version=form.version,
                                 action=action.value, actor_id=actor.id, changes=changes))


def _execute(form: PublishedForm, stmt, values: Mapping[str, Any], record_id: int | None):
    """Run a write; a unique index that another transaction won becomes a field message."""
    try:
        return db.session.execute(stmt)
    except sa.exc.IntegrityError:
        _explain_conflict(form, values, record_id)


def _commit_or_explain(form: PublishedForm, values: Mapping[str, Any], record_id: int | None
                       ) -> None:
    """Commit, explaining a unique conflict that only shows at commit (SQLite)."""
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        _explain_conflict(form, values, record_id)


def _explain_conflict(form: PublishedForm, values: Mapping[str, Any], record_id: int | None):
    db.session.rollback()
    prepared = domain.Prepared(values=dict(values))
    _check_unique(form, values, record_id, prepared)
    raise ValidationFailed(prepared.errors or {"": [
        _("The record could not be saved because it conflicts with another record.")]})


def create(actor, form: PublishedForm, data: Mapping[str, Any]) -> Record:
    """Create a record from raw input (field id → value)."""
    _require(actor, form, "create")
    begin_write()
    prepared = _validated(form, data, None)
    now = utcnow()
    computed.assign_numbers(form, prepared.values, db.session.connection(), now)
    system = {"owner_id": actor.id, "department_id": getattr(actor, "department_id", None),
              "created_by_id": actor.id, "created_at": now, "updated_by_id": actor.id,
              "updated_at": now, "row_version": 1}
    insert = form.table.insert().values(**system, **_columns(form, prepared.values))
    result = _execute(form, insert, prepared.values, None)
    record_id = int(result.inserted_primary_key[0])
    diff = domain.changes(form, {}, prepared.values)
    _history(form, record_id, 1, Action.CREATE, actor, diff)
    events.emit("record.created", form.form_id, record_id)
    _commit_or_explain(form, prepared.values, None)
    return get(actor, form, record_id)


def update(actor, form: PublishedForm, record_id: int, data: Mapping[str, Any], *,
           expected_version: int) -> Record:
    """Change a record; refuses with StaleRecord if it changed since ``expected_version``."""
    _require(actor, form, "edit")
    begin_write()
    current = _load(form, record_id, for_update=True)
    if current.deleted_at is not None:
        raise RecordNotFound(f"record {record_id}")
    if current.row_version != expected_version:
        db.session.rollback()
        raise StaleRecord(current, dict(data))
    prepared = _validated(form, data, current)
    diff = domain.changes(form, current.values, prepared.values)
    if not diff:
        db.session.rollback()
        return current
    version = current.row_version + 1
    stmt = (form.table.update()
            .where(form.table.c.id == record_id, form.table.c.row_version == expected_version)
            .values(updated_by_id=actor.id, updated_at=utcnow(), row_version=version,
                    **_columns(form, prepared.values)))
    if _execute(form, stmt, prepared.values, record_id).rowcount != 1:
        db.session.rollback()
        raise StaleRecord(_load(form, record_id), dict(data))
    _history(form, record_id, version, Action.UPDATE, actor, diff)
    events.emit("record.updated", form.form_id, record_id)
    _commit_or_explain(form, prepared.values, record_id)
    return get(actor, form, record_id)


def _set_deleted(actor, form: PublishedForm, record_id: int, deleted: bool) -> Record:
    begin_write()
    current = _load(form, record_id, for_update=True)
    if (current.deleted_at is not None) == deleted:
        db.session.rollback()
        return current
    if not deleted:
        _check_unique_on_restore(form, current)
    version = current.row_version + 1
    db.session.execute(form.table.update().where(form.table.c.id == record_id).values(
        deleted_at=utcnow() if deleted else None, row_version=version,
        updated_by_id=actor.id, updated_at=utcnow()))
    action = Action.DELETE if deleted else Action.RESTORE
    _history(form, record_id, version, action, actor, {})
    events.emit(f"record.{'deleted' if deleted else 'restored'}", form.form_id, record_id)
    _commit_or_explain(form, current.values, record_id)
    return get(actor, form, record_id, include_deleted=True)


def _check_unique_on_restore(form: PublishedForm, current: Record) -> None:
    prepared = domain.Prepared(values=dict(current.values))
    _check_unique(form, current.values, current.id, prepared)
    if prepared.errors:
        db.session.rollback()
        raise ValidationFailed(prepared.errors)


def delete(actor, form: PublishedForm, record_id: int) -> Record:
    """Move a record to the trash."""
    _require(actor, form, "delete")
    return _set_deleted(actor, form, record_id, True)


def restore(actor, form: PublishedForm, record_id: int) -> Record:
    """Bring a record back from the trash (refused if a unique value is now taken)."""
    _require(actor, form, "delete")
    return _set_deleted(actor, form, record_id, False)


def get(actor, form: PublishedForm, record_id: int, *, include_deleted: bool = False) -> Record:
    """One record; trashed ones only when asked for."""
    _require(actor, form, "view")
    record = _load(form, record_id)
    if record.deleted_at is not None and not include_deleted:
        raise RecordNotFound(f"record {record_id}")
    return record


def page(actor, form: PublishedForm, *, before_id: int | None = None, limit: int = 50,
         trashed: bool = False, after_id: int | None = None) -> list[Record]:
    """Newest first, keyset-paged by id (``after_id``: the page just newer than that id)."""
    _require(actor, form, "view")
    table = form.table
    deleted = table.c.deleted_at.is_not(None) if trashed else table.c.deleted_at.is_(None)
    order = table.c.id.asc() if after_id is not None else table.c.id.desc()
    stmt = sa.select(table).where(deleted).order_by(order).limit(min(limit, 500))
    if before_id is not None:
        stmt = stmt.where(table.c.id < before_id)
    if after_id is not None:
        stmt = stmt.where(table.c.id > after_id)
    rows = [_to_record(form, row) for row in db.session.execute(stmt).mappings()]
    return rows[::-1] if after_id is not None else rows


def history(actor, form: PublishedForm, record_id: int) -> list[RecordHistory]:
    """Every change of a record, newest first."""
    get(actor, form, record_id, include_deleted=True)
    return list(db.session.scalars(
        sa.select(RecordHistory)
        .where(RecordHistory.form_id == form.form_id, RecordHistory.record_id == record_id)
        .order_by(RecordHistory.id.desc())))


def restore_version(actor, form: PublishedForm, record_id: int, history_id: int, *,
                    expected_version: int) -> Record:
    """Bring back the values a record had after one history entry, through ``update``."""
    entries = history(actor, form, record_id)
    if not any(entry.id == history_id for entry in entries):
        raise RecordNotFound(f"history entry {history_id} of record {record_id}")
    data = domain.values_at(form, reversed(entries), history_id)
    return update(actor, form, record_id, data, expected_version=expected_version)
