"""Endpoints of the card views: create one, change its settings, move a kanban card,
load more of a column, reschedule on the calendar. Moves are updates through the one
write path; a refusal answers 403/409/422 with the reason for the card to show."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from builder import views as view_types
from builder.exceptions import PermissionDenied, ValidationFailed
from builder.metadata import MetadataInvalid
from builder.views import domain as view_domain
from builder.views import service as view_service
from builder.web import current_actor, render

from ..records import forms_lookup
from ..records.exceptions import RecordNotFound, StaleRecord
from ..records.pages import error_text
from . import board_pages, calendar, cards, edits, kanban

bp = Blueprint("boards", __name__, url_prefix="/a/<app_key>/<form_key>/boards")


def _target(app_key: str, form_key: str) -> forms_lookup.FormTarget:
    return forms_lookup.resolve(current_actor(), app_key, form_key)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


def _view_url(target, view_id: int) -> str:
    return url_for("records.index", app_key=target.app.key, form_key=target.form.key,
                   view=str(view_id))


def _refusal_text(exc: Exception, target) -> tuple[str, int]:
    """Why a move was refused, in words, and its status."""
    if isinstance(exc, StaleRecord):
        return _("Someone else changed this record just now; the board shows it as it is "
                 "now. Try again."), 409
    if isinstance(exc, PermissionDenied):
        return _("You may not change this record."), 403
    if isinstance(exc, RecordNotFound):
        return _("This record is gone (deleted or moved to the trash)."), 404
    return error_text(target.published, exc.errors), 422


@bp.post("/new")
def create(app_key: str, form_key: str):
    """A new kanban, calendar or gallery view with settings suggested from the form."""
    actor, target = current_actor(), _target(app_key, form_key)
    kind = request.form.get("type", "")
    if kind not in cards.CARD_TYPES:
        kind = "kanban"
    form = target.published
    document = view_domain.new_document(request.form.get("name", "").strip() or "-", kind,
                                        form.fields, form.title_field)
    document["name"] = request.form.get("name", "").strip()
    document["sharing"] = edits.sharing(request.form)
    try:
        view = view_service.create_view(actor, target.form, document, fields=form.field_map)
    except ValidationFailed as exc:
        flash(_message(exc), "error")
        return redirect(url_for("records.index", app_key=app_key, form_key=form_key), 303)
    flash(_("Saved the view “%(name)s”.", name=view.name), "success")
    return redirect(_view_url(target, view.id), 303)


def _message(exc: ValidationFailed) -> str:
    if isinstance(exc, MetadataInvalid):
        return "; ".join(e.message for e in exc.metadata_errors)
    return "; ".join(m for messages in exc.errors.values() for m in messages)


@bp.post("/<int:view_id>/configure")
def configure(app_key: str, form_key: str, view_id: int):
    """Save the view's name and type settings (fields of the form only)."""
    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    view_type = view_types.get(view.type)
    config = dict(view.document["config"])
    for slot in getattr(view_type, "slots", {}):
        config[slot] = request.form.get(slot) or None
    config["card_fields"] = list(dict.fromkeys(request.form.getlist("card_fields")))[:4]
    document = dict(view.document, config=config,
                    name=request.form.get("name", view.name).strip())
    try:
        view_service.save_view(actor, view, document, version=_int(request.form.get("version"))
                               or 0, fields=target.published.field_map)
    except ValidationFailed as exc:
        flash(_message(exc), "error")
        return redirect(_view_url(target, view.id), 303)
    flash(_("Saved the view “%(name)s”.", name=view.name), "success")
    return redirect(_view_url(target, view.id), 303)


@bp.post("/<int:view_id>/move")
def move(app_key: str, form_key: str, view_id: int):
    """Move a card to another column: the record's group field, at the version shown."""
    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    _views, _current, state = board_pages.load(actor, target, MultiDict({"view": str(view.id)}))
    group, _sum = kanban.settings(target, state)
    record_id, version = _int(request.form.get("record")), _int(request.form.get("version"))
    if group is None or record_id is None or version is None:
        return _answer(target, view, _("Choose a column to move the card to."), 422)
    try:
        record = kanban.move(actor, target, group, record_id, request.form.get("to", "")[:64],
                             version)
    except (ValidationFailed, StaleRecord, PermissionDenied, RecordNotFound) as exc:
        text, status = _refusal_text(exc, target)
        return _answer(target, view, text, status)
    if cards.is_htmx() or request.headers.get("X-Requested-With") == "fetch":
        card = cards.build(target, [record], cards.card_fields(target, state))[0]
        card.extra = request.form.get("to", "")
        board = kanban.Board(group, None, kanban.lanes(group, {}), [])
        return render("views/_kanban_card.html", card=card, board=board,
                      urls=kanban.urls(target, view.id))
    flash(_("Moved “%(title)s”.", title=cards.build(target, [record], [])[0].title), "success")
    return redirect(_view_url(target, view.id), 303)


def _answer(target, view, text: str, status: int):
    """A refused move: the reason as text for scripts, or the board with it (no script)."""
    if cards.is_htmx() or request.headers.get("X-Requested-With") == "fetch":
        return text, status, {"Content-Type": "text/plain; charset=utf-8"}
    flash(text, "error")
    return redirect(_view_url(target, view.id), 303)


@bp.get("/<int:view_id>/more")
def more(app_key: str, form_key: str, view_id: int):
    """The next cards of one column."""
    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    args = MultiDict(request.args)
    args["view"] = str(view.id)
    _views, _current, state = board_pages.load(actor, target, args)
    group, _sum = kanban.settings(target, state)
    if group is None:
        return "", 204
    from .pages import context_of
    from .reading import clause

    where = clause(target.published, state, context_of(actor))
    shown = cards.card_fields(target, state)
    lane = kanban.Lane(request.args.get("lane", "")[:64], "")
    kanban.fill(actor, target, state, where, group, lane, shown,
                after=request.args.get("after"))
    board = kanban.Board(group, None, kanban.lanes(group, {}), shown)
    more_url = kanban.more_url(target, view.id, state, lane) if lane.next_token else None
    return render("views/_kanban_more.html", lane=lane, board=board,
                  urls=kanban.urls(target, view.id), more_url=more_url)


@bp.post("/<int:view_id>/reschedule")
def reschedule(app_key: str, form_key: str, view_id: int):
    """Move a calendar record to another day (its end moves with it)."""
    from datetime import date

    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    _views, _current, state = board_pages.load(actor, target, MultiDict({"view": str(view.id)}))
    record_id, version = _int(request.form.get("record")), _int(request.form.get("version"))
    try:
        day = date.fromisoformat(request.form.get("day", "")[:10])
    except ValueError:
        day = None
    if record_id is None or version is None or day is None:
        return _answer(target, view, _("Choose a day to move the record to."), 422)
    try:
        calendar.reschedule(actor, target, state, record_id, day, version)
    except (ValidationFailed, StaleRecord, PermissionDenied, RecordNotFound) as exc:
        text, status = _refusal_text(exc, target)
        return _answer(target, view, text, status)
    return _("Moved."), 200, {"Content-Type": "text/plain; charset=utf-8"}
