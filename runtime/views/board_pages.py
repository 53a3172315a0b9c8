"""Rendering the card views' pages: the shared head (tabs, search, settings) and the
canonical address. The table's ``ViewState`` carries what every view shares (the
saved view, filter, sort, quick search); each card view adds its own arguments."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_babel import gettext as _

from builder.views import all_types
from builder.views import get as get_type
from builder.views import service as view_service
from builder.web import render

from ..records.forms_lookup import FormTarget
from . import cards, filters, pages
from .state import ViewState

load = pages.load


def base_url(target: FormTarget, state: ViewState, **extra: Any) -> str:
    """The view's address: shared settings that differ from the saved view, plus ``extra``."""
    args = state.args()
    args.update({k: v for k, v in extra.items() if v not in (None, "")})
    return url_for("records.index", app_key=target.app.key, form_key=target.form.key, **args)


def block() -> str | None:
    """Which block htmx wants: the whole view (tabs and all) or just the board."""
    if request.headers.get("HX-Request") != "true":
        return None
    return "view" if request.headers.get("HX-Target") == "view" else "board"


def _slots(current) -> list[tuple[str, str, frozenset[str]]]:
    labels = {"group_field": _("Group by"), "sum_field": _("Sum in each column"),
              "date_field": _("Date"), "end_field": _("End date (optional)"),
              "cover_field": _("Cover")}
    kinds = getattr(get_type(current.type), "slots", {})
    return [(slot, labels[slot], kinds[slot]) for slot in kinds]


def _fields_for(target: FormTarget) -> list[tuple[str, str, str]]:
    known = list(target.published.fields)
    return [(f.id, f.label, f.type) for f in known]


def page(actor, target: FormTarget, views, current, state: ViewState, template: str, *,
           status: int = 200, notice: dict[str, Any] | None = None, canonical: str | None = None,
           **extra: Any):
    """A card view's page (or block), with ``HX-Push-Url`` set to its address."""
    keys = {"app_key": target.app.key, "form_key": target.form.key}
    canonical = canonical or base_url(target, state)
    wanted = block()
    response = render(template, block=wanted, status=status, target=target, keys=keys,
                           tabs=cards.tabs(target, views, current, state.opening_id),
                           current=current, role_choices=pages.role_choices(target),
                           editor=extra.pop("editor", None)
                           or filters.from_condition(state.filter, target.published),
                           **pages.opening(actor, target, current),
                           state=state, notice=notice, notes=state.notes,
                           page_url=canonical, state_args=state.args(),
                           types=[(t.type, t.name()) for t in all_types()],
                           can_edit_view=view_service.can_edit(actor, current),
                           can_share=view_service.can_share(actor, target.form),
                           config=state.base["config"], fields=_fields_for(target),
                           slots=_slots(current), system_slots=[
                               ("created_at", _("Created at")), ("updated_at", _("Last changed"))],
                           **extra)
    if wanted is not None and request.method == "GET":
        response.headers["HX-Push-Url"] = canonical
    return response


def redirect_to(url: str):
    """See other: the canonical address after a plain form post."""
    return redirect(url, 303)
