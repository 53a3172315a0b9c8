"""Platform tables of imports and exports: one row per run, plus the rows an import refused."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class ImportStatus(StrEnum):
    """Where an import stands."""

    MAPPING = "mapping"  # uploaded; columns are being matched to fields
    QUEUED = "queued"  # started; waiting for a worker
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class Duplicates(StrEnum):
    """What to do with a row whose key matches an existing record."""

    SKIP = "skip"
    UPDATE = "update"
    CREATE = "create"


class ImportRun(db.Model):
    """One import of one file into one form, by one person."""

    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_form_user", "form_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column()
    #: the locale messages are written in (the uploader's, at upload time)
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    file_name: Mapped[str] = mapped_column(String(255))
    #: relative to the data directory
    file_path: Mapped[str] = mapped_column(String(500))
    file_size: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))
    #: what readers.inspect found (kind, encoding, header row, headers, merges, …)
    sheet: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the field id each column goes to (None: not imported), by column position
    mapping: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: {"keys": [field ids], "duplicates": "skip", "normalise": true}
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.MAPPING.value)
    total_rows: Mapped[int] = mapped_column(default=0)
    #: data rows handled in committed chunks, and the file row the last chunk ended at
    rows_done: Mapped[int] = mapped_column(default=0)
    last_row: Mapped[int] = mapped_column(default=0)
    chunks_done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    #: the error workbook, relative to the data directory
    error_file: Mapped[str | None] = mapped_column(String(500))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        """Nothing more will happen to it."""
        return self.status in (ImportStatus.DONE, ImportStatus.CANCELLED, ImportStatus.FAILED)


class ImportRowError(db.Model):
    """A row an import refused: its cells as read and what was wrong, in the user's language."""

    __tablename__ = "import_row_error"
    __table_args__ = (Index("ix_import_row_error_run", "run_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column()
    row_number: Mapped[int] = mapped_column()
    cells: Mapped[list[Any]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text)


class ExportStatus(StrEnum):
    """Where a background export stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


class ExportRun(db.Model):
    """A large export prepared in the background; only its requester may download it."""

    __tablename__ = "export_run"
    __table_args__ = (Index("ix_export_run_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column()
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    format: Mapped[str] = mapped_column(String(8))
    #: {"condition": …, "sort": [[field, desc]], "columns": [field ids]}
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.QUEUED.value)
    total_rows: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str] = mapped_column(String(255))
    file_path: Mapped[str | None] = mapped_column(String(500))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
