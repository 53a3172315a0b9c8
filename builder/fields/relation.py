"""Relation family: a link to records of another form, a lookup through a link, a rollup.

A link holds record ids of a *target* form (config ``form``, a form of the same
app): one id in an indexed integer column, or — with ``multiple`` — an ordered
list in a side table whose ``target_id`` is indexed (for "who links to this
record"). The builder cannot see records, so the write path checks that every
linked id exists in the target, is not in the trash and matches the link's
``filter`` (a condition over the target's fields).

Lookups (a field of the linked record) and rollups (count/sum/min/max/avg over
linked records or sub-table rows) are not stored: the read path computes them
for a whole page of records in a few queries (runtime/records/relations.py).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .base import Field, FieldType, ValueInvalid
from .relation_context import (  # noqa: F401  (re-exported: the builder's view of other forms)
    FormInfo,
    RelationContext,
    choices,
    has_column,
    is_sub_table,
    live_fields,
    sub_fields,
    value_kind,
)
from .system import refuse_input

FIELD_ID = "^f_[a-z0-9]{4,16}$"
ONE_OPERATORS = ("eq", "ne", "in", "not_in", "empty", "not_empty")
MANY_OPERATORS = ("has_any", "has_all", "has_none", "empty", "not_empty")
MAX_LINKS = 500
RECORD_ID_LIMIT = 2**53 - 1
ROLLUP_FUNCTIONS = ("count", "sum", "min", "max", "avg")
#: types a lookup cannot show: computed on read, or ids that would need resolving again
NOT_LOOKED_UP = frozenset({"lookup", "rollup", "link"})
_SEPARATORS = re.compile(r"[,，、;；\s]+")


def record_id_type() -> sa.types.TypeEngine:
    """The SQL type of a record id, like the record tables' ``id``."""
    return sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _record_id(raw: Any) -> int | None:
    """A record id from a form post, JSON or an import ("42", "#42", 42); None when blank."""
    if raw is None:
        return None
    if isinstance(raw, bool) or isinstance(raw, float | Decimal):
        raise ValueInvalid(_("choose a record"))
    if isinstance(raw, int):
        value = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip().removeprefix("#")
        if not text:
            return None
        if not (text.isascii() and text.isdigit()) or len(text) > 16:
            raise ValueInvalid(_("choose a record"))
        value = int(text)
    if value < 1 or value > RECORD_ID_LIMIT:
        raise ValueInvalid(_("choose a record"))
    return value


def _json(value: Any) -> Any:
    """A computed value as JSON: numbers and dates as text, lists item by item."""
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


class LinkType(FieldType):
    """One or many records of another form (or of this one: a parent company)."""

    type = "link"
    family = "relation"
    icon = "link"
    operators = tuple(dict.fromkeys(ONE_OPERATORS + MANY_OPERATORS))
    widget = "fields/widgets/link.html"
    #: what the ids point at: checked by the write path (runtime/records/links.py)
    references: ClassVar[str] = "record"
    always_indexed = True
    #: settings the property panel draws itself (a condition editor over the target form)
    panel_hidden: ClassVar[tuple[str, ...]] = ("filter",)
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "form": {"type": "integer", "minimum": 1},
            "multiple": {"type": "boolean"},
            "display_field": {"type": "string", "pattern": FIELD_ID},
            "filter": {"type": "object"},
        },
    }

    def name(self) -> str:
        """Palette name."""
        return _("Link to records")

    def multiple(self, field: Field) -> bool:
        """Whether the field holds many records."""
        return bool(field.config.get("multiple"))

    def is_stored(self, field: Field) -> bool:
        """One link: an integer column."""
        return not self.multiple(field)

    def is_side(self, field: Field) -> bool:
        """Many links: a side table."""
        return self.multiple(field)

    def field_operators(self, field: Field) -> tuple[str, ...]:
        """By id for one link; has any/all/none for many."""
        return MANY_OPERATORS if self.multiple(field) else ONE_OPERATORS

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """A record id."""
        return record_id_type()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A record id, or distinct record ids in order; null when nothing is linked."""
        one = {"type": "integer", "minimum": 1, "maximum": RECORD_ID_LIMIT}
        if self.multiple(field):
            return {"type": ["array", "null"], "items": one, "uniqueItems": True,
                    "minItems": 1, "maxItems": MAX_LINKS}
        return {**one, "type": ["integer", "null"]}

    def coerce(self, field: Field, raw: Any) -> Any:
        """Record ids from a form post, JSON or an import; existence is the write path's job."""
        if self.multiple(field):
            return self._many(raw)
        if isinstance(raw, list | tuple):
            items = [item for item in raw if item not in (None, "")]
            if len(items) > 1:
                raise ValueInvalid(_("choose one record"))
            raw = items[0] if items else None
        return _record_id(raw)

    def _many(self, raw: Any) -> list[int] | None:
        if raw is None:
            return None
        if isinstance(raw, list | tuple):
            items = list(raw)
        elif isinstance(raw, int) and not isinstance(raw, bool):
            items = [raw]
        else:
            items = _SEPARATORS.split(unicodedata.normalize("NFKC", str(raw)).strip())
        if len(items) > MAX_LINKS:
            raise ValueInvalid(_("choose at most %(max)d records (got %(n)d)", max=MAX_LINKS,
                                 n=len(items)))
        ids = [_record_id(item) for item in items]
        return list(dict.fromkeys(i for i in ids if i is not None)) or None

    def filter_value(self, field: Field, op: str, raw: Any) -> Any:
        """Ids to look for: at least one for has any/all/none."""
        if op in ("has_any", "has_all", "has_none"):
            ids = self._many(raw)
            if not ids:
                raise ValueInvalid(_("choose at least one record"))
            return ids
        return super().filter_value(field, op, raw)

    # ---- side table (many links) ----------------------------------------------
    def side_columns(self, field: Field) -> list[sa.Column]:
        """The linked record's id."""
        return [sa.Column("target_id", record_id_type(), nullable=False)]

    def side_indexes(self, field: Field) -> list[tuple[str, ...]]:
        """``target_id``: which records link to a given one."""
        return [("target_id",)]

    def to_side_rows(self, field: Field, value: Any) -> list[dict[str, Any]]:
        """One row per linked id, in order."""
        return [{"target_id": target} for target in value or []]

    def from_side_rows(self, field: Field, rows: list[dict[str, Any]]) -> Any:
        """The ids in order, or None."""
        return [row["target_id"] for row in rows] or None

    def side_sql(self, field: Field, op: str, operand: Any, column: Any) -> Any:
        """EXISTS over the side table; has all counts the distinct ids found."""
        side = column.side
        mine = side.c.record_id == column.record_id_column
        if op in ("has_any", "has_none"):
            found = sa.exists().where(mine, side.c.target_id.in_(operand))
            return found if op == "has_any" else ~found
        if op == "has_all":
            wanted = list(dict.fromkeys(operand))
            count = (sa.select(sa.func.count(sa.distinct(side.c.target_id)))
                     .where(mine, side.c.target_id.in_(wanted)).scalar_subquery())
            return count == len(wanted)
        return super().side_sql(field, op, operand, column)

    # ---- display and samples ----------------------------------------------------
    def display(self, field: Field, value: Any) -> str:
        """Record numbers; pages show the linked records' names instead."""
        if value is None:
            return ""
        items = value if isinstance(value, list) else [value]
        return "、".join(f"#{item}" for item in items)

    def config_choices(self, doc: dict[str, Any], document: dict[str, Any],
                       context: RelationContext) -> dict[str, list[tuple[str, str]]]:
        """Forms of the app to link to, and the chosen form's fields to show as names."""
        target = context.forms.get((doc.get("config") or {}).get("form"))
        shown = [f for f in (target.fields if target else []) if has_column(f)
                 and f["type"] not in NOT_LOOKED_UP]
        return {"form": [(str(i), info.name) for i, info in context.forms.items()],
                "display_field": choices(shown)}

    def sample_config(self) -> dict[str, Any]:
        """One customer."""
        return {"form": 1}

    def sample_configs(self) -> list[dict[str, Any]]:
        """One record, and many."""
        return [{"form": 1}, {"form": 1, "multiple": True}]

    def sample_values(self, field: Field) -> list[Any]:
        """Record ids."""
        if self.multiple(field):
            return [[1], [1, 42], [42, 7, 1]]
        return [1, 42]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Not record ids."""
        if self.multiple(field):
            return ["abc", [1, "x"], list(range(1, MAX_LINKS + 2))]
        return ["abc", "-3", "0", True, "1.5", [1, 2]]


class _ComputedOnRead(FieldType):
    """Lookups and rollups: read-only, not stored, computed for a page of records at once."""

    family = "relation"
    readonly = True
    stored = False
    operators = ()
    widget = "fields/widgets/computed.html"

    def coerce(self, field: Field, raw: Any) -> Any:
        """Users do not type computed values."""
        return refuse_input(raw)

    def to_json(self, field: Field, value: Any) -> Any:
        """Numbers and dates as text."""
        return _json(value)

    def sample_invalid(self, field: Field) -> list[Any]:
        """Any typed value."""
        return ["12", "abc"]


class LookupType(_ComputedOnRead):
    """A field of the linked record, shown on this one (a list of values for many links)."""

    type = "lookup"
    icon = "eye"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"link": {"type": "string", "pattern": FIELD_ID},
                       "field": {"type": "string", "pattern": FIELD_ID}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Lookup")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """Not stored; text is what exports write."""
        return sa.Text()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """The linked field's JSON value, or a list of them."""
        return {"type": ["string", "number", "boolean", "array", "null"]}

    def parse(self, field: Field, raw: Any) -> Any:
        """Values read back are taken as they are."""
        return raw

    def display(self, field: Field, value: Any) -> str:
        """As text (pages show it with the linked field's own type)."""
        if value is None:
            return ""
        items = value if isinstance(value, list) else [value]
        return "、".join(str(_json(item)) for item in items)

    def config_choices(self, doc: dict[str, Any], document: dict[str, Any],
                       context: RelationContext) -> dict[str, list[tuple[str, str]]]:
        """The form's link fields, and the fields of the chosen link's form."""
        links = [f for f in live_fields(document) if f["type"] == "link"]
        chosen = next((f for f in links if f["id"] == (doc.get("config") or {}).get("link")),
                      None)
        target = context.forms.get((chosen or {}).get("config", {}).get("form"))
        shown = [f for f in (target.fields if target else []) if has_column(f)
                 and f["type"] not in NOT_LOOKED_UP]
        return {"link": choices(links), "field": choices(shown)}

    def sample_config(self) -> dict[str, Any]:
        """The customer's industry."""
        return {"link": "f_cust001", "field": "f_indus01"}

    def sample_values(self, field: Field) -> list[Any]:
        """Two industries."""
        return ["互联网/IT", "制造业"]


class RollupType(_ComputedOnRead):
    """Count, sum, min, max or average over linked records or sub-table rows."""

    type = "rollup"
    icon = "boxes"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"source": {"type": "string", "pattern": FIELD_ID},
                       "function": {"enum": list(ROLLUP_FUNCTIONS)},
                       "field": {"type": "string", "pattern": FIELD_ID},
                       "scale": {"type": "integer", "minimum": 0, "maximum": 6}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Rollup")

    def function(self, field: Field) -> str:
        """count (the default), sum, min, max or avg."""
        return field.config.get("function") or "count"

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """Not stored; a number is what exports write."""
        return sa.Numeric(18, 6, asdecimal=True)

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A count, a number as text, or a date as text."""
        return {"type": ["integer", "string", "null"]}

    def parse(self, field: Field, raw: Any) -> Any:
        """Counts stay whole, numbers become Decimal, dates dates."""
        if raw is None or isinstance(raw, int | Decimal | date) and not isinstance(raw, bool):
            return raw
        text = str(raw).strip()
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
        for reader in (date.fromisoformat, datetime.fromisoformat):
            try:
                return reader(text)
            except ValueError:
                continue
        return None

    def display(self, field: Field, value: Any) -> str:
        """Counts as they are, numbers at the configured places, dates as dates."""
        if value is None:
            return ""
        if isinstance(value, Decimal):
            scale = int(field.config.get("scale", 2))
            return f"{value:,.{scale}f}"
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def config_choices(self, doc: dict[str, Any], document: dict[str, Any],
                       context: RelationContext) -> dict[str, list[tuple[str, str]]]:
        """Link and sub-table fields; then the numbers or dates of what they hold."""
        sources = [f for f in live_fields(document) if f["type"] == "link" or is_sub_table(f)]
        config = doc.get("config") or {}
        chosen = next((f for f in sources if f["id"] == config.get("source")), None)
        if chosen is None:
            columns: list[dict[str, Any]] = []
        elif chosen["type"] == "link":
            target = context.forms.get((chosen.get("config") or {}).get("form"))
            columns = [f for f in (target.fields if target else []) if has_column(f)]
        else:
            columns = sub_fields(chosen)
        return {"source": choices(sources),
                "field": choices([f for f in columns if value_kind(f)])}

    def sample_config(self) -> dict[str, Any]:
        """The total of the linked orders."""
        return {"source": "f_order01", "function": "sum", "field": "f_amnt01", "scale": 2}

    def sample_values(self, field: Field) -> list[Any]:
        """A count and a sum."""
        return [3, Decimal("1234.50")]
