"""The format patterns of TEXT(value, format): a small, documented subset of Excel's."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from decimal import Decimal
from typing import Any

from ..errors import FormulaError, _l
from ..values import CONTEXT, check_length, number_text, to_text

_DATE_TOKEN = re.compile(r"yyyy|yy|mm|m|dd|d|hh|h|ss|s", re.IGNORECASE)
_CORE = re.compile(r"[#0,]*(\.[#0]*)?")


def format_value(value: Any, pattern: str, tz: dt.tzinfo) -> str:
    """Format a number or a date with ``pattern``; other values become plain text."""
    if isinstance(value, Decimal):
        return format_number(value, pattern)
    if isinstance(value, dt.date):
        return check_length(format_date(value, pattern, tz))
    return to_text(value, tz)


def _bad_format(pattern: str) -> FormulaError:
    return FormulaError(_l("TEXT: \"%(format)s\" is not a number format; use 0 and # "
                           "as digits, e.g. \"#,##0.00\"", format=pattern[:40]), code="format")


def format_number(value: Decimal, pattern: str) -> str:
    """Excel-style number format: "0", "0.00", "#,##0.##", "0%", "¥#,##0.00元"."""
    digits = [i for i, char in enumerate(pattern) if char in "0#"]
    if not digits:
        raise _bad_format(pattern)
    prefix, core, suffix = pattern[:digits[0]], pattern[digits[0]:digits[-1] + 1], \
        pattern[digits[-1] + 1:]
    if not _CORE.fullmatch(core):
        raise _bad_format(pattern)
    whole_part, _, fraction = core.partition(".")
    min_int, min_frac = whole_part.count("0"), fraction.count("0")
    max_frac = len(fraction)
    if min_int > 30 or max_frac > 20:
        raise _bad_format(pattern)
    if "%" in prefix + suffix:
        value = value.scaleb(2, CONTEXT)
    try:
        rounded = value.quantize(Decimal(1).scaleb(-max_frac), decimal.ROUND_HALF_UP, CONTEXT)
    except decimal.DecimalException:
        return prefix + number_text(value) + suffix  # too many digits to show them all
    text = format(abs(rounded), f"{',' if ',' in whole_part else ''}.{max_frac}f")
    integer, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0").ljust(min_frac, "0")
    integer = _pad(integer, min_int, "," in whole_part)
    sign = "-" if rounded.is_signed() and not rounded.is_zero() else ""
    return sign + prefix + integer + ("." + decimals if decimals else "") + suffix


def _pad(integer: str, width: int, grouped: bool) -> str:
    bare = integer.replace(",", "")
    if bare == "0" and width == 0:
        return ""  # "#.##" shows 0.5 as .5, like spreadsheets
    if len(bare) >= width:
        return integer
    bare = bare.zfill(width)
    if not grouped:
        return bare
    head = len(bare) % 3 or 3
    return ",".join([bare[:head]] + [bare[i:i + 3] for i in range(head, len(bare), 3)])


def format_date(value: dt.date, pattern: str, tz: dt.tzinfo) -> str:
    """Date format: yyyy yy m mm d dd h hh m(m) s ss; m is minutes after h or before s."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(tz)
    else:
        value = dt.datetime(value.year, value.month, value.day)
    parts: list[tuple[str, str]] = []  # (token in lower case or "", text)
    last = 0
    for match in _DATE_TOKEN.finditer(pattern):
        parts.append(("", pattern[last:match.start()]))
        parts.append((match.group().lower(), match.group()))
        last = match.end()
    parts.append(("", pattern[last:]))
    tokens = [i for i, (token, _) in enumerate(parts) if token]
    return "".join(_date_part(value, parts, tokens, i) for i in range(len(parts)))


def _date_part(value: dt.datetime, parts: list[tuple[str, str]], tokens: list[int],
               at: int) -> str:
    code, text = parts[at]
    if not code:
        return text
    if code in ("m", "mm"):
        index = tokens.index(at)
        before = parts[tokens[index - 1]][0] if index > 0 else ""
        after = parts[tokens[index + 1]][0] if index + 1 < len(tokens) else ""
        minutes = before in ("h", "hh") or after in ("s", "ss")
        number = value.minute if minutes else value.month
        return f"{number:02d}" if code == "mm" else str(number)
    numbers = {"yyyy": f"{value.year:04d}", "yy": f"{value.year % 100:02d}",
               "dd": f"{value.day:02d}", "d": str(value.day), "hh": f"{value.hour:02d}",
               "h": str(value.hour), "ss": f"{value.second:02d}", "s": str(value.second)}
    return numbers[code]
