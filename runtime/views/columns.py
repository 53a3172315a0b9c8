"""The columns a view can show, sort and group by: a form's live fields plus the
system columns every record has (created at, last changed), all as ``Field``s."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder import fields as field_types
from builder.fields import Field
from builder.views.base import SYSTEM_COLUMNS
from builder.views.table import groupable

from ..records.schema import PublishedForm
from ..records.service import Record
from ..records.storage import field_column

#: types that cannot be a sort key (JSON arrays, markup)
UNSORTABLE = frozenset({"multi_select", "rich_text"})


def _system_labels() -> dict[str, str]:
    return {"created_at": _("Created at"), "updated_at": _("Last changed")}


def all_columns(form: PublishedForm) -> dict[str, Field]:
    """Column key → Field: the live fields in form order, then the system columns."""
    found = dict(form.field_map)
    labels = _system_labels()
    for key in SYSTEM_COLUMNS:
        found[key] = Field(id=key, type=key, label=labels[key], config={})
    return found


def value_of(record: Record, field: Field) -> Any:
    """A record's value in a column (system columns read the record's system values)."""
    if field.id in SYSTEM_COLUMNS:
        return record.system.get(field.id)
    return record.values.get(field.id)


def sql_column(form: PublishedForm, field: Field) -> Any | None:
    """The SQL column behind a column; None for values kept in side tables or computed on
    read (lookups, rollups)."""
    if field.id not in SYSTEM_COLUMNS:
        field_type = field_types.get(field.type)
        if field_type.is_side(field) or not (field_type.is_stored(field)
                                             or field_type.system_column):
            return None
    if field.id in SYSTEM_COLUMNS:
        return form.table.c[field.id]
    try:
        return field_column(form.table, field)
    except (KeyError, ValueError):
        return None


def sortable(form: PublishedForm, field: Field) -> bool:
    """Whether records can be ordered by this column."""
    return field.type not in UNSORTABLE and sql_column(form, field) is not None


def can_group(form: PublishedForm, field: Field) -> bool:
    """Whether records can be grouped by this column."""
    return groupable(field.id, {field.id: field}) and sql_column(form, field) is not None


def order_clause(column: Any, desc: bool) -> Any:
    """``column`` ASC or DESC, NULLs where the database puts them by default."""
    return column.desc() if desc else column.asc()


def is_number(field: Field) -> bool:
    """Numbers are right-aligned and can be totalled."""
    return field_types.get(field.type).family == "number"


def literal(column: Any, value: Any) -> Any:
    """A bound value typed like ``column`` (dates stay dates on SQLite)."""
    return sa.literal(value, type_=column.type)
