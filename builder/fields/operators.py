"""Filter operators: each compiles to SQL and evaluates in Python with the same answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


@dataclass(frozen=True)
class Operator:
    """One comparison. ``sql(column, operand)`` and ``py(value, operand)`` must agree.

    A *context* operator ("is me", "my department", "today", "within the last N
    days") means something only for a person at a moment: its operand is worked
    out from a :class:`Context` (and the typed value, if any) by the field type's
    ``context_value`` before ``sql``/``py`` see it, so both still compare plain values.
    """

    key: str
    arity: int  # 0: no operand, 1: one, 2: a [low, high] pair
    sql: Callable[[Any, Any], Any]
    py: Callable[[Any, Any], bool]
    context: bool = False


@dataclass(frozen=True)
class Context:
    """Who asks and when: what "me", "my department" and "today" mean in a condition."""

    user_id: int | None = None
    department_id: int | None = None
    #: the person's today in the instance's time zone
    today: date | None = None
    #: the instance's time zone (local midnights bound days of date-and-time values)
    zone: str = "Asia/Shanghai"

    @classmethod
    def at(cls, user_id: int | None, department_id: int | None, now: datetime,
           zone: str) -> Context:
        """The context of a user at an aware moment, in the instance's zone."""
        return cls(user_id, department_id, now.astimezone(ZoneInfo(zone)).date(), zone)

    def day_start(self, day: date) -> datetime:
        """The UTC moment a local day starts."""
        return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    def days(self, first: int, last: int) -> tuple[date, date]:
        """Days ``first``..``last`` from today (inclusive) as a half-open [start, end) range."""
        if self.today is None:
            raise ValueError("a context without today")
        return self.today + timedelta(days=first), self.today + timedelta(days=last + 1)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_sql(column, operand):
    return column.ilike(f"%{_escape_like(operand)}%", escape="\\")


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ci(value: Any) -> Any:
    """Case-insensitive for ASCII letters, like SQLite's LIKE (Chinese has no case)."""
    return value.translate(_ASCII_LOWER) if isinstance(value, str) else value


def _both(value, operand, test) -> bool:
    return value is not None and operand is not None and test(value, operand)


class JsonArrayMatch(ColumnElement[bool]):
    """``column`` (a JSON array of strings) holds any / all / none of ``items``.

    Compiled per dialect below: PostgreSQL's jsonb ``?|`` / ``?&`` operators, SQLite's
    ``json_each``. Items are always bound parameters, never SQL text.
    """

    __visit_name__ = "jimu_json_array_match"
    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("mode", InternalTraversal.dp_string),
        ("items", InternalTraversal.dp_clauseelement_tuple),
    ]

    def __init__(self, column: Any, mode: str, items: list[str]):
        if mode not in ("any", "all", "none") or not items:
            raise ValueError(f"bad JSON array match {mode!r} over {items!r}")
        self.column = column
        self.mode = mode
        # Deduplicated, so the count below depends only on the statement's shape (cache key).
        self.items = tuple(sa.literal(item, sa.String()) for item in dict.fromkeys(items))


@compiles(JsonArrayMatch, "postgresql")
def _json_match_postgresql(element: JsonArrayMatch, compiler, **kw) -> str:
    wanted = postgresql.array(element.items, type_=sa.Text())
    test = element.column.op("?&" if element.mode == "all" else "?|",
                             return_type=sa.Boolean)(wanted)
    if element.mode == "none":
        test = sa.or_(element.column.is_(None), sa.not_(test))
    return f"({compiler.process(test, **kw)})"


@compiles(JsonArrayMatch)
def _json_match_sqlite(element: JsonArrayMatch, compiler, **kw) -> str:
    each = sa.func.json_each(element.column).table_valued("value")
    found = sa.select(sa.func.count(sa.distinct(each.c.value))).select_from(each).where(
        each.c.value.in_(element.items)).scalar_subquery()
    if element.mode == "all":
        test = found == sa.literal_column(str(len(element.items)), sa.Integer())
    else:
        test = found > 0 if element.mode == "any" else found == 0
    # Parenthesised: SQLite appends "= 1" to a boolean element used as a condition.
    return f"({compiler.process(test, **kw)})"


def _has_sql(mode: str) -> Callable[[Any, Any], Any]:
    def build(column, items):
        if items:
            return JsonArrayMatch(column, mode, list(items))
        # Nothing asked for: "any" matches nothing, "all" every value, "none" everything.
        return {"any": sa.false(), "all": column.is_not(None), "none": sa.true()}[mode]

    return build


def code_prefix(code: str) -> str:
    """The prefix shared by everything under a hierarchical code: 330000 → 33, 330100 → 3301."""
    trimmed = code
    while len(trimmed) > 2 and trimmed.endswith("00"):
        trimmed = trimmed[:-2]
    return trimmed


def _under_sql(column, code):
    return column.like(_escape_like(code_prefix(code)) + "%", escape="\\")


def _has_py(value: Any, items: Any, test: Callable[..., bool]) -> bool:
    return value is not None and test(item in value for item in items)


def _same_sql(column, operand):
    """Equal to the context's user or department; matches nothing when there is none."""
    return sa.false() if operand is None else column == operand


def _same_py(value, operand) -> bool:
    return operand is not None and value is not None and value == operand


def _range_sql(column, bounds):
    """Within a half-open [low, high) range (days, or the moments that bound them)."""
    return sa.and_(column >= bounds[0], column < bounds[1])


def _range_py(value, bounds) -> bool:
    return value is not None and bounds[0] <= value < bounds[1]


OPERATORS: dict[str, Operator] = {
    op.key: op
    for op in (
        Operator("eq", 1, lambda c, v: c == v, lambda x, v: _both(x, v, lambda a, b: a == b)),
        Operator("ne", 1, lambda c, v: sa.or_(c != v, c.is_(None)), lambda x, v: x != v),
        Operator("gt", 1, lambda c, v: c > v, lambda x, v: _both(x, v, lambda a, b: a > b)),
        Operator("gte", 1, lambda c, v: c >= v, lambda x, v: _both(x, v, lambda a, b: a >= b)),
        Operator("lt", 1, lambda c, v: c < v, lambda x, v: _both(x, v, lambda a, b: a < b)),
        Operator("lte", 1, lambda c, v: c <= v, lambda x, v: _both(x, v, lambda a, b: a <= b)),
        Operator(
            "between", 2,
            lambda c, v: c.between(v[0], v[1]),
            lambda x, v: x is not None and v[0] <= x <= v[1],
        ),
        Operator("in", 1, lambda c, v: c.in_(v), lambda x, v: x is not None and x in v),
        Operator(
            "not_in", 1,
            lambda c, v: sa.or_(c.not_in(v), c.is_(None)),
            lambda x, v: x is None or x not in v,
        ),
        Operator(
            "contains", 1, _contains_sql,
            lambda x, v: _both(x, v, lambda a, b: _ci(b) in _ci(a)),
        ),
        Operator(
            "not_contains", 1,
            lambda c, v: sa.or_(sa.not_(_contains_sql(c, v)), c.is_(None)),
            lambda x, v: x is None or _ci(v) not in _ci(x),
        ),
        # Hierarchical codes (regions): the code itself and everything below it.
        Operator(
            "under", 1, _under_sql,
            lambda x, v: _both(x, v, lambda a, b: a.startswith(code_prefix(b))),
        ),
        # Multi-valued fields hold a JSON array of ids.
        Operator("has_any", 1, _has_sql("any"), lambda x, v: _has_py(x, v, any)),
        Operator("has_all", 1, _has_sql("all"), lambda x, v: _has_py(x, v, all)),
        Operator("has_none", 1, _has_sql("none"), lambda x, v: not _has_py(x, v, any)),
        # Blank input is stored as NULL by every type, so "empty" is IS NULL.
        Operator("empty", 0, lambda c, v: c.is_(None), lambda x, v: x is None),
        Operator("not_empty", 0, lambda c, v: c.is_not(None), lambda x, v: x is not None),
        # Context operators: the operand comes from who asks and when (see Operator).
        Operator("is_me", 0, _same_sql, _same_py, context=True),
        Operator("my_department", 0, _same_sql, _same_py, context=True),
        Operator("today", 0, _range_sql, _range_py, context=True),
        Operator("within_last", 1, _range_sql, _range_py, context=True),
        Operator("within_next", 1, _range_sql, _range_py, context=True),
    )
}

#: the most days "within the last/next N days" accepts
MAX_DAYS = 3650
