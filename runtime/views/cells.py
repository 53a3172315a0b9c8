"""Table cells: one function per cell type, fed by values resolved once per page.

Rendering a page of a view happens in two steps, so that no cell ever runs a
query of its own:

1. :func:`resolve` asks every registered :class:`Resolver` to collect the ids
   its types mention on the page (members, departments, system users) and to
   look them all up in one query each, into a :class:`Lookups`. A resolver with
   ``batch`` gets the form, the fields and the records instead (links: one query
   per link field, through ``records.links.related``, which obeys the linked
   form's rights; lookups and rollups arrive resolved by the read path).
2. :func:`cell` renders one value with the renderer registered for its field
   type (or the default, ``display.show``), reading names from the lookups.

A new field type plugs in with ``register_resolver`` and ``register_renderer``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import get_template_attribute
from markupsafe import Markup, escape

from builder.db import db
from builder.fields import Field

from ..records import display, links
from ..records.display import Shown
from ..records.service import Record
from . import columns as cols


@dataclass
class Lookups:
    """Names and other values resolved for one page, by resolver name then id."""

    found: dict[str, dict[Any, Any]] = field(default_factory=dict)

    def get(self, kind: str) -> Mapping[Any, Any]:
        """What a resolver found (empty if it found nothing)."""
        return self.found.get(kind, {})


@dataclass(frozen=True)
class Resolver:
    """Collects ids of some field types on a page and looks them up in one query."""

    name: str
    types: frozenset[str]
    lookup: Callable[[set[Any]], Mapping[Any, Any]] | None = None
    #: instead of ``lookup``: (form, fields of these types, records) → what was found
    batch: Callable[[Any, Sequence[Field], Sequence[Record]], Mapping[Any, Any]] | None = None

    def ids(self, value: Any) -> Iterable[Any]:
        """The ids one value mentions."""
        if value is None:
            return ()
        return value if isinstance(value, list | tuple | set) else (value,)


def _department_names(ids: set[Any]) -> dict[int, str]:
    from ..accounts.models import Department

    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(Department.id, Department.name)
                                   .where(Department.id.in_(wanted))).all())


_resolvers: dict[str, Resolver] = {}
_renderers: dict[str, Callable[[Field, Any, Lookups], Shown]] = {}


def register_resolver(resolver: Resolver) -> None:
    """Add a batch lookup (a name registered twice is a programming error)."""
    if resolver.name in _resolvers:
        raise ValueError(f"resolver {resolver.name!r} is already registered")
    _resolvers[resolver.name] = resolver


def register_renderer(type_key: str, render: Callable[[Field, Any, Lookups], Shown]) -> None:
    """Render cells of one field type with ``render(field, value, lookups)``."""
    if type_key in _renderers:
        raise ValueError(f"a cell renderer for {type_key!r} is already registered")
    _renderers[type_key] = render


def resolve(fields: Sequence[Field], records: Sequence[Record], form: Any = None) -> Lookups:
    """Everything the page's cells need looked up, one query per resolver (or per field,
    for batch resolvers; those need ``form``)."""
    lookups = Lookups()
    for resolver in _resolvers.values():
        shown = [f for f in fields if f.type in resolver.types]
        if not shown or not records:
            continue
        if resolver.batch is not None:
            if form is not None:
                lookups.found[resolver.name] = dict(resolver.batch(form, shown, records))
            continue
        assert resolver.lookup is not None
        ids = {i for r in records for f in shown for i in resolver.ids(cols.value_of(r, f))}
        if ids:
            lookups.found[resolver.name] = dict(resolver.lookup(ids))
    return lookups


def cell(f: Field, value: Any, lookups: Lookups) -> Shown:
    """One value as a table cell."""
    render = _renderers.get(f.type)
    if render is not None and value not in (None, "", []):
        return render(f, value, lookups)
    return display.show(f, value, lookups.get("users"), compact=True)


def _person(f: Field, value: Any, lookups: Lookups) -> Shown:
    return Shown("text", text=display.person(lookups.get("users"), value))


def _department(f: Field, value: Any, lookups: Lookups) -> Shown:
    name = lookups.get("departments").get(value)
    return Shown("text", text=name or f"#{value}")


def _related(form: Any, fields: Sequence[Field], records: Sequence[Record]
             ) -> dict[str, Any]:
    return {"related": links.related(form, [r.values for r in records], fields)}


def _linked(f: Field, value: Any, lookups: Lookups) -> Shown:
    return display.show(f, value, lookups.get("users"), compact=True,
                        related=lookups.get("links").get("related"))


def register_all() -> None:
    """The built-in resolvers and renderers (called once by the app factory)."""
    if _resolvers:
        return
    register_resolver(Resolver("users", frozenset({"member", *display.USER_TYPES}),
                               display.names_for))
    register_resolver(Resolver("departments", frozenset({"department"}), _department_names))
    register_renderer("member", _person)
    register_renderer("department", _department)
    register_resolver(Resolver("links", frozenset({"link", "lookup"}), batch=_related))
    register_renderer("link", _linked)
    register_renderer("lookup", _linked)


# ---------------------------------------------------------------- markup
# Built with escape() and f-strings, not templates or Markup.format: a page has hundreds
# of cells and this is the hot path of the view page.


def _built(fragment: str) -> Markup:
    """Markup assembled below, where every dynamic part went through escape()."""
    return Markup(fragment)  # noqa: S704


def value_html(shown: Shown) -> Markup:
    """A value's markup: the kinds a table shows, inline; any other through its template."""
    kind = shown.kind
    if kind == "text":
        return _built(f"<span>{escape(shown.text)}</span>")
    if kind == "empty":
        return _built('<span class="value-empty">—</span>')
    if kind == "badges":
        badges = "".join(f'<span class="badge opt opt-{escape(color)}">{escape(label)}</span>'
                         for label, color in shown.badges)
        return _built(f'<span class="badges">{badges}</span>')
    if kind == "mono":
        return _built(f'<span class="mono">{escape(shown.text)}</span>')
    if kind == "link" and shown.href:
        outside = ' rel="noopener noreferrer nofollow" target="_blank"' if \
            shown.href.startswith("http") else ""
        return _built(f'<a href="{escape(shown.href)}"{outside} class="value-link">'
                      f"{escape(shown.text)}</a>")
    return _built(_value_macro()(shown))


def _value_macro():
    """The records' ``value`` macro (files, linked records, sub-tables...)."""
    return get_template_attribute("records/_values.html", "value")


def cell_html(column: Any, shown: Shown, record_id: int, links: Any, pencil: Markup) -> Markup:
    """A table cell's content: the value (a link to the record in the title column) and,
    for columns edited in place, the edit button. ``links`` has ``record_base`` and
    ``cell_base``: addresses that end where the record id goes."""
    record_id = int(record_id)
    inner = value_html(shown)
    if column.title:
        # linked records are links themselves: the title link says the record number
        shown_html = f"#{record_id}" if shown.kind in ("empty", "records") else inner
        inner = _built(f'<a class="record-link" href="{escape(links.record_base)}{record_id}">'
                       f"{shown_html}</a>")
    if column.editable:
        label = escape(column.edit_label)
        inner = _built(f'{inner}<button class="cell-edit" type="button" '
                       f'hx-get="{escape(links.cell_base)}{record_id}/{escape(column.key)}'
                       f'?edit=1" hx-target="closest td" title="{label}" aria-label="{label}">'
                       f"{pencil}</button>")
    return inner
