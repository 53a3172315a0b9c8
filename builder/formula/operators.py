"""Operators at run time: arithmetic, date arithmetic, concatenation, comparison.

Blank rules (documented in docs/formula.md): in arithmetic blank counts as 0,
in ``&`` as "", in comparisons as the "zero" of the other side (0, "", FALSE)
and before every date. Dividing by 0 or by blank is an error.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

from .errors import FormulaError, Message, _l
from .values import (
    CONTEXT,
    ZERO,
    as_number,
    as_text,
    check_length,
    expected,
    to_datetime,
)
from .valuetypes import type_name

DAY_SECONDS = Decimal(86400)


def operator(op: str) -> Message:
    """How an operator is named in messages."""
    return _l("operator %(op)s", op=op)


def div_zero() -> FormulaError:
    """Division by zero (or by blank)."""
    return FormulaError(_l("division by zero"), code="div_zero")


def map_error(exc: Exception) -> FormulaError:
    """Turn an arithmetic or range exception into a FormulaError with a clear message."""
    if isinstance(exc, ZeroDivisionError):
        return div_zero()
    if isinstance(exc, decimal.Overflow):
        return FormulaError(_l("the number is too large"), code="overflow")
    if isinstance(exc, decimal.InvalidOperation):
        return FormulaError(_l("this calculation has no result (for example a root of a "
                               "negative number, or 0 to the power 0)"), code="invalid")
    return FormulaError(_l("the result is out of range (dates run from year 1 to 9999)"),
                        code="out_of_range")


def _days(amount: Decimal, keep_time: bool) -> dt.timedelta:
    if keep_time:
        micro = CONTEXT.multiply(amount, DAY_SECONDS).scaleb(6, CONTEXT)
        return dt.timedelta(microseconds=int(micro.to_integral_value()))
    return dt.timedelta(days=int(amount.to_integral_value(decimal.ROUND_FLOOR)))


def add(left: Any, right: Any, tz: dt.tzinfo) -> Any:
    """``left + right``: numbers, or a date plus a number of days."""
    if isinstance(right, dt.date) and not isinstance(left, dt.date):
        left, right = right, left
    if isinstance(left, dt.date):
        return left + _days(as_number(right, operator("+")), isinstance(left, dt.datetime))
    return CONTEXT.add(as_number(left, operator("+")), as_number(right, operator("+")))


def subtract(left: Any, right: Any, tz: dt.tzinfo) -> Any:
    """``left - right``: numbers, a date minus days, or the days between two dates."""
    if isinstance(left, dt.date) and isinstance(right, dt.date):
        if isinstance(left, dt.datetime) or isinstance(right, dt.datetime):
            delta = to_datetime(left, tz) - to_datetime(right, tz)
            seconds = Decimal(delta.days) * DAY_SECONDS + delta.seconds
            return CONTEXT.divide(seconds + Decimal(delta.microseconds).scaleb(-6), DAY_SECONDS)
        return Decimal((left - right).days)
    if isinstance(left, dt.date):
        return left - _days(as_number(right, operator("-")), isinstance(left, dt.datetime))
    if isinstance(right, dt.date):
        raise expected(operator("-"), "number", right)
    return CONTEXT.subtract(as_number(left, operator("-")), as_number(right, operator("-")))


def multiply(left: Any, right: Any, tz: dt.tzinfo) -> Decimal:
    """``left * right``."""
    return CONTEXT.multiply(as_number(left, operator("*")), as_number(right, operator("*")))


def divide(left: Any, right: Any, tz: dt.tzinfo) -> Decimal:
    """``left / right``; dividing by 0 or blank is an error."""
    divisor = as_number(right, operator("/"))
    dividend = as_number(left, operator("/"))
    if divisor.is_zero():
        raise div_zero()
    return CONTEXT.divide(dividend, divisor)


def power(left: Any, right: Any, tz: dt.tzinfo) -> Decimal:
    """``left ^ right``."""
    return CONTEXT.power(as_number(left, operator("^")), as_number(right, operator("^")))


def concat(left: Any, right: Any, tz: dt.tzinfo) -> str:
    """``left & right``: both as text."""
    return check_length(as_text(left, operator("&"), tz) + as_text(right, operator("&"), tz))


def negate(value: Any) -> Decimal:
    """Unary minus."""
    return CONTEXT.minus(as_number(value, operator("-")))


def percent(value: Any) -> Decimal:
    """Postfix ``%``: divide by 100."""
    return as_number(value, operator("%")).scaleb(-2, CONTEXT)


ARITHMETIC = {"+": add, "-": subtract, "*": multiply, "/": divide, "^": power, "&": concat}


# ---- comparison -----------------------------------------------------------------
def _zero_like(other: Any) -> Any:
    if isinstance(other, bool):
        return False
    if isinstance(other, Decimal):
        return ZERO
    if isinstance(other, str):
        return ""
    return None


def order(left: Any, right: Any, tz: dt.tzinfo, where: Message | str) -> int:
    """-1, 0 or 1. Text compares ignoring case; blank is the other side's zero."""
    if isinstance(left, list) or isinstance(right, list):
        raise expected(where, "single", [])
    if left is None:
        left = _zero_like(right)
    if right is None:
        right = _zero_like(left)
    if left is None or right is None:
        # blank against a date (or blank against blank): blank sorts first
        return (left is not None) - (right is not None)
    if isinstance(left, dt.date) and isinstance(right, dt.date):
        if isinstance(left, dt.datetime) != isinstance(right, dt.datetime):
            left, right = to_datetime(left, tz), to_datetime(right, tz)
        return (left > right) - (left < right)
    if type(left) is not type(right):
        raise FormulaError(_l("cannot compare %(left)s with %(right)s",
                              left=type_name(left), right=type_name(right)), code="type")
    if isinstance(left, str):
        left, right = left.casefold(), right.casefold()
    return (left > right) - (left < right)


COMPARISONS = {
    "=": lambda c: c == 0, "<>": lambda c: c != 0, "<": lambda c: c < 0,
    "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0,
}


def compare(op: str, left: Any, right: Any, tz: dt.tzinfo) -> bool:
    """Apply comparison operator ``op``."""
    return COMPARISONS[op](order(left, right, tz, operator(op)))


def same(left: Any, right: Any, tz: dt.tzinfo) -> bool:
    """Equality as ``=`` sees it, but FALSE instead of an error for mismatched types."""
    try:
        return order(left, right, tz, operator("=")) == 0
    except FormulaError:
        return False
