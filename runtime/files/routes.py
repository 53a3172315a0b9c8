"""Upload (one file per request, answered with its chip) and guarded download."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import ValidationError

from builder.fields.media import ImageType, format_size
from builder.web import current_actor

from ..extensions import csrf
from ..records import forms_lookup
from . import domain, service
from .exceptions import FileRefused

bp = Blueprint("files", __name__)
#: room for the multipart envelope around the file itself
ENVELOPE = 64 * 1024


@bp.app_template_filter("filesize")
def filesize(size) -> str:
    """812 B, 48 KB, 3.2 MB."""
    return format_size(size) if isinstance(size, int) else ""


@bp.app_template_global()
def file_chips(value) -> list[dict]:
    """The files a widget shows for its form value (see service.chips)."""
    from flask import g

    return service.chips(g.get("user"), value if isinstance(value, list) else [])


@bp.app_template_global()
def upload_url(field_id: str) -> str | None:
    """Where a widget on a record page uploads to (None outside the record pages)."""
    from flask import url_for

    args = request.view_args or {}
    if not (request.blueprint == "records" and "app_key" in args and "form_key" in args):
        return None
    return url_for("files.upload", app_key=args["app_key"], form_key=args["form_key"],
                   field_id=field_id)


@bp.app_template_global()
def upload_limits(field) -> dict:
    """A media field's accepted extensions, size limit and file count, for its widget."""
    from builder import fields as field_types
    from builder.fields import Field

    if isinstance(field, dict):
        field = Field.from_document(dict(field, config=field.get("config") or {}))
    field_type = field_types.get(field.type)
    return {"extensions": field_type.extensions(field), "max_bytes": field_type.max_bytes(field),
            "max_files": field_type.max_files(field), "text": field_type.limits_text(field),
            "image": isinstance(field_type, ImageType)}


def _check_csrf() -> None:
    """The token from htmx's header; checked by hand so a too-large body is never read."""
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or "")
    except ValidationError as exc:
        raise CSRFError(exc.args[0] if exc.args else "CSRF") from None


def _refused(field, message: str, status: int = 422):
    return render_template("files/_upload_error.html", field=field, message=message), status


@bp.post("/a/<app_key>/<form_key>/files/<field_id>")
@csrf.exempt
def upload(app_key: str, form_key: str, field_id: str):
    """Store one file (form field ``file``) and answer its chip, or a 422 message."""
    _check_csrf()
    actor = current_actor()
    form = forms_lookup.resolve(actor, app_key, form_key).published
    field, field_type = service.media_field(form, field_id)
    limit = field_type.max_bytes(field) + ENVELOPE
    if current_app.config.get("MAX_CONTENT_LENGTH"):  # the instance's cap wins
        limit = min(limit, current_app.config["MAX_CONTENT_LENGTH"])
    if request.content_length is not None and request.content_length > limit:
        return _refused(field, service.too_large_message(form, field_id,
                                                         request.content_length))
    request.max_content_length = limit
    try:
        sent = request.files.get("file")
    except RequestEntityTooLarge:
        return _refused(field, service.too_large_message(form, field_id, None))
    if sent is None or not sent.filename:
        return _refused(field, _("%(field)s: choose a file to upload", field=field.label))
    try:
        row = service.upload(actor, form, field_id, sent.stream, sent.filename)
    except FileRefused as exc:
        return _refused(field, exc.message, exc.status)
    return render_template("files/_chip.html", field_id=field.id, f=row.reference(),
                           image=isinstance(field_type, ImageType), readonly=False)


def _send(token: str, *, inline: bool):
    row, path = service.open_file(current_actor(), token)
    inline = inline and row.content_type in domain.INLINE_TYPES
    response = send_file(path, mimetype=row.content_type if inline else
                         _download_type(row.content_type), as_attachment=not inline,
                         download_name=row.name, etag=row.sha256, conditional=True,
                         max_age=600)
    response.headers["Cache-Control"] = "private, max-age=600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _download_type(content_type: str) -> str:
    """Anything a browser could run or render as a page is offered as plain bytes."""
    if content_type.startswith(("text/html", "image/svg", "application/xhtml", "text/xml",
                                "application/xml")):
        return "application/octet-stream"
    return content_type


@bp.get("/files/<token>")
def download(token: str):
    """The file as a download, for whoever may see its record."""
    return _send(token, inline=False)


@bp.get("/files/<token>/inline")
def inline(token: str):
    """A raster image shown in the page (thumbnails); other files still download."""
    return _send(token, inline=True)
