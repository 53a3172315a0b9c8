"""What the card views (kanban, calendar, gallery) share: cards, tabs and dispatch.

A card is a record's title (a link to it), its version (moves are compare-and-set)
and up to four chosen fields, drawn by the same renderers as table cells. Fields
the person may not see are not in the published form handed to the page
(``forms_lookup.resolve``), so the view's cleaned config never names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from markupsafe import Markup

from builder.fields import Field
from builder.views import all_types

from ..records.forms_lookup import FormTarget
from ..records.pages import record_title
from ..records.service import Record
from . import cells
from . import columns as cols
from .state import ViewState


@dataclass
class Card:
    """One record on a board, calendar or gallery."""

    id: int
    version: int
    title: str
    url: str
    fields: list[tuple[str, Markup]] = field(default_factory=list)
    #: kanban: the column key; calendar: ISO day; gallery: cover address
    extra: Any = None


def card_fields(target: FormTarget, state: ViewState) -> list[Field]:
    """The card fields of the view that the form (as this person sees it) still has."""
    known = cols.all_columns(target.published)
    chosen = state.base["config"].get("card_fields") or []
    title = target.published.title_field
    return [known[c] for c in chosen if c in known and c != title]


def build(target: FormTarget, records: Sequence[Record], shown: Sequence[Field]) -> list[Card]:
    """Cards for records: names (people, linked records, lookups) found once for all."""
    lookups = cells.resolve(shown, records, target.published)
    base = url_for("records.index", app_key=target.app.key, form_key=target.form.key)
    out = []
    for record in records:
        values = [(f.label, cells.value_html(cells.cell(f, cols.value_of(record, f), lookups)))
                  for f in shown]
        out.append(Card(record.id, record.row_version, record_title(target.published, record),
                        f"{base}/{record.id}", values))
    return out


def tabs(target: FormTarget, views: Sequence[Any], current: Any,
         opening_id: int | None = None) -> list[dict[str, Any]]:
    """The view tabs (the built-in table first) with their type's icon; ``opening_id``: the
    view the list opens with for this person (starred)."""
    keys = {"app_key": target.app.key, "form_key": target.form.key}
    icons = {t.type: t.icon for t in all_types()}
    found = [{"name": None, "url": url_for("records.index", **keys, view="0"), "icon": "table",
              "active": current is None, "shared": True}]
    for view in views:
        found.append({"name": view.name, "url": url_for("records.index", **keys,
                                                          view=str(view.id)),
                      "icon": icons.get(view.type, "table"),
                      "active": current is not None and current.id == view.id,
                      "shared": view.shared, "opening": view.id == opening_id})
    return found


def is_htmx() -> bool:
    """Whether htmx asked (it gets a fragment)."""
    return request.headers.get("HX-Request") == "true"


def page(actor, target: FormTarget, views, current, args, *, notice=None, status: int = 200):
    """The page of a card view (kanban, calendar, gallery) chosen by the address."""
    import importlib

    module = importlib.import_module(f"{__package__}.{current.type}")
    return module.page(actor, target, views, current, args, notice=notice, status=status)


CARD_TYPES = frozenset({"kanban", "calendar", "gallery"})
