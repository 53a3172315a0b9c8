"""App services: each takes the acting user first, checks permission and owns its transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from builder import metadata
from builder.db import db, utcnow
from builder.metadata import MetadataError, MetadataInvalid
from builder.web import Actor

from . import domain
from .exceptions import AppChanged, NotFound, PermissionDenied, ValidationFailed
from .models import App, AppAdmin, AppVersion
from .signals import app_changed

# ---------------------------------------------------------------- permissions


def can_build(actor: Actor | None, app: App | int | None = None) -> bool:
    """Whether ``actor`` may build ``app``: platform administrators always, the app's own
    administrators for that app. Without an app: may create apps (platform admins only)."""
    if actor is None:
        return False
    if getattr(actor, "is_admin", False):
        return True
    if app is None:
        return False
    return is_app_admin(actor, app)


def is_app_admin(actor: Actor | None, app: App | int) -> bool:
    """Whether ``actor`` is one of the app's own administrators (cached per request)."""
    if actor is None:
        return False
    app_id = app if isinstance(app, int) else app.id
    cache = _request_cache()
    key = ("app_admin", actor.id, app_id)
    if key not in cache:
        cache[key] = db.session.scalar(select(AppAdmin.id).where(
            AppAdmin.app_id == app_id, AppAdmin.user_id == actor.id)) is not None
    return cache[key]


def _request_cache() -> dict:
    """A dict that lives for one request (a fresh one outside requests)."""
    from flask import g, has_request_context

    if not has_request_context():
        return {}
    if "jimu_builder_cache" not in g:
        g.jimu_builder_cache = {}
    return g.jimu_builder_cache


def forget_cached() -> None:
    """Drop what this request cached about builders (after admins change)."""
    _request_cache().clear()


def require_builder(actor: Actor | None, app: App | int | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` may build ``app`` (or create apps)."""
    if not can_build(actor, app):
        raise PermissionDenied(_("Only administrators can create and change apps."))


# ---------------------------------------------------------------- reading


def list_apps(actor: Actor | None) -> list[App]:
    """The apps the actor can open, in the builder's order (trash excluded)."""
    return list(
        db.session.scalars(
            select(App).where(App.deleted_at.is_(None)).order_by(App.position, App.id)
        )
    )


def list_trash(actor: Actor) -> list[App]:
    """Apps in the trash, most recently trashed first."""
    require_builder(actor)
    return list(db.session.scalars(
        select(App).where(App.deleted_at.is_not(None)).order_by(App.deleted_at.desc(), App.id)
    ))


def get_app_by_key(actor: Actor | None, key: str) -> App:
    """The app with ``key``; NotFound if there is none or it is in the trash."""
    app = db.session.scalar(select(App).where(App.key == key, App.deleted_at.is_(None)))
    if app is None:
        raise NotFound(_("There is no app with this address."))
    return app


def get_app_for_edit(actor: Actor, key: str) -> App:
    """The app with ``key`` for one of its builders (platform or app administrators)."""
    app = get_app_by_key(actor, key)
    require_builder(actor, app)
    return app


def get_trashed(actor: Actor, app_id: int) -> App:
    """A trashed app by id; NotFound unless it is in the trash."""
    require_builder(actor)
    app = db.session.get(App, app_id)
    if app is None or app.deleted_at is None:
        raise NotFound(_("This app is not in the trash."))
    return app


@dataclass(frozen=True)
class HistoryEntry:
    """One saved version with what it changed compared with the one before."""

    version: int
    created_at: datetime
    created_by_id: int | None
    changes: list[domain.Change]


def history(actor: Actor, app: App) -> list[HistoryEntry]:
    """The app's saved versions, newest first, each with its changes."""
    require_builder(actor, app)
    rows = list(db.session.scalars(
        select(AppVersion).where(AppVersion.app_id == app.id).order_by(AppVersion.version)
    ))
    entries, previous = [], None
    for row in rows:
        entries.append(HistoryEntry(row.version, row.created_at, row.created_by_id,
                                    domain.diff(previous, row.document)))
        previous = row.document
    return entries[::-1]


def compare(actor: Actor, app: App, old_version: int, new_version: int) -> list[domain.Change]:
    """The differences between two saved versions of ``app``."""
    require_builder(actor, app)
    docs = dict(db.session.execute(
        select(AppVersion.version, AppVersion.document).where(
            AppVersion.app_id == app.id, AppVersion.version.in_([old_version, new_version]))
    ).all())
    if old_version not in docs or new_version not in docs:
        raise NotFound(_("This version does not exist."))
    return domain.diff(docs[old_version], docs[new_version])


# ---------------------------------------------------------------- saving


def create(actor: Actor, *, name: str, description: str = "", icon: str | None = None,
           color: str | None = None, key: str | None = None) -> App:
    """Create an app (version 1); the key is generated from the name when not given."""
    require_builder(actor)
    name, description = metadata.normalize_text(name), _normalize_description(description)
    taken = set(db.session.scalars(select(App.key)))
    key = (key or "").strip() or domain.generate_key(name, taken)
    document = domain.new_document(key, name, description, icon, color)
    errors = metadata.validate(domain.KIND, document)
    if key in taken:
        errors.append(_key_taken(key))
    if errors:
        raise MetadataInvalid(errors)
    position = (db.session.scalar(select(func.max(App.position))) or 0) + 1
    app = App(key=key, name=name, position=position, document=document, version=1,
              created_by_id=actor.id)
    db.session.add(app)
    try:
        db.session.flush()
        _record_version(actor, app)
        _default_role(app, actor)
        _changed(actor, app, "created", {"key": app.key, "name": app.name})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise MetadataInvalid([_key_taken(key)]) from None
    return app


def update(actor: Actor, app: App, *, expected_version: int | None = None,
           **changes: Any) -> bool:
    """Rename, describe, re-icon or re-colour; returns False when nothing changed.

    ``expected_version`` is the version the editor loaded: if someone saved in
    between, AppChanged (409) is raised instead of overwriting their work.
    """
    require_builder(actor, app)
    if app.deleted_at is not None:
        raise NotFound(_("There is no app with this address."))
    unknown = set(changes) - set(domain.EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if expected_version is not None and expected_version != app.version:
        raise AppChanged(app.version)
    document = metadata.upgrade(domain.KIND, app.document)
    document.update(_normalized(changes))
    metadata.ensure_valid(domain.KIND, document)
    if document == app.document:
        return False
    details = {k: [app.document.get(k), v] for k, v in document.items()
               if k != "schema_version" and app.document.get(k) != v}
    app.document = document
    app.name = document["name"]
    app.version += 1
    app.updated_at = utcnow()
    try:
        _record_version(actor, app)
        _changed(actor, app, "updated", details)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AppChanged(app.version) from None
    return True


def reorder(actor: Actor, ids: list[Any]) -> None:
    """Put the listed apps first, in this order; unknown ids are ignored."""
    require_builder(actor)
    if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationFailed({"ids": [_("must be a list of app numbers")]})
    if len(set(ids)) != len(ids):
        raise ValidationFailed({"ids": [_("must not name an app twice")]})
    apps = list_apps(actor)
    by_id = {a.id: a for a in apps}
    ordered = [by_id[i] for i in ids if i in by_id]
    ordered += [a for a in apps if a.id not in set(ids)]
    for position, app in enumerate(ordered, start=1):
        app.position = position
    db.session.commit()


def move(actor: Actor, app: App, step: int) -> None:
    """Move ``app`` ``step`` places in the order (negative: towards the start)."""
    require_builder(actor)
    ids = [a.id for a in list_apps(actor)]
    reorder(actor, domain.moved(ids, app.id, step))


def trash(actor: Actor, app: App) -> None:
    """Move an app to the trash (restorable)."""
    require_builder(actor)
    if app.deleted_at is None:
        app.deleted_at = utcnow()
        _changed(actor, app, "trashed", {"name": app.name})
        db.session.commit()


def restore(actor: Actor, app_id: int) -> App:
    """Bring an app back from the trash to its old place."""
    app = get_trashed(actor, app_id)
    app.deleted_at = None
    _changed(actor, app, "restored", {"name": app.name})
    db.session.commit()
    return app


def purge(actor: Actor, app_id: int, confirm: str | None) -> str:
    """Delete a trashed app and its history for ever; ``confirm`` must repeat its key."""
    app = get_trashed(actor, app_id)
    typed = (confirm or "").strip()
    if typed != app.key:
        shown = json.dumps(typed[:40], ensure_ascii=False)
        message = (_("type %(key)s exactly (got %(got)s)", key=app.key, got=shown) if typed
                   else _("type %(key)s to confirm", key=app.key))
        raise ValidationFailed({"confirm": [message]})
    name = app.name
    _changed(actor, app, "purged", {"key": app.key, "name": name})
    db.session.execute(delete(AppVersion).where(AppVersion.app_id == app.id))
    db.session.delete(app)
    db.session.commit()
    return name


def seed_app(key: str, name: str, description: str, *, icon: str, color: str) -> App:
    """Add an app without an acting user (demo seeding; no commit)."""
    document = domain.new_document(key, name, description, icon, color)
    metadata.ensure_valid(domain.KIND, document)
    position = (db.session.scalar(select(func.max(App.position))) or 0) + 1
    app = App(key=key, name=name, position=position, document=document, version=1)
    db.session.add(app)
    db.session.flush()
    _record_version(None, app)
    _default_role(app, None)
    return app


# ---------------------------------------------------------------- helpers


def _record_version(actor: Actor | None, app: App) -> None:
    db.session.add(AppVersion(
        app_id=app.id, version=app.version, document=app.document,
        schema_version=app.document["schema_version"],
        created_by_id=actor.id if actor is not None else None,
    ))
    db.session.flush()


def _default_role(app: App, actor: Actor | None) -> None:
    """Every new app starts with the role "Everyone" (full access), see docs/permissions.md."""
    from builder.roles import service as roles  # roles build on apps, not the other way

    roles.ensure_default(app, actor)


def _changed(actor: Actor | None, app: App, action: str, details: dict[str, Any]) -> None:
    """Tell listeners (the runtime's audit log) inside the change's transaction."""
    app_changed.send(app, actor=actor, action=action, details=details)


def _key_taken(key: str) -> MetadataError:
    in_trash = db.session.scalar(
        select(App.id).where(App.key == key, App.deleted_at.is_not(None)))
    message = (_("is used by an app in the trash (got %(got)s)", got=key) if in_trash
               else _("is already used by another app (got %(got)s)", got=key))
    return MetadataError("$.key", "unique", message)


def _normalize_description(value: str | None) -> str:
    return metadata.normalize_text((value or "").replace("\r\n", "\n").replace("\r", "\n"))


def _normalized(changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    if isinstance(out.get("name"), str):
        out["name"] = metadata.normalize_text(out["name"])
    if isinstance(out.get("description"), str):
        out["description"] = _normalize_description(out["description"])
    return out
