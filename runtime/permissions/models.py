"""Claims of records from a form's public pool (who took which record, until when)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class PoolClaim(db.Model):
    """One claim: open until the record is released (or deleted, or owned by someone else).

    The per-person limit counts open claims whose record the person still owns and
    that is not in the trash, so a transfer or a delete frees a place by itself.
    """

    __tablename__ = "pool_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column()
    record_id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))
    user_id: Mapped[int] = mapped_column()
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column()


Index("ix_pool_claim_open", PoolClaim.form_id, PoolClaim.user_id, PoolClaim.released_at)
Index("ix_pool_claim_record", PoolClaim.form_id, PoolClaim.record_id)
