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

from ..audit import service as audit
from ..files import service as files
from ..permissions import service as permissions
from . import computed, defaults, domain, events, links, relations, sides, subtables
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
    """PermissionDenied unless the actor's roles grant the operation (runtime/permissions)."""
    permissions.require(actor, form, operation)


def can(actor, form: PublishedForm, operation: str) -> bool:
    """Whether ``actor`` may ``operation`` (create, edit, view, delete) records of ``form``."""
    return permissions.can(actor, form, operation)


def _to_record(form: PublishedForm, row: Mapping[str, Any]) -> Record:
    values = {fid: row[key] if read is None else read(row[key])
              for fid, key, read in form.readers}
    return Record(id=row["id"], values=values, system={k: row[k] for k in SYSTEM_FIELDS})


def _records(form: PublishedForm, result: sa.Result) -> list[Record]:
    """The records of a result; by position when it has the table's columns in order.

    List pages turn 50 rows of 15 columns into records: reading by position
    (checked once per result) instead of by name halves that work.
    """
    if tuple(result.keys()) != form.column_keys:
        return [_to_record(form, row) for row in result.mappings()]
    plan = form.row_plan
    plain_ids, plain, keys, system, converted = (plan.plain_ids, plan.plain, plan.system_keys,
                                                 plan.system, plan.converted)
    out = []
    for row in result.all():
        values = dict(zip(plain_ids, plain(row), strict=True))
        for fid, i, read in converted:
            values[fid] = read(row[i])
        out.append(Record(id=row[plan.id], values=values,
                          system=dict(zip(keys, system(row), strict=True))))
    return out


def _load(form: PublishedForm, record_id: int, *, for_update: bool = False) -> Record:
    stmt = sa.select(form.table).where(form.table.c.id == record_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = db.session.execute(stmt).mappings().first()
    if row is None:
        raise RecordNotFound(f"record {record_id}")
    record = _to_record(form, row)
    sides.fill(form, [record], db.session.connection())
    if not for_update:  # the write path never reads lookups and rollups
        relations.resolve(form, [record], db.session.connection())
    return record


def _columns(form: PublishedForm, values: Mapping[str, Any]) -> dict[str, Any]:
    out = {f.id: form.type_of(f.id).to_db(f, values.get(f.id)) for f in form.fields
           if form.type_of(f.id).is_stored(f)}
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
    """Members must be active users, departments must exist and not be archived."""
    from ..accounts.models import Department, User

    wanted: dict[str, dict[str, int]] = {"user": {}, "department": {}}
    for item in form.fields:
        kind = getattr(form.type_of(item.id), "references", None)
        value = prepared.values.get(item.id)
        unchanged = existing is not None and existing.values.get(item.id) == value
        if kind in wanted and value is not None and not unchanged:
            wanted[kind][item.id] = value
    for kind, by_field in wanted.items():
        if not by_field:
            continue
        stmt = _LIVE_IDS.get(kind)
        if stmt is None:  # built once: most saves check a member, and building costs more
            model, condition = ((User, User.is_active.is_(True)) if kind == "user"
                                else (Department, Department.archived_at.is_(None)))
            table = model.__table__
            stmt = _LIVE_IDS[kind] = sa.select(table.c.id).where(
                table.c.id.in_(sa.bindparam("ids", expanding=True)), condition)
        found = set(db.session.connection().execute(
            stmt, {"ids": sorted(set(by_field.values()))}).scalars())
        for field_id, value in by_field.items():
            if value not in found:
                prepared.add_error(field_id, _("choose an active member") if kind == "user"
                                   else _("choose an existing department that is not archived"))


#: "user" / "department" → SELECT of the ids among :ids that may be referenced
_LIVE_IDS: dict[str, sa.Select] = {}


def _validated(actor, form: PublishedForm, data: Mapping[str, Any], existing: Record | None,
               view: PublishedForm | None = None) -> domain.Prepared:
    prepared = domain.prepare(form, data, existing.values if existing else None)
    if view is not None:  # permissions: no message on a field the actor cannot change
        prepared.errors = permissions.locked_errors(view, prepared.errors)
    _check_references(form, prepared, existing)
    subtables.check_references(form, prepared, existing, data)
    links.check(actor, form, prepared, existing)
    files.check_references(actor, form, prepared, existing.id if existing else None)
    if not prepared.errors:
        _check_unique(form, prepared.values, existing.id if existing else None, prepared)
    if prepared.errors:
        db.session.rollback()
        raise ValidationFailed(prepared.errors)
    return prepared


def _history(form: PublishedForm, record_id: int, row_version: int, action: Action, actor,
             changes: dict[str, list[Any]]) -> None:
    # A plain INSERT in the caller's transaction: nothing reads the row back, so the ORM's
    # unit of work (flush at commit) would only add cost to every save.
    db.session.execute(_HISTORY_INSERT, {
        "form_id": form.form_id, "record_id": record_id, "row_version": row_version,
        "form_version": form.version, "action": action.value, "actor_id": actor.id,
        "at": utcnow(), "changes": changes})


_HISTORY_INSERT = sa.insert(RecordHistory.__table__)


def _execute(form: PublishedForm, stmt, values: Mapping[str, Any], record_id: int | None, *,
             params: Mapping[str, Any] | None = None):
    """Run a write; a unique index that another transaction won becomes a field message."""
    try:
        return db.session.execute(stmt, params)
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
    """Create a record from raw input (field id → value); fields left out get their default."""
    _require(actor, form, "create")
    # permissions: compute with the full form; input for locked fields is dropped
    write = permissions.writable(actor, form, data, creating=True)
    form, data = write.form, write.data
    begin_write()
    data = defaults.fill(form, actor, data)
    prepared = _validated(actor, form, data, None, write.view)
    now = utcnow()
    computed.assign_numbers(form, prepared.values, db.session.connection(), now)
    system = {"owner_id": actor.id, "department_id": getattr(actor, "department_id", None),
              "created_by_id": actor.id, "created_at": now, "updated_by_id": actor.id,
              "updated_at": now, "row_version": 1}
    # RETURNING hands back the row as stored (both backends), so the new record needs no
    # second read after the commit.
    connection = db.session.connection()
    row = _execute(form, form.insert_returning, prepared.values, None,
                   params={**system, **_columns(form, prepared.values)}).mappings().one()
    record = _to_record(form, row)
    sides.write(form, record.id, {}, prepared.values, connection)
    for side in form.side_fields:
        record.values[side.id] = prepared.values.get(side.id)
    files.bind(form, record.id, prepared.values)
    relations.resolve(form, [record], connection)
    diff = domain.changes(form, {}, prepared.values)
    _history(form, record.id, 1, Action.CREATE, actor, diff)
    events.emit("record.created", form.form_id, record.id)
    _commit_or_explain(form, prepared.values, None)
    # what was just typed, as the creator may see it (even if outside their view scope)
    return permissions.strip(write.view, record)


def update(actor, form: PublishedForm, record_id: int, data: Mapping[str, Any], *,
           expected_version: int) -> Record:
    """Change a record; refuses with StaleRecord if it changed since ``expected_version``."""
    _require(actor, form, "edit")
    # permissions: compute with the full form; input for locked fields is dropped
    write = permissions.writable(actor, form, data)
    form, data, view = write.form, write.data, write.view
    begin_write()
    current = _load(form, record_id, for_update=True)
    permissions.require_record(actor, view, "edit", current)
    if current.deleted_at is not None:
        raise RecordNotFound(f"record {record_id}")
    if current.row_version != expected_version:
        db.session.rollback()
        raise StaleRecord(permissions.strip(view, current), dict(data))
    prepared = _validated(actor, form, data, current, view)
    diff = domain.changes(form, current.values, prepared.values)
    if not diff:
        db.session.rollback()
        return permissions.strip(view, current)
    version = current.row_version + 1
    stmt = (form.table.update()
            .where(form.table.c.id == record_id, form.table.c.row_version == expected_version)
            .values(updated_by_id=actor.id, updated_at=utcnow(), row_version=version,
                    **_columns(form, prepared.values)))
    if _execute(form, stmt, prepared.values, record_id).rowcount != 1:
        db.session.rollback()
        raise StaleRecord(permissions.strip(view, _load(form, record_id)), dict(data))
    sides.write(form, record_id, current.values, prepared.values, db.session.connection())
    files.bind(form, record_id, prepared.values)
    _history(form, record_id, version, Action.UPDATE, actor, diff)
    events.emit("record.updated", form.form_id, record_id)
    _commit_or_explain(form, prepared.values, record_id)
    # as saved, even if the change took it out of the actor's view scope
    return permissions.strip(view, _load(form, record_id))


def _set_deleted(actor, form: PublishedForm, record_id: int, deleted: bool) -> Record:
    view, form = form, permissions.full_form(form)
    begin_write()
    current = _load(form, record_id, for_update=True)
    permissions.require_record(actor, view, "delete", current)
    if (current.deleted_at is not None) == deleted:
        db.session.rollback()
        return get(actor, view, record_id, include_deleted=True)
    if not deleted:
        _check_unique_on_restore(form, current)
    version = current.row_version + 1
    db.session.execute(form.table.update().where(form.table.c.id == record_id).values(
        deleted_at=utcnow() if deleted else None, row_version=version,
        updated_by_id=actor.id, updated_at=utcnow()))
    action = Action.DELETE if deleted else Action.RESTORE
    _history(form, record_id, version, action, actor, {})
    audit.record(actor, f"record.{'deleted' if deleted else 'restored'}", "record",
                 f"{form.form_id}:{record_id}", {"form_id": form.form_id, "record_id": record_id})
    events.emit(f"record.{'deleted' if deleted else 'restored'}", form.form_id, record_id)
    _commit_or_explain(form, current.values, record_id)
    return get(actor, view, record_id, include_deleted=True)


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


def get(actor, form: PublishedForm, record_id: int, *, include_deleted: bool = False,
        operation: str = "view") -> Record:
    """One record; trashed ones only when asked for (``operation``: "edit" for an edit form)."""
    _require(actor, form, operation)
    record = _load(permissions.full_form(form), record_id)
    permissions.require_record(actor, form, operation, record)  # scope, on the full values
    if record.deleted_at is not None and not include_deleted:
        raise RecordNotFound(f"record {record_id}")
    return permissions.strip(permissions.visible_form(actor, form), record)


def page(actor, form: PublishedForm, *, before_id: int | None = None, limit: int = 50,
         trashed: bool = False, after_id: int | None = None) -> list[Record]:
    """Newest first, keyset-paged by id (``after_id``: the page just newer than that id)."""
    _require(actor, form, "view")
    form = permissions.visible_form(actor, form)
    table = form.table
    deleted = table.c.deleted_at.is_not(None) if trashed else table.c.deleted_at.is_(None)
    order = table.c.id.asc() if after_id is not None else table.c.id.desc()
    stmt = sa.select(table).where(deleted).order_by(order).limit(min(limit, 500))
    scope = permissions.scope_clause(actor, form)  # permissions: row scope
    if scope is not None:
        stmt = stmt.where(scope)
    if before_id is not None:
        stmt = stmt.where(table.c.id < before_id)
    if after_id is not None:
        stmt = stmt.where(table.c.id > after_id)
    rows = _records(form, db.session.execute(stmt))
    sides.fill(form, rows, db.session.connection())
    relations.resolve(form, rows, db.session.connection())
    return rows[::-1] if after_id is not None else rows


def history(actor, form: PublishedForm, record_id: int) -> list[RecordHistory]:
    """Every change of a record, newest first."""
    get(actor, form, record_id, include_deleted=True)
    return permissions.visible_history(permissions.visible_form(actor, form), db.session.scalars(
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
