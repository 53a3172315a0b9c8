"""Platform tables of the records package (record rows themselves live in rec_<form id>)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class Action(str, Enum):
    """What happened to a record."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"


class RecordHistory(db.Model):
    """One change to one record: who, when, and each changed field's old → new (JSON)."""

    __tablename__ = "record_history"
    __table_args__ = (Index("ix_record_history_record", "form_id", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column()
    record_id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))
    row_version: Mapped[int] = mapped_column()
    form_version: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: {field_id: [old_json, new_json]}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
