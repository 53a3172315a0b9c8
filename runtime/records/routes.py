"""Staff pages for records: list, entry form, record page with edit, trash and history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from builder.apps import service as apps
from builder.web import current_actor, render, safe_next

from . import display, domain, entry, forms_lookup, pages, service
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
                  form=error.form, can_build=apps.can_build(current_actor()))


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
    return url_for("records.detail", app_key=target.app.key, form_key=target.form.key,
                   record_id=record_id, **args)


# ---------------------------------------------------------------- list


@bp.get("")
def index(app_key: str, form_key: str):
    """The record list, newest first, 50 a page (``?trash=1``: the trash)."""
    actor, target = current_actor(), _target(app_key, form_key)
    trashed = request.args.get("trash") == "1"
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
    if request.method == "GET":
        return pages.entry_page(target, entry.initial_values(form), errors=None)
    data = entry.parse_submission(form, request.form)
    try:
        record = service.create(actor, form, data)
    except ValidationFailed as exc:
        return pages.entry_page(target, data, errors=exc.errors, status=422)
    title = pages.record_title(form, record)
    if request.form.get("_action") == "save_new":
        flash(_("Saved “%(title)s”. Add the next one.", title=title), "success")
        return redirect(url_for("records.new", app_key=app_key, form_key=form_key), 303)
    flash(_("Saved “%(title)s”.", title=title), "success")
    return redirect(_record_url(target, record.id), 303)


@bp.post("/new/refresh")
def refresh_new(app_key: str, form_key: str):
    """Re-render the entry form for what is typed so far, without saving."""
    target = _target(app_key, form_key)
    data = entry.parse_submission(target.published, request.form)
    return pages.entry_page(target, data, touched=entry.touched(target.published, request.form))


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
    return render("records/detail.html", block="record_tab", target=target, record=record,
                  keys={"app_key": app_key, "form_key": form_key, "record_id": record_id},
                  tab=tab, history=history, **pages.detail_context(target.published, record))


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
def edit(app_key: str, form_key: str, record_id: int):
    """Edit a record; if someone saved in between, show both values and overwrite nothing."""
    actor, target = current_actor(), _target(app_key, form_key)
    form = target.published
    record = service.get(actor, form, record_id)
    if request.method == "GET":
        return pages.edit_page(target, record, entry.form_values(form, record.values),
                               row_version=record.row_version)
    data = entry.parse_submission(form, request.form)
    expected_version = _row_version()
    try:
        service.update(actor, form, record_id, data, expected_version=expected_version)
    except StaleRecord as exc:
        return pages.conflict_page(actor, target, exc.current, data, expected_version)
    except ValidationFailed as exc:
        return pages.edit_page(target, record, data, row_version=expected_version,
                               errors=exc.errors, status=422)
    flash(_("Changes saved."), "success")
    return redirect(_record_url(target, record_id), 303)


@bp.post("/<int:record_id>/edit/refresh")
def refresh_edit(app_key: str, form_key: str, record_id: int):
    """Re-render the edit form for what is typed so far, without saving."""
    actor, target = current_actor(), _target(app_key, form_key)
    record = service.get(actor, target.published, record_id)
    data = entry.parse_submission(target.published, request.form)
    return pages.edit_page(target, record, data, row_version=_row_version(),
                           touched=entry.touched(target.published, request.form))


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
