"""Saved views of a form's records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, utcnow


class SavedView(db.Model):
    """A named view of one form. ``document`` is the validated view metadata; the columns
    mirror what the views menu and the permission check need without reading it."""

    __tablename__ = "builder_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("builder_form.id", ondelete="CASCADE"),
                                         index=True)
    name: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(40))
    #: personal, everyone or selected (mirrors document.sharing.scope)
    scope: Mapped[str] = mapped_column(String(16), default="personal")
    #: who made it; a personal view is seen by its owner only
    owner_id: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    #: the view a form's list opens with (one shared view per form at most)
    is_default: Mapped[bool] = mapped_column(default=False)
    document: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def shared(self) -> bool:
        """Whether others than its owner may see it."""
        return self.scope != "personal"


class RoleDefaultView(db.Model):
    """The view a form's list opens with for the holders of one app role (before the
    form's own default). One per form and role."""

    __tablename__ = "builder_view_default"
    __table_args__ = (UniqueConstraint("form_id", "role_key",
                                       name="uq_builder_view_default_form_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("builder_form.id", ondelete="CASCADE"))
    role_key: Mapped[str] = mapped_column(String(64))
    view_id: Mapped[int] = mapped_column(ForeignKey("builder_view.id", ondelete="CASCADE"),
                                         index=True)
