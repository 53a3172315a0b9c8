"""The table view page: load the view, read the address, read a page, render.

One template (``views/table.html``) with named blocks: ``view`` (views tabs,
search, results) when another view is chosen, ``results`` (controls, table,
pager) for everything else an htmx request changes, and the whole page for any
other request. Every answer to htmx carries the canonical address in
``HX-Push-Url`` (``HX-Replace-Url`` while typing a search), so the back button
and bookmarks always see a full-page URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from builder import conditions
from builder.db import utcnow
from builder.fields.dates import local_zone
from builder.roles import service as roles_service
from builder.views import all_types as all_view_types
from builder.views import domain as view_domain
from builder.views import service as view_service
from builder.views.models import SavedView
from builder.views.table import aggregates
from builder.web import render

from ..records.forms_lookup import FormTarget
from . import cards, cells, filters, reading, table
from . import columns as cols
from .state import ViewState, parse

BUILTIN = "0"


def context_of(actor) -> conditions.Context:
    """Who asks and their today, for "is me", "my department" and relative dates."""
    zone = local_zone()
    return conditions.Context.at(getattr(actor, "id", None),
                                 getattr(actor, "department_id", None), utcnow(), zone.key)


def builtin_document(target: FormTarget) -> dict[str, Any]:
    """The view every form has: all records, newest first, the first columns."""
    form = target.published
    return view_domain.new_document(_("All records"), "table", form.fields, form.title_field,
                                    scope="everyone")


def load(actor, target: FormTarget, args: MultiDict) -> tuple[list[SavedView],
                                                               SavedView | None, ViewState]:
    """The views ``actor`` sees, the one the address chose (None: built-in), its state."""
    views, default = view_service.views_and_opening(actor, target.form)
    raw = args.get("view", "")
    current = default
    notes = []
    if raw == BUILTIN:
        current = None
    elif raw:
        current = next((v for v in views if str(v.id) == raw), None)
        if current is None:
            notes.append(_("That view is gone or is not shared with you; here is the default."))
            current = default
    view_id = current.id if current else (0 if default is not None else None)
    document = current.document if current else builtin_document(target)
    state = parse(target.published, view_id, document, args)
    state.notes[:0] = notes
    state.opening_id = default.id if default is not None else None
    return views, current, state


def view_url(target: FormTarget, state: ViewState, **changes: Any) -> str:
    """The address of the view with some settings changed (paging dropped unless given)."""
    paging = "after" in changes or "before" in changes
    changes.setdefault("after", None)
    changes.setdefault("before", None)
    args = state.args(paging=paging, **changes)
    return url_for("records.index", app_key=target.app.key, form_key=target.form.key, **args)


def _sort_url(target: FormTarget, state: ViewState, key: str) -> str:
    """Sort by one column; a second click turns the direction round."""
    current = dict(state.sort)
    desc = key in current and not current[key] and state.sort[0][0] == key
    return view_url(target, state, sort=[(key, desc)])


def _pager(target: FormTarget, state: ViewState, window: reading.Window) -> dict[str, Any]:
    return {
        "next": view_url(target, state, after=window.next_token) if window.next_token else None,
        "prev": view_url(target, state, before=window.prev_token) if window.prev_token else None,
        "first": view_url(target, state) if window.has_prev else None,
    }


def _menus(target: FormTarget, state: ViewState) -> dict[str, Any]:
    """Choices for the sort, columns and group controls."""
    form = target.published
    known = cols.all_columns(form)
    shown = [known[c] for c in state.columns]
    hidden = [f for k, f in known.items() if k not in state.columns]
    return {
        "sortable": [(k, f.label) for k, f in known.items() if cols.sortable(form, f)],
        "groupable": [(k, f.label) for k, f in known.items() if cols.can_group(form, f)],
        "chooser": [(f, f.id in state.columns, aggregates(f.id, known), state.totals.get(f.id))
                    for f in shown + hidden],
        "bulk_fields": [(f.id, f.label) for f in form.fields if table.editable(form, f)],
    }


def context(actor, target: FormTarget, views: list[SavedView], current: SavedView | None,
            state: ViewState, *, editor: filters.Editor | None = None,
            notice: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything ``views/table.html`` needs."""
    form = target.published
    window = reading.read(actor, form, state, context_of(actor))
    built = table.build(form, state, window, window.where,
                        table.links(target.app.key, target.form.key))
    keys = {"app_key": target.app.key, "form_key": target.form.key}
    args = state.args(paging=True)
    return {
        "target": target, "keys": keys, "views": views, "current": current, "state": state,
        "changed": state.changed(), "table": built, "window": window,
        "editor": editor or filters.from_condition(state.filter, form),
        "editor_open": editor is not None, "notice": notice,
        "state_args": state.args(), "paging_args": args,
        "page_url": view_url(target, state, **{}),
        "reset_url": url_for("records.index", **keys,
                             **({"view": str(state.view_id)} if state.view_id is not None
                                else {})),
        "sort_url": lambda key: _sort_url(target, state, key),
        "view_link": lambda view: url_for("records.index", **keys,
                                          **{"view": str(view.id) if view else BUILTIN}),
        "can_edit_view": current is not None and view_service.can_edit(actor, current),
        "orderable": [v for v in views if view_service.can_edit(actor, v)],
        "aggregate_labels": aggregate_labels(),
        "can_share": view_service.can_share(actor, target.form),
        "role_choices": role_choices(target),
        "type_icons": {t.type: t.icon for t in all_view_types()},
        **opening(actor, target, current),
        "pager": _pager(target, state, window),
        "state_query": urlencode(state.args()),
        "cell_html": cells.cell_html,
        **_menus(target, state),
    }


def role_choices(target: FormTarget) -> list[tuple[str, str]]:
    """The app's roles a view can be shared with, as (key, name); "everyone" roles left
    out (sharing with everyone says that)."""
    return [(r.key, r.name) for r in roles_service.roles_of_app(target.app.id)
            if not r.everyone]


def opening(actor, target: FormTarget, current: SavedView | None) -> dict[str, Any]:
    """For the "open the list with this view" settings: the roles (key, name) the current
    shared view reaches and the keys of those whose list it opens."""
    if current is None or not current.shared or not view_service.can_share(actor, target.form):
        return {"opening_roles": [], "opening_for": set()}
    defaults = view_service.role_defaults(target.form)
    return {"opening_roles": [(k, n) for k, n in role_choices(target)
                              if view_service.reaches(current, k)],
            "opening_for": {k for k, view_id in defaults.items() if view_id == current.id}}


def role_keys(target: FormTarget) -> list[str]:
    """The keys of the roles a view can be shared with."""
    return [key for key, _name in role_choices(target)]


def aggregate_labels() -> dict[str, str]:
    """What each kind of total is called."""
    return {"sum": _("Sum"), "avg": _("Average"), "min": _("Minimum"), "max": _("Maximum"),
            "count": _("Filled in")}


def render_empty():
    """An answer with nothing to show (htmx swaps nothing on 204)."""
    from flask import make_response

    return make_response("", 204)


def setting_label(path: str) -> str:
    """What a JSON path of a view document is called on the page."""
    labels = {"$.name": _("View name"), "$.filter": _("Filter"), "$.sort": _("Sort"),
              "$.sharing": _("Shared with"), "$.config": _("Show fields")}
    return next((label for prefix, label in labels.items() if path.startswith(prefix)),
                _("View settings"))


def _block() -> str | None:
    """Which block an htmx request wants, from the element it targets."""
    if request.headers.get("HX-Request") != "true":
        return None
    return "view" if request.headers.get("HX-Target") == "view" else "results"


def table_page(actor, target: FormTarget, *, args: MultiDict | None = None,
               editor: filters.Editor | None = None, notice: dict[str, Any] | None = None,
               status: int = 200):
    """The table view page (or one of its blocks for htmx), at its canonical address."""
    args = args if args is not None else request.args
    views, current, state = load(actor, target, args)
    if current is not None and current.type in cards.CARD_TYPES:  # kanban, calendar, gallery
        return cards.page(actor, target, views, current, args, notice=notice, status=status)
    block = _block()
    canonical = view_url(target, state, after=state.after, before=state.before)
    if block is None and state.friendly:
        return redirect(canonical, 303)
    page = context(actor, target, views, current, state, editor=editor, notice=notice)
    response = render("views/table.html", block=block, status=status, oob=block == "results",
                      **page)
    if block is not None and request.method == "GET":
        typing = request.headers.get("HX-Trigger-Name") == "q"
        response.headers["HX-Replace-Url" if typing else "HX-Push-Url"] = canonical
    return response
