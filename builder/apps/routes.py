"""Builder pages for apps: create, rename, describe, reorder, trash."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("builder_apps", __name__, url_prefix="/build/apps")


@bp.get("/trash")
def trash():
    """(PLACEHOLDER — helper C implements.)"""
    from flask import abort

    abort(404)
