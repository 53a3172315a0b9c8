"""What the import pages render: each wizard step's context, built from service results."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, send_file, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from builder.db import db
from builder.web import render

from ..records import display
from ..records.display import Shown
from ..records.forms_lookup import FormTarget
from . import domain, service, writers
from .models import Duplicates, ImportRun, ImportStatus

STEPS = ("upload", "map", "preview", "run")


def _labels() -> dict[str, str]:
    return {"upload": _("Choose a file"), "map": _("Match columns"), "preview": _("Check"),
            "run": _("Import")}


def _render(target: FormTarget, step: str, *, status: int = 200, block: str = "wizard",
            **context: Any):
    keys = {"app_key": target.app.key, "form_key": target.form.key}
    return render("transfer/import.html", block=block, status=status, target=target,
                  keys=keys, step=step, steps=STEPS, step_labels=_labels(), **context)


def too_large_message() -> str:
    """The size limit, in megabytes, as a sentence."""
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    return _("The file is larger than %(max)s MB. Split it into smaller files, or save it as "
             "CSV, which is much smaller.", max=limit)


# ---------------------------------------------------------------- step 1


def upload_page(target: FormTarget, *, errors: Mapping[str, list[str]] | None = None,
                status: int = 200):
    """Choose a file; the person's recent imports into this form below."""
    from builder.web import current_actor

    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    return _render(target, "upload", status=status, errors=errors or {},
                   recent=service.recent(current_actor(), target), max_mb=limit,
                   max_rows=f"{service.MAX_ROWS:,}")


# ---------------------------------------------------------------- step 2


@dataclass
class Column:
    """One column of the file on the mapping step."""

    index: int
    letter: str
    header: str
    samples: list[str]
    chosen: str | None
    errors: list[str] = field(default_factory=list)
    duplicate: bool = False


def mapping_page(target: FormTarget, run: ImportRun, *, chosen: Mapping[str, Any] | None = None,
                 errors: Mapping[str, list[str]] | None = None, status: int = 200):
    """Match columns to fields, choose duplicate keys and what to do with duplicates."""
    form = target.published
    errors = errors or {}
    options = chosen or {**run.options, "mapping": run.mapping}
    headers = run.sheet.get("headers", [])
    samples = run.sheet.get("samples", [])
    seen: set[str] = set()
    columns = []
    for index, header in enumerate(headers):
        mapped = options["mapping"][index] if index < len(options["mapping"]) else None
        columns.append(Column(index, domain.column_name(index), header,
                              [row[index] for row in samples if index < len(row)][:3], mapped,
                              errors.get(f"col_{index}", []), bool(header) and header in seen))
        seen.add(header)
    return _render(target, "map", status=status, run=run, columns=columns,
                   fields=domain.importable(form), key_fields=service.key_fields(form),
                   key_ids=options.get("keys", []), duplicates=options.get("duplicates", "skip"),
                   normalise=options.get("normalise", True), errors=errors,
                   modes=_modes(), type_names=_type_names(form))


def _modes() -> list[tuple[str, str, str]]:
    return [(Duplicates.SKIP.value, _("Skip the row"),
             _("Keep the existing record as it is.")),
            (Duplicates.UPDATE.value, _("Update the existing record"),
             _("Fill the existing record with the row's values; running the same file again "
               "changes nothing.")),
            (Duplicates.CREATE.value, _("Create a new record anyway"),
             _("Do not look for duplicates (unique fields are still checked)."))]


def _type_names(form) -> dict[str, str]:
    from builder import fields as field_types

    return {f.id: str(field_types.get(f.type).name()) for f in form.fields}


def parse_mapping(run: ImportRun, formdata: MultiDict) -> dict[str, Any]:
    """The mapping form's choices (unknown values are left to the service to refuse)."""
    width = len(run.sheet.get("headers", []))
    return {"mapping": [formdata.get(f"col_{i}") or None for i in range(width)],
            "keys": [k for k in formdata.getlist("keys") if k][:5],
            "duplicates": formdata.get("duplicates", "skip"),
            "normalise": (formdata.getlist("normalise") or ["0"])[-1] == "1"}


# ---------------------------------------------------------------- step 3


@dataclass
class PreviewRow:
    """One row of the dry run."""

    number: int
    action: str
    cells: list[Shown]
    message: str


def preview_page(target: FormTarget, run: ImportRun, preview: service.Preview):
    """The first rows with what would happen to each, and the counts."""
    columns = [f for _i, f in preview.settings.columns]
    names = _names(preview)
    rows = []
    for outcome in preview.outcomes:
        converted = outcome.action in ("create", "update", "unchanged")
        cells = []
        for index, item in preview.settings.columns:
            if converted or (outcome.values and outcome.values.get(item.id) is not None):
                cells.append(_shown(item, outcome.values.get(item.id), names))
            else:
                raw = outcome.cells[index] if index < len(outcome.cells) else None
                cells.append(Shown() if raw in (None, "") else
                             Shown("text", text=domain.as_text(raw)))
        rows.append(PreviewRow(outcome.number, outcome.action, cells, outcome.message))
    return _render(target, "preview", run=run, columns=columns, rows=rows,
                   counts=preview.counts, total=preview.total, shown=len(rows),
                   actions=action_labels())


def _names(preview: service.Preview) -> dict[str, dict[int, str]]:
    from ..accounts.models import Department

    members = {o.values.get(f.id) for o in preview.outcomes for _i, f in preview.settings.columns
               if f.type == "member" and o.values}
    departments = {o.values.get(f.id) for o in preview.outcomes
                   for _i, f in preview.settings.columns if f.type == "department" and o.values}
    found = {"member": display.names_for(members), "department": {}}
    ids = {d for d in departments if isinstance(d, int)}
    if ids:
        found["department"] = dict(db.session.execute(
            sa.select(Department.id, Department.name).where(Department.id.in_(ids))).all())
    return found


def _shown(item, value: Any, names: dict[str, dict[int, str]]) -> Shown:
    if item.type in names and value is not None:
        return Shown("text", text=names[item.type].get(value) or f"#{value}")
    return display.show(item, value, {}, compact=True)


def action_labels() -> dict[str, tuple[str, str]]:
    """Each outcome's label and badge style."""
    return {"create": (_("New"), "badge-success"), "update": (_("Update"), "badge-info"),
            "unchanged": (_("No change"), ""), "skip": (_("Skip"), "badge-warning"),
            "error": (_("Error"), "badge-danger")}


# ---------------------------------------------------------------- step 4


def run_page(target: FormTarget, run: ImportRun, *, block: str = "wizard"):
    """Progress while running; the summary and the error workbook when done."""
    job = service.job_state(run) if not run.finished else None
    done = run.rows_done if run.finished else min(run.rows_done, run.total_rows)
    percent = 100 if run.finished else (int(done * 100 / run.total_rows) if run.total_rows
                                        else 0)
    return _render(target, "run", block=block, run=run, percent=min(percent, 100),
                   retrying=job is not None and job.status == "retrying",
                   status_label=_status_labels().get(run.status, run.status))


def _status_labels() -> dict[str, str]:
    return {ImportStatus.QUEUED.value: _("Waiting to start…"),
            ImportStatus.RUNNING.value: _("Importing…"),
            ImportStatus.DONE.value: _("Import finished"),
            ImportStatus.CANCELLED.value: _("Import cancelled"),
            ImportStatus.FAILED.value: _("Import stopped")}


def template_response(target: FormTarget):
    """An empty workbook with the importable fields as its header row."""
    fields = domain.importable(target.published)
    buffer = io.BytesIO()
    writers.write_xlsx(buffer, [f.label for f in fields], [], title=target.name)
    buffer.seek(0)
    return send_file(buffer, mimetype=writers.XLSX_TYPE, as_attachment=True,
                     download_name=_("%(form)s - import template.xlsx", form=target.name))


def records_url(target: FormTarget) -> str:
    """The record list of the form."""
    return url_for("records.index", app_key=target.app.key, form_key=target.form.key)


# ---------------------------------------------------------------- export


def export_page(target: FormTarget, run, *, wanted=None, total: int = 0,
                errors: Mapping[str, list[str]] | None = None, status: int = 200,
                block: str = "content"):
    """A refused export request, the offer to prepare a large one, or its progress."""
    keys = {"app_key": target.app.key, "form_key": target.form.key}
    percent = 0
    if run is not None and run.total_rows:
        percent = min(100, int(run.rows_done * 100 / run.total_rows))
    if run is not None and run.status == "done":
        percent = 100
    return render("transfer/export.html", block=block, status=status, target=target, keys=keys,
                  run=run, wanted=wanted, total=f"{total:,}", errors=errors or {},
                  percent=percent, gone=status == 410, params=_params(wanted),
                  expires=display.when(run.expires_at) if run is not None else "")


def _params(wanted) -> dict[str, str]:
    """An export request as the form fields that post it again."""
    if wanted is None:
        return {}
    import json

    params = {"format": wanted.format, "columns": ",".join(wanted.columns),
              "sort": ",".join(("-" if d else "") + f for f, d in wanted.sort)}
    if wanted.condition:
        params["filter"] = json.dumps(wanted.condition, ensure_ascii=False)
    return params
