"""Links to records of another form: the write path's check, names for pages, search.

- :func:`check`: every newly linked id must be a live record of the target form
  that matches the link's ``filter`` — one query per link field, refused with a
  message on the field otherwise.
- :func:`related`: a page's linked ids as the target's display field (one query
  per link field; records gone or in the trash read "(deleted)"), and the target
  field behind each lookup, so pages show it with that field's own type.
- :func:`search`: what the entry widget suggests as the person types, through the
  read path (permission scopes apply there), at most :data:`MAX_RESULTS`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder import conditions
from builder import fields as field_types
from builder.db import db
from builder.fields import Field

from .relations import _REQUEST_USER, Target, Targets, access, column_field, linked_ids
from .schema import PublishedForm
from .storage import field_column

MAX_RESULTS = 20
#: records listed in the plain select shown when JavaScript is off
MAX_FALLBACK = 100
MAX_QUERY = 100


@dataclass(frozen=True)
class Linked:
    """A linked record as pages show it: its name and where it lives (None when gone)."""

    id: int
    text: str
    app_key: str | None = None
    form_key: str | None = None

    @property
    def gone(self) -> bool:
        """Deleted, in the trash, or its form is no longer published."""
        return self.form_key is None


@dataclass
class Related:
    """What a page resolved about other forms, for :func:`display.show`."""

    #: link field id → linked record id → Linked
    links: dict[str, dict[int, Linked]] = field(default_factory=dict)
    #: lookup field id → the target's field it shows (its type decides the display)
    lookups: dict[str, Field] = field(default_factory=dict)


def display_field(link: Field, t: Target) -> Field | None:
    """The target field a link shows as the record's name (its title field by default)."""
    return (column_field(t, link.config.get("display_field"))
            or column_field(t, t.published.title_field))


def record_text(shown: Field | None, value: Any, record_id: int) -> str:
    """A linked record's name: its display field as text, or its number."""
    if shown is not None and value not in (None, ""):
        text = field_types.get(shown.type).display(shown, value)
        if text:
            return text[:80]
    return _("Record #%(id)s", id=record_id)


# ---------------------------------------------------------------- the write path


def check(actor, form: PublishedForm, prepared: Any, existing: Any) -> None:
    """Refuse linked ids that are missing, in the trash or outside the link's filter."""
    targets = Targets()
    for f in form.fields:
        if f.type != "link" or f.id in prepared.errors:
            continue
        before = set(linked_ids(existing.values.get(f.id))) if existing is not None else set()
        added = [i for i in linked_ids(prepared.values.get(f.id)) if i not in before]
        if not added:
            continue
        message = problem(actor, f, added, targets)
        if message:
            prepared.add_error(f.id, message)


def problem(actor, link: Field, ids: list[int], targets: Targets) -> str | None:
    """Why these ids may not be linked (missing, in the trash, outside the filter), or None."""
    from . import query

    t = targets.get_target(link.config.get("form"))
    if t is None:
        return _("the form it links to is not available")
    live, allowed = query.linkable(actor, t.published, ids, link.config.get("filter"))
    if any(i not in live for i in ids):
        return _("choose a record of %(form)s that exists", form=t.name)
    if any(i not in allowed for i in ids):
        return _("choose a record of %(form)s that matches the allowed records", form=t.name)
    return None


# ---------------------------------------------------------------- names for pages


def labels(links: Iterable[tuple[Field, set[int]]], targets: Targets,
           connection: sa.Connection | None = None, actor: Any = _REQUEST_USER
           ) -> dict[str, dict[int, Linked]]:
    """Each link field's ids → Linked, one query per link field (trashed rows included)."""
    connection = connection or db.session.connection()
    out: dict[str, dict[int, Linked]] = {}
    for link, ids in links:
        if not ids:
            continue
        t = targets.get_target(link.config.get("form"))
        gone = {i: Linked(i, _("(deleted)")) for i in ids}
        if t is None:
            out[link.id] = gone
            continue
        allowed = access(t, actor)  # permissions: names only of records the person may see
        if allowed is None:
            out[link.id] = {i: Linked(i, _("(no access)")) for i in ids}
            continue
        hidden, scope = allowed
        shown = display_field(link, t)
        shown = None if shown is not None and shown.id in hidden else shown
        table = t.published.table
        visible = sa.true() if scope is None else sa.case((scope, True), else_=False)
        columns = [table.c.id, table.c.deleted_at, visible]
        if shown is not None:
            columns.append(field_column(table, shown))
        found = gone
        for row in connection.execute(sa.select(*columns).where(table.c.id.in_(ids))):
            if row[1] is not None:
                continue
            if not row[2]:
                found[row[0]] = Linked(row[0], _("(no access)"))
                continue
            value = field_types.get(shown.type).from_db(shown, row[3]) if shown else None
            found[row[0]] = Linked(row[0], record_text(shown, value, row[0]), t.app_key, t.key)
        out[link.id] = found
    return out


def related(form: PublishedForm, values: Iterable[Mapping[str, Any]],
            fields: Iterable[Field] | None = None, actor: Any = _REQUEST_USER) -> Related:
    """Names of the linked records in ``values`` and the fields behind lookups."""
    chosen = list(fields if fields is not None else form.fields)
    links = [f for f in chosen if f.type == "link"]
    lookups = [f for f in chosen if f.type == "lookup"]
    if not links and not lookups:
        return Related()
    wanted: dict[str, set[int]] = {f.id: set() for f in links}
    for item in values:
        for link_id, ids in wanted.items():
            ids.update(linked_ids(item.get(link_id)))
    targets = Targets()
    result = Related(links=labels(((f, wanted[f.id]) for f in links), targets, actor=actor))
    known = {f.id: f for f in form.all_fields}
    for f in lookups:
        link = known.get(f.config.get("link"))
        t = targets.get_target(link.config.get("form")) if link and link.type == "link" else None
        shown = column_field(t, f.config.get("field")) if t else None
        if shown is not None:
            result.lookups[f.id] = shown
    return result


# ---------------------------------------------------------------- search


def search(actor, link: Field, text: str, limit: int = MAX_RESULTS,
           targets: Targets | None = None) -> list[Linked]:
    """Records of the link's target the actor may see and may choose, matching ``text``."""
    from . import query

    t = (targets if targets is not None else Targets()).get_target(link.config.get("form"))
    if t is None:
        return []
    shown = display_field(link, t)
    text = unicodedata.normalize("NFKC", text or "").strip()[:MAX_QUERY]
    parts: list[dict[str, Any]] = []
    if text:
        fields = list({f.id: f for f in (
            shown, t.published.field_map.get(t.published.title_field or ""))
            if f is not None and "contains" in field_types.get(f.type).field_operators(f)
        }.values())
        if not fields:
            return []
        parts.append({"any": [{"field": f.id, "op": "contains", "value": text} for f in fields]})
    allowed = link.config.get("filter")
    condition = {"all": [allowed, *parts]} if allowed else ({"all": parts} if parts else None)
    sort = [(shown.id, False)] if shown is not None and shown.id in t.published.table.c else []
    try:
        page = query.query(actor, t.published, condition, sort=sort, limit=limit,
                           count=False, computed=False)
    except conditions.ConditionInvalid:  # a filter the target's changes made meaningless
        page = query.query(actor, t.published, {"all": parts} if parts else None, sort=sort,
                           limit=limit, count=False, computed=False)
    return [Linked(r.id, record_text(shown, r.values.get(shown.id) if shown else None, r.id),
                   t.app_key, t.key) for r in page.records]


def chosen(link: Field, value: Any, targets: Targets | None = None) -> list[Linked]:
    """The records a link's form value names, for the entry widget's chips."""
    ids = []
    for item in value if isinstance(value, list) else [value]:
        text = str(item or "").strip().removeprefix("#")
        if text.isascii() and text.isdigit() and len(text) < 17:
            ids.append(int(text))
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = labels([(link, set(ids))], targets if targets is not None else Targets()
                   ).get(link.id, {})
    return [found.get(i) or Linked(i, _("(deleted)")) for i in ids]
