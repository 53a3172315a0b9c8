"""Values the system fills in on save: formulas (every save) and auto-numbers (on create)."""

from __future__ import annotations

from collections import ChainMap
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from builder import fields as field_types
from builder.fields import Field
from builder.fields.computed import formula_value

from . import counters
from .schema import PublishedForm


def compute_formulas(form: PublishedForm, values: dict[str, Any], now: datetime) -> None:
    """Recalculate every formula field and formula column in dependency order, in place."""
    steps = form.formula_steps
    if not steps:
        return
    inputs = {fid: formula_value(field, values.get(fid)) for fid, field in form.field_map.items()}
    formula = field_types.get("formula")
    for step in steps:
        if step.table is not None:
            _compute_rows(formula, step.field, step.table.id, values, inputs, now)
            continue
        value = formula.compute(step.field, inputs, now)  # type: ignore[attr-defined]
        values[step.field.id] = value
        inputs[step.field.id] = formula_value(step.field, value)


def _compute_rows(formula: Any, column: Field, table_id: str, values: dict[str, Any],
                  inputs: dict[str, Any], now: datetime) -> None:
    """A sub-table's formula column, row by row: a row's cells by their ids, then the form's."""
    rows = values.get(table_id)
    if not rows:
        return
    # new row dicts: the caller's (the stored record's) rows are never changed
    values[table_id] = rows = [dict(row) for row in rows]
    inputs[table_id] = scoped = [dict(row) for row in inputs.get(table_id) or []]
    for row, row_inputs in zip(rows, scoped, strict=True):
        value = formula.compute(column, ChainMap(row_inputs, inputs), now)
        row[column.id] = value
        row_inputs[column.id] = formula_value(column, value)


def assign_numbers(form: PublishedForm, values: dict[str, Any], connection: sa.Connection,
                   now: datetime) -> None:
    """Give a new record its auto-numbers, inside the creating transaction (gap-free)."""
    for field in form.fields:
        if field.type == "auto_number":
            values[field.id] = counters.next_number(connection, form.form_id, field, now)
