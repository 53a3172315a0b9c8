"""Running an import: rows → field values → duplicate decisions → the batch write path.

The file is read as a stream and handled in chunks. For each chunk: cells become
raw values (trimmed, half-width, names resolved to ids), rows get a duplicate key,
existing records with those keys are found in one query, and the chunk goes
through ``records.batch.write`` in one transaction together with the run's
progress and the rows it refused. A chunk is therefore committed whole or not at
all, and a retried job resumes after the last committed chunk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder import fields as field_types
from builder.db import begin_write, db
from builder.fields import Field, ValueInvalid

from ..records import batch, bulk
from ..records.batch import RowInput, RowResult
from ..records.pages import error_text
from ..records.schema import PublishedForm
from . import domain, resolvers
from .models import Duplicates, ImportRowError, ImportRun

CHUNK_SIZE = 1000
#: types whose value can be part of a duplicate key (one plain column each)
KEY_TYPES = frozenset({"text", "email", "phone", "url", "id_card", "integer", "decimal", "money",
                       "percent", "date", "datetime", "time", "single_select", "member",
                       "department"})


@dataclass
class Settings:
    """An import's choices, checked against the form as it is published now."""

    form: PublishedForm
    columns: list[tuple[int, Field]]
    keys: list[str]
    duplicates: Duplicates
    tidy: bool
    #: "B7"-style cells holding a formula saved without its result
    no_value: frozenset[str] = frozenset()

    @classmethod
    def of(cls, run: ImportRun, form: PublishedForm) -> Settings:
        """Settings for ``run``; mapped fields deleted since are left out."""
        allowed = {f.id: f for f in domain.importable(form)}
        columns = [(i, allowed[fid]) for i, fid in enumerate(run.mapping) if fid in allowed]
        mapped = {f.id for _i, f in columns}
        options = run.options or {}
        return cls(form=form, columns=columns,
                   keys=[k for k in options.get("keys", []) if k in mapped],
                   duplicates=Duplicates(options.get("duplicates", Duplicates.SKIP.value)),
                   tidy=bool(options.get("normalise", True)),
                   no_value=frozenset(run.sheet.get("formulas_without_value", [])))


@dataclass
class Outcome:
    """What happened to one row of the file."""

    number: int
    action: str  # create, update, unchanged, skip, error
    cells: list[Any]
    values: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    record_id: int | None = None
    #: the row's raw input by field id (rows decided before the write path saw them)
    data: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- one chunk


def _raw(settings: Settings, number: int, cells: Sequence[Any]
         ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    width, tidy = len(cells), settings.tidy
    for index, item in settings.columns:
        cell = cells[index] if index < width else None
        problem = domain.excel_error(cell) if isinstance(cell, str) else None
        if settings.no_value and f"{domain.column_name(index)}{number}" in settings.no_value:
            problem = _("the cell holds a formula saved without its result; open the file in "
                        "Excel or WPS, save it and upload it again")
        if problem:
            errors[item.id] = [problem]
            data[item.id] = None
        else:
            data[item.id] = domain.cell_value(cell, item.type, tidy=tidy)
    return data, errors


def _key(settings: Settings, data: dict[str, Any]) -> tuple[Any, ...] | None:
    values = {}
    for field_id in settings.keys:
        item = settings.form.field_map[field_id]
        try:
            values[field_id] = field_types.get(item.type).coerce(item, data.get(field_id))
        except (ValueInvalid, TypeError, ValueError):
            return None
    return domain.row_key(settings.form, settings.keys, values)


def _existing(settings: Settings, keys: set[tuple[Any, ...]]) -> dict[tuple[Any, ...], list[int]]:
    """Live records whose key is one of ``keys``: one query for the whole chunk."""
    if not keys:
        return {}
    form, table = settings.form, settings.form.table
    wanted, shown = [], []
    for position, field_id in enumerate(settings.keys):
        column = table.c[form.unique_column(field_id)]
        parts = list({k[position] for k in keys})
        if isinstance(parts[0], str) and not form.unique.get(field_id):
            column = sa.func.lower(column, type_=column.type)
        wanted.append(bulk.one_of(column, parts))
        shown.append(table.c[field_id])
    stmt = sa.select(table.c.id, *shown).where(bulk.live(table), *wanted)
    found: dict[tuple[Any, ...], list[int]] = {}
    for row in db.session.execute(stmt):
        values = {fid: form.type_of(fid).from_db(form.field_map[fid], row[i + 1])
                  for i, fid in enumerate(settings.keys)}
        key = domain.row_key(form, settings.keys, values)
        if key in keys:
            found.setdefault(key, []).append(row[0])
    return found


def plan(settings: Settings, rows: Sequence[tuple[int, list[Any]]],
         seen: dict[tuple[Any, ...], int], fresh: dict[tuple[Any, ...], int]
         ) -> tuple[list[RowInput], dict[int, Outcome]]:
    """Row inputs for the batch write path, and the rows decided already (skips, errors).

    ``seen`` holds the keys of earlier rows of the file (key → row number); the keys
    first met in these rows are added to ``fresh``.
    """
    datas, errors = [], []
    for number, cells in rows:
        data, problems = _raw(settings, number, cells)
        datas.append(data)
        errors.append(problems)
    resolvers.resolve(settings.form, [f.id for _i, f in settings.columns], datas, errors)
    dedupe = bool(settings.keys) and settings.duplicates != Duplicates.CREATE
    keys = [_key(settings, d) if dedupe else None for d in datas]
    existing = _existing(settings, {k for k in keys if k is not None and k not in seen})
    inputs: list[RowInput] = []
    decided: dict[int, Outcome] = {}
    for (number, cells), data, problems, key in zip(rows, datas, errors, keys, strict=True):
        outcome = _decide(settings, number, cells, key, (seen, fresh), existing)
        if outcome is not None:
            outcome.data = data
            decided[number] = outcome
        elif (record_id := _match(settings, key, existing)) is not None:
            inputs.append(RowInput(number, data, record_id, problems))
        else:
            inputs.append(RowInput(number, data, None, problems))  # defaults: the write path
    return inputs, decided


def _decide(settings: Settings, number: int, cells: list[Any], key, known, existing
            ) -> Outcome | None:
    if key is None:
        return None
    seen, fresh = known
    first = seen.get(key) or fresh.get(key)
    if first is not None:
        return Outcome(number, "skip", cells, message=_(
            "same %(fields)s as row %(row)s of this file", fields=_key_names(settings),
            row=first))
    fresh[key] = number
    matches = existing.get(key, [])
    if matches and settings.duplicates == Duplicates.SKIP:
        return Outcome(number, "skip", cells, record_id=matches[0], message=_(
            "a record with the same %(fields)s exists (#%(id)s)", fields=_key_names(settings),
            id=matches[0]))
    if len(matches) > 1:
        return Outcome(number, "error", cells, message=_(
            "%(count)s records have the same %(fields)s; cannot tell which one to update",
            count=len(matches), fields=_key_names(settings)))
    return None


def _match(settings: Settings, key, existing) -> int | None:
    if key is None or settings.duplicates != Duplicates.UPDATE:
        return None
    matches = existing.get(key, [])
    return matches[0] if len(matches) == 1 else None


def _key_names(settings: Settings) -> str:
    return _(", ").join(settings.form.field_map[k].label for k in settings.keys)


def outcomes(settings: Settings, rows: Sequence[tuple[int, list[Any]]],
             decided: dict[int, Outcome], results: Sequence[RowResult]) -> list[Outcome]:
    """Every row's outcome in file order."""
    by_number = {r.index: r for r in results}
    out = []
    for number, cells in rows:
        if number in decided:
            out.append(decided[number])
            continue
        result = by_number[number]
        message = error_text(settings.form, result.errors) if result.errors else ""
        out.append(Outcome(number, result.action, cells, result.values, message,
                           result.record_id))
    return out


# ---------------------------------------------------------------- committing


def commit_chunk(actor, settings: Settings, run_id: int, rows: list[tuple[int, list[Any]]],
                 seen: dict[tuple[Any, ...], int]) -> list[Outcome]:
    """Write one chunk and the run's progress in one transaction.

    A unique value another transaction took between the check and the insert
    rolls the chunk back; it is then planned again (the check now sees that
    value) once before giving up.
    """
    for attempt in (1, 2):
        fresh: dict[tuple[Any, ...], int] = {}
        try:
            begin_write()
            inputs, decided = plan(settings, rows, seen, fresh)
            box: list[Outcome] = []

            def record(results: list[RowResult], inputs=inputs, decided=decided, box=box):
                box.extend(outcomes(settings, rows, decided, results))
                _save_progress(run_id, rows[-1][0], box)

            batch.write(actor, settings.form, inputs, before_commit=record)
        except sa.exc.IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
            continue
        seen.update(fresh)
        return box
    raise AssertionError("unreachable")


def _save_progress(run_id: int, last_row: int, done: list[Outcome]) -> None:
    counts = Counter(o.action for o in done)
    table = ImportRun.__table__
    db.session.execute(sa.update(table).where(table.c.id == run_id).values(
        rows_done=table.c.rows_done + len(done), last_row=last_row,
        chunks_done=table.c.chunks_done + 1,
        created=table.c.created + counts["create"], updated=table.c.updated + counts["update"],
        unchanged=table.c.unchanged + counts["unchanged"],
        skipped=table.c.skipped + counts["skip"], failed=table.c.failed + counts["error"]))
    refused = [{"run_id": run_id, "row_number": o.number, "message": o.message,
                "cells": [domain.cell_to_json(c) for c in o.cells]}
               for o in done if o.action == "error"]
    bulk.insert(ImportRowError.__table__, refused)
