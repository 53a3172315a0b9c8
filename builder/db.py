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

        if inner is None:
            return lambda value: None if value is None else _as_utc(value)
        return lambda value: None if value is None else _as_utc(inner(value))

    def process_result_value(self, value, dialect):  # noqa: D401
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def begin_write() -> None:
    """Start the session's transaction as a writer.

    On SQLite a transaction that reads first and writes later fails with
    "database is locked" when another writer got there in between (WAL
    snapshots cannot be upgraded). Write paths therefore begin with
    ``BEGIN IMMEDIATE``, which waits for the write lock up front. Any read-only
    transaction the request already opened is ended first. On PostgreSQL this
    does nothing special.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
