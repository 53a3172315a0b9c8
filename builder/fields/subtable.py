"""Sub-table (子表单): rows with fields of their own, kept in a side table.

``config.fields`` lists the columns: field documents like a form's own (a stable
``f_…`` id, unique in the whole form, a type, label, required, help and config),
restricted to scalar types plus formulas computed per row (小计 = 数量 × 单价).
The value is a list of rows in order, each a dict of column id → Python value with
every column present (None when blank), or None when there are no rows. The rows
live in ``rec_<form>_<field id>``, one SQL column per column, named by its id.

Rows whose every input is blank are dropped (an empty row left on the form is not
a row); ``min_rows``/``max_rows`` count the rest. Problems in cells are reported
on the field ("row 2 · Quantity: must be at least 1") and on the cell's part key
(``"1.f_qty001"``, 0-based row as entered) so pages can show them beside the cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from jsonschema import Draft202012Validator

from . import get
from .base import Field, FieldType, ValueInvalid

#: the types a column may have: single values that fit one SQL column, and formulas
SUB_TYPES = ("text", "textarea", "integer", "decimal", "money", "percent", "date", "datetime",
             "time", "boolean", "single_select", "multi_select", "email", "phone", "url",
             "member", "department", "formula")
MAX_ROWS = 500
MAX_COLUMNS = 50
COLUMN_ID = re.compile(r"^f_[a-z0-9]{4,16}$")
_BLANK_BOOLEAN = {"", "0", "false", "no", "off", "否"}

COLUMN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "type", "label"],
    "properties": {
        "id": {"type": "string", "pattern": COLUMN_ID.pattern},
        "type": {"enum": list(SUB_TYPES)},
        "label": {"type": "string", "minLength": 1, "maxLength": 100},
        "help": {"type": "string", "maxLength": 500},
        "required": {"type": "boolean"},
        "config": {"type": "object"},
    },
}


_columns_cache: dict[int, tuple[Any, list[Field]]] = {}


def columns(field: Field) -> list[Field]:
    """The sub-table's columns as fields, in order.

    Remembered per Field object (a published form's fields live as long as it does and
    a page of records reads them for every record); a field made afresh reads afresh.
    """
    cached = _columns_cache.get(id(field))
    if cached is not None and cached[0] is field:
        return cached[1]
    found = [Field.from_document(doc) for doc in field.config.get("fields") or []
             if isinstance(doc, Mapping) and "id" in doc and "type" in doc]
    if len(_columns_cache) > 512:
        _columns_cache.clear()
    _columns_cache[id(field)] = (field, found)
    return found


def _type(column: Field) -> FieldType:
    return get(column.type)


def cell_message(index: int, column: Field, problem: str) -> str:
    """A cell's problem as the field states it: "row 2 · Quantity: must be at least 1"."""
    return _("row %(n)d · %(column)s: %(problem)s", n=index + 1, column=column.label,
             problem=problem)


def blank_cell(column: Field, raw: Any) -> bool:
    """Whether a cell's input says nothing (an unticked box counts as nothing)."""
    if raw is None or raw is False or raw == [] or raw == {}:
        return True
    if isinstance(raw, str):
        text = raw.strip()
        return not text or (column.type == "boolean" and text.lower() in _BLANK_BOOLEAN)
    return False


def blank_row(field: Field, raw: Any, cols: list[Field] | None = None) -> bool:
    """Whether every input cell of a submitted row is blank (formula cells do not count)."""
    if not isinstance(raw, Mapping):
        return raw is None
    return all(blank_cell(c, raw.get(c.id)) for c in cols or columns(field)
               if c.type != "formula")


class _Reading:
    """The rows being read from input, with the problems found so far."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.messages: list[str] = []
        self.parts: dict[str, list[str]] = {}

    def cell_problem(self, index: int, column: Field, problem: str) -> None:
        self.messages.append(cell_message(index, column, problem))
        self.parts.setdefault(f"{index}.{column.id}", []).append(problem)


def _setting(key: str) -> str:
    """A column setting's name as the designer shows it (the key itself if unknown)."""
    from ..forms.labels import prop_label  # names live with the designer; loaded lazily

    return prop_label(f"config.{key}") if key else _("Settings")


class SubTableType(FieldType):
    """Rows with fields of their own (order lines, visit logs); min/max rows."""

    type = "subtable"
    family = "relation"
    icon = "table"
    side = True
    stored = False
    widget = "fields/widgets/subtable.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["fields"],
        "properties": {
            "fields": {"type": "array", "minItems": 1, "maxItems": MAX_COLUMNS,
                       "items": COLUMN_SCHEMA},
            "min_rows": {"type": "integer", "minimum": 0, "maximum": MAX_ROWS},
            "max_rows": {"type": "integer", "minimum": 1, "maximum": MAX_ROWS},
        },
    }

    def name(self) -> str:
        """Palette name."""
        return _("Sub-table")

    # ---- storage -------------------------------------------------------------
    def side_columns(self, field: Field) -> list[sa.Column]:
        """One column per sub-field, named by its id, typed by its type."""
        out = []
        for column in columns(field):
            if not COLUMN_ID.match(column.id):
                raise ValueError(f"invalid column id {column.id!r}")
            out.append(sa.Column(column.id, _type(column).sql_type(column), nullable=True))
        return out

    def to_side_rows(self, field: Field, value: Any) -> list[dict[str, Any]]:
        """Each row's cells as column values."""
        cols = columns(field)
        return [{c.id: _type(c).to_db(c, row.get(c.id)) for c in cols} for row in value or []]

    def from_side_rows(self, field: Field, rows: list[dict[str, Any]]) -> Any:
        """Rows in order (every column present), or None when there are none."""
        if not rows:
            return None
        plain = FieldType.from_db
        cols = [(c.id, c, t if type(t).from_db is not plain else None)
                for c, t in ((c, _type(c)) for c in columns(field))]
        return [{cid: row.get(cid) if t is None else t.from_db(c, row.get(cid))
                 for cid, c, t in cols} for row in rows]

    # ---- values --------------------------------------------------------------
    def value_schema(self, field: Field) -> dict[str, Any]:
        """An array of row objects (column id → the column's value), or null."""
        cols = columns(field)
        schema: dict[str, Any] = {
            "type": ["array", "null"], "maxItems": self._max(field),
            "items": {"type": "object", "additionalProperties": False,
                      "properties": {c.id: _type(c).value_schema(c) for c in cols}}}
        if field.config.get("min_rows"):
            schema["minItems"] = field.config["min_rows"]
        return schema

    def _max(self, field: Field) -> int:
        return int(field.config.get("max_rows") or MAX_ROWS)

    def coerce(self, field: Field, raw: Any) -> list[dict[str, Any]] | None:
        """Rows from JSON or the entry form: each cell by its column's type, then rules."""
        reading = self._read(field, raw, strict=True)
        count = len(reading.rows)
        minimum = int(field.config.get("min_rows") or 0)
        if count < minimum:
            reading.messages.insert(0, ngettext("at least %(num)d row (got %(n)d)",
                                                "at least %(num)d rows (got %(n)d)",
                                                minimum, n=count))
        if count > self._max(field):
            reading.messages.insert(0, ngettext("at most %(num)d row (got %(n)d)",
                                                "at most %(num)d rows (got %(n)d)",
                                                self._max(field), n=count))
        value = reading.rows or None
        if reading.messages:
            raise ValueInvalid("; ".join(reading.messages), messages=reading.messages,
                               parts=reading.parts, partial=value)
        return value

    def parse(self, field: Field, raw: Any) -> Any:
        """Rows read back from JSON (history, exports) without entry rules."""
        reading = self._read(field, raw, strict=False)
        if reading.messages:
            raise ValueInvalid(reading.messages[0])
        return reading.rows or None

    def _read(self, field: Field, raw: Any, *, strict: bool) -> _Reading:
        reading = _Reading()
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return reading
        if not isinstance(raw, list | tuple):
            reading.messages.append(_("enter the rows as a list"))
            return reading
        if len(raw) > MAX_ROWS * 4:  # do not read thousands of rows to refuse them
            reading.messages.append(ngettext("at most %(num)d row (got %(n)d)",
                                             "at most %(num)d rows (got %(n)d)",
                                             self._max(field), n=len(raw)))
            return reading
        cols = columns(field)
        for index, row in enumerate(raw):
            if not isinstance(row, Mapping):
                reading.messages.append(_("row %(n)d: enter the row's cells by column",
                                          n=index + 1))
            elif not blank_row(field, row, cols):
                reading.rows.append(self._row(row, index, cols, reading, strict))
        return reading

    def _row(self, raw: Mapping[str, Any], index: int, cols: list[Field], reading: _Reading,
             strict: bool) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for column in cols:
            column_type = _type(column)
            if column.type == "formula" and strict:
                row[column.id] = None  # computed by the write path
                continue
            read = column_type.coerce if strict else column_type.parse
            try:
                row[column.id] = read(column, raw.get(column.id))
            except ValueInvalid as exc:
                row[column.id] = None
                reading.cell_problem(index, column, exc.message)
                continue
            if strict and column.required and row[column.id] in (None, "", []):
                reading.cell_problem(index, column, _("is required"))
        return row

    def to_json(self, field: Field, value: Any) -> Any:
        """Rows of JSON values."""
        if value is None:
            return None
        cols = [(c, _type(c)) for c in columns(field)]
        return [{c.id: t.to_json(c, row.get(c.id)) for c, t in cols} for row in value]

    def display(self, field: Field, value: Any) -> str:
        """How many rows: "3 rows"."""
        count = len(value or [])
        return ngettext("%(num)d row", "%(num)d rows", count) if count else ""

    # ---- builder -------------------------------------------------------------
    def config_problems(self, config: dict[str, Any]) -> list[tuple[list[Any], str]]:
        """Column ids unique, each column's settings valid for its type, min ≤ max rows."""
        from ..metadata import FORMAT_CHECKER, translate_error

        problems: list[tuple[list[Any], str]] = []
        seen: set[str] = set()
        for index, doc in enumerate(config.get("fields") or []):
            label = doc.get("label") or doc.get("id")
            if doc["id"] in seen:
                problems.append((["fields", index, "id"],
                                 _("%(column)s: the id %(id)s is used twice", column=label,
                                   id=doc["id"])))
            seen.add(doc["id"])
            validator = Draft202012Validator(get(doc["type"]).config_schema,
                                             format_checker=FORMAT_CHECKER)
            for error in validator.iter_errors(doc.get("config") or {}):
                for translated in translate_error(error):
                    key = translated.path.removeprefix("$.").split(".")[0].split("[")[0]
                    found = (["fields", index, "config", *([key] if key else [])],
                             _("%(column)s · %(setting)s: %(problem)s", column=label,
                               setting=_setting(key), problem=translated.message))
                    if found not in problems:
                        problems.append(found)
        low, high = config.get("min_rows"), config.get("max_rows")
        if low is not None and high is not None and low > high:
            problems.append((["min_rows"], _("at least %(min)d rows cannot exceed at most "
                                             "%(max)d rows", min=low, max=high)))
        return problems

    def initial_config(self, new_id: Callable[[], str]) -> dict[str, Any] | None:
        """Two columns to start from: an item and a quantity."""
        return {"fields": [
            {"id": new_id(), "type": "text", "label": _("Item"), "config": {}},
            {"id": new_id(), "type": "integer", "label": _("Quantity"), "config": {}},
        ]}

    def sample_config(self) -> dict[str, Any]:
        """Order lines: product (required), quantity ≥ 1, unit price; up to 100 rows."""
        return {"fields": [
            {"id": "f_item01", "type": "text", "label": "产品", "required": True,
             "config": {"max_length": 100}},
            {"id": "f_qty001", "type": "integer", "label": "数量", "config": {"min": 1}},
            {"id": "f_price1", "type": "money", "label": "单价",
             "config": {"currency": "CNY", "scale": 2, "min": 0}},
        ], "min_rows": 0, "max_rows": 100}

    def sample_values(self, field: Field) -> list[Any]:
        """One line, and two lines with blanks."""
        from decimal import Decimal

        return [
            [{"f_item01": "积木 A", "f_qty001": 2, "f_price1": Decimal("12.50")}],
            [{"f_item01": "<b>B</b>", "f_qty001": 1, "f_price1": None},
             {"f_item01": "C", "f_qty001": None, "f_price1": Decimal("0.00")}],
        ]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Not rows, a bad cell, a missing required cell, too many rows."""
        return ["abc", 42, [{"f_item01": "A", "f_qty001": 0}], [{"f_qty001": 2}],
                [{"f_item01": "x"}] * 101, ["row"]]
