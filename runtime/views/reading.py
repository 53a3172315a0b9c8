"""Reading a table view: a keyset page, counts that never stall it, group counts, totals.

Counting every match of a filter over a million rows takes seconds, so the page
only counts up to a cap (``COUNT_CAP``) and says "1,000+" beyond it; the exact
number, the totals row and anything else that reads every match are asked for
separately and run under a time limit (``SLOW_SECONDS``), so a slow answer costs
a "—", never the page.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from builder import conditions
from builder.db import db

from ..records import query, search
from ..records.schema import PublishedForm
from ..records.service import Record, _require
from . import columns as cols
from . import paging
from .state import ViewState

COUNT_CAP = 1000
SLOW_SECONDS = 3.0


@dataclass(frozen=True)
class Count:
    """How many records match: exact, or at least ``value`` (the cap)."""

    value: int
    exact: bool


@dataclass
class Window:
    """One page of a view and the cursors around it."""

    records: list[Record]
    keys: list[paging.Key]
    count: Count
    #: the WHERE clause the page was read with (group counts and totals use it too)
    where: Any = None
    has_next: bool = False
    has_prev: bool = False
    next_token: str | None = None
    prev_token: str | None = None


def require_view(actor, form: PublishedForm) -> None:
    """Refuse actors who may not read the form's records."""
    _require(actor, form, "view")


def sort_keys(form: PublishedForm, state: ViewState) -> list[paging.Key]:
    """The ORDER BY keys: the group column first, then the view's sort."""
    known = cols.all_columns(form)
    pairs = ([(state.group_by, False)] if state.group_by else []) + [
        (c, d) for c, d in state.sort if c != state.group_by]
    keys = []
    for column_key, desc in pairs:
        column = cols.sql_column(form, known[column_key])
        if column is not None:
            keys.append(paging.Key(known[column_key], column, desc))
    return keys


def _id_desc(keys: Sequence[paging.Key]) -> bool:
    """Ties break by id in the last key's direction; no sort at all means newest first."""
    return keys[-1].desc if keys else True


def clause(form: PublishedForm, state: ViewState, context: conditions.Context) -> Any:
    """The WHERE clause of the view: live records, its filter, the quick search."""
    where = query.where(form, state.filter, context=context)
    if not state.search:
        return where
    return sa.and_(where, search.clause(db.session.connection(), form, state.search))


def _order(keys: Sequence[paging.Key], id_column: Any, id_desc: bool) -> list[Any]:
    return [cols.order_clause(k.column, k.desc) for k in keys] + [
        cols.order_clause(id_column, id_desc)]


def read(actor, form: PublishedForm, state: ViewState, context: conditions.Context) -> Window:
    """The page of records the state points at (first page when its cursor is unusable)."""
    _require(actor, form, "view")
    keys = sort_keys(form, state)
    where = clause(form, state, context)
    id_column, id_desc = form.table.c.id, _id_desc(keys)
    dialect = db.session.connection().dialect.name
    size = state.page_size
    cursor = paging.decode(state.before or state.after, keys)
    if cursor is not None and state.before:
        found = paging.before(keys, id_column, id_desc, *cursor, dialect)
        rows = query.fetch(actor, form, sa.and_(where, found),
                           _order(paging.reverse(keys), id_column, not id_desc), size + 1)
        if len(rows) > size:
            window = Window(rows[:size][::-1], keys, Count(0, False), has_prev=True,
                            has_next=True)
            return _finish(form, window, where)
        cursor = None  # fewer than a page before it: show the first page
    if cursor is not None:
        found = paging.after(keys, id_column, id_desc, *cursor, dialect)
        rows = query.fetch(actor, form, sa.and_(where, found), _order(keys, id_column, id_desc),
                           size + 1)
        window = Window(rows[:size], keys, Count(0, False), has_prev=True,
                        has_next=len(rows) > size)
        return _finish(form, window, where)
    rows = query.fetch(actor, form, where, _order(keys, id_column, id_desc), size + 1)
    return _finish(form, Window(rows[:size], keys, Count(0, False), has_next=len(rows) > size),
                   where)


def _finish(form: PublishedForm, window: Window, where: Any) -> Window:
    window.where = where
    if window.records:
        first, last = window.records[0], window.records[-1]
        if window.has_prev:
            window.prev_token = paging.encode(_key_values(window.keys, first), first.id)
        if window.has_next:
            window.next_token = paging.encode(_key_values(window.keys, last), last.id)
    window.count = capped_count(form, where)
    return window


def _key_values(keys: Sequence[paging.Key], record: Record) -> list[Any]:
    return [cols.value_of(record, k.field) for k in keys]


# ---------------------------------------------------------------- counts and totals


def capped_count(form: PublishedForm, where: Any, cap: int = COUNT_CAP) -> Count:
    """How many match, counting no further than ``cap`` (cheap at any table size)."""
    inner = sa.select(sa.literal_column("1")).select_from(form.table).where(where).limit(cap + 1)
    found = db.session.execute(sa.select(sa.func.count()).select_from(inner.subquery())
                               ).scalar_one()
    return Count(min(found, cap), found <= cap)


def exact_count(form: PublishedForm, where: Any, seconds: float = SLOW_SECONDS) -> int | None:
    """Every match counted, or None when that takes longer than ``seconds``."""
    stmt = sa.select(sa.func.count()).select_from(form.table).where(where)
    return limited(lambda connection: connection.execute(stmt).scalar_one(), seconds)


def group_counts(form: PublishedForm, where: Any, key: paging.Key, values: Sequence[Any],
                 cap: int = COUNT_CAP) -> dict[Any, Count]:
    """The (capped) number of matches in each of the groups shown on a page."""
    counts = {}
    for value in dict.fromkeys(values):
        same = key.column.is_(None) if value is None else key.column == value
        counts[value] = capped_count(form, sa.and_(where, same), cap)
    return counts


def totals(form: PublishedForm, where: Any, wanted: dict[str, str],
           seconds: float = SLOW_SECONDS) -> dict[str, Any] | None:
    """Each column's total over every match (None when that takes too long)."""
    known = cols.all_columns(form)
    parts = []
    for column_key, aggregate in wanted.items():
        column = cols.sql_column(form, known[column_key]) if column_key in known else None
        if column is None:
            continue
        func = {"sum": sa.func.sum, "avg": sa.func.avg, "min": sa.func.min,
                "max": sa.func.max, "count": sa.func.count}[aggregate]
        parts.append(func(column).label(column_key))
    if not parts:
        return {}
    stmt = sa.select(*parts).select_from(form.table).where(where)
    row = limited(lambda connection: connection.execute(stmt).mappings().one(), seconds)
    return None if row is None else dict(row)


def limited(run: Callable[[sa.Connection], Any], seconds: float) -> Any:
    """Run a read under a time limit; None when it ran out (the transaction stays usable)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        try:
            with connection.begin_nested():
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds * 1000)}")
                result = run(connection)
                connection.exec_driver_sql("SET LOCAL statement_timeout = DEFAULT")
                return result
        except sa.exc.OperationalError:
            return None
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 20_000)
    try:
        return run(connection)
    except sa.exc.OperationalError as exc:
        if isinstance(exc.orig, sqlite3.OperationalError) and "interrupt" in str(exc.orig):
            return None
        raise
    finally:
        raw.set_progress_handler(None, 0)
