"""Admin page listing job runs, with filters and a retry button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from builder.web import current_actor, render, safe_next

from . import service

bp = Blueprint("jobs_admin", __name__, url_prefix="/admin/jobs")


def _page_arg() -> int:
    try:
        return int(request.args.get("page", "1"))
    except ValueError:
        return 1


@bp.get("/")
def index():
    """The run log, newest first; htmx filter requests get only the table."""
    result = service.list_runs(current_actor(), status=request.args.get("status") or None,
                               job=request.args.get("job") or None, page=_page_arg())
    return render("admin/jobs.html", block="runs", result=result)


@bp.post("/<int:run_id>/retry")
def retry(run_id: int):
    """Send a failed run again with a fresh set of attempts."""
    service.retry_run(current_actor(), run_id)
    flash(_("Run %(id)d was sent again.", id=run_id), "success")
    return redirect(safe_next(request.form.get("next") or url_for(".index")), 303)
