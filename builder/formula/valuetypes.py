"""Formula value types: what the checker infers and what a formula field declares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from .errors import Message, _l


class ValueType(str, Enum):
    """The type of a formula's value; the last two only appear while checking."""

    NUMBER = "number"
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    LIST = "list"
    #: ``BLANK()`` / ``NULL``: fits wherever any other type fits
    BLANK = "blank"
    #: unknown until evaluation (e.g. an element of an untyped list)
    ANY = "any"


TYPE_NAMES: dict[ValueType, Message] = {
    ValueType.NUMBER: _l("a number"),
    ValueType.TEXT: _l("text"),
    ValueType.DATE: _l("a date"),
    ValueType.DATETIME: _l("a date and time"),
    ValueType.BOOLEAN: _l("TRUE/FALSE"),
    ValueType.LIST: _l("a list"),
    ValueType.BLANK: _l("blank"),
    ValueType.ANY: _l("a value"),
}


@dataclass(frozen=True, slots=True)
class Ty:
    """A checked type; lists also know their elements' type."""

    kind: ValueType
    item: ValueType | None = None

    @property
    def name(self) -> Message:
        """The translated name, for messages."""
        return TYPE_NAMES[self.kind]


NUMBER = Ty(ValueType.NUMBER)
TEXT = Ty(ValueType.TEXT)
DATE = Ty(ValueType.DATE)
DATETIME = Ty(ValueType.DATETIME)
BOOLEAN = Ty(ValueType.BOOLEAN)
BLANK = Ty(ValueType.BLANK)
ANY = Ty(ValueType.ANY)
LIST = Ty(ValueType.LIST, ValueType.ANY)

#: types that may stand where a number is wanted (blank counts as 0)
NUMERIC = {ValueType.NUMBER, ValueType.BLANK, ValueType.ANY}
DATELIKE = {ValueType.DATE, ValueType.DATETIME}


def type_of(value: Any) -> ValueType:
    """The type of a runtime value (already coerced by :func:`values.coerce_input`)."""
    if value is None:
        return ValueType.BLANK
    if isinstance(value, bool):
        return ValueType.BOOLEAN
    if isinstance(value, Decimal):
        return ValueType.NUMBER
    if isinstance(value, str):
        return ValueType.TEXT
    if isinstance(value, dt.datetime):
        return ValueType.DATETIME
    if isinstance(value, dt.date):
        return ValueType.DATE
    if isinstance(value, list):
        return ValueType.LIST
    return ValueType.ANY


def type_name(value: Any) -> Message:
    """The translated type name of a runtime value, for messages."""
    return TYPE_NAMES[type_of(value)]


def field_type(declared: Any) -> ValueType:
    """A field type as declared by the caller ("number", ValueType.TEXT, …); ANY if unknown."""
    try:
        return ValueType(declared)
    except ValueError:
        return ValueType.ANY


def comparable(left: Ty, right: Ty) -> bool:
    """Whether ``=``/``<`` may compare values of these types."""
    kinds = {left.kind, right.kind}
    if ValueType.LIST in kinds:
        return False
    if kinds & {ValueType.BLANK, ValueType.ANY} or kinds <= DATELIKE:
        return True
    return left.kind == right.kind
