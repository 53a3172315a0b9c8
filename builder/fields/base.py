"""The field-type contract: one small class per type owns everything about its values.

A field in a form document looks like::

    {"id": "f_k3x9qa", "type": "text", "label": "公司名称", "required": true,
     "config": {"max_length": 200}}

``id`` is stable and names the SQL column; ``type`` is the registry key and is
never renamed; ``config`` is validated against the type's ``config_schema``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .operators import Operator


class ValueInvalid(ValueError):
    """A value that cannot be accepted; ``message`` says what is allowed."""

    def __init__(self, message: str):
        self.message = message
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
    def sample_config(self) -> dict[str, Any]:
        """A valid config used by the contract tests and the designer's defaults."""
        return {}

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


Factory = Callable[[], FieldType]
