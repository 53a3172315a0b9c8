"""Runtime values: input coercion, conversions between types, comparison.

Numbers are ``Decimal`` computed in :data:`CONTEXT` (34 significant digits);
text is ``str``; dates are ``datetime.date``; date-times are aware
``datetime.datetime``; booleans ``bool``; blank is ``None``; sub-table columns
and multi-valued fields are ``list``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import FormulaError, Message, _l
from .valuetypes import TYPE_NAMES, ValueType, type_name

#: Precision of decimal128; overflow, division by zero and invalid operations
#: raise, and are turned into FormulaErrors by :func:`map_error`.
CONTEXT = decimal.Context(
    prec=34, rounding=decimal.ROUND_HALF_EVEN, Emin=-999_999, Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
#: Longest text a formula may build (concatenation, SUBSTITUTE, TEXTJOIN …).
MAX_TEXT_LENGTH = 100_000
ZERO = Decimal(0)


def number(value: Any) -> Decimal:
    """A finite Decimal from an int, float or Decimal, rounded to the context."""
    if isinstance(value, float):
        value = Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    elif isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise FormulaError(_l("%(value)s is not a number", value=repr(value)[:40]), code="type")
    return CONTEXT.plus(value)


def coerce_input(value: Any, tz: dt.tzinfo, key: str = "") -> Any:
    """A field value as the formula sees it; refuses what a formula cannot use."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, Decimal)):
        return number(value)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (list, tuple)):
        items = [coerce_input(item, tz, key) for item in value]
        if any(isinstance(item, list) for item in items):
            raise _unusable(key, value)
        return items
    raise _unusable(key, value)


def _unusable(key: str, value: Any) -> FormulaError:
    return FormulaError(_l("field {%(field)s} holds a value a formula cannot use (%(kind)s)",
                           field=key, kind=type(value).__name__), code="type")


def lookup(values: Mapping[str, Any], field: str, column: str | None) -> Any:
    """The raw value of ``{field}`` or ``{field.column}`` (a column is a list of row values)."""
    if column is None:
        return values.get(field)
    key = f"{field}.{column}"
    if key in values:
        found = values[key]
        return [] if found is None else found
    rows = values.get(field)
    if rows is None:
        return []
    if not isinstance(rows, (list, tuple)):
        raise _unusable(key, rows)
    return [row.get(column) if isinstance(row, Mapping) else _bad_row(key, row) for row in rows]


def _bad_row(key: str, row: Any) -> Any:
    raise _unusable(key, row)


# ---- conversions -----------------------------------------------------------------
def number_text(value: Decimal) -> str:
    """A number as text: no trailing zeros, no exponent unless it is huge or tiny."""
    if value.is_zero():
        return "0"
    reduced = value.normalize(CONTEXT)
    if -20 <= reduced.adjusted() <= 20:
        return format(reduced, "f")
    return str(reduced)


def to_text(value: Any, tz: dt.tzinfo) -> str:
    """Any single value as text (blank → "", TRUE/FALSE, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise FormulaError(_l("%(kind)s cannot be turned into text here", kind=type_name(value)),
                       code="type")


def expected(where: Message | str, wanted: str, value: Any) -> FormulaError:
    """The error for a value of the wrong type (``wanted``: number, date, boolean, single)."""
    got = type_name(value) if not isinstance(value, ValueType) else TYPE_NAMES[value]
    return type_error(where, wanted, got)


def type_error(where: Message | str, wanted: str, got: Message) -> FormulaError:
    """A type error message naming the place, the wanted type and the given one."""
    messages = {
        "number": _l("%(where)s expects a number (got %(got)s)", where=where, got=got),
        "date": _l("%(where)s expects a date (got %(got)s)", where=where, got=got),
        "boolean": _l("%(where)s expects TRUE or FALSE (got %(got)s); compare it, "
                      "e.g. {f_x} > 0", where=where, got=got),
        "single": _l("%(where)s expects a single value, not a list", where=where),
        "numbers": _l("%(where)s expects numbers (got %(got)s)", where=where, got=got),
        "orderable": _l("%(where)s expects numbers or dates (got %(got)s)", where=where,
                        got=got),
    }
    return FormulaError(messages[wanted], code="type")


def as_number(value: Any, where: Message | str) -> Decimal:
    """A number; blank counts as 0."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    raise expected(where, "number", value)


def as_bool(value: Any, where: Message | str) -> bool:
    """TRUE/FALSE; blank counts as FALSE."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise expected(where, "boolean", value)


def as_date(value: Any, where: Message | str) -> dt.date | None:
    """A date or date-time, or None for blank."""
    if value is None or isinstance(value, dt.date):
        return value
    raise expected(where, "date", value)


def as_text(value: Any, where: Message | str, tz: dt.tzinfo) -> str:
    """Any single value as text; lists are refused."""
    if isinstance(value, list):
        raise expected(where, "single", value)
    return to_text(value, tz)


def as_scalar(value: Any, where: Message | str) -> Any:
    """Any value except a list."""
    if isinstance(value, list):
        raise expected(where, "single", value)
    return value


def whole(value: Decimal, where: Message | str, low: int, high: int) -> int:
    """A whole number in [low, high]; fractions are cut off (like spreadsheets)."""
    if low <= value <= high:
        return int(value)
    raise FormulaError(_l("%(where)s must be a whole number from %(low)s to %(high)s "
                          "(got %(value)s)", where=where, low=low, high=high,
                          value=number_text(value)), code="range")


def check_size(size: int) -> None:
    """Refuse to build text longer than a formula may (checked before building it)."""
    if size > MAX_TEXT_LENGTH:
        raise FormulaError(_l("the text would be longer than %(limit)s characters",
                              limit=MAX_TEXT_LENGTH), code="limit")


def check_length(text: str) -> str:
    """``text`` unless it is longer than a formula may build."""
    check_size(len(text))
    return text


def to_datetime(value: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """A date as midnight in ``tz``; a date-time unchanged."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day, tzinfo=tz)


def local_date(value: dt.date, tz: dt.tzinfo) -> dt.date:
    """The calendar date of a date or date-time, in ``tz``."""
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).date()
    return value


def flatten(args: tuple[Any, ...]) -> list[Any]:
    """Arguments with lists spliced in (one level: lists never nest)."""
    out: list[Any] = []
    for arg in args:
        if isinstance(arg, list):
            out.extend(arg)
        else:
            out.append(arg)
    return out


@dataclass(frozen=True)
class Context:
    """What an evaluation sees besides the formula: field values, the clock, the time zone."""

    values: Mapping[str, Any]
    now: dt.datetime
    tz: dt.tzinfo
