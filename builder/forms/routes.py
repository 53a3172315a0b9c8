"""The form designer pages: create, design (panes and operations), publish, history, revert."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _

from builder.apps import service as apps
from builder.web import current_actor, render, user_names

from . import detail_page, service, view
from .exceptions import (
    DraftChanged,
    MetadataInvalid,
    NotFound,
    OperationInvalid,
    ValidationFailed,
)
from .forms import NewFormForm, PublishForm
from .page import PanelState, designer_context, history_context, read_panel
from .record_schema import schema_download

bp = Blueprint("builder_forms", __name__, url_prefix="/build/apps/<app_key>/forms")
TEMPLATE = "builder/forms/designer.html"
MAX_OP_BYTES = 256 * 1024
MAX_OP_DEPTH = 24
#: inputs whose change redraws the panel (they show or hide other inputs)
STRUCTURAL_INPUTS = (".field", ".op", ".other", "default_kind", "unique", "config.display",
                     "config.form", "config.multiple", "config.link", "config.source",
                     "config.function", ".type")


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _load(app_key: str, form_key: str):
    actor = current_actor()
    app = apps.get_app_by_key(actor, app_key)
    service.require_builder(actor, app)
    return actor, app, service.get_form_for_build(actor, app, form_key)


def _designer_url(app, form, **params: Any) -> str:
    return url_for(".designer", app_key=app.key, form_key=form.key,
                   **{k: v for k, v in params.items() if v})


@bp.route("/new", methods=["GET", "POST"])
def new(app_key: str):
    """Create a form in an app: a name is enough, the key is made from it."""
    actor = current_actor()
    app = apps.get_app_by_key(actor, app_key)
    service.require_builder(actor, app)
    form = NewFormForm()
    status = 200
    if form.validate_on_submit():
        try:
            created = service.create_form(actor, app, form.name.data or "")
        except ValidationFailed as exc:
            form.name.errors = [m for messages in exc.errors.values() for m in messages]
            status = 422
        else:
            flash(_("Form “%(name)s” created. Add its fields.", name=created.name), "success")
            return redirect(_designer_url(app, created), 303)
    elif request.method == "POST":
        status = 422
    return render("builder/forms/new.html", block="content", status=status, app=app, form=form)


@bp.get("/<form_key>")
def designer(app_key: str, form_key: str):
    """The three-pane designer; an htmx request gets the canvas and panel for ``sel``."""
    actor, app, form = _load(app_key, form_key)
    sel = request.args.get("sel", "")[:40] or None
    tab = request.args.get("tab", "")[:10] or None
    context = designer_context(actor, app, form, sel=sel, tab=tab)
    return render(TEMPLATE, block="update", oob=_is_htmx(), with_props=True, **context)


def _read_json_op() -> tuple[dict[str, Any], Any]:
    if (request.content_length or 0) > MAX_OP_BYTES:
        raise ValidationFailed({"op": [_("Operation: too large")]})
    try:
        op = json.loads(request.get_data(as_text=True) or "null")
    except (ValueError, RecursionError) as exc:
        problem = exc.msg if isinstance(exc, json.JSONDecodeError) else _("nested too deeply")
        raise ValidationFailed({"op": [_("Operation: not valid JSON (%(problem)s)",
                                         problem=problem)]}) from None
    if not isinstance(op, dict):
        raise ValidationFailed({"op": [_("Operation: must be an object")]})
    if _depth(op) > MAX_OP_DEPTH:
        raise ValidationFailed({"op": [_("Operation: nested more than %(max)d levels deep",
                                         max=MAX_OP_DEPTH)]})
    return op, op.get("revision")


def _depth(value: Any, level: int = 0) -> int:
    """How deeply lists and objects nest (stops counting past the limit)."""
    if level > MAX_OP_DEPTH or not isinstance(value, dict | list):
        return level
    items = value.values() if isinstance(value, dict) else value
    return max((_depth(item, level + 1) for item in items), default=level + 1)


def _revision(raw: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 10:
        return int(raw)
    raise ValidationFailed({"revision": [_("Revision: must be a whole number (got %(got)s)",
                                           got=str(raw)[:20])]})


@bp.post("/<form_key>/ops")
def ops(app_key: str, form_key: str):
    """Apply one designer operation to the draft (autosave) and show the result."""
    actor, app, form = _load(app_key, form_key)
    if request.is_json:
        op, raw_revision = _read_json_op()
        state = None
    else:
        raw_revision = request.form.get("revision")
        op, state = read_panel(form.draft, request.form,
                               relations=lambda: service.relation_context(form))
    revision = _revision(raw_revision)
    structural = _structural_change(state)
    if state is not None and state.errors:
        return _op_failed(actor, app, form, op, state, state.errors)
    try:
        selected = service.apply_operation(actor, form, op, revision=revision)
    except DraftChanged as exc:
        return _stale(actor, app, form, exc)
    except OperationInvalid as exc:
        return _op_failed(actor, app, form, op, state, exc.errors)
    tab = state.tab if state is not None else ("field" if selected else None)
    if not _is_htmx():
        return redirect(_designer_url(app, form, sel=selected if tab == "field" else None,
                                      tab=tab if tab != "field" else None), 303)
    context = designer_context(actor, app, form, sel=selected, tab=tab)
    response = render(TEMPLATE, block="update", oob=True, with_props=structural, **context)
    response.headers["HX-Replace-Url"] = _designer_url(app, form, sel=context["sel"],
                                                       tab=context["tab_param"])
    return response


def _structural_change(state: PanelState | None) -> bool:
    """Whether the panel must be drawn again (a button pressed or a choice that changes it).

    A plain edit keeps the panel the builder is typing in; designer.js says which input
    changed in ``changed``.
    """
    if state is None or state.action:
        return True
    changed = request.form.get("changed", "").strip()
    return not changed or changed.endswith(STRUCTURAL_INPUTS)


def _op_failed(actor, app, form, op, state: PanelState | None, errors):
    """422 with the problems beside their inputs and what was typed kept.

    A row just added (an empty condition or rule) is shown without complaints: it is
    saved, or complained about, once the builder fills it in.
    """
    state = state or PanelState(tab="field")
    adding = state.action.startswith(("cond_add", "rule_add", "opt_add"))
    state.errors = {} if adding else errors
    if adding:
        state.quiet()
    sel = op.get("id") if isinstance(op.get("id"), str) else None
    context = designer_context(actor, app, form, sel=sel, tab=state.tab, panel_state=state,
                               op_errors=None if adding else errors)
    return render(TEMPLATE, block="update", status=200 if adding else 422, oob=_is_htmx(),
                  with_props=True, **context)


def _stale(actor, app, form, exc: DraftChanged):
    """409: the draft changed under the builder; say so and offer a reload."""
    context = designer_context(actor, app, form, sel=None, tab=None, stale=True)
    response = render(TEMPLATE, block="alert", status=409, **context)
    if _is_htmx():
        response.headers["HX-Retarget"] = "#designer-alert"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


@bp.post("/<form_key>/publish")
def publish(app_key: str, form_key: str):
    """Validate and publish the draft as the next version; list every problem otherwise."""
    actor, app, form = _load(app_key, form_key)
    data = PublishForm()
    if not data.validate_on_submit():
        raise ValidationFailed({"": [_("The form has expired. Reload the page and try again.")]})
    raw = request.form.get("revision")
    if raw and _revision(raw) != form.draft_revision:
        return _stale(actor, app, form, DraftChanged(form.draft_revision, ""))
    try:
        version = service.publish(actor, form, note=(data.note.data or "").strip())
    except MetadataInvalid as exc:
        found = view.problems(form.draft, exc.metadata_errors)
        context = designer_context(actor, app, form, sel=None, tab=None, problems=found)
        return render(TEMPLATE, block="content", status=422, **context)
    flash(_("Published version %(n)d.", n=version.version), "success")
    return redirect(_designer_url(app, form), 303)


@bp.get("/<form_key>/history")
def history(app_key: str, form_key: str):
    """Published versions with who, when, the note and a readable diff; revert buttons."""
    actor, app, form = _load(app_key, form_key)
    entries = service.history(actor, form)
    return render("builder/forms/history.html", block="content", app=app, form=form,
                  entries=entries, names=user_names({e.published_by_id for e in entries}),
                  **history_context())


@bp.post("/<form_key>/versions/<int:number>/revert")
def revert(app_key: str, form_key: str, number: int):
    """Replace the draft with a published version (publish again to make it live)."""
    actor, app, form = _load(app_key, form_key)
    service.revert_draft(actor, form, number)
    flash(_("The draft is now version %(n)d. Publish it to make it live.", n=number), "success")
    if _is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = _designer_url(app, form)
        return response
    return redirect(_designer_url(app, form), 303)


@bp.get("/<form_key>/fields/<field_id>/retype")
def retype(app_key: str, form_key: str, field_id: str):
    """What changing a field's type would do to its stored values; the builder decides."""
    actor, app, form = _load(app_key, form_key)
    found = service.retype_preview(actor, form, field_id[:40], request.args.get("type", "")[:40])
    return render("builder/forms/retype.html", block="dialog", app=app, form=form,
                  found=found, type_names=history_context()["type_names"],
                  designer_url=_designer_url(app, form, sel=field_id))


@bp.route("/<form_key>/fields/<field_id>/purge", methods=["GET", "POST"])
def purge(app_key: str, form_key: str, field_id: str):
    """Drop a deleted field's stored data for good, after a confirmation naming it."""
    actor, app, form = _load(app_key, form_key)
    field = service.deleted_field(actor, form, field_id[:40])
    back = _designer_url(app, form, tab="form")
    if request.method == "POST":
        service.purge_field(actor, form, field.id)
        flash(_("The data of “%(label)s” was purged.", label=field.label), "success")
        return redirect(back, 303)
    return render("builder/forms/purge.html", block="dialog", app=app, form=form, field=field,
                  designer_url=back)


@bp.route("/<form_key>/detail", methods=["GET", "POST"])
def detail(app_key: str, form_key: str):
    """The record page (360°): related sections and the timeline, saved into the draft."""
    actor, app, form = _load(app_key, form_key)
    choices = detail_page.pairs(service.relation_context(form))
    here = url_for(".detail", app_key=app.key, form_key=form.key)
    if request.method == "POST":
        settings = detail_page.read(request.form, choices)
        try:
            service.save_draft(actor, form, dict(form.draft, detail=settings),
                               revision=_revision(request.form.get("revision")))
        except DraftChanged:
            flash(_("The form was changed by someone else in the meantime. Check the "
                    "settings again."), "error")
            return redirect(here, 303)
        if request.form.get("action") == "save":
            flash(_("Record page settings saved to the draft. Publish the form to apply "
                    "them."), "success")
        return redirect(here, 303)
    settings = form.draft.get("detail") or {}
    return render("builder/forms/detail.html", block="content", app=app, form=form,
                  choices=choices, configured="sections" in settings,
                  sections=detail_page.rows(settings, choices, "sections"),
                  sources=detail_page.rows(settings, choices, "sources"),
                  timeline_limit=(settings.get("timeline") or {}).get("limit", 20),
                  designer_url=_designer_url(app, form, tab="form"))


@bp.get("/<form_key>/schema.json")
def record_schema(app_key: str, form_key: str):
    """The JSON Schema of the live version's records, as a download."""
    actor, app, form = _load(app_key, form_key)
    version = service.published_version(form)
    if version is None:
        raise NotFound(f"form {form_key} is not published")
    return schema_download(version.document, version.version)
