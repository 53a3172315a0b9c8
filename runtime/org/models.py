"""Who belongs to which department, and who manages it.

The department tree itself is :class:`runtime.accounts.models.Department`.
A user's *primary* department stays in ``User.department_id`` (the records
write path stamps it on new records); every membership, the primary one
included, has a row here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class DepartmentMember(db.Model):
    """A user belongs to a department (one row per pair)."""

    __tablename__ = "department_member"
    __table_args__ = (UniqueConstraint("department_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DepartmentManager(db.Model):
    """A user manages a department (a department may have several managers)."""

    __tablename__ = "department_manager"
    __table_args__ = (UniqueConstraint("department_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
