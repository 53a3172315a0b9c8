"""The audit log page and its CSV export (administrators only; read-only by design)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Blueprint, Response, g, request, stream_with_context
from flask_babel import gettext as _

from builder.fields.dates import local_zone
from builder.web import render

from . import domain, service

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")


def _before() -> int | None:
    raw = request.args.get("before", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@bp.get("/")
def index():
    """Entries newest first, filtered by actor, action, target and dates; pages by keyset."""
    f, errors = domain.parse_filter(request.args)
    result = service.page(g.user, f, before_id=_before())
    return render("admin/audit.html", block="results", status=422 if errors else 200,
                  result=result, filter=f, errors=errors, actors=service.actors(g.user),
                  groups=domain.grouped_actions(), target_types=domain.TARGET_TYPES,
                  label=domain.action_label, items=domain.summary_items,
                  shown_at=_shown_at, first_page=_before() is None)


def _shown_at(moment) -> str:
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M:%S")


def _columns() -> list[str]:
    return [_("Time"), _("Actor ID"), _("Actor"), _("IP address"), _("Action"),
            _("Action key"), _("Target"), _("Target ID"), _("What changed")]


@bp.get("/export.csv")
def export():
    """Every matching entry as CSV, streamed; the export itself is audited first."""
    f, _errors = domain.parse_filter(request.args)
    service.start_export(g.user, f)
    actor = g.user
    headers = _columns()

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # so spreadsheet programs read UTF-8 (Chinese names)
        writer.writerow(headers)
        for entry in service.export_entries(actor, f):
            writer.writerow([domain.csv_cell(v) for v in (
                _shown_at(entry.at), entry.actor_id, entry.actor_name, entry.ip,
                domain.action_label(entry.action), entry.action, entry.target_type,
                entry.target_id, "; ".join(f"{k}: {v}" for k, v in
                                           domain.summary_items(entry.summary)))])
            if buffer.tell() > 32_768:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
