"""Outgoing mail, kept so a demo works without a mail server."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class MailStatus(StrEnum):
    """Delivery state of one message."""

    QUEUED = "queued"
    SENT = "sent"  # accepted by the SMTP server
    KEPT = "kept"  # no SMTP configured: kept for the outgoing-mail page
    FAILED = "failed"


class OutgoingMail(db.Model):
    """One e-mail message to one recipient."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED.value)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
