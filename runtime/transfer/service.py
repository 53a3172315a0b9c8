"""Imports as people see them: upload → map columns → preview → run → error workbook.

Every function takes the acting user first and checks that the import is theirs
and belongs to the form in the address. The run itself is a background job
(``transfer.import``); see importer.py for how rows are written.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from builder.db import db, utcnow

from ..audit import service as audit
from ..jobs.models import JobRun
from ..jobs.outbox import enqueue, enqueue_in
from ..permissions import service as permissions
from ..records import batch
from ..records.domain import prepare as domain_prepare
from ..records.forms_lookup import FormTarget
from ..records.service import _require
from . import domain, importer, readers
from .exceptions import ImportNotFound, SourceInvalid, ValidationFailed
from .models import Duplicates, ImportRowError, ImportRun, ImportStatus

MAX_ROWS = 1_000_000
PREVIEW_ROWS = 100
KEEP_FILES = timedelta(days=7)
#: .xls is let through so that its reader can say how to convert it
EXTENSIONS = (".xlsx", ".csv", ".txt", ".xls")


def data_path(relative: str) -> Path:
    """A path inside the data directory (stored paths are relative to it)."""
    return Path(current_app.config["JIMU_DATA_DIR"]) / relative


def _folder(run_id: int) -> str:
    return f"transfer/imports/{int(run_id)}"


# ---------------------------------------------------------------- upload and mapping


def upload(actor, target: FormTarget, upload_file) -> ImportRun:
    """Store an uploaded file, read it once and guess the column mapping."""
    form = target.published
    _require(actor, form, "create")
    permissions.require(actor, form, "import")
    name = (getattr(upload_file, "filename", "") or "").strip()
    if not name:
        raise SourceInvalid(_("Choose a file to import."))
    if not name.lower().endswith(EXTENSIONS):
        raise SourceInvalid(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    run = ImportRun(form_id=form.form_id, user_id=actor.id, language=str(get_locale()),
                    file_name=name[-255:], file_path="", file_size=0)
    db.session.add(run)
    db.session.flush()
    folder = data_path(_folder(run.id))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "source"
    try:
        upload_file.save(path)
        sheet = readers.inspect(path)
        if sheet.total > MAX_ROWS:
            raise SourceInvalid(_("The file has %(count)s rows; at most %(max)s rows can be "
                                  "imported at once. Split it into smaller files.",
                                  count=f"{sheet.total:,}", max=f"{MAX_ROWS:,}"))
    except Exception:
        db.session.rollback()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _describe(run, form, sheet, path)
    enqueue_in(KEEP_FILES, "transfer.expire_import", run.id,
               run_key=f"transfer.expire_import:{run.id}")
    db.session.commit()
    return run


def _describe(run: ImportRun, form, sheet: readers.Sheet, path: Path) -> None:
    run.file_path = f"{_folder(run.id)}/source"
    run.file_size = path.stat().st_size
    stored = sheet.to_json()
    stored["samples"] = [[_sample(c) for c in row[:len(sheet.headers)]]
                         for row in sheet.samples]
    run.sheet = stored
    run.total_rows = sheet.total
    run.mapping = domain.auto_map(form, sheet.headers)
    unique = [fid for fid in form.unique if fid in run.mapping]
    run.options = {"keys": unique[:1], "duplicates": Duplicates.SKIP.value, "normalise": True}


def _sample(cell: Any) -> str:
    return "" if cell is None else domain.as_text(cell)[:60]


def get(actor, target: FormTarget, run_id: int) -> ImportRun:
    """The import ``run_id`` of this form, if the actor started it."""
    run = db.session.get(ImportRun, run_id)
    if run is None or run.user_id != getattr(actor, "id", None) \
            or run.form_id != target.published.form_id:
        raise ImportNotFound(f"import {run_id}")
    return run


def recent(actor, target: FormTarget, limit: int = 5) -> list[ImportRun]:
    """The actor's latest imports into this form."""
    return list(db.session.scalars(
        sa.select(ImportRun).where(ImportRun.form_id == target.published.form_id,
                                   ImportRun.user_id == actor.id)
        .order_by(ImportRun.id.desc()).limit(limit)))


def key_fields(form) -> list[Any]:
    """Fields that may identify duplicates."""
    return [f for f in domain.importable(form) if f.type in importer.KEY_TYPES]


def save_mapping(actor, target: FormTarget, run: ImportRun, mapping: list[str | None],
                 keys: list[str], duplicates: str, normalise: bool) -> None:
    """Keep the chosen mapping and options; ValidationFailed lists what is wrong."""
    _require_editable(run)
    form = target.published
    headers = run.sheet.get("headers", [])
    mapping = (list(mapping) + [None] * len(headers))[:len(headers)]
    allowed_keys = {f.id for f in key_fields(form)}
    errors = domain.check_mapping(form, headers, mapping, [k for k in keys if k])
    if any(k not in allowed_keys for k in keys):
        errors.setdefault("keys", []).append(_("choose fields of this form"))
    if duplicates not in {d.value for d in Duplicates}:
        errors.setdefault("duplicates", []).append(_("choose what to do with duplicates"))
    if errors:
        raise ValidationFailed(errors)
    run.mapping = [m or None for m in mapping]
    run.options = {"keys": list(dict.fromkeys(keys)), "duplicates": duplicates,
                   "normalise": bool(normalise)}
    db.session.commit()


def _require_editable(run: ImportRun) -> None:
    if run.status != ImportStatus.MAPPING:
        raise ValidationFailed(_("This import has already been started."))


# ---------------------------------------------------------------- preview


@dataclass
class Preview:
    """The first rows as the import would handle them, and how many of each outcome."""

    outcomes: list[importer.Outcome]
    counts: Counter
    settings: importer.Settings
    total: int


def preview(actor, target: FormTarget, run: ImportRun) -> Preview:
    """Dry run over the first rows: nothing is written."""
    form = target.published
    settings = importer.Settings.of(run, form)
    sheet = readers.Sheet.from_json(_sheet_only(run.sheet))
    rows = list(islice(readers.rows(data_path(run.file_path), sheet), PREVIEW_ROWS))
    inputs, decided = importer.plan(settings, rows, {}, {})
    results = batch.check(actor, form, inputs)
    db.session.rollback()
    found = importer.outcomes(settings, rows, decided, results)
    for outcome in found:
        if outcome.data and not outcome.values:  # skipped rows: show what they hold, too
            outcome.values = domain_prepare(form, outcome.data).values
    return Preview(found, Counter(o.action for o in found), settings, run.total_rows)


def _sheet_only(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stored.items() if k != "samples"}


# ---------------------------------------------------------------- running


def start(actor, target: FormTarget, run: ImportRun) -> ImportRun:
    """Queue the import job (once: starting twice changes nothing)."""
    _require(actor, target.published, "create")
    permissions.require(actor, target.published, "import")
    if run.status == ImportStatus.MAPPING:
        run.status = ImportStatus.QUEUED.value
        audit.record(actor, "import.run", "form", run.form_id, {
            "import_id": run.id, "file": run.file_name, "rows": run.total_rows,
            "options": run.options})
        enqueue("transfer.import", run.id, run_key=f"transfer.import:{run.id}")
        db.session.commit()
    return run


def cancel(actor, target: FormTarget, run: ImportRun) -> ImportRun:
    """Stop after the chunk being written; what is committed stays."""
    if run.finished:
        return run
    if run.status == ImportStatus.MAPPING:
        run.status = ImportStatus.CANCELLED.value
        run.finished_at = utcnow()
    else:
        run.cancel_requested = True
    db.session.commit()
    return run


def job_state(run: ImportRun) -> JobRun | None:
    """The background job of a started import (its attempts, a retry pending)."""
    return db.session.scalar(sa.select(JobRun).where(
        JobRun.run_key == f"transfer.import:{run.id}"))


def error_rows(run: ImportRun) -> list[ImportRowError]:
    """The refused rows in file order."""
    return list(db.session.scalars(sa.select(ImportRowError).where(
        ImportRowError.run_id == run.id).order_by(ImportRowError.row_number)))


def error_file(actor, target: FormTarget, run: ImportRun) -> Path:
    """The error workbook's path, if the run produced one."""
    if not run.error_file or not data_path(run.error_file).exists():
        raise ImportNotFound(f"error workbook of import {run.id}")
    return data_path(run.error_file)
