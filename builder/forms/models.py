"""Forms, their draft document and their published versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class Form(db.Model):
    """A form of an app. ``draft`` is edited by the designer; the runtime reads versions."""

    __tablename__ = "builder_form"
    __table_args__ = (UniqueConstraint("app_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("builder_app.id", ondelete="CASCADE"),
                                        index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    draft: Mapped[dict] = mapped_column(JSON)
    draft_revision: Mapped[int] = mapped_column(default=1)
    published_version: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FormVersion(db.Model):
    """An immutable published version of a form's document."""

    __tablename__ = "builder_form_version"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("builder_form.id", ondelete="CASCADE"),
                                         index=True)
    version: Mapped[int] = mapped_column()
    document: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(200))
    published_by_id: Mapped[int | None] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
