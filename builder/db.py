"""The SQLAlchemy extension shared by the builder's metadata store and the runtime.

It lives in the builder because the builder is the lower layer: the runtime
imports it, never the other way round (see docs/decisions.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite has no timezone support; PostgreSQL's ``timestamptz`` has. This type
    makes both backends hand the same aware datetimes to Python.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: D401
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        """One step per value instead of two: list pages read thousands of these."""
        inner = self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)
        if dialect.name == "sqlite" and inner is not None:
            return _sqlite_reader(inner)
        if inner is None:
            return lambda value: None if value is None else _as_utc(value)
        return lambda value: None if value is None else _as_utc(inner(value))



def _sqlite_reader(inner):
    """SQLite keeps UTC timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff`` text: one C call reads
    that as an aware datetime (several times faster than parsing, then replacing tzinfo);
    any other form goes the general way."""
    parse = datetime.fromisoformat

    def process(value):
        if value is None:
            return None
        try:
            found = parse(value + "+00:00")
        except (TypeError, ValueError):
            return _as_utc(inner(value))
        return found if found.tzinfo is not None else _as_utc(inner(value))

    return process


def begin_write() -> None:
    """Take SQLite's write lock before the write path reads anything.

    pysqlite starts a transaction only at the first INSERT/UPDATE/DELETE, so a
    write path that reads first (permissions, unique checks, the current row)
    and then writes can lose a race to another writer in between. Issuing
    ``BEGIN IMMEDIATE`` up front makes such transactions wait their turn (the
    busy timeout) instead. If this transaction has written already it holds
    the lock. On PostgreSQL this does nothing: row locks do that work there.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
