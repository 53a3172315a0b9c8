"""Admin page listing outgoing mail."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")


@bp.get("/")
def index():
    """(PLACEHOLDER — a helper implements this page.)"""
    from flask import abort

    abort(404)
