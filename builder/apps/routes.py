"""Builder pages for apps: create, edit, reorder, trash, restore and purge."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _

from builder.exceptions import ValidationFailed
from builder.web import current_actor, render, user_names

from . import domain, service
from .exceptions import AppChanged
from .forms import EditAppForm, NewAppForm, PurgeForm, ReorderForm, show_errors

bp = Blueprint("builder_apps", __name__, url_prefix="/build/apps")


def _go(url: str):
    """Success: 303 for a normal post, an HX-Redirect for htmx (a 303 would be swapped in)."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def _form_page(template: str, form, status: int = 200, block: str = "content", **context):
    """Render a form page; 422 when it carries errors."""
    status = 422 if status == 200 and (form.errors or form.form_errors) else status
    return render(template, block=block, status=status, form=form,
                  icon_labels=domain.ICON_LABELS, color_labels=domain.COLOR_LABELS, **context)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Create an app (a page without JS; a dialog through htmx)."""
    actor = current_actor()
    service.require_builder(actor)
    form = NewAppForm()
    if form.validate_on_submit():
        try:
            app = service.create(actor, key=form.key.data, **form.changes())
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("App “%(name)s” created.", name=app.name), "success")
            return _go(url_for("workspace.app_home", key=app.key))
    return _form_page("builder/apps/new.html", form, block="dialog")


@bp.route("/<key>/edit", methods=["GET", "POST"])
def edit(key: str):
    """Rename, describe, re-icon and re-colour an app; its version history below."""
    actor = current_actor()
    app = service.get_app_for_edit(actor, key)
    form = EditAppForm(data={**app.document, "version": app.version})
    status = 200
    if form.validate_on_submit():
        try:
            changed = service.update(actor, app, expected_version=form.version.data,
                                     **form.changes())
        except ValidationFailed as exc:
            show_errors(form, exc)
        except AppChanged:
            form.form_errors.append(_("Someone else saved this app while you were editing. "
                                      "Reload the page to see their changes, then try again."))
            status = 409
        else:
            flash(_("Changes saved.") if changed else _("Nothing changed."),
                  "success" if changed else "info")
            return _go(url_for("builder_apps.edit", key=app.key))
    entries = service.history(actor, app)
    return _form_page("builder/apps/edit.html", form, status, app=app, history=entries,
                      names=user_names({e.created_by_id for e in entries}))


@bp.post("/<key>/trash")
def trash_app(key: str):
    """Move an app to the trash."""
    actor = current_actor()
    app = service.get_app_for_edit(actor, key)
    service.trash(actor, app)
    flash(_("“%(name)s” was moved to the trash.", name=app.name), "success")
    return _go(url_for("shell.home"))


@bp.post("/<key>/move")
def move(key: str):
    """Move an app one place earlier or later (the keyboard alternative to dragging)."""
    actor = current_actor()
    app = service.get_app_for_edit(actor, key)
    steps = {"up": -1, "down": 1}
    direction = request.form.get("direction", "")
    if direction not in steps:
        raise ValidationFailed({"direction": [_("must be one of %(allowed)s", allowed="up, down")]})
    service.move(actor, app, steps[direction])
    return _go(url_for("shell.home") + f"#app-{app.id}")


@bp.post("/reorder")
def reorder():
    """Save the order of the apps after a drag (ids as a comma-separated list)."""
    actor = current_actor()
    service.require_builder(actor)
    form = ReorderForm()
    raw = [part.strip() for part in (form.ids.data or "").split(",") if part.strip()]
    if not all(part.isdigit() and len(part) < 12 for part in raw):
        raise ValidationFailed({"ids": [_("must be a list of app numbers")]})
    service.reorder(actor, [int(part) for part in raw])
    if request.headers.get("HX-Request") == "true":
        return make_response("", 204)
    return redirect(url_for("shell.home"), 303)


@bp.get("/trash")
def trash():
    """Apps in the trash, with Restore and Delete permanently."""
    actor = current_actor()
    return render("builder/apps/trash.html", block="content", apps=service.list_trash(actor))


@bp.post("/trash/<int:app_id>/restore")
def restore(app_id: int):
    """Bring an app back from the trash."""
    app = service.restore(current_actor(), app_id)
    flash(_("“%(name)s” was restored.", name=app.name), "success")
    return _go(url_for("builder_apps.trash"))


@bp.route("/trash/<int:app_id>/purge", methods=["GET", "POST"])
def purge(app_id: int):
    """Delete a trashed app for ever, after typing its key."""
    actor = current_actor()
    app = service.get_trashed(actor, app_id)
    form = PurgeForm()
    if form.validate_on_submit():
        try:
            name = service.purge(actor, app_id, form.confirm.data)
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("“%(name)s” was deleted permanently.", name=name), "success")
            return _go(url_for("builder_apps.trash"))
    return _form_page("builder/apps/purge.html", form, app=app)
