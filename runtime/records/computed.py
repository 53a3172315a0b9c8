"""Values the system fills in on save: formulas (every save) and auto-numbers (on create)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from builder.fields.computed import formula_value

from . import counters
from .schema import PublishedForm


def compute_formulas(form: PublishedForm, values: dict[str, Any], now: datetime) -> None:
    """Recalculate every formula field in dependency order, in place."""
    ordered = form.formula_fields
    if not ordered:
        return
    inputs = {fid: formula_value(field, values.get(fid)) for fid, field in form.field_map.items()}
    for field in ordered:
        value = form.type_of(field.id).compute(field, inputs, now)  # type: ignore[attr-defined]
        values[field.id] = value
        inputs[field.id] = formula_value(field, value)


def assign_numbers(form: PublishedForm, values: dict[str, Any], connection: sa.Connection,
                   now: datetime) -> None:
    """Give a new record its auto-numbers, inside the creating transaction (gap-free)."""
    for field in form.fields:
        if field.type == "auto_number":
            values[field.id] = counters.next_number(connection, form.form_id, field, now)
