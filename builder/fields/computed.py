"""Computed family: a formula over other fields, stored so lists can sort and filter it.

The write path computes every formula field after coercion and before rules, in
dependency order (:func:`formula_order`), with the same code on every save; users
never type the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import formula
from ..db import UTCDateTime
from .base import Field, FieldType, ValueInvalid
from .dates import DateTimeType, DateType
from .number import DecimalType
from .subtable import columns as subtable_columns
from .system import refuse_input
from .text import TextareaType

RESULTS = ("number", "text", "date", "datetime", "boolean")
_READERS: dict[str, FieldType] = {"number": DecimalType(), "text": TextareaType(),
                                  "date": DateType(), "datetime": DateTimeType()}


def formula_value(field: Field, value: Any) -> Any:
    """A stored value as formulas see it: options by label, numbers as Decimal."""
    from . import get

    field_type = get(field.type)
    if field.type == "single_select" and value is not None:
        return field_type.label_of(field, value)  # type: ignore[attr-defined]
    if field.type == "multi_select" and value is not None:
        return [field_type.label_of(field, v) for v in value]  # type: ignore[attr-defined]
    if field.type == "subtable" and value is not None:
        cols = subtable_columns(field)
        return [{c.id: formula_value(c, row.get(c.id)) for c in cols} for row in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


#: the formula value type of each field type (types not listed cannot be referenced)
FORMULA_TYPES: dict[str, str] = {
    "text": "text", "textarea": "text", "email": "text", "phone": "text", "url": "text",
    "id_card": "text", "region": "text", "single_select": "text", "auto_number": "text",
    "rich_text": "text", "multi_select": "list", "integer": "number", "decimal": "number",
    "money": "number", "percent": "number", "date": "date", "datetime": "datetime",
    "created_at": "datetime", "updated_at": "datetime", "time": "text", "boolean": "boolean",
}


class FormulaType(FieldType):
    """A value calculated from other fields of the record."""

    type = "formula"
    family = "computed"
    icon = "chart-pie"
    readonly = True
    operators = ("eq", "ne", "gt", "gte", "lt", "lte", "between", "empty", "not_empty")
    widget = "fields/widgets/readonly.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["expression", "result"],
        "properties": {
            "expression": {"type": "string", "minLength": 1, "maxLength": formula.MAX_LENGTH},
            "result": {"enum": list(RESULTS)},
            "scale": {"type": "integer", "minimum": 0, "maximum": 6},
        },
    }

    def name(self) -> str:
        """Palette name."""
        return _("Formula")

    def result(self, field: Field) -> str:
        """What the formula yields: number, text, date, datetime or boolean."""
        return field.config.get("result", "number")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """A column of the result's type."""
        return {"number": sa.Numeric(18, 6, asdecimal=True), "text": sa.Text(), "date": sa.Date(),
                "datetime": UTCDateTime(), "boolean": sa.Boolean(create_constraint=False)
                }[self.result(field)]

    def value_schema(self, field: Field) -> dict[str, Any]:
        """The result's JSON shape."""
        return {"number": {"type": ["string", "null"]}, "text": {"type": ["string", "null"]},
                "date": {"type": ["string", "null"], "format": "date"},
                "datetime": {"type": ["string", "null"], "format": "date-time"},
                "boolean": {"type": ["boolean", "null"]}}[self.result(field)]

    def coerce(self, field: Field, raw: Any) -> Any:
        """Users do not type formula values."""
        return refuse_input(raw)

    def parse(self, field: Field, raw: Any) -> Any:
        """Read a value of the result type (filters, read-back)."""
        result = self.result(field)
        if result == "boolean":
            return None if raw is None or raw == "" else bool(raw) if isinstance(raw, bool) \
                else str(raw).strip().lower() in ("1", "true", "yes", "是")
        reader = _READERS[result]
        value = reader.coerce(self._reader_field(field), raw)
        return self._round(field, value)

    def _reader_field(self, field: Field) -> Field:
        scale = field.config.get("scale", 2)
        return Field(field.id, field.type, field.label, {"scale": scale, "max_length": 100_000})

    def _round(self, field: Field, value: Any) -> Any:
        if isinstance(value, Decimal):
            return value.quantize(Decimal(1).scaleb(-field.config.get("scale", 2)))
        return value

    def compute(self, field: Field, values: dict[str, Any], now: datetime | None = None) -> Any:
        """Evaluate the expression over ``values`` (formula values); errors give blank."""
        try:
            value = formula.compile(field.config["expression"]).evaluate(
                values, now=now or datetime.now(UTC))
        except formula.FormulaError:
            return None
        if value is None:
            return None
        try:
            return self.parse(field, value)
        except ValueInvalid:
            return None

    def from_db(self, field: Field, value: Any) -> Any:
        """Numbers at the configured scale."""
        return self._round(field, value) if value is not None else None

    def to_json(self, field: Field, value: Any) -> Any:
        """Strings for numbers and dates."""
        if value is None or isinstance(value, bool | str):
            return value
        return str(value) if isinstance(value, Decimal) else value.isoformat()

    def display(self, field: Field, value: Any) -> str:
        """As the result type shows it."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return _READERS[self.result(field)].display(self._reader_field(field), value)

    def sample_config(self) -> dict[str, Any]:
        """A line total."""
        return {"expression": "ROUND(3 * 12.5, 2)", "result": "number", "scale": 2}

    def sample_values(self, field: Field) -> list[Any]:
        """Two totals."""
        return [Decimal("0.00"), Decimal("37.50")]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Any typed value: formulas are calculated."""
        return ["12", "abc"]


def formula_order(fields: list[Field]) -> list[Field]:
    """Formula fields in an order where each comes after the formulas it uses."""
    formulas = {f.id: f for f in fields if f.type == "formula"}
    parsed = {fid: formula.compile(f.config["expression"]) for fid, f in formulas.items()}
    order = formula.evaluation_order(parsed)
    return [formulas[fid] for fid in order if fid in formulas]


@dataclass(frozen=True)
class FormulaStep:
    """One formula to evaluate: a form's formula field, or a formula column of a sub-table
    (``table``), which is evaluated once per row."""

    field: Field
    table: Field | None = None


@dataclass(frozen=True)
class _Reads:
    dependencies: frozenset[str]


def formula_steps(fields: list[Field]) -> list[FormulaStep]:
    """Formula fields and per-row formula columns, each after the formulas it reads.

    A column formula reads its row's cells by their bare ids ({f_qty}); for ordering
    they count as the column keys ``f_sub.f_qty`` the form's formulas sum over.
    """
    steps: dict[str, FormulaStep] = {}
    reads: dict[str, _Reads] = {}
    for f in fields:
        if f.type == "formula":
            steps[f.id] = FormulaStep(f)
            reads[f.id] = _Reads(formula.compile(f.config["expression"]).dependencies)
        elif f.type == "subtable":
            cols = subtable_columns(f)
            siblings = {c.id for c in cols}
            for column in cols:
                if column.type != "formula":
                    continue
                key = f"{f.id}.{column.id}"
                deps = formula.compile(column.config["expression"]).dependencies
                steps[key] = FormulaStep(column, f)
                reads[key] = _Reads(frozenset(f"{f.id}.{d}" if d in siblings else d
                                              for d in deps))
    return [steps[key] for key in formula.evaluation_order(reads) if key in steps]
