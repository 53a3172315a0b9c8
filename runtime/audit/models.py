"""The audit log: one append-only row per security-relevant event.

Nothing in the product updates or deletes these rows, and the database refuses
to as well: the migration installs triggers (see :mod:`runtime.audit.guard`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    """Who did what to which thing, when and from where."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_actor", "actor_id", "id"),
        Index("ix_audit_entry_action", "action", "id"),
        Index("ix_audit_entry_target", "target_type", "target_id", "id"),
        Index("ix_audit_entry_at", "at"),
        {"info": {"append_only": True}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: no foreign key: the log outlives anything it mentions
    actor_id: Mapped[int | None] = mapped_column()
    #: the actor's name at the time (a failed sign-in: the address that was typed)
    actor_name: Mapped[str] = mapped_column(String(254), default="")
    ip: Mapped[str | None] = mapped_column(String(64))
    #: a stable key such as ``auth.sign_in`` (docs/audit.md lists them)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    #: details of the change, e.g. ``{"name": ["old", "new"]}``
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
