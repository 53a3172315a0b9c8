"""Administration of users: list, invite, edit, disable. Views are thin; rules live in
:mod:`runtime.accounts.admin_service`."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from builder.db import utcnow
from builder.exceptions import ValidationFailed
from builder.web import render

from ..i18n import LANGUAGE_NAMES
from . import admin_service as admin
from .domain import UserStatus, user_status
from .exceptions import ActionRefused
from .forms import UserForm
from .routes import attach_errors

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@bp.get("/")
def index():
    """All users with search, status filter and pages of 50."""
    query = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    if status not in {s.value for s in UserStatus}:
        status = ""
    result = admin.list_users(g.user, query=query, status=status, page=_page_number())
    return render("admin/users.html", block="results", result=result, query=query,
                  status_filter=status, statuses=_status_labels(), status_of=_status_of,
                  now=utcnow())


def _status_labels() -> dict[str, str]:
    return {UserStatus.ACTIVE.value: _("Active"), UserStatus.INVITED.value: _("Invited"),
            UserStatus.DISABLED.value: _("Disabled")}


def _status_of(user) -> str:
    return user_status(user.is_active, not user.is_pending).value


def _form(user=None) -> UserForm:
    form = UserForm(obj=user)
    if user is not None and request.method == "GET":
        form.department_id.data = str(user.department_id or "")
        form.language.data = user.language or ""
    keep = user.department_id if user is not None else None
    form.set_choices(admin.list_departments(g.user, keep=keep), LANGUAGE_NAMES)
    return form


def _changes(form: UserForm) -> admin.UserChanges:
    dept = (form.department_id.data or "").strip()
    return admin.UserChanges(
        name=form.name.data or "",
        email=form.email.data or "",
        department_id=int(dept) if dept.isdigit() and len(dept) < 10 else (-1 if dept else None),
        is_admin=bool(form.is_admin.data),
        language=form.language.data or None,
    )


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    """Invite a colleague: they get an e-mail with a link to choose a password."""
    form = _form()
    if form.validate_on_submit():
        try:
            user = admin.invite_user(g.user, _changes(form))
        except ValidationFailed as exc:
            attach_errors(form, exc)
        else:
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("users_admin.index"), 303)
    status = 422 if form.errors else 200
    return render("admin/users_invite.html", block="content", status=status, form=form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    """Edit a user's name, e-mail, department, administrator flag and language."""
    user = admin.get_user(g.user, user_id)
    form = _form(user)
    if form.validate_on_submit():
        try:
            admin.update_user(g.user, user.id, _changes(form))
        except ValidationFailed as exc:
            attach_errors(form, exc)
        else:
            flash(_("Changes to %(name)s saved.", name=user.name), "success")
            if not g.user.is_admin:  # the actor removed their own administrator rights
                return redirect(url_for("shell.home"), 303)
            return redirect(url_for("users_admin.edit", user_id=user.id), 303)
    status = 422 if form.errors else 200
    from ..org import tree
    from ..org.routes import transfer_context

    return render("admin/users_edit.html", block="content", status=status, form=form,
                  user=user, status_value=_status_of(user), statuses=_status_labels(),
                  is_self=user.id == g.user.id, now=utcnow(),
                  departments=tree.departments_of(user.id), **transfer_context(user))


@bp.post("/<int:user_id>/disable")
def disable(user_id: int):
    """Disable a user; they are signed out at once (their records stay theirs until moved)."""
    return _set_active(user_id, False, _("%(name)s has been disabled and signed out. Their "
                                         "records are kept; you can give them to someone "
                                         "else below."))


@bp.post("/<int:user_id>/enable")
def enable(user_id: int):
    """Allow a disabled user to sign in again."""
    return _set_active(user_id, True, _("%(name)s can sign in again."))


def _set_active(user_id: int, active: bool, message: str):
    try:
        user = admin.set_active(g.user, user_id, active)
    except ActionRefused as exc:
        flash(exc.message, "error")
    else:
        flash(message % {"name": user.name}, "success")
    return redirect(url_for("users_admin.edit", user_id=user_id), 303)


@bp.post("/<int:user_id>/resend")
def resend(user_id: int):
    """Send a new invitation link (the previous one stops working)."""
    try:
        user = admin.resend_invitation(g.user, user_id)
    except ActionRefused as exc:
        flash(exc.message, "error")
    else:
        flash(_("A new invitation has been sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("users_admin.edit", user_id=user_id), 303)
