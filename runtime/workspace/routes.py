"""An app's home page."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("workspace", __name__, url_prefix="/a")


@bp.get("/<key>")
def app_home(key: str):
    """(PLACEHOLDER — helper C implements.)"""
    abort(404)
