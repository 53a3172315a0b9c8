"""Administration of the organisation: the tree, a department's page, record transfers.

Views are thin: they parse the request, call one service function and render.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from builder.exceptions import ValidationFailed
from builder.web import render

from . import domain, service, transfer, tree
from .exceptions import MoveRefused

bp = Blueprint("org_admin", __name__, url_prefix="/admin/org")
INVALID = -1


def _int(raw: Any) -> int | None:
    """An id from a form: None when empty, INVALID when it is not a number."""
    text = (raw or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else INVALID


def _messages(exc: ValidationFailed | MoveRefused) -> list[str]:
    return [m for messages in exc.errors.values() for m in messages]


# ---------------------------------------------------------------- the tree


def _tree_context(show_archived: bool) -> dict[str, Any]:
    roots = service.org_tree(g.user, include_archived=show_archived)
    usable = roots if not show_archived else service.org_tree(g.user)
    return {"roots": roots, "choices": domain.flatten(usable), "show_archived": show_archived}


@bp.get("/")
def index():
    """The department tree with member counts; drag a department to move it."""
    show_archived = request.args.get("archived") == "1"
    return render("admin/org.html", block="tree", errors={}, values={},
                  **_tree_context(show_archived))


@bp.post("/departments")
def create():
    """Add a department (at the top or under a parent)."""
    name = request.form.get("name", "")
    parent_id = _int(request.form.get("parent_id"))
    try:
        department = service.create_department(g.user, name, parent_id)
    except ValidationFailed as exc:
        return render("admin/org.html", status=422, errors=exc.errors,
                      values={"name": name, "parent_id": parent_id}, **_tree_context(False))
    flash(_("Department %(name)s created.", name=department.name), "success")
    return redirect(url_for("org_admin.index"), 303)


@bp.post("/move")
def move():
    """Move a department where it was dropped (htmx answers the tree again)."""
    department_id = _int(request.form.get("department_id"))
    parent_id = _int(request.form.get("parent_id"))
    position = _int(request.form.get("position"))
    error = None
    try:
        service.move_department(g.user, department_id, parent_id, position)
    except (ValidationFailed, MoveRefused) as exc:
        error = " ".join(_messages(exc))
    if request.headers.get("HX-Request") != "true":
        flash(error or _("Department moved."), "error" if error else "success")
        return redirect(url_for("org_admin.index"), 303)
    return render("admin/org.html", block="tree", status=422 if error else 200,
                  move_error=error, errors={}, values={}, **_tree_context(False))


# ---------------------------------------------------------------- one department


def _page(department_id: int, *, status: int = 200, errors: dict | None = None,
          values: dict | None = None):
    page = service.department_page(g.user, department_id)
    below = tree.subtree_ids(department_id)
    choices = [n for n in domain.flatten(service.org_tree(g.user)) if n.id not in below]
    return render("admin/org_department.html", status=status, page=page, choices=choices,
                  errors=errors or {}, values=values or {})


@bp.get("/<int:department_id>")
def department(department_id: int):
    """A department: rename, move, archive, managers, members, sub-departments."""
    return _page(department_id)


def _act(department_id: int, action, done: str | None, form_key: str):
    """Run one change; on refusal show the page again (422) with the message by the form."""
    try:
        action()
    except (ValidationFailed, MoveRefused) as exc:
        return _page(department_id, status=422, errors={form_key: _messages(exc)},
                     values=dict(request.form))
    if done:
        flash(done, "success")
    return redirect(url_for("org_admin.department", department_id=department_id), 303)


@bp.post("/<int:department_id>/rename")
def rename(department_id: int):
    """Give the department a new name."""
    name = request.form.get("name", "")
    return _act(department_id, lambda: service.rename_department(g.user, department_id, name),
                _("Department renamed."), "rename")


@bp.post("/<int:department_id>/move")
def move_under(department_id: int):
    """Move the department under the chosen one (the keyboard and no-JS way)."""
    parent_id = _int(request.form.get("parent_id"))
    return _act(department_id, lambda: service.move_department(
        g.user, department_id, parent_id), _("Department moved."), "move")


@bp.post("/<int:department_id>/archive")
def archive(department_id: int):
    """Archive the department and its sub-departments."""
    return _act(department_id, lambda: service.set_archived(g.user, department_id, True),
                _("Department archived. It can no longer be chosen in forms."), "archive")


@bp.post("/<int:department_id>/unarchive")
def unarchive(department_id: int):
    """Bring an archived department back into use."""
    return _act(department_id, lambda: service.set_archived(g.user, department_id, False),
                _("Department restored."), "archive")


@bp.post("/<int:department_id>/managers")
def add_manager(department_id: int):
    """Make someone a manager of the department."""
    user_id = _int(request.form.get("user_id"))
    return _act(department_id, lambda: service.add_manager(g.user, department_id, user_id),
                _("Manager added."), "managers")


@bp.post("/<int:department_id>/managers/<int:user_id>/remove")
def remove_manager(department_id: int, user_id: int):
    """Someone no longer manages the department."""
    return _act(department_id, lambda: service.remove_manager(g.user, department_id, user_id),
                _("Manager removed."), "managers")


@bp.post("/<int:department_id>/members")
def add_member(department_id: int):
    """Add someone to the department (optionally as their primary department)."""
    user_id = _int(request.form.get("user_id"))
    primary = request.form.get("primary") == "1"
    return _act(department_id, lambda: service.add_member(
        g.user, department_id, user_id, primary=primary), _("Member added."), "members")


@bp.post("/<int:department_id>/members/<int:user_id>/remove")
def remove_member(department_id: int, user_id: int):
    """Take someone out of the department."""
    return _act(department_id, lambda: service.remove_member(g.user, department_id, user_id),
                _("Member removed."), "members")


@bp.post("/<int:department_id>/members/<int:user_id>/primary")
def set_primary(department_id: int, user_id: int):
    """Make this department the member's primary one."""
    return _act(department_id, lambda: service.set_primary(g.user, user_id, department_id),
                _("Primary department changed."), "members")


# ---------------------------------------------------------------- records of a person


def transfer_context(user) -> dict[str, Any]:
    """What the user page's "Records" card needs (used by the users admin page)."""
    return {"owned": transfer.owned_records(g.user, user.id),
            "transfer_key": secrets.token_hex(8),
            "owner_choices": [u for u in service.active_users(g.user)
                              if u.id != user.id]}


@bp.post("/users/<int:user_id>/transfer")
def transfer_records(user_id: int):
    """Give every record the user owns to the chosen person."""
    new_owner = _int(request.form.get("new_owner"))
    key = request.form.get("transfer_key", "")
    if not (key.isalnum() and 0 < len(key) <= 64):
        key = secrets.token_hex(8)
    try:
        outcome = transfer.transfer_records(g.user, user_id, new_owner, key)
    except ValidationFailed as exc:
        flash(" ".join(_messages(exc)), "error")
    else:
        if outcome.job_id is not None:
            flash(_("%(n)d records are being transferred in the background; see Background "
                    "jobs.", n=outcome.total), "success")
        else:
            flash(_("%(n)d records transferred.", n=outcome.moved), "success")
    return redirect(url_for("users_admin.edit", user_id=user_id), 303)
