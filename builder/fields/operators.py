"""Filter operators: each compiles to SQL and evaluates in Python with the same answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class Operator:
    """One comparison. ``sql(column, operand)`` and ``py(value, operand)`` must agree."""

    key: str
    arity: int  # 0: no operand, 1: one, 2: a [low, high] pair
    sql: Callable[[Any, Any], Any]
    py: Callable[[Any, Any], bool]


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
        # Blank input is stored as NULL by every type, so "empty" is IS NULL.
        Operator("empty", 0, lambda c, v: c.is_(None), lambda x, v: x is None),
        Operator("not_empty", 0, lambda c, v: c.is_not(None), lambda x, v: x is not None),
    )
}
