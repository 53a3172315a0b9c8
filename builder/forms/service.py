"""Form services: create, autosave the draft, publish versions, revert. Actor first."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..apps import domain as app_domain
from ..apps.models import App
from ..db import begin_write, db, utcnow
from ..exceptions import NotFound, PermissionDenied, ValidationFailed
from ..metadata import ensure_valid, normalize_text
from . import domain, operations
from .exceptions import DraftChanged
from .models import Form, FormVersion
from .signals import form_publishing

MAX_DRAFT_BYTES = 512 * 1024


def can_build(actor) -> bool:
    """Whether ``actor`` may design forms (platform administrators, for now)."""
    return bool(actor is not None and getattr(actor, "is_admin", False))


def require_builder(actor) -> None:
    """Raise PermissionDenied unless ``actor`` may design forms."""
    if not can_build(actor):
        raise PermissionDenied(_("Only administrators can design forms."))


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


def get_form_for_build(actor, app: App, key: str) -> Form:
    """A form of the app for the designer (PermissionDenied first, then NotFound)."""
    require_builder(actor)
    return get_form(actor, app, key)


def _free_key(app: App, name: str) -> str:
    taken = set(db.session.scalars(select(Form.key).where(Form.app_id == app.id)))
    base = app_domain.key_base(name)
    if len(base) >= 2 and base not in taken:
        return base
    n = len(taken) + 1
    while f"form_{n}" in taken:
        n += 1
    return f"form_{n}"


def create_form(actor, app: App, name: str, key: str | None = None) -> Form:
    """Add an empty draft form to an app; its key comes from the name (or form_<n>)."""
    require_builder(actor)
    name = normalize_text(re.sub(r"[\x00-\x1f\x7f]", " ", name or ""))
    if not name or len(name) > 80:
        raise ValidationFailed({"name": [_("Name: 1 to 80 characters (got %(n)d).",
                                           n=len(name))]})
    begin_write()
    key = key or _free_key(app, name)
    document = domain.empty_document(key, name)
    ensure_valid("form", document)
    position = (db.session.scalar(select(func.max(Form.position))
                                  .where(Form.app_id == app.id)) or 0) + 1
    form = Form(app_id=app.id, key=key, name=name, position=position, draft=document,
                created_by_id=actor.id)
    db.session.add(form)
    db.session.commit()
    return form


def _stale(form: Form) -> DraftChanged:
    return DraftChanged(form.draft_revision, _(
        "Someone else changed this form while you were editing it. Reload the designer to "
        "see their changes, then try again."))


def save_draft(actor, form: Form, document: dict[str, Any], *, revision: int) -> Form:
    """Autosave the designer's draft; refuses a save based on an older revision (409)."""
    require_builder(actor)
    if revision != form.draft_revision:
        raise _stale(form)
    if len(json.dumps(document, ensure_ascii=False)) > MAX_DRAFT_BYTES:
        raise ValidationFailed({"": [_("The form is too large to save.")]})
    begin_write()
    # Compare-and-set: of two saves based on the same revision only the first wins.
    done = db.session.execute(
        update(Form).where(Form.id == form.id, Form.draft_revision == revision)
        .values(draft=copy.deepcopy(document), draft_revision=revision + 1,
                name=str(document.get("name") or form.name)[:80], updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        db.session.refresh(form)
        raise _stale(form)
    db.session.commit()
    db.session.refresh(form)
    return form


def published_field_ids(form: Form) -> set[str]:
    """Ids of every field any published version had (their columns exist)."""
    ids: set[str] = set()
    for document in db.session.scalars(select(FormVersion.document)
                                       .where(FormVersion.form_id == form.id)):
        ids.update(f.get("id") for f in document.get("fields", []))
    return ids


def apply_operation(actor, form: Form, op: Any, *, revision: int) -> str | None:
    """Run one designer operation on the draft and save it; returns the element to select."""
    require_builder(actor)
    if revision != form.draft_revision:
        raise _stale(form)
    # Only a delete needs to know which fields were ever published (it reads every version).
    deleting = isinstance(op, dict) and op.get("op") == "delete"
    document, selected = operations.apply(
        form.draft, op, published_ids=published_field_ids(form) if deleting else ())
    if document != form.draft:
        save_draft(actor, form, document, revision=revision)
    return selected


def has_unpublished_changes(form: Form) -> bool:
    """Whether the draft differs from the published version (True if never published)."""
    version = published_version(form)
    return version is None or version.document != form.draft


def publish(actor, form: Form, note: str | None = None) -> FormVersion:
    """Validate the whole draft, store it as the next version and reconcile storage."""
    require_builder(actor)
    ensure_valid("form", form.draft)
    begin_write()
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
    require_builder(actor)
    version = db.session.scalar(select(FormVersion).where(FormVersion.form_id == form.id,
                                                          FormVersion.version == number))
    if version is None:
        raise NotFound(f"version {number}")
    return save_draft(actor, form, version.document, revision=form.draft_revision)


@dataclass(frozen=True)
class HistoryEntry:
    """A published version with who, when, the note and what changed since the one before."""

    version: int
    published_at: datetime
    published_by_id: int | None
    note: str | None
    changes: list[domain.Change]
    current: bool


def history(actor, form: Form) -> list[HistoryEntry]:
    """Published versions, newest first, each with its differences from the previous one."""
    require_builder(actor)
    rows = versions(actor, form)[::-1]
    entries, previous = [], None
    for row in rows:
        entries.append(HistoryEntry(row.version, row.published_at, row.published_by_id,
                                    row.note, domain.diff(previous, row.document),
                                    row.version == form.published_version))
        previous = row.document
    return entries[::-1]


@dataclass(frozen=True)
class FormCard:
    """A form as an app's home page lists it."""

    key: str
    name: str
    published_version: int | None
    field_count: int
    has_changes: bool


def form_cards(actor, app: App) -> list[FormCard]:
    """The app's forms for its home page: builders see drafts too, others published ones."""
    builder = can_build(actor)
    cards = []
    for form in list_forms(actor, app):
        if form.published_version is None and not builder:
            continue
        live = published_version(form)
        shown = live.document if live is not None else form.draft
        cards.append(FormCard(form.key, form.name, form.published_version,
                              len(domain.live_fields(shown)),
                              builder and (live is None or live.document != form.draft)))
    return cards
