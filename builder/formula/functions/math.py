"""Math and aggregate functions: SUM, AVERAGE, MIN, MAX, ROUND …, COUNT, COUNTA."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import FormulaError, _l
from ..values import CONTEXT, ZERO, Context, expected, flatten, to_datetime, type_error, whole
from ..valuetypes import ANY, BLANK, DATE, DATELIKE, DATETIME, NUMBER, NUMERIC, Ty, ValueType
from .registry import P, argument, register


def numbers(name: str, args: tuple[Any, ...]) -> list[Decimal]:
    """The numbers among the arguments (lists spliced in); blanks are skipped."""
    out = []
    for index, arg in enumerate(args):
        for value in arg if isinstance(arg, list) else [arg]:
            if isinstance(value, Decimal):
                out.append(value)
            elif value is not None:
                raise expected(argument(name, index), "numbers", value)
    return out


@register("SUM", (P.NUMBERS,), variadic=True, result=NUMBER)
def sum_(ctx: Context, *args: Any) -> Decimal:
    """Sum; blanks count as 0."""
    total = ZERO
    for value in numbers("SUM", args):
        total = CONTEXT.add(total, value)
    return total


@register("AVERAGE", (P.NUMBERS,), variadic=True, result=NUMBER)
def average(ctx: Context, *args: Any) -> Decimal | None:
    """Mean of the numbers, blanks skipped; blank when there are none."""
    found = numbers("AVERAGE", args)
    if not found:
        return None
    return CONTEXT.divide(sum_(ctx, found), Decimal(len(found)))


def _orderable_type(name: str) -> Callable[..., Ty]:
    def typer(types: list[Ty], call: Any, report: Callable[[FormulaError], None]) -> Ty:
        kinds = set()
        for index, ty in enumerate(types):
            kind = ty.item if ty.kind == ValueType.LIST else ty.kind
            if kind in NUMERIC or kind in DATELIKE:
                kinds.add(kind)
            else:
                report(type_error(argument(name, index), "orderable", Ty(kind).name)
                       .at(call.args[index].pos))
        known = kinds - {ValueType.BLANK, ValueType.ANY}
        if known and known <= DATELIKE:
            return DATE if known == {ValueType.DATE} else DATETIME
        if ValueType.NUMBER in known and known & DATELIKE:
            report(_mixed(name).at(call.pos))
        if known:
            return NUMBER
        return ANY if ValueType.ANY in kinds else BLANK

    return typer


def _mixed(name: str) -> FormulaError:
    return FormulaError(_l("%(name)s cannot mix numbers and dates", name=name), code="type")


def _extreme(name: str, args: tuple[Any, ...], ctx: Context, pick: Callable) -> Any:
    found = [v for v in flatten(args) if v is not None]
    for value in found:
        if isinstance(value, bool) or not isinstance(value, (Decimal, dt.date)):
            raise expected(name, "orderable", value)
    dates = [v for v in found if isinstance(v, dt.date)]
    if not found:
        return None
    if not dates:
        return pick(found)
    if len(dates) < len(found):
        raise _mixed(name)
    if any(isinstance(v, dt.datetime) for v in dates):
        dates = [to_datetime(v, ctx.tz) for v in dates]
    return pick(dates)


@register("MIN", (P.ANY,), variadic=True, typer=_orderable_type("MIN"))
def min_(ctx: Context, *args: Any) -> Any:
    """Smallest number or earliest date; blank when there is none."""
    return _extreme("MIN", args, ctx, min)


@register("MAX", (P.ANY,), variadic=True, typer=_orderable_type("MAX"))
def max_(ctx: Context, *args: Any) -> Any:
    """Largest number or latest date; blank when there is none."""
    return _extreme("MAX", args, ctx, max)


def _round(name: str, value: Decimal, digits: Decimal | None, mode: str) -> Decimal:
    places = 0 if digits is None else whole(digits, argument(name, 1), -30, 30)
    if value.as_tuple().exponent >= -places:  # type: ignore[operator]
        return value  # already has no more decimals than asked for
    step = Decimal(1).scaleb(-places)
    return value.quantize(step, rounding=mode, context=CONTEXT)


@register("ROUND", (P.NUMBER, P.NUMBER), required=1, result=NUMBER)
def round_(ctx: Context, value: Decimal, digits: Decimal | None = None) -> Decimal:
    """Round half away from zero to ``digits`` decimals (negative: tens, hundreds …)."""
    return _round("ROUND", value, digits, decimal.ROUND_HALF_UP)


@register("ROUNDUP", (P.NUMBER, P.NUMBER), required=1, result=NUMBER)
def roundup(ctx: Context, value: Decimal, digits: Decimal | None = None) -> Decimal:
    """Round away from zero."""
    return _round("ROUNDUP", value, digits, decimal.ROUND_UP)


@register("ROUNDDOWN", (P.NUMBER, P.NUMBER), required=1, result=NUMBER)
def rounddown(ctx: Context, value: Decimal, digits: Decimal | None = None) -> Decimal:
    """Round toward zero."""
    return _round("ROUNDDOWN", value, digits, decimal.ROUND_DOWN)


@register("ABS", (P.NUMBER,), result=NUMBER)
def abs_(ctx: Context, value: Decimal) -> Decimal:
    """Absolute value."""
    return CONTEXT.abs(value)


@register("INT", (P.NUMBER,), result=NUMBER)
def int_(ctx: Context, value: Decimal) -> Decimal:
    """Round down to a whole number (INT(-2.5) = -3)."""
    return value.to_integral_value(rounding=decimal.ROUND_FLOOR, context=CONTEXT)


@register("MOD", (P.NUMBER, P.NUMBER), result=NUMBER)
def mod(ctx: Context, value: Decimal, divisor: Decimal) -> Decimal:
    """Remainder with the divisor's sign, as in spreadsheets (MOD(-3, 2) = 1)."""
    if divisor.is_zero():
        raise ZeroDivisionError
    rest = CONTEXT.remainder(value, divisor)
    if not rest.is_zero() and rest.is_signed() != divisor.is_signed():
        rest = CONTEXT.add(rest, divisor)
    return rest


@register("POWER", (P.NUMBER, P.NUMBER), result=NUMBER)
def power(ctx: Context, base: Decimal, exponent: Decimal) -> Decimal:
    """``base`` to the power ``exponent``."""
    return CONTEXT.power(base, exponent)


@register("COUNT", (P.ANY,), variadic=True, result=NUMBER)
def count(ctx: Context, *args: Any) -> Decimal:
    """How many numbers there are (lists spliced in)."""
    return Decimal(sum(isinstance(v, Decimal) for v in flatten(args)))


@register("COUNTA", (P.ANY,), variadic=True, result=NUMBER)
def counta(ctx: Context, *args: Any) -> Decimal:
    """How many values are not blank (blank text counts as blank)."""
    return Decimal(sum(v is not None and v != "" for v in flatten(args)))
