"""Saved views: create, save, rename, share, reorder, delete, and the default. Actor first.

Anyone who may use a form keeps personal views of it; shared views (with
everyone, or with chosen departments and roles) and the form's default view are
for people whose roles grant "manage shared views" on the form (the runtime says
who: :func:`register_audience`; without it, builders). Every save validates the
whole document against ``view.schema.json`` and against the form's live fields.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import metadata
from ..db import begin_write, db, utcnow
from ..exceptions import PermissionDenied, ValidationFailed
from ..fields import Field
from ..forms import service as forms
from ..forms.domain import live_fields
from ..forms.models import Form
from . import domain
from .exceptions import ViewChanged, ViewNotFound
from .models import SavedView

MAX_DOCUMENT_BYTES = 64 * 1024
MAX_VIEWS_PER_FORM = 200


# ---------------------------------------------------------------- reading


#: ``app.extensions`` key of the runtime's (actor, form) → Audience
AUDIENCE = "jimu.view_audience"


@dataclass(frozen=True)
class Audience:
    """Who a person is for shared views: whether they manage them, their departments
    and the keys of the app roles they hold."""

    manage: bool = False
    departments: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()


def register_audience(app, hook: Callable[[Any, Form], Audience]) -> None:
    """The runtime tells who manages shared views and holds which roles (builder never
    imports the runtime)."""
    app.extensions[AUDIENCE] = hook


def audience(actor, form: Form) -> Audience:
    """The person as shared views of ``form`` see them."""
    if actor is None:
        return Audience()
    hook = current_app.extensions.get(AUDIENCE)
    if hook is not None:
        return hook(actor, form)
    department = getattr(actor, "department_id", None)
    return Audience(forms.can_build(actor, form.app_id),
                    frozenset({department} if department is not None else ()))


def can_share(actor, form: Form) -> bool:
    """Whether ``actor`` may share views of ``form`` and choose its default view."""
    return audience(actor, form).manage


def can_edit(actor, view: SavedView) -> bool:
    """Owners edit their personal views; people who manage shared views edit shared ones."""
    if actor is None:
        return False
    if view.scope == "personal":
        return view.owner_id == actor.id
    return can_share(actor, db.session.get(Form, view.form_id))


def _sees(actor, view: SavedView, who: Audience) -> bool:
    return domain.visible_to(view.document, view.owner_id, actor, builder=who.manage,
                             departments=who.departments, roles=who.roles)


def form_fields(form: Form) -> dict[str, Field]:
    """The live fields of the version staff use (the draft if none is published)."""
    version = forms.published_version(form)
    document = version.document if version is not None else form.draft
    return {f["id"]: Field.from_document(f) for f in live_fields(document)}


def list_views(actor, form: Form) -> list[SavedView]:
    """The views ``actor`` sees: shared ones in their order, then their personal ones."""
    who = audience(actor, form)
    rows = db.session.scalars(select(SavedView).where(SavedView.form_id == form.id)
                              .order_by(SavedView.position, SavedView.id))
    seen = [v for v in rows if _sees(actor, v, who)]
    return [v for v in seen if v.shared] + [v for v in seen if not v.shared]


def get_view(actor, form: Form, view_id: int) -> SavedView:
    """One view of the form that ``actor`` sees (ViewNotFound otherwise)."""
    view = db.session.get(SavedView, view_id) if isinstance(view_id, int) else None
    if view is None or view.form_id != form.id or not _sees(actor, view,
                                                            audience(actor, form)):
        raise ViewNotFound(f"view {view_id}")
    return view


def default_view(views: Sequence[SavedView]) -> SavedView | None:
    """The form's default among the views someone sees (None: the built-in list)."""
    return next((v for v in views if v.is_default), None)


# ---------------------------------------------------------------- saving


def _require_user(actor) -> None:
    if actor is None or not getattr(actor, "is_active", True):
        raise PermissionDenied(_("Sign in to keep views."))


def _require_edit(actor, view: SavedView) -> None:
    if not can_edit(actor, view):
        raise PermissionDenied(_("Only people who manage shared views can change views "
                                 "shared with others."))


def _validated(document: Any, fields: Mapping[str, Field]) -> dict[str, Any]:
    """The document at the current version, valid, and consistent with the form's fields."""
    if len(json.dumps(document, ensure_ascii=False, default=str)) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed({"": [_("The view is too large to save.")]})
    document = metadata.upgrade(domain.KIND, document)
    metadata.ensure_valid(domain.KIND, document)
    errors = domain.check_fields(document, fields)
    if errors:
        raise metadata.MetadataInvalid(errors)
    return document


def create_view(actor, form: Form, document: dict[str, Any], *,
                fields: Mapping[str, Field] | None = None) -> SavedView:
    """Save a new view of ``form`` at the end of the list."""
    _require_user(actor)
    document = _validated(document, fields if fields is not None else form_fields(form))
    scope = document["sharing"]["scope"]
    if scope != "personal" and not can_share(actor, form):
        raise PermissionDenied(_("Only people who manage shared views can share views with "
                                 "others."))
    begin_write()
    count = db.session.scalar(select(func.count()).select_from(SavedView)
                              .where(SavedView.form_id == form.id)) or 0
    if count >= MAX_VIEWS_PER_FORM:
        db.session.rollback()
        raise ValidationFailed({"": [_("A form can have at most %(n)d views.",
                                       n=MAX_VIEWS_PER_FORM)]})
    position = (db.session.scalar(select(func.max(SavedView.position))
                                  .where(SavedView.form_id == form.id)) or 0) + 1
    view = SavedView(form_id=form.id, name=document["name"], type=document["type"],
                     scope=scope, owner_id=actor.id, position=position, document=document)
    db.session.add(view)
    db.session.commit()
    return view


def save_view(actor, view: SavedView, document: dict[str, Any], *, version: int,
              fields: Mapping[str, Field] | None = None) -> SavedView:
    """Replace a view's document; refuses a save based on an older version (409)."""
    _require_edit(actor, view)
    form = db.session.get(Form, view.form_id)
    document = _validated(document, fields if fields is not None else form_fields(form))
    scope = document["sharing"]["scope"]
    if scope != view.scope and not can_share(actor, form):
        raise PermissionDenied(_("Only people who manage shared views can share views with "
                                 "others."))
    begin_write()
    done = db.session.execute(
        update(SavedView).where(SavedView.id == view.id, SavedView.version == version)
        .values(document=copy.deepcopy(document), name=document["name"],
                type=document["type"], scope=scope, version=version + 1, updated_at=utcnow(),
                is_default=view.is_default and scope != "personal")
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        db.session.refresh(view)
        raise ViewChanged(_("Someone else changed this view meanwhile. Reload it and try "
                            "again."))
    db.session.commit()
    db.session.refresh(view)
    return view


def rename_view(actor, view: SavedView, name: str) -> SavedView:
    """Give a view a new name."""
    document = dict(view.document, name=metadata.normalize_text(name))
    return save_view(actor, view, document, version=view.version)


def delete_view(actor, view: SavedView) -> None:
    """Delete a view for everyone who saw it."""
    _require_edit(actor, view)
    begin_write()
    db.session.delete(view)
    db.session.commit()


def reorder_views(actor, form: Form, ids: Sequence[int]) -> None:
    """Put the listed views in this order; views ``actor`` may not edit keep their place."""
    _require_user(actor)
    begin_write()
    views = {v.id: v for v in db.session.scalars(
        select(SavedView).where(SavedView.form_id == form.id))}
    for position, view_id in enumerate(ids, start=1):
        view = views.get(view_id)
        if view is not None and can_edit(actor, view):
            view.position = position
    db.session.commit()


def set_default(actor, view: SavedView | None, form: Form) -> None:
    """Make a shared view the one the form's list opens with (None: the built-in list)."""
    if not can_share(actor, form):
        raise PermissionDenied(_("Only people who manage shared views can choose the default "
                                 "view."))
    if view is not None and not view.shared:
        raise ValidationFailed({"": [_("Share the view first: a personal view cannot be the "
                                       "default.")]})
    begin_write()
    db.session.execute(update(SavedView).where(SavedView.form_id == form.id)
                       .values(is_default=False).execution_options(synchronize_session=False))
    if view is not None:
        db.session.execute(update(SavedView).where(SavedView.id == view.id)
                           .values(is_default=True).execution_options(synchronize_session=False))
    db.session.commit()
    if view is not None:
        db.session.refresh(view)


def set_widths(actor, view: SavedView, widths: Mapping[str, int]) -> SavedView:
    """Remember column widths (pixels, kept within the allowed range) without a new version."""
    from .table import MAX_WIDTH, MIN_WIDTH

    _require_edit(actor, view)
    begin_write()
    db.session.refresh(view, with_for_update=True)
    document = copy.deepcopy(view.document)
    changed = False
    for column in document.get("config", {}).get("columns", []):
        width = widths.get(column["field"])
        if isinstance(width, int) and not isinstance(width, bool):
            column["width"] = max(MIN_WIDTH, min(MAX_WIDTH, width))
            changed = True
    if changed:
        metadata.ensure_valid(domain.KIND, document)
        view.document = document
        view.updated_at = utcnow()
    db.session.commit()
    return view
