"""The field-type contract: one small class per type owns everything about its values.

A field in a form document looks like::

    {"id": "f_k3x9qa", "type": "text", "label": "公司名称", "required": true,
     "config": {"max_length": 200}}

``id`` is stable and names the SQL column; ``type`` is the registry key and is
never renamed; ``config`` is validated against the type's ``config_schema``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .operators import MAX_DAYS, Context, Operator


class ValueInvalid(ValueError):
    """A value that cannot be accepted; ``message`` says what is allowed.

    A value with parts (sub-table rows) may carry several ``messages`` for the field,
    messages for its ``parts`` (``"1.f_qty"`` → messages for row 2's quantity) and the
    ``partial`` value read despite them (formulas still show while the form is fixed).
    """

    def __init__(self, message: str, *, messages: list[str] | None = None,
                 parts: dict[str, list[str]] | None = None, partial: Any = None):
        self.message = message
        self.messages = messages or [message]
        self.parts = parts or {}
        self.partial = partial
        super().__init__(message)


@dataclass(frozen=True)
class Field:
    """A field of a form document, as the types see it."""

    id: str
    type: str
    label: str
    config: dict[str, Any]
    required: bool = False

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Field:
        """Build from the JSON document of one field."""
        return cls(id=doc["id"], type=doc["type"], label=doc.get("label", ""),
                   config=doc.get("config") or {}, required=bool(doc.get("required")))


class FieldType:
    """Base class: subclasses set the class attributes and override the hooks they need."""

    #: persisted registry key; never renamed
    type: ClassVar[str]
    #: palette group: text, number, datetime, choice, contact, relation, media, system, layout
    family: ClassVar[str]
    #: Lucide icon id shown in the palette
    icon: ClassVar[str] = "file-text"
    #: JSON Schema (draft 2020-12) of this type's ``config`` object
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False}
    #: filter operators this type supports, by key
    operators: ClassVar[tuple[str, ...]] = ("empty", "not_empty")
    #: template partial that renders the input widget
    widget: ClassVar[str] = "fields/widgets/text.html"
    #: False for layout elements, system fields and values computed on read
    stored: ClassVar[bool] = True
    #: True when users never enter the value (system fields, auto-numbers): ``coerce``
    #: refuses any input and ``parse`` reads values for filters and exports instead
    readonly: ClassVar[bool] = False
    #: the record table's system column that holds the value (system fields only)
    system_column: ClassVar[str | None] = None
    #: True when values live in a side table of their own (many links, sub-table rows)
    #: instead of a column: ``stored`` is then False and the ``side_*`` hooks apply
    side: ClassVar[bool] = False
    #: True when the column is always indexed (a link: "which records link to this one")
    always_indexed: ClassVar[bool] = False

    # ---- names --------------------------------------------------------------
    def name(self) -> str:
        """The translated name of the type for the palette."""
        raise NotImplementedError

    # ---- storage ------------------------------------------------------------
    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """The SQL column type that stores this field's value."""
        raise NotImplementedError

    def to_db(self, field: Field, value: Any) -> Any:
        """Python value → column value (default: unchanged)."""
        return value

    def from_db(self, field: Field, value: Any) -> Any:
        """Column value → Python value (default: unchanged)."""
        return value

    # ---- per-field storage (a type may decide by config: one link or many) ----
    def is_stored(self, field: Field) -> bool:
        """Whether this field has a column of its own (default: the type's ``stored``)."""
        return self.stored

    def is_side(self, field: Field) -> bool:
        """Whether this field's values live in a side table (default: the type's ``side``)."""
        return self.side

    def field_operators(self, field: Field) -> tuple[str, ...]:
        """The filter operators of this field (default: the type's ``operators``)."""
        return self.operators

    # ---- side tables (types with ``side = True``) ----------------------------
    def side_columns(self, field: Field) -> list[sa.Column]:
        """The side table's own columns besides ``id``, ``record_id`` and ``position``."""
        raise NotImplementedError

    def side_indexes(self, field: Field) -> list[tuple[str, ...]]:
        """Column groups of the side table to index besides ``record_id``."""
        return []

    def to_side_rows(self, field: Field, value: Any) -> list[dict[str, Any]]:
        """Python value → side-table rows in order (without id/record_id/position)."""
        raise NotImplementedError

    def from_side_rows(self, field: Field, rows: list[dict[str, Any]]) -> Any:
        """Side-table rows in order → Python value (None when there are none)."""
        raise NotImplementedError

    def side_sql(self, field: Field, op: str, operand: Any, column: Any) -> Any:
        """SQL for filter ``op`` over the side table (``column`` is a conditions.SideColumn).

        Must agree with ``self.operator(op).py`` on the Python value, like every
        operator. The default answers empty / not empty.
        """
        exists = sa.exists().where(column.side.c.record_id == column.record_id_column)
        if op == "empty":
            return ~exists
        if op == "not_empty":
            return exists
        raise NotImplementedError(f"{self.type} has no SQL for {op!r}")

    # ---- values -------------------------------------------------------------
    def value_schema(self, field: Field) -> dict[str, Any]:
        """JSON Schema of the value as it appears in JSON (API, import, export)."""
        raise NotImplementedError

    def coerce(self, field: Field, raw: Any) -> Any:
        """Turn user input (form text or JSON) into the Python value, or raise ValueInvalid.

        Empty input becomes None; ``required`` is checked by the write path.
        """
        raise NotImplementedError

    def parse(self, field: Field, raw: Any) -> Any:
        """Read a value from JSON or text without entry rules (filter operands, read-only types).

        Defaults to ``coerce``; read-only types override it, since their ``coerce``
        refuses everything.
        """
        return self.coerce(field, raw)

    def to_json(self, field: Field, value: Any) -> Any:
        """Python value → JSON value (default: unchanged)."""
        return value

    def display(self, field: Field, value: Any) -> str:
        """The value as text for lists and exports."""
        return "" if value is None else str(value)

    # ---- builder and tests --------------------------------------------------
    def config_problems(self, config: dict[str, Any]) -> list[tuple[list[Any], str]]:
        """Problems of a valid-by-schema ``config`` that JSON Schema cannot express.

        Each is (path inside the config, message); checked on publish and in the panel.
        """
        return []

    def initial_config(self, new_id: Callable[[], str]) -> dict[str, Any] | None:
        """The config of a field just added in the designer (None: the default one).

        ``new_id`` makes a fresh field id that is free in the form.
        """
        return None

    def sample_config(self) -> dict[str, Any]:
        """A valid config used by the contract tests and the designer's defaults."""
        return {}

    def sample_configs(self) -> list[dict[str, Any]]:
        """Every distinct shape of config the contract tests should walk (e.g. one / many)."""
        return [self.sample_config()]

    def sample_values(self, field: Field) -> list[Any]:
        """Valid Python values for this field (at least two, distinct)."""
        raise NotImplementedError

    def sample_invalid(self, field: Field) -> list[Any]:
        """Raw inputs that must be refused by ``coerce``."""
        return []

    # ---- filtering ----------------------------------------------------------
    def operator(self, key: str) -> Operator:
        """The operator ``key`` if this type supports it."""
        from .operators import OPERATORS

        if key not in self.operators:
            raise KeyError(key)
        return OPERATORS[key]

    def filter_value(self, field: Field, op: str, raw: Any) -> Any:
        """Coerce a filter's operand (lists for in/between)."""
        arity = self.operator(op).arity
        if arity == 0:
            return None
        if op in ("contains", "not_contains"):
            # A fragment to search for, not a whole value: no entry rules apply.
            text = "" if raw is None else str(raw).strip()
            if not text:
                raise ValueInvalid(_("enter the text to look for"))
            return text
        if arity == 2 or op in ("in", "not_in"):
            items = raw if isinstance(raw, list | tuple) else [raw]
            return [self.parse(field, item) for item in items]
        return self.parse(field, raw)

    def context_value(self, field: Field, op: str, raw: Any, context: Context | None) -> Any:
        """The operand of a context operator ("is me", "today", ...) for ``context``."""
        self.operator(op)
        if context is None or (op in ("today", "within_last", "within_next")
                               and context.today is None):
            raise ValueInvalid(_("means something only for a signed-in person"))
        if op == "is_me":
            return context.user_id
        if op == "my_department":
            return context.department_id
        if op == "today":
            first, last = 0, 0
        else:
            days = _days(raw)
            first, last = (1 - days, 0) if op == "within_last" else (0, days - 1)
        start, end = context.days(first, last)
        return self.day_bounds(field, start, end, context)

    def day_bounds(self, field: Field, start: date, end: date, context: Context
                   ) -> tuple[Any, Any]:
        """Days [start, end) as values of this type: dates here, moments for date-times."""
        return start, end


def _days(raw: Any) -> int:
    """A number of days typed for "within the last/next N days"."""
    text = unicodedata.normalize("NFKC", str(raw)).strip() if raw is not None else ""
    if isinstance(raw, bool) or not text.isdigit() or not 1 <= int(text[:6]) <= MAX_DAYS:
        raise ValueInvalid(_("enter a number of days from 1 to %(max)d", max=MAX_DAYS))
    return int(text)


Factory = Callable[[], FieldType]
