"""Roles, their saved versions and their members.

A role's definition and its per-form permissions are a metadata document
(``document``, kind "role") that exports with the app; the columns mirror what
lists and membership queries need. Members are instance data (users and whole
departments of this installation), so they live in their own table and are
never part of the document. User and department ids are runtime ids: the
builder does not own accounts, so there are no foreign keys to them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from builder.db import UTCDateTime, db, utcnow


class Role(db.Model):
    """A role of one app."""

    __tablename__ = "builder_role"
    __table_args__ = (UniqueConstraint("app_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("builder_app.id", ondelete="CASCADE"),
                                        index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    #: every active user holds the role (the app's default role "Everyone")
    everyone: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    document: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def description(self) -> str:
        """The role's description from its document."""
        return self.document.get("description", "")

    @property
    def display_name(self) -> str:
        """The name shown: the default role's own name in the reader's language."""
        from flask_babel import gettext as _

        if self.everyone and self.name == "Everyone":
            return _("Everyone")
        return self.name


class RoleVersion(db.Model):
    """A saved version of a role's document (the history)."""

    __tablename__ = "builder_role_version"
    __table_args__ = (UniqueConstraint("role_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("builder_role.id", ondelete="CASCADE"),
                                         index=True)
    version: Mapped[int] = mapped_column()
    document: Mapped[dict] = mapped_column(JSON)
    schema_version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoleMember(db.Model):
    """One member of a role: a user, or a department (optionally with its sub-departments)."""

    __tablename__ = "builder_role_member"
    __table_args__ = (
        UniqueConstraint("role_id", "user_id", name="uq_builder_role_member_user"),
        UniqueConstraint("role_id", "department_id", name="uq_builder_role_member_department"))

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("builder_role.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int | None] = mapped_column()
    department_id: Mapped[int | None] = mapped_column()
    with_subdepartments: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_builder_role_member_user", RoleMember.user_id)
Index("ix_builder_role_member_department", RoleMember.department_id)
