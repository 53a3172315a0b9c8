"""Home page, language switch and health check."""

from __future__ import annotations

from flask import Blueprint, g, redirect, request, session, url_for
from flask_babel import gettext as _

from builder.apps import service as apps
from builder.db import db
from builder.web import public, render, safe_next

from ..config import LANGUAGES
from ..exceptions import ValidationFailed

bp = Blueprint("shell", __name__)


@bp.get("/")
def home():
    """The signed-in user's apps (with building tools for those allowed to build)."""
    g.apps = apps.list_apps(g.user)  # the app switcher reuses the list
    return render("shell/home.html", apps=g.apps, can_build=apps.can_build(g.user))


@bp.post("/language")
@public
def set_language():
    """Switch the interface language (remembered on the account when signed in)."""
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        raise ValidationFailed({"lang": [_("must be one of %(allowed)s", allowed="zh_CN, en")]})
    session["lang"] = lang
    if g.user is not None:
        g.user.language = lang
        db.session.commit()
    target = request.form.get("next") or request.referrer or url_for("shell.home")
    return redirect(safe_next(target), 303)


@bp.get("/healthz")
@public
def healthz():
    """Liveness probe for load balancers."""
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}

