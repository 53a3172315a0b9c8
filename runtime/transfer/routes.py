"""Pages of the import wizard (upload → map → preview → run) and of exports."""

from __future__ import annotations

import tempfile

from flask import Blueprint, g, redirect, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from builder.web import current_actor

from ..records import forms_lookup
from . import export as exports
from . import pages, service
from .exceptions import SourceInvalid, ValidationFailed
from .writers import CSV_TYPE, XLSX_TYPE

bp = Blueprint("transfer", __name__, url_prefix="/a/<app_key>/<form_key>")


def _target(app_key: str, form_key: str) -> forms_lookup.FormTarget:
    return forms_lookup.resolve(current_actor(), app_key, form_key)


def _keys(target) -> dict[str, str]:
    return {"app_key": target.app.key, "form_key": target.form.key}


def _step_url(endpoint: str, target, run) -> str:
    return url_for(f"transfer.{endpoint}", run_id=run.id, **_keys(target))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """An upload over the size limit gets the upload page back with the limit named.

    The limit trips while the CSRF check reads the body, before the user is loaded.
    """
    from ..shell import web

    if g.get("user") is None:
        web.load_user()
    if g.user is None:
        return web.http_error(error)
    target = _target(request.view_args["app_key"], request.view_args["form_key"])
    return pages.upload_page(target, errors={"file": [pages.too_large_message()]}, status=413)


# ---------------------------------------------------------------- import wizard


@bp.route("/import", methods=["GET", "POST"])
def upload(app_key: str, form_key: str):
    """Step 1: choose a file."""
    actor, target = current_actor(), _target(app_key, form_key)
    if request.method == "GET":
        return pages.upload_page(target)
    try:
        run = service.upload(actor, target, request.files.get("file"))
    except SourceInvalid as exc:
        return pages.upload_page(target, errors=exc.errors, status=422)
    return redirect(_step_url("mapping", target, run), 303)


@bp.route("/import/<int:run_id>/map", methods=["GET", "POST"])
def mapping(app_key: str, form_key: str, run_id: int):
    """Step 2: which column fills which field, and what counts as a duplicate."""
    actor, target = current_actor(), _target(app_key, form_key)
    run = service.get(actor, target, run_id)
    if run.status != "mapping":
        return redirect(_step_url("progress_page", target, run), 303)
    if request.method == "GET":
        return pages.mapping_page(target, run)
    chosen = pages.parse_mapping(run, request.form)
    try:
        service.save_mapping(actor, target, run, **chosen)
    except ValidationFailed as exc:
        return pages.mapping_page(target, run, chosen=chosen, errors=exc.errors, status=422)
    return redirect(_step_url("preview", target, run), 303)


@bp.get("/import/<int:run_id>/preview")
def preview(app_key: str, form_key: str, run_id: int):
    """Step 3: the first rows as the import would handle them; nothing is written."""
    actor, target = current_actor(), _target(app_key, form_key)
    run = service.get(actor, target, run_id)
    if run.status != "mapping":
        return redirect(_step_url("progress_page", target, run), 303)
    return pages.preview_page(target, run, service.preview(actor, target, run))


@bp.post("/import/<int:run_id>/start")
def start(app_key: str, form_key: str, run_id: int):
    """Start the import job."""
    actor, target = current_actor(), _target(app_key, form_key)
    run = service.start(actor, target, service.get(actor, target, run_id))
    return redirect(_step_url("progress_page", target, run), 303)


@bp.get("/import/<int:run_id>")
def progress_page(app_key: str, form_key: str, run_id: int):
    """Step 4: progress while it runs, the summary when it is done."""
    actor, target = current_actor(), _target(app_key, form_key)
    run = service.get(actor, target, run_id)
    if run.status == "mapping":
        return redirect(_step_url("mapping", target, run), 303)
    return pages.run_page(target, run)


@bp.get("/import/<int:run_id>/progress")
def progress(app_key: str, form_key: str, run_id: int):
    """The progress panel alone (polled every second while the import runs)."""
    actor, target = current_actor(), _target(app_key, form_key)
    return pages.run_page(target, service.get(actor, target, run_id), block="progress")


@bp.post("/import/<int:run_id>/cancel")
def cancel(app_key: str, form_key: str, run_id: int):
    """Stop the import after the chunk being written."""
    actor, target = current_actor(), _target(app_key, form_key)
    run = service.cancel(actor, target, service.get(actor, target, run_id))
    if request.headers.get("HX-Request") == "true":
        return pages.run_page(target, run, block="progress")
    return redirect(_step_url("progress_page", target, run), 303)


@bp.get("/import/<int:run_id>/errors.xlsx")
def errors(app_key: str, form_key: str, run_id: int):
    """The rows that were not imported, with a column saying why."""
    actor, target = current_actor(), _target(app_key, form_key)
    run = service.get(actor, target, run_id)
    path = service.error_file(actor, target, run)
    name = _("Not imported - %(file)s", file=run.file_name.rsplit(".", 1)[0])
    return send_file(path, mimetype=XLSX_TYPE, as_attachment=True,
                     download_name=f"{name}.xlsx")


@bp.get("/import/template.xlsx")
def template(app_key: str, form_key: str):
    """An empty workbook whose header row has the form's importable fields."""
    target = _target(app_key, form_key)
    return pages.template_response(target)


# ---------------------------------------------------------------- export


@bp.get("/export")
def export(app_key: str, form_key: str):
    """Export the records a filter selects (``?format=&filter=&sort=&columns=``).

    Up to a few thousand rows download at once; for more, a confirmation page
    offers to prepare the file in the background.
    """
    actor, target = current_actor(), _target(app_key, form_key)
    form = target.published
    try:
        wanted = exports.parse(form, request.args)
    except ValidationFailed as exc:
        return pages.export_page(target, None, errors=exc.errors, status=422)
    total = exports.count(actor, form, wanted)
    if total > exports.INLINE_LIMIT:
        return pages.export_page(target, None, wanted=wanted, total=total)
    handle = tempfile.TemporaryFile()
    exports.write(actor, form, wanted, handle)
    handle.seek(0)
    return send_file(handle, mimetype=XLSX_TYPE if wanted.format == "xlsx" else CSV_TYPE,
                     as_attachment=True, download_name=exports.file_name(form, wanted.format))


@bp.post("/export")
def export_start(app_key: str, form_key: str):
    """Prepare a large export in the background."""
    actor, target = current_actor(), _target(app_key, form_key)
    try:
        wanted = exports.parse(target.published, request.form)
    except ValidationFailed as exc:
        return pages.export_page(target, None, errors=exc.errors, status=422)
    run = exports.start(actor, target.published, wanted)
    return redirect(url_for("transfer.export_status", export_id=run.id, **_keys(target)), 303)


@bp.get("/exports/<int:export_id>")
def export_status(app_key: str, form_key: str, export_id: int):
    """A background export: progress, then the download link."""
    actor, target = current_actor(), _target(app_key, form_key)
    return pages.export_page(target, exports.get(actor, export_id))


@bp.get("/exports/<int:export_id>/progress")
def export_progress(app_key: str, form_key: str, export_id: int):
    """The progress panel alone (polled every second)."""
    actor, target = current_actor(), _target(app_key, form_key)
    return pages.export_page(target, exports.get(actor, export_id), block="progress")


@bp.get("/exports/<int:export_id>/download")
def export_download(app_key: str, form_key: str, export_id: int):
    """The file of a finished export; only for the person who asked for it, for 24 hours."""
    actor, target = current_actor(), _target(app_key, form_key)
    run = exports.get(actor, export_id)
    path = exports.download_path(actor, run)
    if path is None:
        return pages.export_page(target, run, status=410)
    return send_file(path, mimetype=XLSX_TYPE if run.format == "xlsx" else CSV_TYPE,
                     as_attachment=True, download_name=run.file_name)
