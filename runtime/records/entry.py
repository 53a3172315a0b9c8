"""The entry form: read a submission with the field types, lay fields out, hold values.

A *form value* is a field's value as the HTML form carries it: text for most
types, a list of option ids for multi-selects, codes by level for regions. The
submitted form values go to the write path as they are (the types coerce them,
once, there); stored values become form values again through :func:`form_value`.
Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict

from builder.fields import Field, ValueInvalid, region, subtable
from builder.fields.dates import local_zone

from . import defaults, subtables
from .schema import PublishedForm
from .widgets import region_levels

#: types that take a whole row of a multi-column section unless told otherwise
WIDE_TYPES = frozenset({"textarea", "rich_text", "multi_select", "subtable"})
TOUCHED = "_touched"
#: types whose form value is a list (one input per item: options, file references)
LIST_TYPES = frozenset({"multi_select", "attachment", "image"})


# ---------------------------------------------------------------- reading a submission


def parse_submission(form: PublishedForm, formdata: MultiDict) -> dict[str, Any]:
    """Form values by field id for the editable fields the request carries."""
    data: dict[str, Any] = {}
    for f in form.fields:
        if form.type_of(f.id).readonly:
            continue
        if f.type == "region":
            keys = [f"{f.id}__{level}" for level in region.LEVELS]
            if any(key in formdata for key in keys):
                data[f.id] = region_levels({level: formdata.get(key, "")
                                            for level, key in zip(region.LEVELS, keys,
                                                                  strict=True)}) or None
        elif f.type == "subtable":
            rows = subtables.parse_rows(f, formdata)
            if rows is not None:
                data[f.id] = rows
        elif f.id not in formdata:
            continue
        elif f.type in LIST_TYPES or (f.type == "link" and f.config.get("multiple")):
            data[f.id] = [item for item in formdata.getlist(f.id) if item]
        elif f.type == "boolean":
            data[f.id] = formdata.getlist(f.id)[-1]
        else:
            data[f.id] = formdata.get(f.id)
    return data


def touched(form: PublishedForm, formdata: MultiDict) -> set[str]:
    """The fields the person has already changed (kept in a hidden input by records.js)."""
    names = (formdata.get(TOUCHED) or "")[:4000].split(",")
    return {name for name in names
            if name.split(".")[0] in form.field_map and (
                "." not in name or subtables.CELL_KEY.match(name))}


# ---------------------------------------------------------------- values for the form


def form_value(form: PublishedForm, field_id: str, value: Any) -> Any:
    """A stored (Python) value as the form shows it."""
    return field_form_value(form.field_map[field_id], value)


def field_form_value(f: Field, value: Any) -> Any:
    """A stored value of field (or sub-table column) ``f`` as the form shows it."""
    if value is None:
        return None
    kind = f.type
    if kind == "subtable":
        return [{c.id: field_form_value(c, row.get(c.id)) for c in subtable.columns(f)}
                for row in value]
    if kind in LIST_TYPES:
        return list(value)
    if isinstance(value, list):  # many links
        return [str(item) for item in value]
    if kind == "region":
        return region_levels(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def form_values(form: PublishedForm, values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values of the editable fields from stored values."""
    return {f.id: form_value(form, f.id, values.get(f.id)) for f in form.fields
            if not form.type_of(f.id).readonly}


def from_json(form: PublishedForm, field_id: str, raw: Any) -> Any:
    """A JSON value (history, API) as the form shows it; text as a last resort."""
    f = form.field_map[field_id]
    try:
        return form_value(form, field_id, form.type_of(field_id).parse(f, raw))
    except (ValueInvalid, TypeError, ValueError):
        if isinstance(raw, list):
            return [str(item) for item in raw]
        return None if raw is None else str(raw)


def initial_values(form: PublishedForm, actor=None) -> dict[str, Any]:
    """Form values for a new record: each field's default (fixed, today, now, the person
    filling it in, their department)."""
    return {field_id: from_json(form, field_id, raw)
            for field_id, raw in defaults.raw_values(form, actor).items()}


def prefilled(form: PublishedForm, args: MultiDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Values a link fills in (``/new?f_start1=2026-03-05``, from a calendar day), checked
    like typed input: each is coerced by its field type; what does not fit is kept as
    typed and reported beside its field. Fields people cannot enter are ignored."""
    wanted = MultiDict([(k, v[:2000]) for k, v in args.items(multi=True)
                        if k in form.field_map])
    values = parse_submission(form, wanted)
    errors: dict[str, list[str]] = {}
    for field_id, raw in values.items():
        try:
            form.type_of(field_id).coerce(form.field_map[field_id], raw)
        except ValueInvalid as exc:
            errors[field_id] = [exc.message]
    return values, errors


# ---------------------------------------------------------------- layout


@dataclass
class Cell:
    """A field in a section's grid."""

    field_id: str
    span: int = 1


@dataclass
class Block:
    """A section (with its grid of fields), a divider or a description text."""

    kind: str
    id: str = ""
    title: str = ""
    text: str = ""
    columns: int = 1
    collapsed: bool = False
    cells: list[Cell] = field(default_factory=list)


def layout(form: PublishedForm) -> list[Block]:
    """The published layout; live fields it does not place follow at the end."""
    blocks: list[Block] = []
    placed: set[str] = set()
    loose: Block | None = None
    for item in form.document.get("layout", []):
        kind = item.get("kind")
        if kind == "field":
            if loose is None:
                loose = Block(kind="section", id=f"auto{len(blocks)}")
                blocks.append(loose)
            _place(form, loose, item, placed)
            continue
        loose = None
        if kind == "section":
            block = Block(kind="section", id=item.get("id", ""), title=item.get("title", ""),
                          columns=max(1, min(4, int(item.get("columns") or 1))),
                          collapsed=bool(item.get("collapsed")))
            for child in _flatten(item.get("items", [])):
                _place(form, block, child, placed)
            blocks.append(block)
        elif kind in ("divider", "text"):
            blocks.append(Block(kind=kind, id=item.get("id", ""), text=item.get("text", "")))
    rest = [f.id for f in form.fields if f.id not in placed]
    if rest:
        blocks.append(Block(kind="section", id="rest", cells=[Cell(fid) for fid in rest]))
    return [b for b in blocks if b.kind != "section" or b.cells or b.title]


def _flatten(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        out.extend(_flatten(item.get("items", [])) if item.get("kind") == "section" else [item])
    return [item for item in out if item.get("kind") == "field"]


def _place(form: PublishedForm, block: Block, item: Mapping[str, Any], placed: set[str]) -> None:
    field_id = item.get("field")
    if field_id not in form.field_map or field_id in placed:
        return
    placed.add(field_id)
    wide = form.field_map[field_id].type in WIDE_TYPES
    span = int(item.get("span") or (block.columns if wide else 1))
    block.cells.append(Cell(field_id, max(1, min(block.columns, span))))


def ordered_fields(form: PublishedForm) -> list[Field]:
    """Live fields in the order the entry form shows them."""
    return [form.field_map[c.field_id] for b in layout(form) for c in b.cells]


# ---------------------------------------------------------------- what each widget gets


@dataclass
class FieldState:
    """Everything one widget renders from, plus where it sits."""

    field: dict[str, Any]
    value: Any = None
    errors: list[str] = field(default_factory=list)
    readonly: bool = False
    visible: bool = True
    #: the value someone else saved meanwhile (edit conflicts), for display
    theirs: Any = None
    #: messages for the parts of the value (a sub-table's cells: "1.f_qty" → messages)
    cell_errors: dict[str, list[str]] = field(default_factory=dict)


def field_states(form: PublishedForm, values: Mapping[str, Any], *,
                 errors: Mapping[str, list[str]], visible: set[str], required: set[str],
                 readonly_text: Mapping[str, str] | None = None,
                 theirs: Mapping[str, Any] | None = None) -> dict[str, FieldState]:
    """The widget context of every live field."""
    states: dict[str, FieldState] = {}
    for f in form.fields:
        doc = dict(form.raw_fields[f.id], required=f.id in required, config=f.config)
        readonly = form.type_of(f.id).readonly
        value = (readonly_text or {}).get(f.id) if readonly else values.get(f.id)
        own, cells = subtables.split_errors(f, errors)
        states[f.id] = FieldState(field=doc, value=value, errors=own, cell_errors=cells,
                                  readonly=readonly, visible=f.id in visible,
                                  theirs=(theirs or {}).get(f.id))
    return states
