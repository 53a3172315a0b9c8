"""Many records in one transaction: the write path's steps for a chunk of rows (imports).

The rules are the ones ``service.create`` and ``service.update`` apply — the
field types' coercion, visibility, required, the form's rules and formulas
(``domain.prepare``), members and departments that exist, unique values,
auto-numbers, a history row per change and the outbox events — but each check
runs once for the whole chunk (one query per unique field, one per kind of
reference) and the rows are written in bulk (``bulk``: COPY on PostgreSQL). A row
that breaks a rule is reported and left out; the others are written together, in
one transaction, or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from builder.db import begin_write, db, utcnow
from builder.fields.autonumber import period_key, render

from ..files import service as files
from ..permissions import service as permissions
from . import bulk, defaults, domain, events, sides
from .counters import RecordCounter
from .models import Action, RecordHistory
from .relations import Targets, linked_ids
from .schema import PublishedForm
from .service import Record, _require, _to_record


@dataclass
class RowInput:
    """One row to write: raw input by field id, and the record it updates (None: create)."""

    index: int
    data: dict[str, Any]
    record_id: int | None = None
    #: problems the caller already found (e.g. a name no member has), by field id
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RowResult:
    """What happened (or, in a dry run, would happen) to one row."""

    index: int
    #: create, update, unchanged or error
    action: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    record_id: int | None = None
    diff: dict[str, list[Any]] = field(default_factory=dict)
    #: the unique keys the check computed (None: compute them again before writing)
    keys: dict[str, Any] | None = field(default=None, repr=False)


def check(actor, form: PublishedForm, rows: Sequence[RowInput]) -> list[RowResult]:
    """Dry run: validate every row as ``write`` would, and write nothing."""
    _require_for(actor, form, rows)
    form = permissions.full_form(form)  # computes with every field; access per row below
    results, _current = _plan(actor, form, rows, lock=False)
    return results


def write(actor, form: PublishedForm, rows: Sequence[RowInput], *,
          before_commit: Callable[[list[RowResult]], None] | None = None) -> list[RowResult]:
    """Create and update the valid rows in one transaction; report every row.

    ``before_commit`` runs inside the transaction after the rows are written, so
    whatever it records (an import's progress) commits with them or not at all.
    Any exception rolls the whole chunk back and propagates.
    """
    _require_for(actor, form, rows)
    form = permissions.full_form(form)  # computes with every field; access per row below
    try:
        begin_write()
        results, current = _plan(actor, form, rows, lock=True)
        now = utcnow()
        creates = [r for r in results if r.action == "create"]
        updates = [r for r in results if r.action == "update"]
        _assign_numbers(form, creates, now)
        _insert(actor, form, creates, now)
        _update(actor, form, updates, current, now)
        _history(actor, form, creates, updates, current)
        if files.media_fields(form):
            for result in creates + updates:
                files.bind(form, result.record_id, result.values)
        for result in creates:
            events.emit("record.created", form.form_id, result.record_id)
        for result in updates:
            events.emit("record.updated", form.form_id, result.record_id)
        if before_commit is not None:
            before_commit(results)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return results


def _require_for(actor, form: PublishedForm, rows: Sequence[RowInput]) -> None:
    permissions.require(actor, form, "import")  # permissions: the import right
    if any(r.record_id is None for r in rows):
        _require(actor, form, "create")
    if any(r.record_id is not None for r in rows):
        _require(actor, form, "edit")


# ---------------------------------------------------------------- validation


def load(form: PublishedForm, ids: Iterable[int], *, lock: bool = False) -> dict[int, Record]:
    """Live records by id, with their side values, in one query (plus one per side field)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    table = form.table
    stmt = sa.select(table).where(bulk.one_of(table.c.id, wanted), table.c.deleted_at.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    records = [_to_record(form, row) for row in db.session.execute(stmt).mappings()]
    sides.fill(form, records, db.session.connection())
    return {r.id: r for r in records}


def _plan(actor, form: PublishedForm, rows: Sequence[RowInput], *, lock: bool
          ) -> tuple[list[RowResult], dict[int, Record]]:
    current = load(form, (r.record_id for r in rows if r.record_id is not None), lock=lock)
    fallback = defaults.raw_values(form, actor)
    media = bool(files.media_fields(form))
    results = [_prepare(actor, form, row, current, fallback, media) for row in rows]
    _check_references(form, [r for r in results if r.action != "error"], current)
    _check_links(actor, form, [r for r in results if r.action != "error"], current)
    _check_unique(form, [r for r in results if r.action != "error"])
    for result in results:
        if result.errors:
            result.action = "error"
    return results, current


def _prepare(actor, form: PublishedForm, row: RowInput, current: Mapping[int, Record],
             fallback: Mapping[str, Any], media: bool) -> RowResult:
    existing = current.get(row.record_id) if row.record_id is not None else None
    if row.record_id is not None and existing is None:
        return RowResult(row.index, "error", dict(row.data), {"": [
            _("The record to update no longer exists.")]}, row.record_id)
    if existing is not None and not permissions.in_scope(actor, form, "edit", existing):
        return RowResult(row.index, "error", dict(row.data), {"": [
            _("You may not change this record.")]}, row.record_id)
    # permissions: input for fields the person may not change is dropped, never applied
    row = RowInput(row.index, permissions.writable(actor, form, row.data,
                                                   creating=existing is None).data,
                   row.record_id, row.errors)
    # new records get the defaults of the fields the row leaves out (defaults.fill)
    data = row.data if existing else {**{k: v for k, v in fallback.items()
                                          if k not in row.data}, **row.data}
    prepared = domain.prepare(form, data, existing.values if existing else None)
    if media:
        files.check_references(actor, form, prepared, row.record_id)
    errors = dict(prepared.errors)
    errors.update(row.errors)
    result = RowResult(row.index, "create", prepared.values, errors, row.record_id)
    if existing is not None:
        result.diff = domain.changes(form, existing.values, prepared.values)
        result.action = "update" if result.diff else "unchanged"
    else:
        result.diff = domain.changes(form, {}, prepared.values)
    if errors:
        result.action = "error"
    return result


def _check_references(form: PublishedForm, results: list[RowResult],
                      current: Mapping[int, Record]) -> None:
    """Members must be active users, departments must exist and not be archived."""
    from ..accounts.models import Department, User

    wanted: dict[str, list[tuple[RowResult, str, int]]] = defaultdict(list)
    for item in form.fields:
        kind = getattr(form.type_of(item.id), "references", None)
        if kind not in ("user", "department"):
            continue
        for result in results:
            value = result.values.get(item.id)
            before = current.get(result.record_id) if result.record_id else None
            if value is not None and not (before and before.values.get(item.id) == value):
                wanted[kind].append((result, item.id, value))
    checks = {"user": (User, User.is_active.is_(True), _("choose an active member")),
              "department": (Department, Department.archived_at.is_(None),
                             _("choose an existing department that is not archived"))}
    for kind, items in wanted.items():
        model, condition, message = checks[kind]
        ids = {value for _r, _f, value in items}
        found = set(db.session.scalars(sa.select(model.id).where(model.id.in_(ids), condition)))
        for result, field_id, value in items:
            if value not in found:
                result.errors.setdefault(field_id, []).append(message)


def _check_links(actor, form: PublishedForm, results: list[RowResult],
                 current: Mapping[int, Record]) -> None:
    """Newly linked ids must be live records of the target within the link's filter.

    The rule of ``links.check``, with one query per link field for the whole chunk.
    """
    from . import query

    targets = Targets()
    for f in form.fields:
        if f.type != "link":
            continue
        added: dict[int, list[int]] = {}
        for result in results:
            if f.id in result.errors:
                continue
            before = current.get(result.record_id) if result.record_id else None
            kept = set(linked_ids(before.values.get(f.id))) if before else set()
            new = [i for i in linked_ids(result.values.get(f.id)) if i not in kept]
            if new:
                added[id(result)] = new
        if not added:
            continue
        t = targets.get_target(f.config.get("form"))
        live, allowed = (query.linkable(actor, t.published, sorted(
            {i for ids in added.values() for i in ids}), f.config.get("filter"))
            if t is not None else (set(), set()))
        for result in results:
            ids = added.get(id(result), [])
            if not ids:
                continue
            if t is None:
                message = _("the form it links to is not available")
            elif any(i not in live for i in ids):
                message = _("choose a record of %(form)s that exists", form=t.name)
            elif any(i not in allowed for i in ids):
                message = _("choose a record of %(form)s that matches the allowed records",
                            form=t.name)
            else:
                continue
            result.errors.setdefault(f.id, []).append(message)


def _check_unique(form: PublishedForm, results: list[RowResult]) -> None:
    """Unique values: against live records (one query per field) and within the chunk."""
    if not form.unique:
        return
    for result in results:
        result.keys = domain.unique_keys(form, result.values)
    table = form.table
    for field_id in form.unique:
        column = form.unique_column(field_id)
        by_key: dict[Any, list[RowResult]] = defaultdict(list)
        for result in results:
            key = result.keys.get(column, result.values.get(field_id))
            if key is not None:
                by_key[key].append(result)
        if not by_key:
            continue
        taken: dict[Any, set[int]] = defaultdict(set)
        stmt = sa.select(table.c[column], table.c.id).where(
            bulk.one_of(table.c[column], by_key), bulk.live(table))
        for key, record_id in db.session.execute(stmt):
            taken[key].add(record_id)
        for key, group in by_key.items():
            _flag_duplicates(field_id, group, taken.get(key, set()))


def _flag_duplicates(field_id: str, group: list[RowResult], taken: set[int]) -> None:
    first = None
    for result in group:
        if taken - {result.record_id}:
            result.errors.setdefault(field_id, []).append(
                _("is already used by another record; it must be unique"))
        elif first is not None:
            result.errors.setdefault(field_id, []).append(
                _("is the same as in row %(row)s; it must be unique", row=first.index))
        else:
            first = result


# ---------------------------------------------------------------- writing


def _assign_numbers(form: PublishedForm, creates: list[RowResult], now: datetime) -> None:
    """Reserve each auto-number field's next numbers for all new rows in one statement."""
    if not creates:
        return
    connection = db.session.connection()
    for item in form.fields:
        if item.type != "auto_number":
            continue
        first = _reserve(connection, form.form_id, item.id, period_key(item.config, now),
                         len(creates))
        for offset, result in enumerate(creates):
            result.values[item.id] = render(item.config, first + offset, now)
            result.diff[item.id] = [None, result.values[item.id]]
            if item.id in form.unique:
                result.keys = None


def _reserve(connection: sa.Connection, form_id: int, field_id: str, key: str, count: int
             ) -> int:
    """Take ``count`` consecutive counter values; return the first (gap-free, like one)."""
    table = RecordCounter.__table__
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(form_id=form_id, field_id=field_id, period_key=key,
                                     value=count)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.form_id, table.c.field_id, table.c.period_key],
        set_={"value": table.c.value + count},
    ).returning(table.c.value)
    return int(connection.execute(statement).scalar_one()) - count + 1


def _insert(actor, form: PublishedForm, creates: list[RowResult], now: datetime) -> None:
    if not creates:
        return
    system = {"owner_id": actor.id, "department_id": getattr(actor, "department_id", None),
              "created_by_id": actor.id, "created_at": now, "updated_by_id": actor.id,
              "updated_at": now, "row_version": 1}
    columns = _column_writer(form)
    rows = [{**system, **columns(r)} for r in creates]
    ids = _insert_rows(form.table, rows)
    for result, record_id in zip(creates, ids, strict=True):
        result.record_id = int(record_id)
    _write_sides(form, creates, {})


def _insert_rows(table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows; return their new ids in order.

    The ids are taken first and written with the rows, so one bulk statement (COPY
    on PostgreSQL) writes them all: an INSERT … RETURNING kept in parameter order
    costs a statement per row on SQLite and far more than a COPY on PostgreSQL.
    """
    ids = bulk.new_ids(table, len(rows))
    bulk.insert(table, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def _column_writer(form: PublishedForm) -> Callable[[RowResult], dict[str, Any]]:
    """Column values of a row, as ``service._columns`` computes them, with types looked up once."""
    stored = [(f, form.type_of(f.id)) for f in form.fields if form.type_of(f.id).is_stored(f)]

    def columns(result: RowResult) -> dict[str, Any]:
        values = result.values
        out = {f.id: field_type.to_db(f, values.get(f.id)) for f, field_type in stored}
        out.update(result.keys if result.keys is not None else domain.unique_keys(form, values))
        return out

    return columns


def _update(actor, form: PublishedForm, updates: list[RowResult], current: Mapping[int, Record],
            now: datetime) -> None:
    if not updates:
        return
    table = form.table
    # Keys that match column names become the SET clause; the id goes in WHERE.
    stmt = table.update().where(table.c.id == sa.bindparam("_id"))
    columns = _column_writer(form)
    rows = [{**columns(r), "updated_by_id": actor.id, "updated_at": now,
             "row_version": current[r.record_id].row_version + 1, "_id": r.record_id}
            for r in updates]
    db.session.execute(stmt, rows)
    _write_sides(form, updates, current)


def _write_sides(form: PublishedForm, results: list[RowResult],
                 current: Mapping[int, Record]) -> None:
    """Replace the side rows of changed side fields: one delete and one insert per field."""
    connection = db.session.connection()
    for item in form.side_fields:
        changed = [r for r in results if item.id in r.diff]
        if not changed:
            continue
        table = form.side_table(item.id)
        updated = [r.record_id for r in changed if r.record_id in current]
        if updated:
            connection.execute(table.delete().where(table.c.record_id.in_(updated)))
        field_type = form.type_of(item.id)
        rows = [{**row, "record_id": r.record_id, "position": position}
                for r in changed
                for position, row in enumerate(field_type.to_side_rows(item,
                                                                       r.values.get(item.id)))]
        bulk.insert(table, rows)


def _history(actor, form: PublishedForm, creates: list[RowResult], updates: list[RowResult],
             current: Mapping[int, Record]) -> None:
    at = utcnow()
    base = {"form_id": form.form_id, "form_version": form.version, "actor_id": actor.id, "at": at}
    rows = [{**base, "record_id": r.record_id, "row_version": 1, "action": Action.CREATE.value,
             "changes": r.diff} for r in creates]
    rows += [{**base, "record_id": r.record_id, "action": Action.UPDATE.value, "changes": r.diff,
              "row_version": current[r.record_id].row_version + 1} for r in updates]
    bulk.insert(RecordHistory.__table__, rows)
