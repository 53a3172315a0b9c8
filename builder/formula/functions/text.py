"""Text functions: CONCAT, LEFT, RIGHT, MID, LEN, SUBSTITUTE, VALUE, SEARCH …"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, DecimalException
from typing import Any

from ..errors import FormulaError, _l
from ..operators import same
from ..values import (
    CONTEXT,
    MAX_TEXT_LENGTH,
    Context,
    as_text,
    check_length,
    check_size,
    expected,
    flatten,
    to_text,
    whole,
)
from ..valuetypes import BOOLEAN, NUMBER, TEXT
from .formats import format_value
from .registry import P, argument, register


def _join(ctx: Context, name: str, separator: str, items: list[Any], skip_empty: bool) -> str:
    parts: list[str] = []
    size = 0
    for item in items:
        text = as_text(item, name, ctx.tz)
        if skip_empty and text == "":
            continue
        parts.append(text)
        size += len(text) + len(separator)
        check_size(size - len(separator))
    return separator.join(parts)


@register("CONCAT", (P.ANY,), variadic=True, result=TEXT)
def concat(ctx: Context, *args: Any) -> str:
    """Join all values as text; lists (sub-table columns) are spliced in."""
    return _join(ctx, "CONCAT", "", flatten(args), skip_empty=False)


@register("TEXTJOIN", (P.TEXT, P.BOOLEAN, P.ANY), variadic=True, result=TEXT)
def textjoin(ctx: Context, separator: str, skip_empty: bool, *args: Any) -> str:
    """Join values with a separator, optionally skipping empty ones."""
    return _join(ctx, "TEXTJOIN", separator, flatten(args), skip_empty)


def _count(name: str, index: int, value: Decimal) -> int:
    return whole(value, argument(name, index), 0, MAX_TEXT_LENGTH)


@register("LEFT", (P.TEXT, P.NUMBER), required=1, result=TEXT)
def left(ctx: Context, text: str, count: Decimal = Decimal(1)) -> str:
    """The first ``count`` characters."""
    return text[:_count("LEFT", 1, count)]


@register("RIGHT", (P.TEXT, P.NUMBER), required=1, result=TEXT)
def right(ctx: Context, text: str, count: Decimal = Decimal(1)) -> str:
    """The last ``count`` characters."""
    size = _count("RIGHT", 1, count)
    return text[len(text) - size:] if size else ""


@register("MID", (P.TEXT, P.NUMBER, P.NUMBER), result=TEXT)
def mid(ctx: Context, text: str, start: Decimal, count: Decimal) -> str:
    """``count`` characters from position ``start`` (1-based)."""
    first = whole(start, argument("MID", 1), 1, MAX_TEXT_LENGTH) - 1
    return text[first:first + _count("MID", 2, count)]


@register("LEN", (P.TEXT,), result=NUMBER)
def len_(ctx: Context, text: str) -> Decimal:
    """Number of characters (a Chinese character counts as one)."""
    return Decimal(len(text))


@register("UPPER", (P.TEXT,), result=TEXT)
def upper(ctx: Context, text: str) -> str:
    """Upper case."""
    return check_length(text.upper())


@register("LOWER", (P.TEXT,), result=TEXT)
def lower(ctx: Context, text: str) -> str:
    """Lower case."""
    return check_length(text.lower())


@register("TRIM", (P.TEXT,), result=TEXT)
def trim(ctx: Context, text: str) -> str:
    """Remove spaces at both ends and collapse runs of spaces (full-width too) into one."""
    return " ".join(text.split())


@register("SUBSTITUTE", (P.TEXT, P.TEXT, P.TEXT, P.NUMBER), required=3, result=TEXT)
def substitute(ctx: Context, text: str, old: str, new: str,
               instance: Decimal | None = None) -> str:
    """Replace ``old`` by ``new`` (every occurrence, or only the ``instance``-th)."""
    if not old:
        return text
    if instance is None:
        check_size(len(text) + text.count(old) * (len(new) - len(old)))
        return text.replace(old, new)
    nth = whole(instance, argument("SUBSTITUTE", 3), 1, MAX_TEXT_LENGTH)
    at = -1
    for _ in range(nth):
        at = text.find(old, at + 1)
        if at < 0:
            return text
    return check_length(text[:at] + new + text[at + len(old):])


@register("TEXT", (P.SCALAR, P.TEXT), result=TEXT)
def text_(ctx: Context, value: Any, pattern: str) -> str:
    """Format a number ("0.00", "#,##0", "0%") or a date ("YYYY-MM-DD", "yyyy年m月d日")."""
    return format_value(value, pattern, ctx.tz)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,6})?")


@register("VALUE", (P.SCALAR,), result=NUMBER)
def value(ctx: Context, value: Any) -> Decimal | None:
    """Text to number: "1,234.5", "12%", full-width digits; blank stays blank."""
    if value is None or isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or isinstance(value, bool):
        raise expected("VALUE", "number", value)
    cleaned = unicodedata.normalize("NFKC", value).strip().replace(",", "")
    if cleaned == "":
        return None
    scale = -2 if cleaned.endswith("%") else 0
    cleaned = cleaned.removesuffix("%").strip()
    if len(cleaned) > 100 or not _NUMBER.fullmatch(cleaned):
        raise FormulaError(_l("VALUE: \"%(text)s\" is not a number", text=value[:40]),
                           code="value")
    try:
        return CONTEXT.create_decimal(cleaned).scaleb(scale, CONTEXT)
    except DecimalException:
        raise FormulaError(_l("the number is too large"), code="overflow") from None


@register("CONTAINS", (P.ANY, P.SCALAR), result=BOOLEAN)
def contains(ctx: Context, haystack: Any, needle: Any) -> bool:
    """Text contains text (ignoring case), or a list contains a value."""
    if isinstance(haystack, list):
        return any(same(item, needle, ctx.tz) for item in haystack)
    return to_text(needle, ctx.tz).casefold() in to_text(haystack, ctx.tz).casefold()


def _find(name: str, needle: str, text: str, start: Decimal | None, fold: bool) -> Decimal:
    first = 0 if start is None else whole(start, argument(name, 2), 1, MAX_TEXT_LENGTH) - 1
    if fold:
        needle, text = needle.lower(), text.lower()
    return Decimal(text.find(needle, first) + 1)


@register("SEARCH", (P.TEXT, P.TEXT, P.NUMBER), required=2, result=NUMBER)
def search(ctx: Context, needle: str, text: str, start: Decimal | None = None) -> Decimal:
    """Position (1-based) of ``needle`` in ``text``, ignoring case; 0 if absent."""
    return _find("SEARCH", needle, text, start, fold=True)


@register("FIND", (P.TEXT, P.TEXT, P.NUMBER), required=2, result=NUMBER)
def find(ctx: Context, needle: str, text: str, start: Decimal | None = None) -> Decimal:
    """Like SEARCH but case-sensitive."""
    return _find("FIND", needle, text, start, fold=False)


@register("EXACT", (P.TEXT, P.TEXT), result=BOOLEAN)
def exact(ctx: Context, first: str, second: str) -> bool:
    """Whether two texts are identical, case included."""
    return first == second

