"""Sub-tables on the entry form: posted rows, add/remove/move rows, cells' messages and values.

A cell is posted as ``<field id>-<row>-<column id>`` (``f_lines01-2-f_qty001``), and
every row carries a marker ``<field id>-<row>-f_row`` so a row of blank cells stays
a row while the form is being filled in. The table itself posts ``<field id>`` so
that a table whose rows were all removed is told apart from one the form did not show.

Row buttons post ``_rows`` = ``<field id>:add`` or ``<field id>:<remove|up|down>:<row>``:
the page is drawn again with the rows changed and nothing is saved (htmx swaps the
form; without JavaScript it is a plain post that answers the page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder import fields as field_types
from builder.db import db
from builder.fields import Field
from builder.fields.subtable import MAX_ROWS, blank_row, cell_message, columns

from .schema import PublishedForm

ROW_ACTION = "_rows"
ROW_MARKER = "f_row"
_CELL = re.compile(r"^(f_[a-z0-9]{4,16})-(\d{1,4})-(f_[a-z0-9]{3,16})$")
_ACTION = re.compile(r"^(f_[a-z0-9]{4,16}):(add|remove|up|down)(?::(\d{1,4}))?$")
#: a touched cell as records.js reports it: "f_sub.<row>.<column>"
CELL_KEY = re.compile(r"^f_[a-z0-9]{4,16}\.\d{1,4}\.f_[a-z0-9]{4,16}$")


def parse_rows(field: Field, formdata: Any) -> list[dict[str, Any]] | None:
    """The rows of one sub-table as posted (blank rows kept), or None if it was not posted."""
    if field.id not in formdata:
        return None
    cols = {c.id: c for c in columns(field)}
    rows: dict[int, dict[str, Any]] = {}
    for key in formdata:
        match = _CELL.match(key) if key.startswith(field.id + "-") else None
        if match is None or match.group(1) != field.id:
            continue
        index, column_id = int(match.group(2)), match.group(3)
        row = rows.setdefault(index, {})
        column = cols.get(column_id)
        if column is None or column.type == "formula":
            continue
        if column.type == "multi_select":
            row[column_id] = [item for item in formdata.getlist(key) if item]
        elif column.type == "boolean":
            row[column_id] = formdata.getlist(key)[-1]
        else:
            row[column_id] = formdata.get(key)
    return [rows[index] for index in sorted(rows)]


def apply_row_action(form: PublishedForm, data: dict[str, Any], action: str) -> str | None:
    """Add, remove or move a row of the posted rows in ``data``; the element to focus."""
    match = _ACTION.match(action or "")
    field = form.field_map.get(match.group(1)) if match else None
    if match is None or field is None or field.type != "subtable":
        return None
    rows = [dict(row) for row in data.get(field.id) or []]
    verb, index = match.group(2), int(match.group(3) or 0)
    focus = f"rows-{field.id}-add"
    if verb == "add" and len(rows) < int(field.config.get("max_rows") or MAX_ROWS):
        rows.append({})
        focus = f"row-{field.id}-{len(rows) - 1}"
    elif verb == "remove" and index < len(rows):
        del rows[index]
    elif verb in ("up", "down") and index < len(rows):
        target = index - 1 if verb == "up" else index + 1
        if 0 <= target < len(rows):
            rows.insert(target, rows.pop(index))
            focus = f"row-{field.id}-{target}"
    data[field.id] = rows
    return focus


def split_errors(field: Field, errors: Mapping[str, list[str]]
                 ) -> tuple[list[str], dict[str, list[str]]]:
    """A field's own messages (shown under it) and its cells' (shown beside each cell).

    A sub-table's messages about cells are also listed on the table (for the summary
    and the API); under the table only the others (row counts) are shown.
    """
    own = list(errors.get(field.id, []))
    if field.type != "subtable":
        return own, {}
    prefix = field.id + "."
    cells = {key[len(prefix):]: list(messages) for key, messages in errors.items()
             if key.startswith(prefix)}
    if cells:
        by_id = {c.id: c for c in columns(field)}
        stated = set()
        for key, messages in cells.items():
            row, _sep, column_id = key.partition(".")
            if column_id in by_id and row.isdigit():
                stated.update(cell_message(int(row), by_id[column_id], m) for m in messages)
        own = [message for message in own if message not in stated]
    return own, cells


def with_formula_text(form: PublishedForm, values: Mapping[str, Any],
                      computed: Mapping[str, Any], show) -> dict[str, Any]:
    """The form values with each sub-table's formula cells filled from ``computed``.

    The computed rows leave out blank rows, so they are matched to the form's rows
    in order, skipping the blank ones. ``show(column, value)`` gives a cell's text.
    """
    out = dict(values)
    for field in form.fields:
        rows = values.get(field.id)
        if field.type != "subtable" or not isinstance(rows, list):
            continue
        cols = columns(field)
        formulas = [c for c in cols if c.type == "formula"]
        done = iter(computed.get(field.id) or [])
        shown = []
        for row in rows:
            row = dict(row) if isinstance(row, Mapping) else {}
            filled = None if blank_row(field, row, cols) else next(done, None)
            for column in formulas:
                row[column.id] = show(column, (filled or {}).get(column.id))
            shown.append(row)
        out[field.id] = shown
    return out


def _original_indexes(field: Field, raw: Any) -> list[int]:
    """The posted row number of each stored row (blank rows are not stored)."""
    if not isinstance(raw, list):
        return []
    cols = columns(field)
    return [i for i, row in enumerate(raw) if not blank_row(field, row, cols)]


def check_references(form: PublishedForm, prepared: Any, existing: Any,
                     data: Mapping[str, Any]) -> None:
    """Members in cells must be active users and departments must exist (one query each)."""
    from ..accounts.models import Department, User

    wanted: dict[str, list[tuple[Field, int, Field, int]]] = {"user": [], "department": []}
    for field in form.fields:
        value = prepared.values.get(field.id)
        if field.type != "subtable" or not value or field.id not in data or (
                existing is not None and existing.values.get(field.id) == value):
            continue
        places = _original_indexes(field, data[field.id]) or list(range(len(value)))
        for column in columns(field):
            kind = getattr(field_types.get(column.type), "references", None)
            if kind not in wanted:
                continue
            for index, row in enumerate(value):
                if row.get(column.id) is not None and index < len(places):
                    wanted[kind].append((field, places[index], column, row[column.id]))
    if not wanted["user"] and not wanted["department"]:
        return  # most saves: no member or department in any cell
    checks = ((User, wanted["user"], User.is_active.is_(True), _("choose an active member")),
              (Department, wanted["department"], sa.true(),
               _("choose an existing department")))
    for model, cells, condition, message in checks:
        if not cells:
            continue
        found = set(db.session.scalars(sa.select(model.id).where(
            model.id.in_({c[3] for c in cells}), condition)))
        for field, index, column, ref in cells:
            if ref not in found:
                prepared.add_error(field.id, cell_message(index, column, message))
                prepared.errors.setdefault(f"{field.id}.{index}.{column.id}", []).append(
                    message)
