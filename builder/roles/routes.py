"""Builder pages for access: an app's roles and administrators, a role, a form's grid."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from builder.apps import service as apps
from builder.exceptions import ValidationFailed
from builder.forms import service as forms
from builder.forms.labels import OPERATOR_LABELS
from builder.web import current_actor, directory, render, user_names

from . import domain, grid, service

bp = Blueprint("builder_roles", __name__, url_prefix="/build/apps/<app_key>/roles")


def _app(app_key: str):
    actor = current_actor()
    app = apps.get_app_by_key(actor, app_key)
    apps.require_builder(actor, app)
    return actor, app


def _id(raw: Any) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _messages(exc: ValidationFailed) -> list[str]:
    return [m for messages in exc.errors.values() for m in messages]


# ---------------------------------------------------------------- roles and admins


def _index_page(actor, app, status: int = 200, errors: dict[str, list[str]] | None = None,
                values: dict[str, str] | None = None):
    roles = service.list_roles(actor, app)
    admins = service.app_admins(actor, app)
    people = directory().users()
    return render("builder/roles/index.html", block="content", status=status, app=app,
                  roles=roles, counts=service.member_counts(app), admins=admins,
                  names=user_names({a.user_id for a in admins}),
                  candidates=[u for u in people if u[0] not in {a.user_id for a in admins}],
                  forms=forms.list_forms(actor, app), errors=errors or {}, values=values or {})


@bp.get("")
def index(app_key: str):
    """The app's roles, its administrators and a permission grid per form."""
    actor, app = _app(app_key)
    return _index_page(actor, app)


@bp.post("/new")
def create(app_key: str):
    """Add a role (no access until granted in a form's grid)."""
    actor, app = _app(app_key)
    name, description = request.form.get("name", ""), request.form.get("description", "")
    try:
        role = service.create_role(actor, app, name=name, description=description)
    except ValidationFailed as exc:
        return _index_page(actor, app, 422, {"name": _messages(exc)},
                           {"name": name, "description": description})
    flash(_("Role “%(name)s” created. Add its members, then grant it access per form.",
            name=role.name), "success")
    return redirect(url_for(".role", app_key=app.key, role_key=role.key), 303)


@bp.post("/admins")
def add_admin(app_key: str):
    """Let a person build this app."""
    actor, app = _app(app_key)
    try:
        service.add_app_admin(actor, app, _id(request.form.get("user_id")) or 0)
    except ValidationFailed as exc:
        return _index_page(actor, app, 422, {"admins": _messages(exc)})
    flash(_("Administrator added."), "success")
    return redirect(url_for(".index", app_key=app.key), 303)


@bp.post("/admins/<int:user_id>/remove")
def remove_admin(app_key: str, user_id: int):
    """Stop a person building this app."""
    actor, app = _app(app_key)
    service.remove_app_admin(actor, app, user_id)
    flash(_("Administrator removed."), "success")
    return redirect(url_for(".index", app_key=app.key), 303)


# ---------------------------------------------------------------- one role


def _role_page(actor, app, role, status: int = 200,
               errors: dict[str, list[str]] | None = None, values: dict[str, Any] | None = None):
    members = service.members(actor, role)
    people = directory().users()
    departments = directory().departments()
    taken_users = {m.user_id for m in members}
    taken_departments = {m.department_id for m in members}
    return render("builder/roles/role.html", block="content", status=status, app=app,
                  role=role, members=members, people={u[0]: u for u in people},
                  department_names=dict(departments),
                  user_choices=[u for u in people if u[0] not in taken_users],
                  department_choices=[d for d in departments if d[0] not in taken_departments],
                  forms=forms.list_forms(actor, app), errors=errors or {},
                  values=values or {"name": role.display_name, "description": role.description})


@bp.route("/<role_key>", methods=["GET", "POST"])
def role(app_key: str, role_key: str):
    """A role: its name, description and members."""
    actor, app = _app(app_key)
    found = service.get_role(actor, app, role_key)
    if request.method == "GET":
        return _role_page(actor, app, found)
    values = {"name": request.form.get("name", ""),
              "description": request.form.get("description", "")}
    try:
        changed = service.update_role(actor, app, found, expected_version=_id(
            request.form.get("version")), **values)
    except service.RoleChanged as exc:
        return _role_page(actor, app, found, 409, {"name": _messages(exc)}, values)
    except ValidationFailed as exc:
        return _role_page(actor, app, found, 422, {"name": _messages(exc)}, values)
    flash(_("Changes saved.") if changed else _("Nothing changed."),
          "success" if changed else "info")
    return redirect(url_for(".role", app_key=app.key, role_key=found.key), 303)


@bp.post("/<role_key>/delete")
def delete(app_key: str, role_key: str):
    """Delete a role (the default role "Everyone" stays)."""
    actor, app = _app(app_key)
    found = service.get_role(actor, app, role_key)
    try:
        service.delete_role(actor, app, found)
    except ValidationFailed as exc:
        return _role_page(actor, app, found, 422, {"delete": _messages(exc)})
    flash(_("Role “%(name)s” deleted.", name=found.name), "success")
    return redirect(url_for(".index", app_key=app.key), 303)


@bp.post("/<role_key>/members")
def add_member(app_key: str, role_key: str):
    """Add a person or a department to the role."""
    actor, app = _app(app_key)
    found = service.get_role(actor, app, role_key)
    kind = request.form.get("kind")
    try:
        service.add_member(
            actor, app, found,
            user_id=_id(request.form.get("user_id")) if kind == "user" else None,
            department_id=_id(request.form.get("department_id")) if kind == "department"
            else None,
            with_subdepartments=request.form.get("with_subdepartments") == "1")
    except ValidationFailed as exc:
        return _role_page(actor, app, found, 422, {"members": _messages(exc)})
    flash(_("Member added."), "success")
    return redirect(url_for(".role", app_key=app.key, role_key=found.key), 303)


@bp.post("/<role_key>/members/<int:member_id>/remove")
def remove_member(app_key: str, role_key: str, member_id: int):
    """Take a person or department out of the role."""
    actor, app = _app(app_key)
    found = service.get_role(actor, app, role_key)
    service.remove_member(actor, app, found, member_id)
    flash(_("Member removed."), "success")
    return redirect(url_for(".role", app_key=app.key, role_key=found.key), 303)


# ---------------------------------------------------------------- a form's grid


def _grid_page(actor, app, form, status: int = 200, errors: dict[str, list[str]] | None = None,
               posted: Any = None):
    live = forms.published_version(form)
    document = live.document if live is not None else form.draft
    built = grid.build(document, form.key, service.list_roles(actor, app))
    return render("builder/roles/grid.html", block="content", status=status, app=app,
                  form=form, grid=built, published=live is not None,
                  pool=form.draft.get("pool") or {},
                  pool_live=(live.document.get("pool") or {}) if live is not None else {},
                  operations=domain.OPERATIONS, operation_labels=domain.OPERATION_LABELS,
                  simple_scopes=domain.SIMPLE_SCOPES, scope_labels=domain.SCOPE_LABELS,
                  access_labels=domain.FIELD_ACCESS_LABELS, operator_labels=OPERATOR_LABELS,
                  errors=errors or {}, posted=posted)


@bp.route("/forms/<form_key>", methods=["GET", "POST"])
def form_grid(app_key: str, form_key: str):
    """Who may do what with one form: operations, row scope and field access per role."""
    actor, app = _app(app_key)
    form = forms.get_form_for_build(actor, app, form_key)
    if request.method == "GET":
        return _grid_page(actor, app, form)
    live = forms.published_version(form)
    built = grid.build(live.document if live else form.draft, form.key,
                       service.list_roles(actor, app))
    entries, errors = grid.read(built, request.form)
    if errors:
        return _grid_page(actor, app, form, 422, errors, request.form)
    changed = {rid: entry for rid, entry in entries.items()
               if not grid.unchanged(next(c.role for c in built.columns if c.role.id == rid),
                                     form.key, entry)}
    try:
        service.set_access(actor, app, form.key, changed)
    except service.RoleChanged as exc:
        return _grid_page(actor, app, form, 409, {"grid": _messages(exc)}, request.form)
    flash(_("Permissions saved.") if changed else _("Nothing changed."),
          "success" if changed else "info")
    return redirect(url_for(".form_grid", app_key=app.key, form_key=form.key), 303)


@bp.post("/forms/<form_key>/pool")
def pool(app_key: str, form_key: str):
    """Turn the form's public pool on or off and set its limit (in the draft: publish it)."""
    actor, app = _app(app_key)
    form = forms.get_form_for_build(actor, app, form_key)
    limit_text = (request.form.get("limit") or "").strip()
    limit = _id(limit_text)
    if limit_text and (limit is None or not 1 <= limit <= 100_000):
        return _grid_page(actor, app, form, 422, {"pool": [_(
            "Limit: a whole number from 1 to 100000, or empty for no limit (got %(got)s)",
            got=limit_text[:20])]})
    settings = {"enabled": request.form.get("enabled") == "1", "limit": limit}
    document = dict(form.draft, pool=settings)
    forms.save_draft(actor, form, document, revision=form.draft_revision)
    flash(_("Public pool settings saved to the draft. Publish the form to apply them."),
          "success")
    return redirect(url_for(".form_grid", app_key=app.key, form_key=form.key), 303)
