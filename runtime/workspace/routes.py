"""An app's home page."""

from __future__ import annotations

from flask import Blueprint, url_for

from builder.apps import service as apps
from builder.forms import service as forms
from builder.web import current_actor, render

bp = Blueprint("workspace", __name__, url_prefix="/a")


def user_names(ids: set[int]) -> dict[int, str]:
    """Display names of the users with these ids."""
    from sqlalchemy import select

    from builder.db import db

    from ..accounts.models import User

    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {row.id: row.name for row in rows}


def _register_user_names(state) -> None:
    """Let builder pages show who saved a version without importing the runtime."""
    state.app.extensions.setdefault("jimu.user_names", user_names)


bp.record_once(_register_user_names)


@bp.get("/<key>")
def app_home(key: str):
    """The app's home page: its forms and, for builders, ways to design them and the app."""
    from ..permissions import service as permissions

    actor = current_actor()
    app = apps.get_app_by_key(actor, key)
    cards = [c for c in forms.form_cards(actor, app)
             if permissions.can_open(actor, app.id, c.key)]  # only forms a role opens
    can_build = apps.can_build(actor, app)
    return render("workspace/app_home.html", block="content", app=app, forms=cards,
                  can_build=can_build,
                  roles_url=url_for("builder_roles.index", app_key=app.key) if can_build else None)
