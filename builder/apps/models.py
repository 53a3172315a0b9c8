"""Apps and their metadata history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class App(db.Model):
    """An app. ``document`` is the validated JSON metadata; columns mirror what lists need."""

    __tablename__ = "builder_app"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    document: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def description(self) -> str:
        """The app's description from its document."""
        return self.document.get("description", "")

    @property
    def icon(self) -> str:
        """The icon key from its document."""
        return self.document.get("icon", "layout-grid")

    @property
    def color(self) -> str:
        """The colour key from its document."""
        return self.document.get("color", "blue")


class AppVersion(db.Model):
    """A saved version of an app's document (the history)."""

    __tablename__ = "builder_app_version"
    __table_args__ = (UniqueConstraint("app_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("builder_app.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    document: Mapped[dict] = mapped_column(JSON)
    schema_version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppAdmin(db.Model):
    """A user who may build one app (its forms, roles and permissions) without being a
    platform administrator. ``user_id`` is a runtime user id (no foreign key: the
    builder does not own accounts)."""

    __tablename__ = "builder_app_admin"
    __table_args__ = (UniqueConstraint("app_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("builder_app.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
