"""The platform table of uploaded files (the bytes live under JIMU_DATA_DIR/files)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class UploadedFile(db.Model):
    """One uploaded file, bound to a record once the record is saved.

    ``token`` is the random public id that record values and URLs carry; the file
    on disk is named by another random name (``path``), never by the user's
    file name. Rows outlive their removal from a record (history can restore
    them); unbound rows older than a day are cleaned up by a job.
    """

    __tablename__ = "uploaded_file"
    __table_args__ = (
        Index("ix_uploaded_file_record", "form_id", "record_id"),
        Index("ix_uploaded_file_unbound", "record_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    form_id: Mapped[int] = mapped_column()
    field_id: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    #: relative to JIMU_DATA_DIR, e.g. files/3f/a2/3fa2…
    path: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def reference(self) -> dict:
        """The reference a record value holds."""
        return {"id": self.token, "name": self.name, "size": self.size,
                "type": self.content_type}
