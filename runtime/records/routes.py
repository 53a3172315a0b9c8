"""Staff pages for records. (PLACEHOLDER endpoints — the entry helper implements them.)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("records", __name__, url_prefix="/a/<app_key>/<form_key>")


@bp.get("")
def index(app_key: str, form_key: str):
    """The paginated record list of a form."""
    abort(404)


@bp.route("/new", methods=["GET", "POST"])
def new(app_key: str, form_key: str):
    """The entry form."""
    abort(404)


@bp.get("/<int:record_id>")
def detail(app_key: str, form_key: str, record_id: int):
    """A record's page."""
    abort(404)
