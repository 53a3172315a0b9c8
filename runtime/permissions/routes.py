"""Pages of the public pool: the pooled records of a form, claim and release."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from builder.web import current_actor, render
from runtime.records import forms_lookup, pages

from . import pool
from .exceptions import ClaimLost, PoolLimitReached

bp = Blueprint("permissions", __name__, url_prefix="/a/<app_key>/<form_key>")
bp.app_template_global("pool_actions")(pool.actions)


def _target(app_key: str, form_key: str) -> forms_lookup.FormTarget:
    return forms_lookup.resolve(current_actor(), app_key, form_key)


@bp.get("/pool")
def pool_list(app_key: str, form_key: str):
    """Records nobody owns yet, with a Claim button each."""
    actor, target = current_actor(), _target(app_key, form_key)
    before = request.args.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 19 else None
    records = pool.page(actor, target.published, before_id=before_id, limit=pool.PAGE_SIZE + 1)
    table = pages.record_table(target.published, records[:pool.PAGE_SIZE], trashed=False)
    settings = pool.settings(target.published)
    return render("permissions/pool.html", block="records", target=target, table=table,
                  keys={"app_key": app_key, "form_key": form_key},
                  older=len(records) > pool.PAGE_SIZE, limit=settings.get("limit"),
                  held=pool.open_claims(target.published, actor.id))


def _back(target, record_id: int) -> str:
    return url_for("records.detail", app_key=target.app.key, form_key=target.form.key,
                   record_id=record_id)


@bp.post("/<int:record_id>/claim")
def claim(app_key: str, form_key: str, record_id: int):
    """Become the owner of a pooled record; someone faster wins (409)."""
    actor, target = current_actor(), _target(app_key, form_key)
    try:
        pool.claim(actor, target.published, record_id)
    except (ClaimLost, PoolLimitReached) as exc:
        flash(" ".join(m for ms in getattr(exc, "errors", {"": [str(exc)]}).values()
                       for m in ms) if isinstance(exc, PoolLimitReached) else str(exc), "error")
        return redirect(url_for(".pool_list", app_key=app_key, form_key=form_key), 303)
    flash(_("The record is yours now."), "success")
    return redirect(_back(target, record_id), 303)


@bp.post("/<int:record_id>/release")
def release(app_key: str, form_key: str, record_id: int):
    """Put a record back into the pool."""
    actor, target = current_actor(), _target(app_key, form_key)
    pool.release(actor, target.published, record_id)
    flash(_("The record is back in the public pool."), "success")
    return redirect(url_for("records.index", app_key=app_key, form_key=form_key), 303)
