"""Other forms seen from this one: link targets, and lookups and rollups computed on read.

Everything works on a page of records at once: one query per link field for the
looked-up values of all records, one GROUP BY per rollup source — never one
query per record. Linked records in the trash count as gone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from builder import fields as field_types
from builder.db import db
from builder.fields import Field
from builder.fields.relation import is_sub_table, sub_fields, value_kind

from .schema import PublishedForm, cached, published
from .storage import check_field_id, field_column


@dataclass(frozen=True)
class Target:
    """The published form a link points at, with its address for links to its records."""

    form_id: int
    key: str
    app_key: str
    name: str
    published: PublishedForm


def target(form_id: Any) -> Target | None:
    """The form a link points at, as published now (None if it is gone or unpublished)."""
    from builder.forms.models import FormVersion

    if not isinstance(form_id, int) or isinstance(form_id, bool) or form_id < 1:
        return None
    session = db.session
    if session.autoflush:
        session.flush()  # as an ORM query would: a form changed in this session reads changed
    row = session.execute(_target_statement(), {"form_id": form_id}).first()
    if row is None or row.published_version is None:
        return None
    form = cached(form_id, row.published_version, row.created_at)
    if form is None:
        document = db.session.scalar(sa.select(FormVersion.document).where(
            FormVersion.form_id == form_id, FormVersion.version == row.published_version))
        if document is None:
            return None
        form = published(form_id, row.published_version, document, row.created_at)
    return Target(form_id, row.key, row.app_key, str(form.document.get("name") or row.name),
                  form)


def _target_statement() -> sa.Select:
    """The published form and its app's key by form id (built once: every link check and
    page with links runs it)."""
    global _TARGET
    if _TARGET is None:
        from builder.apps.models import App
        from builder.forms.models import Form

        forms, apps = Form.__table__, App.__table__
        _TARGET = (sa.select(forms.c.key, forms.c.name, forms.c.published_version,
                             forms.c.created_at, apps.c.key.label("app_key"))
                   .join_from(forms, apps, apps.c.id == forms.c.app_id)
                   .where(forms.c.id == sa.bindparam("form_id"), forms.c.deleted_at.is_(None),
                          apps.c.deleted_at.is_(None)))
    return _TARGET


_TARGET: sa.Select | None = None


class Targets(dict):
    """Targets loaded once per operation (a page may have several links to one form)."""

    def get_target(self, form_id: Any) -> Target | None:
        """The target of ``form_id``, loaded on first use."""
        if form_id not in self:
            self[form_id] = target(form_id)
        return self[form_id]


def _asking():
    """The signed-in person of the current request (None in jobs and the shell)."""
    from flask import g, has_request_context

    return getattr(g, "user", None) if has_request_context() else None


_REQUEST_USER = object()


def access(t: Target, actor: Any = _REQUEST_USER) -> tuple[frozenset[str], Any] | None:
    """What the person asking may read of a link's target form.

    (field ids hidden from them, SQL filter of the target rows in their scope or
    None for all), or None when they may not view that form at all: lookups and
    rollups obey the same rights as the target form's own pages.
    """
    actor = _asking() if actor is _REQUEST_USER else actor
    if actor is None:
        return frozenset(), None
    from ..permissions import service as permissions

    if not permissions.can(actor, t.published, "view"):
        return None
    view = permissions.visible_form(actor, t.published)
    hidden = frozenset(set(t.published.field_map) - set(view.field_map))
    return hidden, permissions.view_scope(view)


def column_field(t: Target, field_id: Any) -> Field | None:
    """A live field of the target whose value SQL can read (a column of its own or a system one)."""
    f = t.published.field_map.get(field_id) if isinstance(field_id, str) else None
    if f is None:
        return None
    field_type = field_types.get(f.type)
    return f if field_type.is_stored(f) or field_type.system_column else None


def linked_ids(value: Any) -> list[int]:
    """A link's value as a list of ids."""
    if value is None:
        return []
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int)]


# ---------------------------------------------------------------- lookups


def resolve(form: PublishedForm, records: Iterable[Any], connection: sa.Connection,
            targets: Targets | None = None, *, rollups: bool = True,
            actor: Any = _REQUEST_USER) -> None:
    """Fill every lookup and rollup of ``records`` (objects with ``id`` and ``values``).

    Call after the side fields are filled (many links are read from there).
    ``rollups=False`` for records that are not saved yet (the entry form's preview).
    """
    records = list(records)
    lookups = [f for f in form.fields if f.type == "lookup"]
    sums = [f for f in form.fields if f.type == "rollup"]
    if not records or not (lookups or sums):
        return
    targets = targets if targets is not None else Targets()
    by_link: dict[str, list[Field]] = defaultdict(list)
    for f in lookups:
        by_link[str(f.config.get("link"))].append(f)
    for link_id, group in by_link.items():
        _lookups(form, link_id, group, records, connection, targets, actor)
    if not rollups:
        return
    by_source: dict[str, list[Field]] = defaultdict(list)
    for f in sums:
        by_source[str(f.config.get("source"))].append(f)
    for source_id, group in by_source.items():
        _rollups(form, source_id, group, records, connection, targets, actor)


def _lookups(form: PublishedForm, link_id: str, group: list[Field], records: list[Any],
             connection: sa.Connection, targets: Targets, actor: Any) -> None:
    """One query for every lookup through one link, over all the records."""
    for record in records:
        for f in group:
            record.values[f.id] = None
    link = form.field_map.get(link_id)
    t = targets.get_target(link.config.get("form")) if link and link.type == "link" else None
    allowed = access(t, actor) if t is not None else None
    if allowed is None:
        return
    hidden, scope = allowed
    wanted = [(f, column_field(t, f.config.get("field"))) for f in group]
    wanted = [(f, shown) for f, shown in wanted if shown is not None and shown.id not in hidden]
    ids = {i for r in records for i in linked_ids(r.values.get(link_id))}
    if not wanted or not ids:
        return
    table = t.published.table
    columns = [field_column(table, shown).label(f"v{n}") for n, (_f, shown) in enumerate(wanted)]
    stmt = sa.select(table.c.id, *columns).where(table.c.id.in_(ids),
                                                 table.c.deleted_at.is_(None))
    if scope is not None:  # permissions: only target rows the person may see
        stmt = stmt.where(scope)
    found = {row[0]: row[1:] for row in connection.execute(stmt)}
    many = bool(link.config.get("multiple"))
    for n, (f, shown) in enumerate(wanted):
        read = field_types.get(shown.type)
        for record in records:
            values = [read.from_db(shown, found[i][n]) for i in
                      linked_ids(record.values.get(link_id)) if i in found]
            values = [v for v in values if v is not None]
            record.values[f.id] = (values or None) if many else (values[0] if values else None)


# ---------------------------------------------------------------- rollups


def _rollups(form: PublishedForm, source_id: str, group: list[Field], records: list[Any],
             connection: sa.Connection, targets: Targets, actor: Any) -> None:
    """One GROUP BY for every rollup over one source, over all the records."""
    source = form.field_map.get(source_id)
    plan = _plan(form, source, group, targets, actor) if source is not None else None
    found: dict[int, Any] = {}
    if plan is not None:
        base, record_col, columns, where = plan
        if columns:
            ids = [r.id for r in records]
            stmt = (sa.select(record_col.label("rid"), *(c for _f, c, _k in columns))
                    .select_from(base).where(record_col.in_(ids), *where)
                    .group_by(record_col))
            found = {row[0]: row[1:] for row in connection.execute(stmt)}
    columns = plan[2] if plan is not None else []
    index = {f.id: n for n, (f, _c, _k) in enumerate(columns)}
    kinds = {f.id: kind for f, _c, kind in columns}
    for record in records:
        row = found.get(record.id)
        for f in group:
            n = index.get(f.id)
            raw = row[n] if row is not None and n is not None else None
            record.values[f.id] = rollup_value(f, raw, kinds.get(f.id)) if n is not None \
                else None


def _plan(form: PublishedForm, source: Field, group: list[Field], targets: Targets,
          actor: Any = _REQUEST_USER):
    """(FROM clause, the record id column, [(rollup, aggregate, kind)], extra WHERE)."""
    if source.type == "link":
        t = targets.get_target(source.config.get("form"))
        allowed = access(t, actor) if t is not None else None
        if allowed is None:
            return None
        hidden, scope = allowed
        other = t.published.table.alias("linked")  # a form may link to itself
        if source.config.get("multiple"):
            side = form.side_table(source.id)
            base = side.join(other, other.c.id == side.c.target_id)
            record_col = side.c.record_id
        else:
            mine = form.table
            base = mine.join(other, other.c.id == mine.c[check_field_id(source.id)])
            record_col = mine.c.id
        columns = [_aggregate(f, other.c.id, lambda fid, t=t, other=other: None
                              if fid in hidden else _target_column(t, other, fid))
                   for f in group]
        where = [other.c.deleted_at.is_(None)]
        if scope is not None:  # permissions: only target rows the person may see
            where.append(other.c.id.in_(sa.select(t.published.table.c.id).where(scope)))
        return base, record_col, [c for c in columns if c], where
    doc = form.raw_fields.get(source.id, {})
    if not is_sub_table(doc):
        return None
    side = form.side_table(source.id)
    kinds = {d["id"]: value_kind(d) for d in sub_fields(doc)}
    columns = [_aggregate(f, side.c.id, lambda fid, side=side: (
        side.c[fid], kinds[fid]) if kinds.get(fid) and fid in side.c else None) for f in group]
    return side, side.c.record_id, [c for c in columns if c], []


def _target_column(t: Target, table: Any, field_id: Any):
    shown = column_field(t, field_id)
    if shown is None:
        return None
    kind = value_kind(t.published.raw_fields.get(shown.id, {"type": shown.type}))
    return (field_column(table, shown), kind) if kind else None


def _aggregate(f: Field, row_id: Any, column_of) -> tuple[Field, Any, str | None] | None:
    """The SQL aggregate of one rollup (COUNT needs no field)."""
    function = f.config.get("function") or "count"
    if function == "count":
        return f, sa.func.count(row_id), "count"
    found = column_of(f.config.get("field"))
    if found is None:
        return None
    column, kind = found
    if kind != "number" and function in ("sum", "avg"):
        return None
    return f, getattr(sa.func, function)(column), kind


def rollup_value(f: Field, raw: Any, kind: str | None) -> Any:
    """An aggregate as the rollup's value: a count, a rounded number, or a date."""
    function = f.config.get("function") or "count"
    if function == "count":
        return int(raw or 0)
    if raw is None:
        return _round(f, Decimal(0)) if function == "sum" else None
    if kind == "number" or function in ("sum", "avg"):
        return _round(f, Decimal(str(raw)))
    return raw


def _round(f: Field, value: Decimal) -> Decimal:
    scale = int(f.config.get("scale", 2))
    return value.quantize(Decimal(1).scaleb(-scale))
