"""Staff pages for records: list, entry form, record page with edit, trash and history."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from builder.apps import service as apps
from builder.forms.record_schema import schema_download
from builder.web import current_actor, render, safe_next

from ..permissions import service as permissions
from ..views import pages as view_pages
from . import (
    display,
    domain,
    entry,
    forms_lookup,
    links,
    pages,
    prefill,
    related,
    service,
    subtables,
)
from .exceptions import FormNotPublished, StaleRecord, ValidationFailed

bp = Blueprint("records", __name__, url_prefix="/a/<app_key>/<form_key>")
PAGE_SIZE = 50
#: long texts (rich text up to 200,000 characters) must reach the field types' own limits
MAX_FORM_BYTES = 16 * 1024 * 1024


@bp.url_value_preprocessor
def _allow_long_fields(endpoint, values) -> None:
    """Runs before CSRF reads the body, so multipart fields may be as long as types allow."""
    request.max_form_memory_size = MAX_FORM_BYTES


@bp.errorhandler(FormNotPublished)
def not_published(error: FormNotPublished):
    """A form without a published version: builders are told to publish it."""
    return render("records/not_published.html", block="content", status=404, app=error.app,
                  form=error.form, can_build=apps.can_build(current_actor(), error.app))


def _target(app_key: str, form_key: str) -> forms_lookup.FormTarget:
    return forms_lookup.resolve(current_actor(), app_key, form_key)


def _number(raw: str | None) -> int | None:
    """A non-negative integer typed in ASCII digits, or None (never an exception)."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None


def _int_arg(name: str) -> int | None:
    return _number(request.args.get(name))


def _row_version() -> int:
    """The version the form was opened at (0, which never matches, if it is missing)."""
    found = _number(request.form.get("row_version"))
    return found if found is not None and found < 2**31 else 0


def _record_url(target, record_id: int, **args) -> str:
    # The address's own keys found this app and form. After a save has committed, reading
    # them from the app and form objects instead would load both again (two queries).
    keys = request.view_args or {}
    if "app_key" in keys and "form_key" in keys:
        return url_for("records.detail", app_key=keys["app_key"], form_key=keys["form_key"],
                       record_id=record_id, **args)
    return url_for("records.detail", app_key=target.app.key, form_key=target.form.key,
                   record_id=record_id, **args)


# ---------------------------------------------------------------- list


@bp.get("")
def index(app_key: str, form_key: str):
    """The form's records as its default table view (``?trash=1``: the trash, newest first)."""
    actor, target = current_actor(), _target(app_key, form_key)
    trashed = request.args.get("trash") == "1"
    if not trashed:
        return view_pages.table_page(actor, target)
    before, after = _int_arg("before"), _int_arg("after")
    records, newer, older = _page(actor, target.published, before, after, trashed)
    return render("records/list.html", block="records", target=target, trashed=trashed,
                  keys={"app_key": app_key, "form_key": form_key},
                  table=pages.record_table(target.published, records, trashed=trashed),
                  newer=newer, older=older)


def _page(actor, form, before, after, trashed):
    """One page of records (newest first) and whether newer and older pages exist."""
    def fetch(**keyset):
        return service.page(actor, form, trashed=trashed, **keyset)

    if after is not None:
        records = fetch(after_id=after, limit=PAGE_SIZE + 1)
        newer = len(records) > PAGE_SIZE
        return records[-PAGE_SIZE:], newer, bool(fetch(before_id=after + 1, limit=1))
    records = fetch(before_id=before, limit=PAGE_SIZE + 1)
    newer = before is not None and bool(fetch(after_id=before - 1, limit=1))
    return records[:PAGE_SIZE], newer, len(records) > PAGE_SIZE


# ---------------------------------------------------------------- entry


@bp.route("/new", methods=["GET", "POST"])
def new(app_key: str, form_key: str):
    """The entry form: save runs the one write path; errors come back beside fields (422)."""
    actor, target = current_actor(), _target(app_key, form_key)
    form = target.published
    permissions.require(actor, form, "create")  # before showing the form, too
    if request.method == "GET":
        values, problems = prefill.values(actor, form, request.args)
        # other fields from the address (a calendar day), checked like typed input
        others = MultiDict([(k, v) for k, v in request.args.items(multi=True)
                            if k in form.field_map and form.field_map[k].type != "link"])
        given, more = entry.prefilled(form, others)
        values.update(given)
        problems = {**more, **problems}
        if problems:  # a prefilled value that is not (or no longer) allowed
            return pages.entry_page(target, values, errors=problems, status=422)
        return pages.entry_page(target, values, errors=None)
    data = entry.parse_submission(form, request.form)
    if _row_action():  # a sub-table's row button, without JavaScript
        return _new_rows(target, data)
    try:
        record = service.create(actor, form, data)
    except ValidationFailed as exc:
        return pages.entry_page(target, data, errors=exc.errors, status=422)
    title = pages.record_title(form, record)
    if request.form.get("_action") == "save_new" or not target.allows("view", record):
        flash(_("Saved “%(title)s”. Add the next one.", title=title), "success")
        return redirect(url_for("records.new", app_key=app_key, form_key=form_key), 303)
    flash(_("Saved “%(title)s”.", title=title), "success")
    return redirect(_record_url(target, record.id), 303)


@bp.post("/new/refresh")
def refresh_new(app_key: str, form_key: str):
    """Re-render the entry form for what is typed so far, without saving."""
    target = _target(app_key, form_key)
    permissions.require(current_actor(), target.published, "create")
    data = entry.parse_submission(target.published, request.form)
    if _row_action():
        return _new_rows(target, data)
    return pages.entry_page(target, data, touched=entry.touched(target.published, request.form))


def _row_action() -> str | None:
    """The sub-table row button pressed, if one was.

    htmx also sends a focused submit button's value with the form's own refresh
    (triggered by the form): that is not a press.
    """
    if request.headers.get("HX-Trigger") == "entry-form":
        return None
    return request.form.get(subtables.ROW_ACTION) or None


def _new_rows(target, data):
    """The entry form again with a sub-table's row added, removed or moved (nothing saved)."""
    focus = subtables.apply_row_action(target.published, data, _row_action() or "")
    return pages.entry_page(target, data, touched=entry.touched(target.published, request.form),
                            focus=focus)


@bp.get("/links/<field_id>")
def link_search(app_key: str, form_key: str, field_id: str):
    """Records a link field may point at, matching what is typed (the widget's suggestions)."""
    actor, target = current_actor(), _target(app_key, form_key)
    link = target.published.field_map.get(field_id)
    if link is None or link.type != "link":
        abort(404)
    text = request.args.get(f"_find_{field_id}", request.args.get("q", ""))
    response = render_template("records/_link_results.html", field_id=field_id,
                               results=links.search(actor, link, text), text=text)
    return response, 200, {"Cache-Control": "no-store"}


# ---------------------------------------------------------------- record page


@bp.get("/<int:record_id>")
def detail(app_key: str, form_key: str, record_id: int):
    """A record: its values, or (``?tab=history``) who changed what and when."""
    actor, target = current_actor(), _target(app_key, form_key)
    record = service.get(actor, target.published, record_id, include_deleted=True)
    tab = "history" if request.args.get("tab") == "history" else "details"
    history = None
    if tab == "history":
        history = display.history_rows(target.published,
                                       service.history(actor, target.published, record_id),
                                       trashed=record.deleted_at is not None)
    sections, timeline = [], False
    if tab == "details":  # the 360° parts load on their own (htmx), so the record shows at once
        sections, timeline = _related_parts(actor, target)
    return render("records/detail.html", block="record_tab", target=target, record=record,
                  keys={"app_key": app_key, "form_key": form_key, "record_id": record_id},
                  tab=tab, history=history, sections=sections, timeline=timeline,
                  **pages.detail_context(target.published, record))


def _related_parts(actor, target) -> tuple[list, bool]:
    """The related sections (position, spec) the person may see, and whether a timeline shows."""
    targets = related.Targets()
    specs = related.section_specs(target.app.id, target.published, targets)
    sources, _limit = related.timeline_specs(target.app.id, target.published, targets)
    return related.visible(actor, specs), bool(related.visible(actor, sources))


@bp.get("/<int:record_id>/related/<int:index>")
def related_section(app_key: str, form_key: str, record_id: int, index: int):
    """One related section of a record's 360° page (a fragment the page loads)."""
    actor, target = current_actor(), _target(app_key, form_key)
    service.get(actor, target.published, record_id, include_deleted=True)  # scope: else 404
    specs = dict(related.visible(actor, related.section_specs(target.app.id, target.published)))
    if index not in specs:
        abort(404)
    section = related.section(actor, index, specs[index], record_id)
    return render_template("records/_related_section.html", section=section,
                           record_id=record_id), 200, {"Vary": "HX-Request"}


@bp.get("/<int:record_id>/timeline")
def related_timeline(app_key: str, form_key: str, record_id: int):
    """The timeline of a record's 360° page: related records merged by date (a fragment)."""
    actor, target = current_actor(), _target(app_key, form_key)
    service.get(actor, target.published, record_id, include_deleted=True)  # scope: else 404
    specs, limit = related.timeline_specs(target.app.id, target.published)
    items = related.timeline(actor, specs, limit, record_id)
    return render_template("records/_related_timeline.html", items=items), 200, \
        {"Vary": "HX-Request"}


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
def edit(app_key: str, form_key: str, record_id: int):
    """Edit a record; if someone saved in between, show both values and overwrite nothing."""
    actor, target = current_actor(), _target(app_key, form_key)
    form = target.published
    record = service.get(actor, form, record_id, operation="edit")
    if request.method == "GET":
        return pages.edit_page(target, record, entry.form_values(form, record.values),
                               row_version=record.row_version)
    data = entry.parse_submission(form, request.form)
    expected_version = _row_version()
    if _row_action():
        return _edit_rows(target, record, data)
    try:
        saved = service.update(actor, form, record_id, data, expected_version=expected_version)
    except StaleRecord as exc:
        return pages.conflict_page(actor, target, exc.current, data, expected_version)
    except ValidationFailed as exc:
        return pages.edit_page(target, record, data, row_version=expected_version,
                               errors=exc.errors, status=422)
    flash(_("Changes saved."), "success")
    if not target.allows("view", saved):  # the change took it out of their scope
        return redirect(url_for("records.index", app_key=app_key, form_key=form_key), 303)
    return redirect(_record_url(target, record_id), 303)


@bp.post("/<int:record_id>/edit/refresh")
def refresh_edit(app_key: str, form_key: str, record_id: int):
    """Re-render the edit form for what is typed so far, without saving."""
    actor, target = current_actor(), _target(app_key, form_key)
    record = service.get(actor, target.published, record_id, operation="edit")
    data = entry.parse_submission(target.published, request.form)
    if _row_action():
        return _edit_rows(target, record, data)
    return pages.edit_page(target, record, data, row_version=_row_version(),
                           touched=entry.touched(target.published, request.form))


def _edit_rows(target, record, data):
    """The edit form again with a sub-table's row added, removed or moved (nothing saved)."""
    focus = subtables.apply_row_action(target.published, data, _row_action() or "")
    return pages.edit_page(target, record, data, row_version=_row_version(),
                           touched=entry.touched(target.published, request.form), focus=focus)


@bp.post("/<int:record_id>/delete")
def delete(app_key: str, form_key: str, record_id: int):
    """Move a record to the trash."""
    actor, target = current_actor(), _target(app_key, form_key)
    record = service.delete(actor, target.published, record_id)
    flash(_("Moved “%(title)s” to the trash.", title=pages.record_title(target.published, record)),
          "success")
    return redirect(url_for("records.index", app_key=app_key, form_key=form_key), 303)


@bp.post("/<int:record_id>/restore")
def restore(app_key: str, form_key: str, record_id: int):
    """Bring a record back from the trash (refused if a unique value is taken meanwhile)."""
    actor, target = current_actor(), _target(app_key, form_key)
    back = safe_next(request.form.get("next") or _record_url(target, record_id))
    try:
        record = service.restore(actor, target.published, record_id)
    except ValidationFailed as exc:
        flash(_("Could not restore the record: %(problems)s",
                problems=pages.error_text(target.published, exc.errors)), "error")
        return redirect(back, 303)
    flash(_("Restored “%(title)s”.", title=pages.record_title(target.published, record)),
          "success")
    return redirect(back, 303)


@bp.post("/<int:record_id>/history/<int:entry_id>/restore")
def restore_version(app_key: str, form_key: str, record_id: int, entry_id: int):
    """Bring back the values of an earlier version, through the normal update."""
    actor, target = current_actor(), _target(app_key, form_key)
    form = target.published
    try:
        service.restore_version(actor, form, record_id, entry_id,
                                expected_version=_row_version())
    except StaleRecord:
        flash(_("The record was changed by someone else in the meantime. Look at the history "
                "again and choose the version to restore."), "error")
        return redirect(_record_url(target, record_id, tab="history"), 303)
    except ValidationFailed as exc:
        entries = service.history(actor, form, record_id)
        old = domain.values_at(form, reversed(entries), entry_id)
        values = {fid: entry.from_json(form, fid, raw) for fid, raw in old.items()}
        record = service.get(actor, form, record_id)
        return pages.edit_page(target, record, values, row_version=record.row_version,
                               errors=exc.errors, status=422, restoring=True)
    flash(_("The earlier version was restored."), "success")
    return redirect(_record_url(target, record_id), 303)


@bp.get("/schema.json")
def record_schema(app_key: str, form_key: str):
    """The JSON Schema of this form's records: what the API and the importer accept."""
    form = _target(app_key, form_key).published
    return schema_download(form.document, form.version)
