"""Exporting records: any filter, sort and choice of columns, to XLSX or CSV.

Rows come from the one read path (``records.query``), so an export holds exactly
the records the person may see, and only live fields. Values are written as a
person reads them (option labels, member names, region names) but numbers and
dates stay numbers and dates in XLSX, and the importer reads every one of them
back. Small exports are answered at once; larger ones become a job whose file
only the requester can download, for 24 hours.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from builder import conditions
from builder import fields as field_types
from builder.db import db, utcnow
from builder.fields import Field
from builder.fields.dates import local_zone

from ..audit import service as audit
from ..jobs.outbox import enqueue, enqueue_in
from ..jobs.runner import current_attempt
from ..permissions import service as permissions
from ..records import entry, links, query, relations, sides
from ..records.relations import linked_ids
from ..records.schema import PublishedForm
from ..records.service import _to_record
from . import writers
from .exceptions import ImportNotFound, ValidationFailed
from .models import ExportRun, ExportStatus
from .service import data_path

FORMATS = ("xlsx", "csv")
#: more rows than this are prepared in the background
INLINE_LIMIT = 5_000
BATCH = 1_000
#: the most records one can tick for "export selected"
MAX_IDS = 1_000
KEEP = timedelta(hours=24)
PEOPLE = frozenset({"member", "created_by", "updated_by", "owner"})
#: types whose stored text is what people read
PLAIN = frozenset({"text", "textarea", "email", "phone", "url", "id_card", "auto_number"})


@dataclass
class ExportRequest:
    """What to export: a filter (condition grammar), a sort, columns and a format."""

    condition: dict[str, Any] | None = None
    sort: list[tuple[str, bool]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    format: str = "xlsx"
    #: only these records (the rows ticked in a table view), None: every match
    ids: list[int] | None = None

    def to_json(self) -> dict[str, Any]:
        """For an export run's params."""
        return {"condition": self.condition, "sort": [list(s) for s in self.sort],
                "columns": self.columns, "format": self.format, "ids": self.ids}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExportRequest:
        """The stored params back."""
        return cls(condition=data.get("condition"),
                   sort=[(f, bool(d)) for f, d in data.get("sort", [])],
                   columns=list(data.get("columns", [])), format=data.get("format", "xlsx"),
                   ids=data.get("ids"))


def exportable(form: PublishedForm) -> list[Field]:
    """Live fields in the order the entry form shows them (system fields after)."""
    ordered = entry.ordered_fields(form)
    placed = {f.id for f in ordered}
    return ordered + [f for f in form.fields if f.id not in placed]


def parse(form: PublishedForm, args: Mapping[str, str]) -> ExportRequest:
    """An export request from query-string values: format, filter (JSON), sort, columns.

    ``sort`` is ``f_a,-f_b`` (minus: descending); ``columns`` is ``f_a,f_b``.
    Unknown fields and bad filters are refused with a message naming them.
    """
    errors: dict[str, list[str]] = {}
    fmt = (args.get("format") or "xlsx").lower()
    if fmt not in FORMATS:
        errors["format"] = [_("choose xlsx or csv")]
    condition = _condition(form, args.get("filter"), errors)
    sort = [(item.lstrip("-"), item.startswith("-"))
            for item in (args.get("sort") or "").split(",") if item.strip("-")]
    known = {f.id for f in exportable(form)}
    if any(f not in known and f not in ("created_at", "updated_at") for f, _d in sort):
        errors["sort"] = [_("sort only by fields of this form")]
    columns = [c for c in (args.get("columns") or "").split(",") if c]
    if any(c not in known for c in columns):
        errors["columns"] = [_("choose columns among the fields of this form")]
    ids = _ids(args.get("ids"), errors)
    if errors:
        raise ValidationFailed(errors)
    return ExportRequest(condition, sort, columns or [f.id for f in exportable(form)], fmt,
                         ids)


def _ids(raw: str | None, errors: dict[str, list[str]]) -> list[int] | None:
    """The ticked records' ids (``1,2,3``), at most MAX_IDS."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) > MAX_IDS or not all(p.isdigit() and len(p) < 19 for p in parts):
        errors["ids"] = [_("choose at most %(n)d records by their numbers", n=MAX_IDS)]
        return None
    return sorted({int(p) for p in parts})


def _condition(form: PublishedForm, raw: str | None, errors: dict[str, list[str]]):
    if not raw:
        return None
    try:
        condition = json.loads(raw)
        if not isinstance(condition, dict):
            raise ValueError(raw)
        query.where(form, condition)  # compiles it: unknown fields and bad operands fail here
    except (ValueError, conditions.ConditionInvalid) as exc:
        errors["filter"] = [_("the filter cannot be used: %(problem)s", problem=str(exc)[:200])]
        return None
    return condition


def _allowed(actor, form: PublishedForm) -> PublishedForm:
    """The form as ``actor`` may export it (permissions: the export right, hidden fields
    left out, row scope applied by the read path); PermissionDenied otherwise."""
    permissions.require(actor, form, "export")
    return permissions.visible_form(actor, form)


def count(actor, form: PublishedForm, request: ExportRequest) -> int:
    """How many records the export would hold."""
    form = _allowed(actor, form)
    return query.count(actor, form, request.condition, ids=request.ids)


def columns(form: PublishedForm, request: ExportRequest) -> list[Field]:
    """The live fields to export: those asked for, else every one (deleted ones never)."""
    if not request.columns:
        return exportable(form)
    return [form.field_map[c] for c in request.columns if c in form.field_map]


def headers(form: PublishedForm, request: ExportRequest) -> list[str]:
    """The header row: each column's label."""
    return [f.label for f in columns(form, request)]


def rows(actor, form: PublishedForm, request: ExportRequest) -> Iterator[list[Any]]:
    """The rows, streamed from the database a batch at a time (links named, lookups read)."""
    form = _allowed(actor, form)
    stmt = query.select(actor, form, request.condition, sort=request.sort, ids=request.ids)
    chosen = columns(form, request)
    result = db.session.execute(stmt.execution_options(yield_per=BATCH)).mappings()
    for partition in result.partitions():
        records = [_to_record(form, row) for row in partition]
        connection = db.session.connection()
        sides.fill(form, records, connection)
        relations.resolve(form, records, connection, actor=actor)  # linked forms' rights
        related = links.related(form, [r.values for r in records], chosen, actor=actor)
        names = _names(chosen, records)
        for record in records:
            yield [_cell(f, record.values.get(f.id), names, related) for f in chosen]


def _cell(item: Field, value: Any, names: Mapping[str, Mapping[int, str]],
          related: links.Related) -> Any:
    """Links as their records' names, lookups as the field they show; else :func:`cell`."""
    if item.type == "link":
        found = related.links.get(item.id, {})
        texts = [found[i].text if i in found else f"#{i}" for i in linked_ids(value)]
        return "、".join(texts) or None
    shown = related.lookups.get(item.id) if item.type == "lookup" else None
    if shown is not None:
        values = value if isinstance(value, list) else [value]
        texts = [cell(shown, v, names) for v in values if v not in (None, "", [])]
        if len(texts) == 1 and not isinstance(value, list):
            return texts[0]
        return "、".join(str(t) for t in texts) or None
    return cell(item, value, names)


def _names(columns: Sequence[Field], records: list[Any]) -> dict[str, dict[int, str]]:
    from ..accounts.models import Department, User

    people = {r.values.get(f.id) for r in records for f in columns if f.type in PEOPLE}
    units = {r.values.get(f.id) for r in records for f in columns if f.type == "department"}
    people = {p for p in people if isinstance(p, int)}
    units = {d for d in units if isinstance(d, int)}
    found: dict[str, dict[int, str]] = {"user": {}, "department": {}}
    if people:
        found["user"] = dict(db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_(people))).all())
    if units:
        found["department"] = dict(db.session.execute(
            sa.select(Department.id, Department.name).where(Department.id.in_(units))).all())
    return found


def cell(item: Field, value: Any, names: Mapping[str, Mapping[int, str]]) -> Any:
    """A value as it goes into a cell: numbers and dates typed, the rest as text."""
    if value is None or value == [] or value == "":
        return None
    kind = item.type
    if kind in PLAIN:
        return value
    if kind in PEOPLE:
        return names["user"].get(value) or f"#{value}"
    if kind == "department":
        return names["department"].get(value) or f"#{value}"
    if isinstance(value, bool):
        return field_types.get(kind).display(item, value)
    if isinstance(value, datetime):
        return value.astimezone(local_zone()).replace(tzinfo=None, microsecond=0)
    if isinstance(value, int | float | Decimal | date | time):
        return value  # numbers and dates stay typed (formulas and rollups included)
    return field_types.get(kind).display(item, value)


# ---------------------------------------------------------------- answering and jobs


def file_name(form: PublishedForm, fmt: str) -> str:
    """“客户 2026-03-01 1430.xlsx”."""
    stamp = datetime.now(local_zone()).strftime("%Y-%m-%d %H%M")
    name = str(form.document.get("name") or _("Records"))
    return f"{name} {stamp}.{fmt}"


def write(actor, form: PublishedForm, request: ExportRequest, target,
          progress: Callable[[int], None] | None = None) -> int:
    """Write the export to ``target`` (a path or a binary file); returns the row count."""
    form = _allowed(actor, form)
    counter = _Counter(rows(actor, form, request), progress)
    if request.format == "csv":
        opened = target.open("wb") if hasattr(target, "open") else nullcontext(target)
        with opened as handle:
            for chunk in writers.csv_chunks(headers(form, request), counter):
                handle.write(chunk)
    else:
        writers.write_xlsx(target, headers(form, request), counter,
                           title=str(form.document.get("name") or "Sheet1"))
    # who exported which filter, how many rows (committed with nothing else pending)
    audit.record(actor, "export.run", "form", form.form_id, {
        "format": request.format, "filter": request.condition,
        "sort": [f"-{f}" if d else f for f, d in request.sort],
        "columns": list(request.columns), "rows": counter.done,
        **({"ids": request.ids} if request.ids is not None else {})})
    db.session.commit()
    return counter.done


class _Counter:
    """Passes rows through, counting them and reporting every thousand."""

    def __init__(self, stream: Iterator[list[Any]], progress: Callable[[int], None] | None):
        self.stream, self.progress, self.done = stream, progress, 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.stream:
            yield row
            self.done += 1
            if self.progress is not None and self.done % BATCH == 0:
                self.progress(self.done)


def start(actor, form: PublishedForm, request: ExportRequest) -> ExportRun:
    """Prepare a large export in the background (the requester alone may download it)."""
    form = _allowed(actor, form)
    run = ExportRun(form_id=form.form_id, user_id=actor.id, language=str(get_locale()),
                    format=request.format, params=request.to_json(),
                    total_rows=count(actor, form, request),
                    file_name=file_name(form, request.format))
    db.session.add(run)
    db.session.flush()
    enqueue("transfer.export", run.id, run_key=f"transfer.export:{run.id}")
    db.session.commit()
    return run


def get(actor, run_id: int) -> ExportRun:
    """An export the actor requested."""
    run = db.session.get(ExportRun, run_id)
    if run is None or run.user_id != getattr(actor, "id", None):
        raise ImportNotFound(f"export {run_id}")
    return run


def download_path(actor, run: ExportRun) -> Path | None:
    """The file, if it is ready and not yet expired."""
    if run.status != ExportStatus.DONE or run.file_path is None or run.expires_at is None \
            or run.expires_at <= utcnow():
        return None
    path = data_path(run.file_path)
    return path if path.exists() else None


def run_export(run_id: int) -> None:
    """Job: write the export file, with progress, then keep it for 24 hours."""
    run = db.session.get(ExportRun, int(run_id))
    if run is None or run.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return
    with force_locale(run.language):
        try:
            _run_export(run)
        except Exception:
            attempt = current_attempt()
            if attempt is None or attempt.is_last:
                db.session.rollback()
                _fail(run_id, _("The export stopped because of an error on our side."))
            raise


def _run_export(run: ExportRun) -> None:
    from ..accounts.models import User
    from .forms import published_form

    actor, form = db.session.get(User, run.user_id), published_form(run.form_id)
    if actor is None or form is None:
        _fail(run.id, _("The form no longer exists."))
        return
    run.status = ExportStatus.RUNNING.value
    db.session.commit()
    run_id, relative = run.id, f"transfer/exports/{run.id}/export.{run.format}"
    data_path(relative).parent.mkdir(parents=True, exist_ok=True)
    done = write(actor, form, ExportRequest.from_json(run.params), data_path(relative),
                 progress=lambda n: _progress(run_id, n))
    run = db.session.get(ExportRun, run_id)
    run.rows_done, run.total_rows = done, max(done, run.total_rows)
    run.status, run.file_path = ExportStatus.DONE.value, relative
    run.finished_at = utcnow()
    run.expires_at = run.finished_at + KEEP
    # committed by the job runner together with the run's success
    enqueue_in(KEEP, "transfer.expire_export", run.id, run_key=f"transfer.expire_export:{run.id}")


def _fail(run_id: int, message: str) -> None:
    run = db.session.get(ExportRun, run_id)
    if run is not None:
        run.status, run.message = ExportStatus.FAILED.value, message
        db.session.commit()


def _progress(run_id: int, done: int) -> None:
    """Progress on its own connection: the export's read must not be committed under it."""
    table = ExportRun.__table__
    with db.engine.begin() as connection:
        connection.execute(sa.update(table).where(table.c.id == run_id).values(rows_done=done))


def expire_export(run_id: int) -> None:
    """Job: delete an export's file 24 hours after it was made."""
    run = db.session.get(ExportRun, int(run_id))
    if run is None:
        return
    shutil.rmtree(data_path(f"transfer/exports/{run.id}"), ignore_errors=True)
    run.status, run.file_path = ExportStatus.EXPIRED.value, None
