"""Date functions: TODAY, NOW, DATE, YEAR, MONTH, DAY, WEEKDAY, DAYS, DATEDIF, DATEADD.

A date-time is read in the evaluation's time zone (YEAR, DAYS … see its local
calendar date). A blank date gives a blank result.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from .. import nodes
from ..errors import FormulaError, _l
from ..operators import add
from ..values import CONTEXT, Context, local_date, to_datetime, whole
from ..valuetypes import ANY, DATE, DATELIKE, DATETIME, NUMBER, Ty, ValueType
from .registry import P, argument, register

_UNITS = {
    "day": "day", "days": "day", "天": "day", "日": "day",
    "week": "week", "weeks": "week", "周": "week", "星期": "week",
    "month": "month", "months": "month", "月": "month", "个月": "month",
    "year": "year", "years": "year", "年": "year",
    "hour": "hour", "hours": "hour", "小时": "hour", "时": "hour",
    "minute": "minute", "minutes": "minute", "分钟": "minute", "分": "minute",
}
_DIF_UNITS = {"D", "M", "Y"}


def _unit(text: str) -> str:
    unit = _UNITS.get(text.strip().lower())
    if unit is None:
        raise FormulaError(_l("DATEADD: unknown unit \"%(unit)s\"; use \"day\", \"week\", "
                              "\"month\", \"year\", \"hour\" or \"minute\"", unit=text[:20]),
                           code="unit")
    return unit


def _dif_unit(text: str) -> str:
    unit = text.strip().upper()
    if unit not in _DIF_UNITS:
        raise FormulaError(_l("DATEDIF: unknown unit \"%(unit)s\"; use \"D\" (days), \"M\" "
                              "(months) or \"Y\" (years)", unit=text[:20]), code="unit")
    return unit


def _dateadd_type(types: list[Ty], call: nodes.Call,
                  report: Callable[[FormulaError], None]) -> Ty:
    unit_node = call.args[2]
    if not isinstance(unit_node, nodes.Text):
        return DATETIME if types[0].kind == ValueType.DATETIME else ANY
    try:
        unit = _unit(unit_node.value)
    except FormulaError as err:
        report(err.at(unit_node.pos))
        return ANY
    if unit in ("hour", "minute"):
        return DATETIME
    return types[0] if types[0].kind in DATELIKE else ANY


def _datedif_type(types: list[Ty], call: nodes.Call,
                  report: Callable[[FormulaError], None]) -> Ty:
    unit_node = call.args[2]
    if isinstance(unit_node, nodes.Text):
        try:
            _dif_unit(unit_node.value)
        except FormulaError as err:
            report(err.at(unit_node.pos))
    return NUMBER


@register("TODAY", result=DATE, volatile=True)
def today(ctx: Context) -> dt.date:
    """Today's date in the evaluation's time zone."""
    return ctx.now.astimezone(ctx.tz).date()


@register("NOW", result=DATETIME, volatile=True)
def now(ctx: Context) -> dt.datetime:
    """The current date and time."""
    return ctx.now.astimezone(ctx.tz)


@register("DATE", (P.NUMBER, P.NUMBER, P.NUMBER), result=DATE)
def date(ctx: Context, year: Decimal, month: Decimal, day: Decimal) -> dt.date:
    """A date; months and days beyond their range roll over (DATE(2024, 13, 1) = 2025-01-01)."""
    y = whole(year, argument("DATE", 0), 1, 9999)
    m = whole(month, argument("DATE", 1), -120_000, 120_000)
    d = whole(day, argument("DATE", 2), -3_660_000, 3_660_000)
    extra_years, month_index = divmod(m - 1, 12)
    first = dt.date(y + extra_years, month_index + 1, 1)
    return first + dt.timedelta(days=d - 1)


def _part(name: str, pick: Callable[[dt.date], int]) -> Callable[..., Decimal | None]:
    def impl(ctx: Context, value: dt.date | None) -> Decimal | None:
        return None if value is None else Decimal(pick(local_date(value, ctx.tz)))

    impl.__doc__ = f"{name} of a date."
    register(name, (P.DATE,), result=NUMBER)(impl)
    return impl


year = _part("YEAR", lambda d: d.year)
month = _part("MONTH", lambda d: d.month)
day = _part("DAY", lambda d: d.day)


@register("WEEKDAY", (P.DATE, P.NUMBER), required=1, result=NUMBER)
def weekday(ctx: Context, value: dt.date | None, kind: Decimal = Decimal(1)) -> Decimal | None:
    """Day of the week: type 1 Sunday=1…Saturday=7; 2 Monday=1…Sunday=7; 3 Monday=0…6."""
    numbering = whole(kind, argument("WEEKDAY", 1), 1, 3)
    if value is None:
        return None
    monday_zero = local_date(value, ctx.tz).weekday()
    return Decimal({1: (monday_zero + 1) % 7 + 1, 2: monday_zero + 1, 3: monday_zero}[numbering])


@register("DAYS", (P.DATE, P.DATE), result=NUMBER)
def days(ctx: Context, end: dt.date | None, start: dt.date | None) -> Decimal | None:
    """Days from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    if end is None or start is None:
        return None
    return Decimal((local_date(end, ctx.tz) - local_date(start, ctx.tz)).days)


@register("DATEDIF", (P.DATE, P.DATE, P.TEXT), typer=_datedif_type)
def datedif(ctx: Context, start: dt.date | None, end: dt.date | None,
            unit: str) -> Decimal | None:
    """Whole days ("D"), months ("M") or years ("Y") from ``start`` to ``end``."""
    kind = _dif_unit(unit)
    if start is None or end is None:
        return None
    first, last = local_date(start, ctx.tz), local_date(end, ctx.tz)
    if first > last:
        raise FormulaError(_l("DATEDIF: the start date is after the end date; use DAYS for "
                              "a negative difference"), code="range")
    if kind == "D":
        return Decimal((last - first).days)
    months = (last.year - first.year) * 12 + last.month - first.month - (last.day < first.day)
    return Decimal(months if kind == "M" else months // 12)


def _add_months(value: dt.date, months: int, tz: dt.tzinfo) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.astimezone(tz)
    extra_years, month_index = divmod(value.month - 1 + months, 12)
    year = value.year + extra_years
    last_day = calendar.monthrange(year, month_index + 1)[1] if 1 <= year <= 9999 else 31
    return value.replace(year=year, month=month_index + 1, day=min(value.day, last_day))


@register("DATEADD", (P.DATE, P.NUMBER, P.TEXT), typer=_dateadd_type)
def dateadd(ctx: Context, value: dt.date | None, amount: Decimal, unit: str) -> dt.date | None:
    """Add days, weeks, months (end of month kept in range), years, hours or minutes."""
    kind = _unit(unit)
    if value is None:
        return None
    where = argument("DATEADD", 1)
    if kind in ("day", "week"):
        return add(value, CONTEXT.multiply(amount, Decimal(7 if kind == "week" else 1)), ctx.tz)
    if kind in ("month", "year"):
        count = whole(amount, where, -120_000, 120_000) * (12 if kind == "year" else 1)
        return _add_months(value, count, ctx.tz)
    minutes = CONTEXT.multiply(amount, Decimal(60 if kind == "hour" else 1))
    return add(to_datetime(value, ctx.tz), CONTEXT.divide(minutes, Decimal(1440)), ctx.tz)
