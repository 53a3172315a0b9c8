"""Keyset paging on (sort keys, id): pages stay as fast on page 20,000 as on page 1.

A cursor is the last (or first) row's sort-key values and id, as a short
URL-safe token. The next page is the rows *after* it in the view's order;
the previous page is the rows *before* it, read in reverse and turned round.
NULLs sort where each database puts them by default (SQLite: smallest,
PostgreSQL: largest), so the ORDER BY still matches an ordinary index; the
predicate below follows the same rule.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from builder.fields import Field

MAX_TOKEN = 2000


@dataclass(frozen=True)
class Key:
    """One sort key: the column's field, its SQL column and direction."""

    field: Field
    column: Any
    desc: bool


_TAGS: dict[str, Any] = {"d": date.fromisoformat, "t": datetime.fromisoformat,
                        "h": time.fromisoformat, "n": Decimal}


def _plain(value: Any) -> Any:
    """A sort-key value as JSON, tagged so it comes back exactly (microseconds included)."""
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, time):
        return ["h", value.isoformat()]
    if isinstance(value, Decimal):
        return ["n", str(value)]
    return value


def _typed(item: Any) -> Any:
    if isinstance(item, list):
        if len(item) != 2 or item[0] not in _TAGS or not isinstance(item[1], str):
            raise ValueError("bad tagged value")
        return _TAGS[item[0]](item[1])
    if item is None or isinstance(item, str | int | float | bool):
        return item
    raise ValueError("bad value")


def _fits(key: Key, value: Any) -> bool:
    """Whether a decoded value has the Python type of the key's column."""
    if value is None:
        return True
    try:
        expected = key.column.type.python_type
    except NotImplementedError:
        return False
    if expected is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if expected is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, expected) and not (isinstance(value, bool) and expected is not bool)


def encode(values: Sequence[Any], record_id: int) -> str:
    """A cursor token for a row with these sort-key values."""
    raw = json.dumps([*map(_plain, values), record_id], ensure_ascii=False,
                     separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str | None, keys: Sequence[Key]) -> tuple[list[Any], int] | None:
    """The values and id in a token (None if it is not one of ours)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw, list) or len(raw) != len(keys) + 1:
            return None
        values = [_typed(item) for item in raw[:-1]]
    except (ValueError, UnicodeDecodeError, ArithmeticError, RecursionError):
        return None
    if not all(_fits(key, value) for key, value in zip(keys, values, strict=True)):
        return None
    record_id = raw[-1]
    if not isinstance(record_id, int) or isinstance(record_id, bool) or record_id < 0:
        return None
    return values, record_id


def _nulls_last(dialect: str, desc: bool) -> bool:
    """Whether NULLs come after every value in this direction (the database's default)."""
    nulls_largest = dialect == "postgresql"
    return nulls_largest != desc


def _later(column: Any, value: Any, desc: bool, dialect: str) -> Any:
    """Rows strictly after ``value`` in this key's order."""
    nulls_last = _nulls_last(dialect, desc)
    if value is None:
        return sa.false() if nulls_last else column.is_not(None)
    beyond = column < value if desc else column > value
    return sa.or_(beyond, column.is_(None)) if nulls_last else beyond


def _same(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


def after(keys: Sequence[Key], id_column: Any, id_desc: bool, values: Sequence[Any],
          record_id: int, dialect: str) -> Any:
    """The rows that follow a cursor in the order (keys, then id)."""
    tie = id_column < record_id if id_desc else id_column > record_id
    if not keys:
        return tie
    parts = []
    for index, key in enumerate(keys):
        equal = [_same(k.column, v) for k, v in zip(keys[:index], values[:index], strict=True)]
        parts.append(sa.and_(*equal, _later(key.column, values[index], key.desc, dialect)))
    equal = [_same(k.column, v) for k, v in zip(keys, values, strict=True)]
    parts.append(sa.and_(*equal, tie))
    found = sa.or_(*parts)
    first, value = keys[0], values[0]
    if value is not None and not _nulls_last(dialect, first.desc):
        # Redundant, but a plain range on the first key lets an index start at the cursor
        # instead of reading every row before it (the OR above is not sargable).
        found = sa.and_(first.column <= value if first.desc else first.column >= value, found)
    return found


def reverse(keys: Sequence[Key]) -> list[Key]:
    """The same keys in the opposite directions (to read the page before a cursor)."""
    return [Key(k.field, k.column, not k.desc) for k in keys]


def before(keys: Sequence[Key], id_column: Any, id_desc: bool, values: Sequence[Any],
           record_id: int, dialect: str) -> Any:
    """The rows that precede a cursor: those after it in the reversed order.

    Each database's default NULL placement mirrors between ASC and DESC, so the
    reversed order is exactly the forward order turned round.
    """
    return after(reverse(keys), id_column, not id_desc, values, record_id, dialect)
