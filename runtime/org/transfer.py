"""Give every record a person owns, in every form, to someone else.

Used when someone leaves: their account is disabled (their records stay) and an
administrator hands their records over. A few records move at once, in the
request; many move in a background job, in batches. Either way each record
gets a history entry (``owner_id``: old → new) and a new row version, and
running the transfer again does nothing more: it only ever touches records
the old owner still owns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder.apps.models import App
from builder.db import begin_write, db, utcnow
from builder.exceptions import NotFound, PermissionDenied, ValidationFailed
from builder.forms.models import Form, FormVersion

from ..accounts.models import User
from ..audit import service as audit
from ..jobs.outbox import enqueue
from ..records import events
from ..records.models import Action, RecordHistory
from ..records.schema import PublishedForm, published

log = logging.getLogger(__name__)

JOB = "org.transfer_records"
#: up to this many records move inside the request; more go to a background job
INLINE_LIMIT = 200
BATCH = 500


@dataclass(frozen=True)
class OwnedRecords:
    """How many records of one form a person owns (trashed ones included)."""

    form_id: int
    form_name: str
    app_name: str
    count: int


@dataclass(frozen=True)
class TransferOutcome:
    """What a transfer did: records moved now, or the job that moves them."""

    total: int
    moved: int
    job_id: int | None = None


def _published_forms() -> list[tuple[PublishedForm, str, str]]:
    """Every published form with its name and its app's name (trashed apps included)."""
    rows = db.session.execute(
        sa.select(Form, FormVersion, App.name)
        .join(FormVersion, sa.and_(FormVersion.form_id == Form.id,
                                   FormVersion.version == Form.published_version))
        .join(App, App.id == Form.app_id).order_by(App.position, Form.position, Form.id))
    return [(published(form.id, version.version, version.document, form.created_at),
             form.name, app_name) for form, version, app_name in rows]


def _require_admin(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_admin", False):
        raise PermissionDenied()


def owned_records(actor: Any, user_id: int) -> list[OwnedRecords]:
    """Per form, how many records ``user_id`` owns (forms where they own none are left out)."""
    _require_admin(actor)
    out = []
    for form, form_name, app_name in _published_forms():
        table = form.table
        n = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                              .where(table.c.owner_id == user_id)) or 0
        if n:
            out.append(OwnedRecords(form.form_id, form_name, app_name, n))
    return out


def transfer_records(actor: Any, from_user_id: int, to_user_id: Any,
                     request_key: str) -> TransferOutcome:
    """Give all of one person's records to another active person (commits).

    ``request_key`` identifies this request (a token in the form): submitting
    the same form twice queues one job, not two.
    """
    _require_admin(actor)
    old_owner = db.session.get(User, from_user_id)
    if old_owner is None:
        raise NotFound()
    new_owner = db.session.get(User, to_user_id) if isinstance(to_user_id, int) else None
    if new_owner is None or not new_owner.is_active or new_owner.id == old_owner.id:
        raise ValidationFailed({"new_owner": [_(
            "New owner: choose an active user other than %(name)s.", name=old_owner.name)]})
    total = sum(item.count for item in owned_records(actor, old_owner.id))
    details = {"from": {"id": old_owner.id, "name": old_owner.name},
               "to": {"id": new_owner.id, "name": new_owner.name}, "records": total}
    if total <= INLINE_LIMIT:
        moved = move_all(old_owner.id, new_owner.id, actor.id, commit_batches=False)
        audit.record(actor, "user.records_transferred", "user", old_owner.id,
                     details | {"mode": "now"})
        db.session.commit()
        return TransferOutcome(total, moved)
    key = f"{JOB}:{old_owner.id}:{new_owner.id}:{request_key[:64]}"
    run = enqueue(JOB, old_owner.id, new_owner.id, actor.id, run_key=key)
    audit.record(actor, "user.records_transferred", "user", old_owner.id,
                 details | {"mode": "background", "job": run.id})
    db.session.commit()
    return TransferOutcome(total, 0, run.id)


def run_transfer(from_user_id: int, to_user_id: int, actor_id: int) -> None:
    """The background job: move every remaining record, one committed batch at a time."""
    moved = move_all(int(from_user_id), int(to_user_id), int(actor_id), commit_batches=True)
    log.info("ownership transfer %s → %s: %d records moved", from_user_id, to_user_id, moved)


def move_all(from_user_id: int, to_user_id: int, actor_id: int, *,
             commit_batches: bool) -> int:
    """Move every record ``from_user_id`` owns to ``to_user_id``; returns how many moved."""
    moved = 0
    for form, _form_name, _app_name in _published_forms():
        while True:
            begin_write()
            n = _move_batch(form, from_user_id, to_user_id, actor_id)
            moved += n
            if commit_batches and n:
                db.session.commit()
            if n < BATCH:
                break
    return moved


def _move_batch(form: PublishedForm, from_user_id: int, to_user_id: int, actor_id: int) -> int:
    """Re-read and lock up to BATCH records still owned by the old owner, and move them."""
    table = form.table
    rows = db.session.execute(
        sa.select(table.c.id, table.c.row_version).where(table.c.owner_id == from_user_id)
        .order_by(table.c.id).limit(BATCH).with_for_update()).all()
    if not rows:
        return 0
    now = utcnow()
    db.session.execute(
        sa.update(table).where(table.c.id.in_([r.id for r in rows]),
                               table.c.owner_id == from_user_id)
        .values(owner_id=to_user_id, row_version=table.c.row_version + 1,
                updated_by_id=actor_id, updated_at=now))
    db.session.execute(sa.insert(RecordHistory), [
        {"form_id": form.form_id, "record_id": r.id, "row_version": r.row_version + 1,
         "form_version": form.version, "action": Action.UPDATE.value, "actor_id": actor_id,
         "at": now, "changes": {"owner_id": [from_user_id, to_user_id]}} for r in rows])
    for r in rows:
        events.emit("record.updated", form.form_id, r.id)
    return len(rows)
