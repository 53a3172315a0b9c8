"""The read path: filter (condition grammar), sort, page and count records of one form.

The SQL it builds is what a person would write by hand: one SELECT with the
filter in WHERE, ORDER BY the sort fields then id (a stable order that a
composite index can serve), LIMIT/OFFSET, and a COUNT(*) over the same WHERE.
The permission row scope is added here (``where``) and nowhere else: a form
projected for a person (``permissions.visible_form``) carries their rights.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from builder import conditions
from builder.db import db

from ..permissions import service as permissions
from . import relations, sides
from .schema import PublishedForm
from .service import Record, _records, _require

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
        if (field_id not in form.field_map and field_id not in ("created_at", "updated_at")
                or field_id not in table.c):  # side tables and values computed on read
            raise conditions.ConditionInvalid(f"cannot sort by {field_id!r}")
        column = table.c[field_id]
        clauses.append(column.desc() if descending else column.asc())
    last_desc = sort[-1][1] if sort else True
    clauses.append(table.c.id.desc() if last_desc else table.c.id.asc())
    return clauses


def columns(form: PublishedForm) -> dict[str, Any]:
    """Field id → column for conditions; side fields get a conditions.SideColumn."""
    found: dict[str, Any] = dict(form.table.c)
    for field in form.fields:  # system fields (created at, owner...) read a system column
        system_column = form.type_of(field.id).system_column
        if system_column is not None:
            found[field.id] = form.table.c[system_column]
    for field in form.side_fields:
        found[field.id] = conditions.SideColumn(form.side_table(field.id), form.table.c.id)
    return found


def where(form: PublishedForm, condition: Mapping[str, Any] | None, *, trashed: bool = False,
          actor: Any = None, context: conditions.Context | None = None):
    """The WHERE clause for a condition over live (or trashed) records.

    A form projected for a person (or ``actor``) adds their row scope, and refuses
    conditions on fields hidden from them as unknown fields. ``context`` (who asks,
    their today) gives "is me", "today" and the like their meaning.
    """
    if actor is not None:
        form = permissions.visible_form(actor, form)
    clause = _where(form, condition, trashed, _bound(condition, context))
    scope = permissions.view_scope(form)  # permissions: the row scope, never memoised
    return clause if scope is None else sa.and_(clause, scope)


def _bound(condition: Mapping[str, Any] | None, context: conditions.Context | None
           ) -> conditions.Context | None:
    """The context a condition depends on (None when it uses no context operator)."""
    return context if context is not None and conditions.uses_context(condition) else None


def _where(form: PublishedForm, condition: Mapping[str, Any] | None, trashed: bool,
           bound: conditions.Context | None = None):
    """The memoised WHERE clause for a condition (per form version and hidden fields).

    A condition with context operators is keyed by that context too (who asks, their
    today), so one person's "is me" is never another's clause; the row scope is never here.
    """
    hidden = getattr(getattr(form, "rights", None), "hidden", None)
    # keyed by the Table object (one per cached form version; the entry keeps it alive),
    # so a purged form whose id comes back never finds the old table's clause
    key = (id(form.table), trashed, hidden,
           json.dumps(condition, sort_keys=True, default=str), bound)
    found = _where_cache.get(key)
    if found is not None and found[0] is form.table:
        return found[1]
    table = form.table
    live = table.c.deleted_at.is_not(None) if trashed else table.c.deleted_at.is_(None)
    clause = live if not condition else sa.and_(
        live, conditions.to_sql(condition, columns(form), form.field_map, context=bound))
    if len(_where_cache) > 1024:
        _where_cache.clear()
    _where_cache[key] = (table, clause)
    return clause


# SQL expressions are immutable; the same filter on the same form version compiles
# to the same clause, so building it once saves most of the query layer's overhead.
_where_cache: dict[tuple[Any, ...], tuple[sa.Table, Any]] = {}


def query(actor, form: PublishedForm, condition: Mapping[str, Any] | None = None, *,
          sort: Sequence[tuple[str, bool]] = (), offset: int = 0, limit: int = 50,
          count: bool = True, trashed: bool = False, computed: bool = True,
          context: conditions.Context | None = None) -> Page:
    """A page of records matching ``condition`` in ``sort`` order, with the total.

    ``computed=False`` leaves lookups and rollups out (link suggestions need names only);
    ``context`` gives context operators ("is me", "within the last N days") their meaning.
    """
    _require(actor, form, "view")
    form = permissions.visible_form(actor, form)  # permissions: hidden fields, row scope
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    order = tuple((str(field_id), bool(descending)) for field_id, descending in sort)
    page_stmt, count_stmt = _statements(form, condition, order, trashed,
                                        _bound(condition, context))
    scope = permissions.view_scope(form)  # permissions: the row scope, never memoised
    if scope is not None:
        page_stmt, count_stmt = page_stmt.where(scope), count_stmt.where(scope)
    connection = db.session.connection()
    records = _records(form, connection.execute(
        page_stmt, {"page_limit": limit, "page_offset": offset}))
    total = -1
    if count:
        total = connection.execute(count_stmt).scalar_one()
    sides.fill(form, records, connection)
    if computed:
        relations.resolve(form, records, connection)
    return Page(records, total, offset, limit)


def fetch(actor, form: PublishedForm, clause: Any, order: Sequence[Any], limit: int
          ) -> list[Record]:
    """Records matching a prepared WHERE clause in a given ORDER BY (views' keyset pages).

    ``clause`` must come from :func:`where` with the person's projected form (it holds
    the live/trashed test and their row scope), possibly combined with more conditions;
    side-table values are read in one query per field, lookups and rollups resolved.
    """
    _require(actor, form, "view")
    form = permissions.visible_form(actor, form)  # permissions: hidden fields not read
    stmt = sa.select(form.table).where(clause).order_by(*order).limit(max(1, min(limit,
                                                                                MAX_LIMIT + 1)))
    connection = db.session.connection()
    records = _records(form, connection.execute(stmt))
    sides.fill(form, records, connection)
    relations.resolve(form, records, connection)
    return records


def _statements(form: PublishedForm, condition: Mapping[str, Any] | None,
                sort: tuple[tuple[str, bool], ...], trashed: bool,
                bound: conditions.Context | None = None) -> tuple[Any, Any]:
    """The page and count statements of a filter and sort (memoised, limit/offset bound).

    Reusing the same statement objects lets SQLAlchemy skip building them and
    computing their cache keys: most of the query layer's cost over plain SQL.
    """
    hidden = getattr(getattr(form, "rights", None), "hidden", None)
    # keyed like _where (the Table object, the fields hidden from this person); the row
    # scope is per person and is never part of a memoised statement; a context (only
    # when the filter uses context operators) keys its own statements
    key = (id(form.table), hidden, trashed, sort,
           json.dumps(condition, sort_keys=True, default=str), bound)
    found = _statement_cache.get(key)
    if found is None or found[0] is not form.table:
        clause = _where(form, condition, trashed, bound)
        page_stmt = (sa.select(form.table).where(clause).order_by(*_order(form, sort))
                     .limit(sa.bindparam("page_limit", type_=sa.Integer))
                     .offset(sa.bindparam("page_offset", type_=sa.Integer)))
        count_stmt = sa.select(sa.func.count()).select_from(form.table).where(clause)
        if len(_statement_cache) > 1024:
            _statement_cache.clear()
        found = _statement_cache[key] = (form.table, page_stmt, count_stmt)
    return found[1], found[2]


_statement_cache: dict[tuple[Any, ...], tuple[sa.Table, Any, Any]] = {}


def linkable(actor, form: PublishedForm, ids: Sequence[int],
             condition: Mapping[str, Any] | None) -> tuple[set[int], set[int]]:
    """Of ``ids``: the live records the actor may see, and those of them matching ``condition``.

    One query. A condition that no longer makes sense (the form changed) lets every
    record through, as rules that no longer make sense never block entry.
    """
    _require(actor, form, "view")
    table = form.table
    # Every save with a link runs this: without a row scope (a full form, as the write path
    # passes) the statement depends only on the form version and the condition, so it is
    # built once, the ids bound at execution.
    unscoped = permissions.view_scope(form) is None
    key = (id(table), getattr(getattr(form, "rights", None), "hidden", None),
           json.dumps(condition, sort_keys=True, default=str) if condition else None)
    found = _linkable_cache.get(key) if unscoped else None
    if found is None or found[0] is not table:
        try:
            matches = where(form, condition) if condition else sa.true()
        except conditions.ConditionInvalid:
            matches = sa.true()
        stmt = sa.select(table.c.id, sa.case((matches, 1), else_=0)).where(
            where(form, None), table.c.id.in_(sa.bindparam("link_ids", expanding=True)))
        found = (table, stmt)
        if unscoped:
            if len(_linkable_cache) > 1024:
                _linkable_cache.clear()
            _linkable_cache[key] = found
    rows = db.session.execute(found[1], {"link_ids": list(ids)}).all()
    return {row[0] for row in rows}, {row[0] for row in rows if row[1]}


_linkable_cache: dict[tuple[Any, ...], tuple[sa.Table, Any]] = {}


def select(actor, form: PublishedForm, condition: Mapping[str, Any] | None = None, *,
           sort: Sequence[tuple[str, bool]] = (), ids: Sequence[int] | None = None
           ) -> sa.Select:
    """The SELECT of every record matching ``condition`` (and among ``ids`` when given) in
    ``sort`` order (exports stream it)."""
    _require(actor, form, "view")
    form = permissions.visible_form(actor, form)  # permissions: hidden fields, row scope
    stmt = sa.select(form.table).where(where(form, condition)).order_by(*_order(form, sort))
    return stmt if ids is None else stmt.where(form.table.c.id.in_(ids))


def count(actor, form: PublishedForm, condition: Mapping[str, Any] | None = None, *,
          ids: Sequence[int] | None = None) -> int:
    """How many records match ``condition`` (among ``ids`` when given)."""
    _require(actor, form, "view")
    form = permissions.visible_form(actor, form)  # permissions: hidden fields, row scope
    stmt = sa.select(sa.func.count()).select_from(form.table).where(where(form, condition))
    if ids is not None:
        stmt = stmt.where(form.table.c.id.in_(ids))
    return db.session.connection().execute(stmt).scalar_one()
