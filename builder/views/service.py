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
from sqlalchemy import delete, func, select, update

from .. import metadata
from ..db import begin_write, db, utcnow
from ..exceptions import PermissionDenied, ValidationFailed
from ..fields import Field
from ..forms import service as forms
from ..forms.domain import live_fields
from ..forms.models import Form
from . import domain
from .exceptions import ViewChanged, ViewNotFound
from .models import RoleDefaultView, SavedView

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
    return views_and_opening(actor, form)[0]


def views_and_opening(actor, form: Form) -> tuple[list[SavedView], SavedView | None]:
    """The views ``actor`` sees and the one their list opens with (:func:`opening_view`)."""
    who = audience(actor, form)
    views = _seen_views(actor, form, who)
    return views, _opening(form, views, who)


def _seen_views(actor, form: Form, who: Audience) -> list[SavedView]:
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


def role_defaults(form: Form) -> dict[str, int]:
    """Role key → id of the view the list opens with for that role's holders."""
    return dict(db.session.execute(select(RoleDefaultView.role_key, RoleDefaultView.view_id)
                                   .where(RoleDefaultView.form_id == form.id)).all())


def opening_view(actor, form: Form, views: Sequence[SavedView]) -> SavedView | None:
    """The view the list opens with for ``actor``: the default of one of their roles (the
    first such view in the menu's order when their roles disagree), else the form's
    default, else None (the built-in list). Only among ``views``, the ones they see."""
    return _opening(form, views, audience(actor, form))


def _opening(form: Form, views: Sequence[SavedView], who: Audience) -> SavedView | None:
    roles = who.roles
    if roles and views:
        chosen = {view_id for key, view_id in role_defaults(form).items() if key in roles}
        found = next((v for v in views if v.id in chosen), None)
        if found is not None:
            return found
    return default_view(views)


def reaches(view: SavedView, role_key: str) -> bool:
    """Whether the holders of a role see a shared view (so it can open their list)."""
    sharing = view.document.get("sharing") or {}
    return sharing.get("scope") == "everyone" or (
        sharing.get("scope") == "selected" and role_key in (sharing.get("roles") or []))


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
    _drop_unreached_defaults(view.id, document)
    db.session.commit()
    db.session.refresh(view)
    return view


def _drop_unreached_defaults(view_id: int, document: Mapping[str, Any]) -> None:
    """Forget role defaults of a view that the role no longer sees."""
    sharing = document.get("sharing") or {}
    query = delete(RoleDefaultView).where(RoleDefaultView.view_id == view_id)
    if sharing.get("scope") == "selected":
        query = query.where(RoleDefaultView.role_key.not_in(list(sharing.get("roles") or [])))
    elif sharing.get("scope") == "everyone":
        return
    db.session.execute(query.execution_options(synchronize_session=False))


def rename_view(actor, view: SavedView, name: str) -> SavedView:
    """Give a view a new name."""
    document = dict(view.document, name=metadata.normalize_text(name))
    return save_view(actor, view, document, version=view.version)


def delete_view(actor, view: SavedView) -> None:
    """Delete a view for everyone who saw it."""
    _require_edit(actor, view)
    begin_write()
    db.session.execute(delete(RoleDefaultView).where(RoleDefaultView.view_id == view.id))
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


def set_opening(actor, form: Form, view: SavedView, *, everyone: bool,
                roles: Sequence[str], known_roles: Sequence[str]) -> None:
    """Choose for whom a shared view opens the list: everyone (the form's default) and/or
    the holders of ``roles`` (each role has at most one such view per form; choosing this
    one replaces the role's earlier choice). Roles left out stop opening with it."""
    if not can_share(actor, form):
        raise PermissionDenied(_("Only people who manage shared views can choose the default "
                                 "view."))
    wanted = list(dict.fromkeys(roles))
    unknown = [key for key in wanted if key not in known_roles]
    if unknown:
        raise ValidationFailed({"roles": [_("Choose roles of this app.")]})
    if (everyone or wanted) and not view.shared:
        raise ValidationFailed({"": [_("Share the view first: a personal view cannot be the "
                                       "default.")]})
    unseen = [key for key in wanted if not reaches(view, key)]
    if unseen:
        raise ValidationFailed({"roles": [_("Share the view with a role before it opens that "
                                            "role's list.")]})
    begin_write()
    if everyone:
        db.session.execute(update(SavedView).where(SavedView.form_id == form.id)
                           .values(is_default=SavedView.id == view.id)
                           .execution_options(synchronize_session=False))
    elif view.is_default:
        db.session.execute(update(SavedView).where(SavedView.id == view.id)
                           .values(is_default=False)
                           .execution_options(synchronize_session=False))
    db.session.execute(delete(RoleDefaultView).where(
        RoleDefaultView.form_id == form.id,
        (RoleDefaultView.view_id == view.id) | RoleDefaultView.role_key.in_(wanted))
        .execution_options(synchronize_session=False))
    for key in wanted:
        db.session.add(RoleDefaultView(form_id=form.id, role_key=key, view_id=view.id))
    db.session.commit()
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
