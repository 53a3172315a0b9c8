"""Admin page listing job runs."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jobs_admin", __name__, url_prefix="/admin/jobs")


@bp.get("/")
def index():
    """(PLACEHOLDER — a helper implements this page.)"""
    from flask import abort

    abort(404)
