"""Uploads, their place in the write path, guarded downloads and orphan cleanup.

* ``upload`` checks the field's limits (extension, size, content sniffed from the
  bytes) and stores an unbound file; a job removes it after a day unless a saved
  record took it.
* ``check_references`` and ``bind`` are the write path's two hooks: a record may
  reference a file only if it is already this record's (same form and field),
  or if it is an unbound upload of the acting user for the same form and field;
  saving binds new files to the record in the same transaction.
* ``open_file`` serves a file only to whoever may see the record whose *current*
  value holds it (an unbound upload: only its uploader). Anything else is 404.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder.db import db, utcnow
from builder.exceptions import NotFound, PermissionDenied
from builder.fields import Field, ValueInvalid
from builder.fields.media import TOKEN, MediaType, format_size

from ..records.exceptions import ValidationFailed
from ..records.schema import PublishedForm
from . import domain, storage
from .exceptions import FileNotFound, FileRefused
from .models import UploadedFile

#: an upload no saved record took is removed after this long
ORPHAN_AFTER = timedelta(hours=24)
CLEAN_JOB = "files.clean_orphan"


def media_fields(form: PublishedForm) -> list[Field]:
    """The form's live attachment and image fields."""
    return [f for f in form.fields if isinstance(form.type_of(f.id), MediaType)]


def media_field(form: PublishedForm, field_id: str) -> tuple[Field, MediaType]:
    """A live media field of the form, with its type; FileNotFound otherwise."""
    field = form.field_map.get(field_id)
    field_type = form.type_of(field_id) if field else None
    if field is None or not isinstance(field_type, MediaType):
        raise FileNotFound(f"no file field {field_id!r}")
    return field, field_type


# ---------------------------------------------------------------- upload


def upload(actor, form: PublishedForm, field_id: str, stream: IO[bytes],
           filename: str | None) -> UploadedFile:
    """Store one file for a field of ``form``; FileRefused names what the field allows."""
    from ..records import service as records

    field, field_type = media_field(form, field_id)
    if not (records.can(actor, form, "create") or records.can(actor, form, "edit")):
        raise PermissionDenied(f"upload to form {form.form_id}")
    name = domain.safe_name(filename)
    ext = domain.extension(name)
    if ext not in field_type.extensions(field):  # refused before a byte is stored
        raise FileRefused(_refusal(field_type, field, ext or _("no extension")))
    try:
        written = storage.write_temp(stream, field_type.max_bytes(field))
    except storage.TooLarge:
        raise FileRefused(_too_large(field_type, field)) from None
    try:
        sniffed = domain.sniff(written.head, str(written.temp))
        domain.check(field_type, field, name, written.size, sniffed)
        path = storage.place(written)
    except ValueInvalid as exc:
        raise FileRefused(exc.message) from None
    finally:
        written.temp.unlink(missing_ok=True)
    return _record_upload(actor, form, field, name, written, path,
                          domain.content_type(ext, sniffed))


def _refusal(field_type: MediaType, field: Field, got: str) -> str:
    return _("%(field)s: only %(limits)s are allowed (got %(got)s)", field=field.label,
             limits=field_type.limits_text(field), got=got)


def _too_large(field_type: MediaType, field: Field, size: int | None = None) -> str:
    got = format_size(size) if size else _("more than %(size)s",
                                           size=format_size(field_type.max_bytes(field)))
    return _refusal(field_type, field, got)


def too_large_message(form: PublishedForm, field_id: str, size: int | None) -> str:
    """The message for a request whose body alone is over the field's limit."""
    field, field_type = media_field(form, field_id)
    return _too_large(field_type, field, size)


def _record_upload(actor, form: PublishedForm, field: Field, name: str,
                   written: storage.Written, path: str, content_type: str) -> UploadedFile:
    from ..jobs import outbox

    row = UploadedFile(token=secrets.token_urlsafe(32), form_id=form.form_id,
                       field_id=field.id, name=name, size=written.size,
                       content_type=content_type, sha256=written.sha256, path=path,
                       uploaded_by_id=actor.id, created_at=utcnow())
    try:
        db.session.add(row)
        db.session.flush()
        outbox.enqueue_in(ORPHAN_AFTER + timedelta(minutes=5), CLEAN_JOB, row.id,
                          run_key=f"{CLEAN_JOB}:{row.id}")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage.remove(path)
        raise
    return row


# ---------------------------------------------------------------- write path hooks


def _tokens(form: PublishedForm, values: Mapping[str, Any]) -> set[str]:
    return {ref["id"] for f in media_fields(form) for ref in values.get(f.id) or []
            if isinstance(ref, dict) and isinstance(ref.get("id"), str)}


def check_references(actor, form: PublishedForm, prepared: Any, record_id: int | None) -> None:
    """Replace each file reference by the server's record of it, or add an error.

    A reference is fine if the file belongs to this form and field and is either
    already bound to this record or an unbound upload of ``actor``.
    """
    fields = media_fields(form)
    wanted = _tokens(form, prepared.values) if fields else set()
    if not wanted:
        return
    rows = {row.token: row for row in db.session.scalars(
        sa.select(UploadedFile).where(UploadedFile.token.in_(wanted)))}
    for field in fields:
        refs, kept = prepared.values.get(field.id) or [], []
        for ref in refs:
            row = rows.get(ref.get("id")) if isinstance(ref, dict) else None
            if row is None or not _may_attach(actor, form, field.id, row, record_id):
                name = ref.get("name") if isinstance(ref, dict) else None
                prepared.add_error(field.id, _("%(name)s is not available any more; upload "
                                               "it again", name=name or _("a file")))
                continue
            kept.append(row.reference())
        if refs:
            prepared.values[field.id] = kept or None


def _may_attach(actor, form: PublishedForm, field_id: str, row: UploadedFile,
                record_id: int | None) -> bool:
    if row.form_id != form.form_id or row.field_id != field_id:
        return False
    if row.record_id is not None:
        return record_id is not None and row.record_id == record_id
    return actor is not None and row.uploaded_by_id == actor.id


def bind(form: PublishedForm, record_id: int, values: Mapping[str, Any]) -> None:
    """Bind the record's unbound files to it (in the caller's transaction).

    If another record bound one of them in between (a double submit), the save
    is refused rather than two records sharing a file.
    """
    tokens = _tokens(form, values)
    if not tokens:
        return
    table = UploadedFile.__table__
    db.session.execute(table.update().where(
        table.c.token.in_(tokens), table.c.record_id.is_(None),
        table.c.form_id == form.form_id).values(record_id=record_id))
    taken = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
        table.c.token.in_(tokens), table.c.record_id != record_id))
    if taken:
        db.session.rollback()
        raise ValidationFailed({"": [_("A file was saved with another record meanwhile; "
                                       "upload it again.")]})


# ---------------------------------------------------------------- download


def open_file(actor, token: str) -> tuple[UploadedFile, Path]:
    """The file behind ``token`` and its path, if ``actor`` may see it; else FileNotFound."""
    row = None
    if isinstance(token, str) and TOKEN.match(token):
        row = db.session.scalar(sa.select(UploadedFile).where(UploadedFile.token == token))
    if row is None or actor is None:
        raise FileNotFound("file")
    if row.record_id is None:
        if row.uploaded_by_id != actor.id:
            raise FileNotFound("file")
    elif token not in _current_tokens(actor, row):
        raise FileNotFound("file")
    path = storage.absolute(row.path)
    if not path.is_file():
        raise FileNotFound("file")
    return row, path


def _current_tokens(actor, row: UploadedFile) -> set[str]:
    """The tokens the record's current value of the file's field holds, as ``actor`` sees it."""
    from ..records import service as records

    try:
        form = _published(actor, row.form_id)
        record = records.get(actor, form, row.record_id)
    except (NotFound, PermissionDenied):
        return set()
    refs = record.values.get(row.field_id) or []
    return {ref.get("id") for ref in refs if isinstance(ref, dict)}


def _published(actor, form_id: int) -> PublishedForm:
    from builder.apps.models import App
    from builder.forms.models import Form

    from ..records import forms_lookup

    form = db.session.get(Form, form_id)
    app = db.session.get(App, form.app_id) if form is not None else None
    if form is None or app is None:
        raise FileNotFound("form")
    return forms_lookup.resolve(actor, app.key, form.key).published


def chips(actor, value: Iterable[Any] | None) -> list[dict[str, Any]]:
    """What the entry widget shows for a form value: references by token.

    Items carrying a name are shown as they are; bare tokens are looked up, and
    only files bound to a record or uploaded by ``actor`` reveal their name.
    """
    items = [v for v in (value or []) if isinstance(v, dict | str)][:200]
    bare = {v for v in items if isinstance(v, str) and TOKEN.match(v)}
    found: dict[str, UploadedFile] = {}
    if bare:
        found = {r.token: r for r in db.session.scalars(
            sa.select(UploadedFile).where(UploadedFile.token.in_(bare)))}
    out = []
    for item in items:
        if isinstance(item, dict):
            if isinstance(item.get("id"), str) and TOKEN.match(item["id"]):
                out.append({"id": item["id"], "name": str(item.get("name") or item["id"]),
                            "size": item.get("size"), "type": item.get("type") or ""})
            continue
        row = found.get(item)
        visible = row is not None and (row.record_id is not None or
                                       (actor is not None and row.uploaded_by_id == actor.id))
        out.append(row.reference() if visible else
                   {"id": item, "name": _("File not available"), "size": None, "type": "",
                    "missing": True})
    return out


# ---------------------------------------------------------------- cleanup


def clean_orphan(file_id: int) -> None:
    """Remove an upload no saved record took within a day (job; a second run does nothing)."""
    row = db.session.scalar(sa.select(UploadedFile).where(UploadedFile.id == file_id)
                            .with_for_update())
    if row is None or row.record_id is not None:
        return
    if row.created_at > utcnow() - ORPHAN_AFTER:
        return
    path = row.path
    db.session.delete(row)
    db.session.flush()
    storage.remove(path)
