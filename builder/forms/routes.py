"""The form designer pages. (PLACEHOLDER endpoints — the designer helper implements them.)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("builder_forms", __name__, url_prefix="/build/apps/<app_key>/forms")


@bp.route("/new", methods=["GET", "POST"])
def new(app_key: str):
    """Create a form in an app."""
    abort(404)


@bp.get("/<form_key>")
def designer(app_key: str, form_key: str):
    """The three-pane designer."""
    abort(404)
