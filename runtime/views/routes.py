"""View endpoints beside the table page: the filter builder, counts and totals, cell and
bulk edits (through the one write path), and keeping views (save, share, order, delete)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, flash, redirect, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from builder.exceptions import ValidationFailed
from builder.metadata import MetadataInvalid
from builder.views import service as view_service
from builder.web import current_actor, render

from ..records import forms_lookup
from . import edits, filters, pages, reading

bp = Blueprint("views", __name__, url_prefix="/a/<app_key>/<form_key>/views")


def _target(app_key: str, form_key: str) -> forms_lookup.FormTarget:
    return forms_lookup.resolve(current_actor(), app_key, form_key)


def _posted_state() -> MultiDict:
    """The view settings a POST carries (the page's canonical query string)."""
    return MultiDict(parse_qsl(request.form.get("state", "")[:20_000]))


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


# ---------------------------------------------------------------- filter builder


#: a card view's own address arguments that a filter change keeps (calendar period)
CARD_ARGS = ("mode", "on")


@bp.get("/filter")
def filter_editor(app_key: str, form_key: str):
    """Change the filter builder (add, remove, pick a field) or apply it to the view."""
    actor, target = current_actor(), _target(app_key, form_key)
    form = target.published
    editor = filters.from_args(request.args, form)
    action = request.args.get("_act", "")
    if action in ("apply", "clear"):
        condition, problems = (None, 0) if action == "clear" else filters.to_condition(editor,
                                                                                         form)
        if not problems:
            _views, _current, state = pages.load(actor, target, request.args)
            state.filter = condition
            url = pages.view_url(target, state)
            kept = {k: request.args[k] for k in CARD_ARGS if request.args.get(k)}
            if kept:  # the calendar's period stays where it was
                url += ("&" if "?" in url else "?") + urlencode(kept)
            if not _is_htmx():
                return redirect(url, 303)
            response = pages.render_empty()
            board = _current is not None and _current.type != "table"
            response.headers["HX-Location"] = json.dumps(
                {"path": url, "target": "#view" if board else "#view-results"})
            return response
    status = 422 if action == "apply" else 200  # apply got here only with problems
    if _is_htmx():
        _views, _current, state = pages.load(actor, target, request.args)
        return render("views/table.html", block="filter_editor", status=status, editor=editor,
                      target=target, state_args=state.args(), editor_open=True)
    return pages.table_page(actor, target, editor=editor, status=status)


# ---------------------------------------------------------------- counts and totals


@bp.get("/count")
def count(app_key: str, form_key: str):
    """Count every match exactly (under a time limit)."""
    actor, target = current_actor(), _target(app_key, form_key)
    _views, _current, state = pages.load(actor, target, request.args)
    reading.require_view(actor, target.published)
    where = reading.clause(target.published, state, pages.context_of(actor))
    found = reading.exact_count(target.published, where)
    return render("views/table.html", block="exact_count", found=found,
                  cap=reading.COUNT_CAP)


@bp.get("/totals")
def totals(app_key: str, form_key: str):
    """The totals row of the view (under a time limit)."""
    actor, target = current_actor(), _target(app_key, form_key)
    _views, _current, state = pages.load(actor, target, request.args)
    reading.require_view(actor, target.published)
    where = reading.clause(target.published, state, pages.context_of(actor))
    found = reading.totals(target.published, where, state.totals)
    return render("views/table.html", block="totals_row",
                  totals_row=edits.totals_row(target.published, state, found),
                  table=edits.table_shape(target.published, state),
                  aggregate_labels=pages.aggregate_labels())


# ---------------------------------------------------------------- editing records


@bp.route("/cell/<int:record_id>/<field_id>", methods=["GET", "POST"])
def cell(app_key: str, form_key: str, record_id: int, field_id: str):
    """A cell's editor (GET ?edit=1), its value (GET), or save it through the write path."""
    actor, target = current_actor(), _target(app_key, form_key)
    if request.method == "GET":
        return edits.cell_response(actor, target, record_id, field_id,
                                   editing=request.args.get("edit") == "1")
    return edits.save_cell(actor, target, record_id, field_id, request.form)


@bp.get("/bulk-field")
def bulk_field(app_key: str, form_key: str):
    """The input for the value a bulk edit sets."""
    actor, target = current_actor(), _target(app_key, form_key)
    reading.require_view(actor, target.published)
    return edits.bulk_widget(target, request.args.get("field", ""))


@bp.post("/bulk")
def bulk(app_key: str, form_key: str):
    """Edit or delete the selected records, each through the write path."""
    actor, target = current_actor(), _target(app_key, form_key)
    notice = edits.bulk(actor, target, request.form)
    args = _posted_state()
    if not _is_htmx():
        reasons = "; ".join(f"#{record_id}: {why}" for record_id, why in notice["refused"])
        flash(f"{notice['text']} {reasons}".strip(), notice["kind"])
        _views, _current, state = pages.load(actor, target, args)
        return redirect(pages.view_url(target, state), 303)
    return pages.table_page(actor, target, args=args, notice=notice,
                            status=422 if notice["refused"] else 200)


# ---------------------------------------------------------------- keeping views


def _back(target, view_id: int | None, args: MultiDict | None = None):
    args = args if args is not None else MultiDict()
    if view_id is not None:
        args = MultiDict([*[(k, v) for k, v in args.items(multi=True) if k != "view"],
                          ("view", str(view_id))])
    _views, _current, state = pages.load(current_actor(), target, args)
    return redirect(pages.view_url(target, state), 303)


def _refused(target, exc: ValidationFailed, args: MultiDict):
    """A view setting that could not be saved: the page again, with why (422)."""
    if isinstance(exc, MetadataInvalid):
        text = "; ".join(f"{pages.setting_label(e.path)}: {e.message}"
                         for e in exc.metadata_errors)
    else:
        text = "; ".join(m for messages in exc.errors.values() for m in messages)
    notice = {"text": text, "refused": [], "kind": "error",
              "name": request.form.get("name", "")[:200]}
    return pages.table_page(current_actor(), target, args=args, notice=notice, status=422)


@bp.post("/new")
def create(app_key: str, form_key: str):
    """Keep the current settings as a new view (personal, or shared if the person may)."""
    actor, target = current_actor(), _target(app_key, form_key)
    args = _posted_state()
    _views, _current, state = pages.load(actor, target, args)
    document = state.document()
    document["name"] = request.form.get("name", "").strip()
    document["sharing"] = edits.sharing(request.form, pages.role_keys(target))
    try:
        view = view_service.create_view(actor, target.form, document,
                                        fields=target.published.field_map)
    except ValidationFailed as exc:
        return _refused(target, exc, args)
    flash(_("Saved the view “%(name)s”.", name=view.name), "success")
    return _back(target, view.id, MultiDict({"q": args.get("q", "")} if args.get("q") else {}))


@bp.post("/<int:view_id>/save")
def save(app_key: str, form_key: str, view_id: int):
    """Save the current settings into the view."""
    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    args = _posted_state()
    _views, _current, state = pages.load(actor, target, args)
    try:
        raw = request.form.get("version", "")
        version = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        view_service.save_view(actor, view, state.document(), version=version,
                               fields=target.published.field_map)
    except ValidationFailed as exc:
        return _refused(target, exc, args)
    flash(_("Saved the view “%(name)s”.", name=view.name), "success")
    return _back(target, view.id, MultiDict({"q": args.get("q", "")} if args.get("q") else {}))


@bp.post("/<int:view_id>/rename")
def rename(app_key: str, form_key: str, view_id: int):
    """Give a view a new name."""
    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    try:
        view_service.rename_view(actor, view, request.form.get("name", ""))
    except ValidationFailed as exc:
        return _refused(target, exc, MultiDict({"view": str(view_id)}))
    return _back(target, view.id)


@bp.post("/<int:view_id>/sharing")
def share(app_key: str, form_key: str, view_id: int):
    """Change who sees a view (people who manage shared views)."""
    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    document = dict(view.document, sharing=edits.sharing(request.form,
                                                         pages.role_keys(target)))
    try:
        view_service.save_view(actor, view, document, version=view.version,
                               fields=target.published.field_map)
    except ValidationFailed as exc:
        return _refused(target, exc, MultiDict({"view": str(view_id)}))
    flash(_("Sharing saved."), "success")
    return _back(target, view.id)


@bp.post("/<int:view_id>/delete")
def delete(app_key: str, form_key: str, view_id: int):
    """Delete a view."""
    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    name = view.name
    view_service.delete_view(actor, view)
    flash(_("Deleted the view “%(name)s”.", name=name), "success")
    return _back(target, None)


@bp.post("/default")
def default(app_key: str, form_key: str):
    """Choose for whom a shared view opens the list: everyone and/or chosen roles
    (``view=0``: everyone's list opens with all records again)."""
    actor, target = current_actor(), _target(app_key, form_key)
    raw = request.form.get("view", "")
    view = view_service.get_view(actor, target.form, int(raw)) if raw.isdigit() and \
        raw != pages.BUILTIN else None
    try:
        if view is None:
            view_service.set_default(actor, None, target.form)
        else:
            everyone = request.form.get("everyone") == "1" if "sent" in request.form else True
            view_service.set_opening(actor, target.form, view, everyone=everyone,
                                     roles=request.form.getlist("roles")[:200],
                                     known_roles=pages.role_keys(target))
    except ValidationFailed as exc:
        return _refused(target, exc, MultiDict({"view": raw or pages.BUILTIN}))
    flash(_("Saved who the list opens with this view for."), "success")
    return _back(target, view.id if view else None)


@bp.post("/order")
def order(app_key: str, form_key: str):
    """Put views in a new order (the ones the actor may change)."""
    actor, target = current_actor(), _target(app_key, form_key)
    ids = [int(i) for i in request.form.getlist("ids")[:500] if i.isdigit() and len(i) < 10]
    view_service.reorder_views(actor, target.form, ids)
    if _is_htmx():
        return pages.render_empty()
    return _back(target, None)


@bp.post("/<int:view_id>/widths")
def widths(app_key: str, form_key: str, view_id: int):
    """Remember column widths (sent by the resize handles)."""
    actor, target = current_actor(), _target(app_key, form_key)
    view = view_service.get_view(actor, target.form, view_id)
    found = {key[2:]: int(value) for key, value in request.form.items()
             if key.startswith("w.") and value.isdigit() and len(value) < 5}
    view_service.set_widths(actor, view, found)
    return pages.render_empty()
