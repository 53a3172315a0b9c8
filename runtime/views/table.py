"""The table a view renders: its columns (label, width, sort mark, total) and its rows,
with group headings, cells formatted through :mod:`cells` and links to each record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from builder import fields as field_types
from builder.fields import Field
from builder.views.table import aggregates

from ..permissions import service as permissions
from ..records import pages as record_pages
from ..records.display import Shown
from ..records.schema import PublishedForm
from . import cells
from . import columns as cols
from .reading import Count, Window, group_counts
from .state import ViewState

#: a column's width when the view does not say (by field family, then type)
DEFAULT_WIDTHS = {"number": 130, "datetime": 150, "choice": 140, "people": 130, "system": 150,
                  "computed": 130, "contact": 170}
TYPE_WIDTHS = {"textarea": 260, "boolean": 100, "date": 120, "time": 100, "multi_select": 200}
#: types edited in place in a cell (others open the record)
INLINE_TYPES = frozenset({"text", "textarea", "integer", "decimal", "money", "percent", "date",
                          "datetime", "time", "boolean", "single_select", "multi_select",
                          "email", "phone", "url", "id_card", "member", "department"})


@dataclass
class Column:
    """One column of the table."""

    key: str
    label: str
    type: str
    width: int
    numeric: bool
    sortable: bool
    editable: bool
    sort: str | None = None  # asc, desc
    total: str | None = None
    aggregates: tuple[str, ...] = ()
    #: the form's title field: its cells link to the record
    title: bool = False
    #: "Edit <label>", translated once for every cell of the column
    edit_label: str = ""

    @property
    def width_class(self) -> str:
        """A CSS class for the width, in 20-pixel steps (no inline styles under our CSP)."""
        return f"w-{max(60, min(800, round(self.width / 20) * 20))}"


@dataclass
class Row:
    """One record."""

    id: int
    title: str
    version: int
    cells: list[Shown]


@dataclass
class GroupRow:
    """The heading of a group: its value and how many records it holds."""

    shown: Shown
    count: Count


@dataclass
class Table:
    """What the template draws."""

    columns: list[Column]
    items: list[Row | GroupRow] = field(default_factory=list)
    #: the first column is not the title field: a "No." column leads and links
    numbered: bool = True
    group_label: str = ""
    #: addresses that end where a record id goes (built once, not once per cell)
    record_base: str = ""
    cell_base: str = ""


def width_of(f: Field, saved: dict[str, int]) -> int:
    """The saved width of a column or a default that suits its type."""
    if f.id in saved:
        return saved[f.id]
    family = field_types.get(f.type).family
    return TYPE_WIDTHS.get(f.type) or DEFAULT_WIDTHS.get(family, 200)


def editable(form: PublishedForm, f: Field) -> bool:
    """Whether a cell of this column is edited in place."""
    # a projected form (permissions) marks the person's read-only fields read-only
    return (f.type in INLINE_TYPES and f.id in form.field_map
            and not field_types.get(f.type).readonly and not form.type_of(f.id).readonly
            and permissions.view_allows(form, "edit"))


def columns(form: PublishedForm, state: ViewState) -> list[Column]:
    """The shown columns with their sort marks and totals."""
    known = cols.all_columns(form)
    sort = dict(state.sort)
    saved = state.widths
    out = []
    for key in state.columns:
        f = known[key]
        out.append(Column(
            key=key, label=f.label, type=f.type, width=width_of(f, saved),
            numeric=cols.is_number(f), sortable=cols.sortable(form, f),
            editable=editable(form, f),
            sort=None if key not in sort else ("desc" if sort[key] else "asc"),
            total=state.totals.get(key), aggregates=aggregates(key, known),
            title=key == form.title_field, edit_label=_("Edit %(label)s", label=f.label)))
    return out


def links(app_key: str, form_key: str) -> dict[str, str]:
    """The record and cell-editor addresses up to the record id."""
    from flask import url_for

    record = url_for("records.detail", app_key=app_key, form_key=form_key, record_id=1)
    cell = url_for("views.cell", app_key=app_key, form_key=form_key, record_id=1,
                   field_id="f_xxxx")
    return {"record_base": record[:-1], "cell_base": cell[: -len("1/f_xxxx")]}


def build(form: PublishedForm, state: ViewState, window: Window, where: Any,
          urls: dict[str, str] | None = None) -> Table:
    """Format a page of records for the template (one lookup query per kind of name)."""
    shown = columns(form, state)
    known = cols.all_columns(form)
    group_field = known.get(state.group_by) if state.group_by else None
    wanted = [known[c.key] for c in shown] + ([group_field] if group_field else [])
    lookups = cells.resolve(wanted, window.records, form)
    table = Table(columns=shown, numbered=not shown or shown[0].key != form.title_field,
                  group_label=group_field.label if group_field else "", **(urls or {}))
    counts = {}
    if group_field is not None and window.keys:
        values = [cols.value_of(r, group_field) for r in window.records]
        counts = group_counts(form, where, window.keys[0], values)
    previous: Any = object()
    for record in window.records:
        if group_field is not None:
            value = cols.value_of(record, group_field)
            if value != previous:
                label = cells.cell(group_field, value, lookups)
                if label.kind == "empty":
                    label = Shown("text", text=_("(empty)"))
                table.items.append(GroupRow(label, counts.get(value, Count(0, False))))
                previous = value
        table.items.append(Row(
            id=record.id, title=record_pages.record_title(form, record),
            version=record.row_version,
            cells=[cells.cell(known[c.key], cols.value_of(record, known[c.key]), lookups)
                   for c in shown]))
    return table
