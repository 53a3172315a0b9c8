"""Form services: create, autosave the draft, publish versions, revert. Actor first."""

from __future__ import annotations

import copy
import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..apps.models import App
from ..db import db, utcnow
from ..exceptions import NotFound, PermissionDenied, ValidationFailed
from ..metadata import ensure_valid
from . import domain
from .models import Form, FormVersion
from .signals import form_publishing

MAX_DRAFT_BYTES = 512 * 1024


def _require_builder(actor) -> None:
    if actor is None or not actor.is_admin:
        raise PermissionDenied("build forms")


def list_forms(actor, app: App) -> list[Form]:
    """The app's forms in order (published or not)."""
    return list(db.session.scalars(select(Form).where(Form.app_id == app.id,
                                                      Form.deleted_at.is_(None))
                                   .order_by(Form.position, Form.id)))


def get_form(actor, app: App, key: str) -> Form:
    """A form of the app by key."""
    form = db.session.scalar(select(Form).where(Form.app_id == app.id, Form.key == key,
                                                Form.deleted_at.is_(None)))
    if form is None:
        raise NotFound(f"form {key}")
    return form


def _free_key(app: App) -> str:
    count = db.session.scalar(select(func.count()).select_from(Form)
                              .where(Form.app_id == app.id)) or 0
    return f"form_{count + 1}"


def create_form(actor, app: App, name: str, key: str | None = None) -> Form:
    """Add an empty draft form to an app."""
    _require_builder(actor)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed({"name": [_("Name: 1 to 80 characters (got %(n)d).",
                                           n=len(name))]})
    key = key or _free_key(app)
    document = domain.empty_document(key, name)
    ensure_valid("form", document)
    position = (db.session.scalar(select(func.max(Form.position))
                                  .where(Form.app_id == app.id)) or 0) + 1
    form = Form(app_id=app.id, key=key, name=name, position=position, draft=document,
                created_by_id=actor.id)
    db.session.add(form)
    db.session.commit()
    return form


def save_draft(actor, form: Form, document: dict[str, Any], *, revision: int) -> Form:
    """Autosave the designer's draft; refuses a save based on an older revision."""
    _require_builder(actor)
    if revision != form.draft_revision:
        raise ValidationFailed({"": [_("Someone else changed this form's draft. Reload the "
                                       "designer to see their changes.")]})
    if len(json.dumps(document, ensure_ascii=False)) > MAX_DRAFT_BYTES:
        raise ValidationFailed({"": [_("The form is too large to save.")]})
    form.draft = copy.deepcopy(document)
    form.name = str(document.get("name") or form.name)[:80]
    form.draft_revision += 1
    form.updated_at = utcnow()
    db.session.commit()
    return form


def publish(actor, form: Form, note: str | None = None) -> FormVersion:
    """Validate the whole draft, store it as the next version and reconcile storage."""
    _require_builder(actor)
    ensure_valid("form", form.draft)
    number = (form.published_version or 0) + 1
    version = FormVersion(form_id=form.id, version=number, document=copy.deepcopy(form.draft),
                          note=(note or "")[:200] or None, published_by_id=actor.id)
    db.session.add(version)
    form.published_version = number
    db.session.flush()
    try:
        form_publishing.send(form, version=version)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return version


def versions(actor, form: Form) -> list[FormVersion]:
    """Published versions, newest first."""
    return list(db.session.scalars(select(FormVersion).where(FormVersion.form_id == form.id)
                                   .order_by(FormVersion.version.desc())))


def published_version(form: Form) -> FormVersion | None:
    """The version the runtime runs, if any."""
    if form.published_version is None:
        return None
    return db.session.scalar(select(FormVersion).where(
        FormVersion.form_id == form.id, FormVersion.version == form.published_version))


def revert_draft(actor, form: Form, number: int) -> Form:
    """Replace the draft with a published version's document (publish to make it live)."""
    _require_builder(actor)
    version = db.session.scalar(select(FormVersion).where(FormVersion.form_id == form.id,
                                                          FormVersion.version == number))
    if version is None:
        raise NotFound(f"version {number}")
    return save_draft(actor, form, version.document, revision=form.draft_revision)
