"""Converting a field's stored values when its type changes: the preview and the real thing.

Both walk the column in pages of ids and convert each value in Python with the
field types (``builder.fields.conversion``), so the preview and the publish agree
on every value. Publishing writes the converted values into a new column that
replaces the old one (see docs/decisions.md); values that do not convert become
NULL only when the builder chose so, each with a history entry keeping the old
value. A unique field also refuses values that would become duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder import fields as field_types
from builder.db import utcnow
from builder.fields import Field, ValueInvalid, conversion
from builder.forms.stored import ConversionPreview, TypeChange, Unconverted
from builder.metadata import MetadataError, MetadataInvalid, json_path

from . import domain, storage
from .models import Action, RecordHistory
from .schema import PublishedForm

log = logging.getLogger(__name__)
PAGE = 1000
EXAMPLES = 5


@dataclass(frozen=True)
class Outcome:
    """One stored value: converted (``reason`` None) or not, with why."""

    record_id: int
    old: Any
    new: Any
    reason: str | None


def outcomes(connection: sa.Connection, old_form: PublishedForm, new_form: PublishedForm,
             field_id: str) -> Iterator[Outcome]:
    """Convert every stored value of the field, oldest record first (nothing is written)."""
    old = next(f for f in old_form.all_fields if f.id == field_id)
    new = next(f for f in new_form.all_fields if f.id == field_id)
    table = old_form.table
    column = table.c[field_id]
    read = field_types.get(old.type).from_db
    seen: dict[Any, int] = {}
    unique = field_id in new_form.unique
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, column, table.c.deleted_at)
            .where(table.c.id > last, column.is_not(None)).order_by(table.c.id).limit(PAGE)).all()
        for record_id, raw, deleted_at in rows:
            outcome = _convert(record_id, old, new, read(old, raw))
            if unique and outcome.reason is None and deleted_at is None:
                outcome = _unique(new_form, new, outcome, seen)
            yield outcome
        if len(rows) < PAGE:
            return
        last = rows[-1][0]


def _convert(record_id: int, old: Field, new: Field, value: Any) -> Outcome:
    try:
        return Outcome(record_id, value, conversion.convert(old, new, value), None)
    except ValueInvalid as exc:
        return Outcome(record_id, value, None, exc.message)
    except (TypeError, ValueError, ArithmeticError):
        return Outcome(record_id, value, None, _("not a value the new type can hold"))


def _unique(form: PublishedForm, new: Field, outcome: Outcome, seen: dict[Any, int]) -> Outcome:
    """A later record whose converted value equals an earlier one's does not convert."""
    key = domain.unique_keys(form, {new.id: outcome.new}).get(form.unique_column(new.id),
                                                              outcome.new)
    first = seen.setdefault(key, outcome.record_id)
    if first == outcome.record_id:
        return outcome
    return Outcome(outcome.record_id, outcome.old, None, _(
        "would be the same as record #%(id)d, and the field must be unique", id=first))


def preview(connection: sa.Connection, old_form: PublishedForm, new_form: PublishedForm,
            field_id: str) -> ConversionPreview:
    """How many stored values convert, how many do not, and a few that do not (with why)."""
    old = next(f for f in old_form.all_fields if f.id == field_id)
    total, failed, examples = 0, 0, []
    for outcome in outcomes(connection, old_form, new_form, field_id):
        total += 1
        if outcome.reason is not None:
            failed += 1
            if len(examples) < EXAMPLES:
                examples.append(Unconverted(outcome.record_id,
                                            conversion.shown(old, outcome.old), outcome.reason))
    return ConversionPreview(total=total, failed=failed, examples=examples)


def refuse_unconfirmed(connection: sa.Connection, old_form: PublishedForm,
                       new_form: PublishedForm, changes: list[TypeChange]) -> None:
    """Refuse the publish (MetadataInvalid) if values would be lost without the builder's
    consent, naming each field and an example."""
    problems = []
    index = {f["id"]: i for i, f in enumerate(new_form.document.get("fields", []))}
    for change in changes:
        if change.clear:
            continue
        found = preview(connection, old_form, new_form, change.field_id)
        if found.failed:
            problems.append(_problem(new_form, index[change.field_id], change, found))
    if problems:
        raise MetadataInvalid(problems)


def _problem(form: PublishedForm, index: int, change: TypeChange,
             found: ConversionPreview) -> MetadataError:
    example = found.examples[0]
    label = form.document["fields"][index]["label"]
    return MetadataError(json_path(["fields", index, "type"]), "type_change", _(
        "%(label)s: %(n)d stored values do not convert to %(type)s (record #%(id)d: "
        "“%(value)s”, %(reason)s). Change the type again and choose “Convert and clear "
        "those”, or change it back.", label=label, n=found.failed,
        type=field_types.get(change.new_type).name(), id=example.record_id,
        value=example.value[:60], reason=example.reason))


def convert(connection: sa.Connection, old_form: PublishedForm, new_form: PublishedForm,
            change: TypeChange, actor_id: int | None) -> int:
    """Replace the field's column by one of the new type holding the converted values.

    Values that do not convert are left out (NULL), each with a history entry;
    returns how many were cleared.
    """
    new = next(f for f in new_form.all_fields if f.id == change.field_id)
    new_type = field_types.get(new.type)
    target = storage.add_temporary_column(connection, new_form.form_id, new.id,
                                          new_type.sql_type(new))
    column = storage.temporary_column(new.id)
    batch: list[tuple[int, Any]] = []
    cleared: list[Outcome] = []
    for outcome in outcomes(connection, old_form, new_form, new.id):
        if outcome.reason is not None:
            cleared.append(outcome)
            continue
        batch.append((outcome.record_id, new_type.to_db(new, outcome.new)))
        if len(batch) >= PAGE:
            _write(connection, target, column, batch)
            batch = []
    if batch:
        _write(connection, target, column, batch)
    storage.swap_column(connection, new_form.form_id, new.id)
    _record_cleared(connection, old_form, new_form, new.id, cleared, actor_id)
    log.info("form %s field %s: %s → %s, %d cleared", new_form.form_id, new.id,
             change.old_type, change.new_type, len(cleared))
    return len(cleared)


def _write(connection: sa.Connection, target: sa.Table, column: str,
           rows: list[tuple[int, Any]]) -> None:
    """Write a page of converted values (executemany; psycopg pipelines it). An UPDATE …
    FROM (VALUES …) was measured slower: compiling 2,000 parameters per page costs more."""
    connection.execute(target.update().where(target.c.id == sa.bindparam("_id"))
                       .values({column: sa.bindparam("_value")}),
                       [{"_id": rid, "_value": value} for rid, value in rows])


def _record_cleared(connection: sa.Connection, old_form: PublishedForm, new_form: PublishedForm,
                    field_id: str, cleared: list[Outcome], actor_id: int | None) -> None:
    """A history entry per cleared value (old → empty) and a new row version."""
    if not cleared:
        return
    old = next(f for f in old_form.all_fields if f.id == field_id)
    to_json = field_types.get(old.type).to_json
    table = new_form.table
    now = utcnow()
    for start in range(0, len(cleared), PAGE):
        chunk = {o.record_id: o for o in cleared[start:start + PAGE]}
        versions = dict(connection.execute(sa.select(table.c.id, table.c.row_version)
                                           .where(table.c.id.in_(chunk))).all())
        connection.execute(table.update().where(table.c.id.in_(chunk)).values(
            row_version=table.c.row_version + 1))
        connection.execute(sa.insert(RecordHistory), [
            {"form_id": new_form.form_id, "record_id": record_id,
             "row_version": versions[record_id] + 1, "form_version": new_form.version,
             "action": Action.UPDATE.value, "actor_id": actor_id, "at": now,
             "changes": {field_id: [_json(to_json, old, o.old), None]}}
            for record_id, o in chunk.items()])


def _json(to_json, field: Field, value: Any) -> Any:
    try:
        return to_json(field, value)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def fill_unique_keys(connection: sa.Connection, form: PublishedForm, field_id: str) -> None:
    """Write the normalised unique key of every converted value (after reconcile added the
    key column), so the write path's uniqueness check sees the existing records."""
    if not form.unique.get(field_id):
        return
    table = form.table
    key_column = form.unique_column(field_id)
    read = form.type_of(field_id).from_db
    f = form.field_map[field_id]
    last = 0
    while True:
        rows = connection.execute(sa.select(table.c.id, table.c[field_id])
                                  .where(table.c.id > last, table.c[field_id].is_not(None))
                                  .order_by(table.c.id).limit(PAGE)).all()
        if rows:
            connection.execute(
                table.update().where(table.c.id == sa.bindparam("_id"))
                .values({key_column: sa.bindparam("_key")}),
                [{"_id": rid, "_key": domain.unique_keys(form, {field_id: read(f, raw)})
                  .get(key_column)} for rid, raw in rows])
        if len(rows) < PAGE:
            return
        last = rows[-1][0]

