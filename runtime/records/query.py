"""The read path: filter (condition grammar), sort, page and count records of one form.

The SQL it builds is what a person would write by hand: one SELECT with the
filter in WHERE, ORDER BY the sort fields then id (a stable order that a
composite index can serve), LIMIT/OFFSET, and a COUNT(*) over the same WHERE.
Permission scopes (issue 5) will be added here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from builder import conditions
from builder.db import db

from .schema import PublishedForm
from .service import Record, _require, _to_record

MAX_LIMIT = 500


@dataclass
class Page:
    """One page of records and the number of records matching the filter."""

    records: list[Record]
    total: int
    offset: int
    limit: int


def _order(form: PublishedForm, sort: Sequence[tuple[str, bool]]) -> list[Any]:
    table = form.table
    clauses = []
    for field_id, descending in sort:
        if field_id not in form.field_map and field_id not in ("created_at", "updated_at"):
            raise conditions.ConditionInvalid(f"cannot sort by {field_id!r}")
        column = table.c[field_id]
        clauses.append(column.desc() if descending else column.asc())
    last_desc = sort[-1][1] if sort else True
    clauses.append(table.c.id.desc() if last_desc else table.c.id.asc())
    return clauses


def where(form: PublishedForm, condition: Mapping[str, Any] | None, *, trashed: bool = False):
    """The WHERE clause for a condition over live (or trashed) records (memoised)."""
    key = (form.form_id, form.version, trashed, json.dumps(condition, sort_keys=True,
                                                           default=str))
    clause = _where_cache.get(key)
    if clause is None:
        table = form.table
        live = table.c.deleted_at.is_not(None) if trashed else table.c.deleted_at.is_(None)
        clause = live if not condition else sa.and_(
            live, conditions.to_sql(condition, table.c, form.field_map))
        if len(_where_cache) > 1024:
            _where_cache.clear()
        _where_cache[key] = clause
    return clause


# SQL expressions are immutable; the same filter on the same form version compiles
# to the same clause, so building it once saves most of the query layer's overhead.
_where_cache: dict[tuple[Any, ...], Any] = {}


def query(actor, form: PublishedForm, condition: Mapping[str, Any] | None = None, *,
          sort: Sequence[tuple[str, bool]] = (), offset: int = 0, limit: int = 50,
          count: bool = True, trashed: bool = False) -> Page:
    """A page of records matching ``condition`` in ``sort`` order, with the total."""
    _require(actor, form, "view")
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    clause = where(form, condition, trashed=trashed)
    stmt = (sa.select(form.table).where(clause).order_by(*_order(form, sort))
            .limit(limit).offset(offset))
    connection = db.session.connection()
    rows = connection.execute(stmt).mappings().all()
    total = -1
    if count:
        total = connection.execute(
            sa.select(sa.func.count()).select_from(form.table).where(clause)).scalar_one()
    return Page([_to_record(form, row) for row in rows], total, offset, limit)
