"""Form services: create, autosave the draft, publish versions, revert. Actor first."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import defer

from ..apps import domain as app_domain
from ..apps import service as app_service
from ..apps.models import App
from ..db import begin_write, db, utcnow
from ..exceptions import NotFound, PermissionDenied, ValidationFailed
from ..fields.relation import FormInfo, RelationContext
from ..metadata import ensure_valid, normalize_text
from . import domain, operations, relations, retype, stored
from .exceptions import DraftChanged, MetadataInvalid
from .layout import field_doc
from .models import Form, FormVersion
from .signals import field_purging, form_publishing

MAX_DRAFT_BYTES = 512 * 1024


def can_build(actor, app: App | int | None = None) -> bool:
    """Whether ``actor`` may design the forms of ``app`` (platform or app administrators)."""
    return app_service.can_build(actor, app)


def require_builder(actor, app: App | int | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` may design the forms of ``app``."""
    if not can_build(actor, app):
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


def get_app_and_form(actor, app_key: str, form_key: str) -> tuple[App, Form]:
    """The app and its form by keys in one query (record pages); NotFound as the two above.

    The form's draft is not loaded: staff pages use the published version.
    """
    found = db.session.execute(_APP_AND_FORM, {"app_key": app_key, "form_key": form_key}).first()
    if found is None:  # the two-step lookup tells which of the two is missing
        from ..apps.service import get_app_by_key

        app = get_app_by_key(actor, app_key)
        return app, get_form(actor, app, form_key)
    return found[0], found[1]


_APP_AND_FORM = (
    select(App, Form).join(Form, Form.app_id == App.id)
    .where(App.key == bindparam("app_key"), App.deleted_at.is_(None),
           Form.key == bindparam("form_key"), Form.deleted_at.is_(None))
    .options(defer(Form.draft)))


def get_form_for_build(actor, app: App, key: str) -> Form:
    """A form of the app for the designer (PermissionDenied first, then NotFound)."""
    require_builder(actor, app)
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
    require_builder(actor, app)
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
    require_builder(actor, form.app_id)
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
    require_builder(actor, form.app_id)
    if revision != form.draft_revision:
        raise _stale(form)
    # Only a delete needs to know which fields were ever published (it reads every version),
    # and only a type change what the published version stores.
    name = op.get("op") if isinstance(op, dict) else None
    document, selected = operations.apply(
        form.draft, op, published_ids=published_field_ids(form) if name == "delete" else (),
        stored_types=stored_types(form) if name == "change_type" else None)
    if document != form.draft:
        save_draft(actor, form, document, revision=revision)
    return selected


def has_unpublished_changes(form: Form) -> bool:
    """Whether the draft differs from the published version (True if never published)."""
    version = published_version(form)
    return version is None or version.document != form.draft


def stored_types(form: Form) -> dict[str, str]:
    """Field id → type of every field of the published version (their columns hold it)."""
    live = published_version(form)
    return {f["id"]: f["type"] for f in live.document.get("fields", [])} if live else {}


def relation_context(form: Form) -> RelationContext:
    """The app's published forms (this one as drafted) for links, lookups and rollups."""
    rows = db.session.execute(
        select(Form.id, Form.name, FormVersion.document)
        .join(FormVersion, (FormVersion.form_id == Form.id)
              & (FormVersion.version == Form.published_version))
        .where(Form.app_id == form.app_id, Form.deleted_at.is_(None))
        .order_by(Form.position, Form.id))
    forms = {row.id: FormInfo(row.id, str(row.document.get("name") or row.name),
                              domain.live_fields(row.document)) for row in rows}
    forms[form.id] = FormInfo(form.id, str(form.draft.get("name") or form.name),
                              domain.live_fields(form.draft))
    return RelationContext(form.id, forms)


def _check_relations(form: Form) -> None:
    """Links must point at published forms of the app, lookups and rollups at real fields."""
    if not relations.uses_relations(form.draft):
        return
    previous = published_version(form)
    found = relations.problems(form.draft, relation_context(form),
                               previous.document if previous is not None else None)
    if found:
        raise MetadataInvalid(found)


def publish(actor, form: Form, note: str | None = None) -> FormVersion:
    """Validate the whole draft, store it as the next version and reconcile storage.

    Fields whose type changed have their stored values converted by the runtime in
    the same transaction; it refuses (MetadataInvalid) when values would not convert
    and the builder did not choose to clear them.
    """
    require_builder(actor, form.app_id)
    ensure_valid("form", form.draft)
    _check_relations(form)
    begin_write()
    previous = published_version(form)
    changes, problems = retype.type_changes(form.draft, previous.document if previous else None)
    if problems:
        db.session.rollback()
        raise MetadataInvalid(problems)
    number = (form.published_version or 0) + 1
    document = retype.without_marks(form.draft)
    version = FormVersion(form_id=form.id, version=number, document=document,
                          note=(note or "")[:200] or None, published_by_id=actor.id)
    db.session.add(version)
    form.published_version = number
    if retype.has_marks(form.draft):
        _replace_draft(form, copy.deepcopy(document))
    db.session.flush()
    try:
        form_publishing.send(form, version=version,
                             previous=previous.document if previous else None,
                             type_changes=changes)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return version


def _replace_draft(form: Form, document: dict[str, Any]) -> None:
    """Set the draft inside the caller's transaction (open designers see a newer revision)."""
    form.draft = document
    form.draft_revision += 1
    form.updated_at = utcnow()


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
    """Replace the draft with a published version's document (publish to make it live).

    Fields purged since are left out; a field whose type differs from the live one
    gets a pending type change, so the designer can preview the conversion.
    """
    require_builder(actor, form.app_id)
    version = db.session.scalar(select(FormVersion).where(FormVersion.form_id == form.id,
                                                          FormVersion.version == number))
    if version is None:
        raise NotFound(f"version {number}")
    live = published_version(form)
    document = copy.deepcopy(version.document)
    if live is not None:
        document = operations.without_fields(document, published_field_ids(form) - {
            f["id"] for f in live.document.get("fields", [])})
        retype.mark_changes(document, live.document)
    return save_draft(actor, form, document, revision=form.draft_revision)


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
    require_builder(actor, form.app_id)
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
    builder = can_build(actor, app)
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


# ---------------------------------------------------------------- stored data: types and purges


@dataclass(frozen=True)
class Retype:
    """What changing a field's type would do: the field before and after, and (for a
    published field) the preview of converting its stored values."""

    field: dict[str, Any]
    new_field: dict[str, Any]
    stored_type: str | None
    preview: stored.ConversionPreview | None


def _live_field(form: Form, field_id: str) -> dict[str, Any]:
    found = field_doc(form.draft, field_id)
    if found is None or found.get("deleted"):
        raise NotFound(f"field {field_id}")
    return found


def retype_preview(actor, form: Form, field_id: str, new_type: str) -> Retype:
    """The field as ``new_type`` and, if it has stored values, how many would convert."""
    require_builder(actor, form.app_id)
    field = _live_field(form, field_id)
    types = stored_types(form)
    candidate = retype.change_type(form.draft, field_id, new_type,
                                   stored_type=types.get(field_id))
    new_field = field_doc(candidate, field_id)
    assert new_field is not None
    preview = None
    record_store = stored.store()
    old_type = types.get(field_id)
    if old_type is not None and old_type != new_type and record_store is not None:
        live = published_version(form)
        assert live is not None
        preview = record_store.preview_conversion(form.id, live.document, field_id, new_field)
    return Retype(field, new_field, old_type, preview)


@dataclass(frozen=True)
class DeletedField:
    """A deleted field: whether its data can be purged (it is deleted in the live version)
    and how many records hold a value."""

    id: str
    label: str
    type: str
    purgeable: bool
    count: int | None


def deleted_fields(actor, form: Form) -> list[DeletedField]:
    """The draft's deleted fields, with the number of stored values of the purgeable ones."""
    require_builder(actor, form.app_id)
    live = published_version(form)
    hidden = {f["id"] for f in live.document.get("fields", []) if f.get("deleted")} if live \
        else set()
    fields = [f for f in form.draft.get("fields", []) if f.get("deleted")]
    record_store = stored.store()
    counts: dict[str, int] = {}
    if live is not None and record_store is not None and hidden:
        counts = record_store.value_counts(form.id, live.document, sorted(hidden))
    return [DeletedField(f["id"], f["label"], f["type"], f["id"] in hidden,
                         counts.get(f["id"]) if f["id"] in hidden else None) for f in fields]


def deleted_field(actor, form: Form, field_id: str) -> DeletedField:
    """One deleted field whose data can be purged (NotFound otherwise)."""
    found = next((f for f in deleted_fields(actor, form) if f.id == field_id), None)
    if found is None or not found.purgeable:
        raise NotFound(f"deleted field {field_id}")
    return found


def purge_field(actor, form: Form, field_id: str) -> FormVersion:
    """Drop a deleted field's stored data and remove it from the form for good.

    The live version minus the field becomes a new version (unpublished draft
    changes stay unpublished); the runtime drops the column in the same transaction.
    """
    require_builder(actor, form.app_id)
    begin_write()
    live = published_version(form)
    gone = field_doc(live.document, field_id) if live else None
    if live is None or gone is None or not gone.get("deleted"):
        db.session.rollback()
        raise NotFound(f"deleted field {field_id}")
    in_draft = field_doc(form.draft, field_id)
    if in_draft is not None and not in_draft.get("deleted"):
        db.session.rollback()
        raise ValidationFailed({"": [_(
            "“%(label)s” is restored in the draft. Delete it again before purging its data.",
            label=in_draft["label"])]})
    version = FormVersion(form_id=form.id, version=live.version + 1, published_by_id=actor.id,
                          document=operations.purge(live.document, field_id))
    db.session.add(version)
    form.published_version = version.version
    _replace_draft(form, operations.without_fields(form.draft, {field_id}))
    db.session.flush()
    try:
        field_purging.send(form, field_id=field_id, document=live.document)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return version
