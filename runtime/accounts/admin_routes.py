"""Administration of users: invite, edit, disable."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")


@bp.get("/")
def index():
    """(PLACEHOLDER — a helper implements this page.)"""
    from flask import abort

    abort(404)
