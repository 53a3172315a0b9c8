"""Background jobs of imports and exports. Each takes an id, re-reads its run and
returns quietly when the run is gone or finished, so a second delivery is a no-op.
"""

from __future__ import annotations

import gc
import logging
import shutil
from collections.abc import Iterator
from contextlib import closing, contextmanager

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from builder.db import db, utcnow

from ..jobs.runner import current_attempt
from . import importer, readers, writers
from .domain import cell_from_json
from .models import ImportRowError, ImportRun, ImportStatus

log = logging.getLogger(__name__)


def run_import(run_id: int) -> None:
    """Import the file of run ``run_id``, resuming after its last committed chunk."""
    run = db.session.get(ImportRun, int(run_id))
    if run is None or run.finished:
        return
    with force_locale(run.language):
        if run.cancel_requested:
            _finish(run, ImportStatus.CANCELLED)
            return
        try:
            _run(run)
        except Exception:
            attempt = current_attempt()
            if attempt is None or attempt.is_last:
                _give_up(run.id)
            raise


def _run(run: ImportRun) -> None:
    from ..accounts.models import User
    from .forms import published_form

    actor = db.session.get(User, run.user_id)
    form = published_form(run.form_id)
    if actor is None or form is None:
        run.message = _("The form or the person who started the import no longer exists.")
        _finish(run, ImportStatus.FAILED)
        return
    if run.status != ImportStatus.RUNNING:
        run.status = ImportStatus.RUNNING.value
        run.started_at = run.started_at or utcnow()
    db.session.commit()
    settings = importer.Settings.of(run, form)
    sheet = readers.Sheet.from_json({k: v for k, v in run.sheet.items() if k != "samples"})
    path, run_id, resume_after = _source(run), run.id, run.last_row
    seen: dict = {}
    chunk: list = []
    with closing(readers.rows(path, sheet, background=True)) as stream, _frozen_heap():
        for number, cells in stream:
            if number <= resume_after:
                continue
            chunk.append((number, cells))
            if len(chunk) >= importer.CHUNK_SIZE:
                if _cancelled(run_id):
                    break
                importer.commit_chunk(actor, settings, run_id, chunk, seen)
                chunk = []
        else:
            if chunk and not _cancelled(run_id):
                importer.commit_chunk(actor, settings, run_id, chunk, seen)
    run = db.session.get(ImportRun, run_id)
    db.session.refresh(run)
    _finish(run, ImportStatus.CANCELLED if run.cancel_requested else ImportStatus.DONE)


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Leave the objects that exist now (the app, its metadata, caches) out of the
    garbage collector's full passes while the chunks run.

    Each chunk's rows live long enough to be promoted to the oldest generation, so
    full collections come every few hundred rows, and each one walked the whole
    heap: a fifth of the job's CPU time. Frozen objects are only skipped, never
    lost; they are handed back to the collector at the end.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _source(run: ImportRun):
    from .service import data_path

    return data_path(run.file_path)


def _cancelled(run_id: int) -> bool:
    db.session.commit()  # end the read snapshot: see a cancel made meanwhile
    return bool(db.session.scalar(sa.select(ImportRun.cancel_requested)
                                  .where(ImportRun.id == run_id)))


def _finish(run: ImportRun, status: ImportStatus) -> None:
    """Write the error workbook (if any row was refused) and close the run."""
    from .service import data_path

    rows = list(db.session.scalars(sa.select(ImportRowError).where(
        ImportRowError.run_id == run.id).order_by(ImportRowError.row_number)))
    if rows:
        relative = f"transfer/imports/{run.id}/errors.xlsx"
        headers = [*run.sheet.get("headers", []), _("Problems")]
        width = len(headers) - 1
        writers.write_xlsx(data_path(relative), headers, (
            [*[cell_from_json(c) for c in row.cells][:width],
             *[None] * (width - len(row.cells)), row.message] for row in rows),
            title=_("Rows not imported"))
        run.error_file = relative
    run.status = status.value
    run.finished_at = utcnow()
    db.session.commit()


def _give_up(run_id: int) -> None:
    """The last attempt failed: say so on the run (committed chunks stay)."""
    db.session.rollback()
    run = db.session.get(ImportRun, run_id)
    if run is not None and not run.finished:
        run.message = _("The import stopped because of an error on our side. The rows "
                        "before it were imported; the rest were not.")
        _finish(run, ImportStatus.FAILED)


def expire_import(run_id: int) -> None:
    """Delete an import's files a week after upload (its summary stays)."""
    from .service import data_path

    run = db.session.get(ImportRun, int(run_id))
    if run is None:
        return
    if not run.finished and run.status != ImportStatus.MAPPING:
        return  # a run still going after a week keeps its files
    shutil.rmtree(data_path(f"transfer/imports/{run.id}"), ignore_errors=True)
    run.error_file = None
    if run.status == ImportStatus.MAPPING:
        run.status = ImportStatus.CANCELLED.value
        run.finished_at = utcnow()
    db.session.commit()
