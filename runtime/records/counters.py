"""Gap-free counters for auto-number fields: one row per form, field and period.

``next_value`` is a single ``INSERT … ON CONFLICT DO UPDATE SET value = value + 1
RETURNING value`` (PostgreSQL, and SQLite ≥ 3.35). Run it inside the transaction
that inserts the record: the counter row stays locked until that transaction
ends, so concurrent creates queue on it for a moment, each gets the next value,
and a create that rolls back gives its number back — no duplicates, no gaps.

On SQLite the statement is the transaction's first write, so it waits for the
write lock through the busy timeout (set on every connection in runtime/__init__)
instead of failing; a transaction must not read the counter before writing it.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from builder.db import db
from builder.fields import Field
from builder.fields.autonumber import period_key, render

from .storage import check_field_id

Bind = sa.Connection | Session | scoped_session
_PERIOD = re.compile(r"^(all|\d{4}|\d{6}|\d{8})$")


class RecordCounter(db.Model):
    """The last value handed out for one auto-number field in one period."""

    __tablename__ = "record_counter"

    form_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    field_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    #: "all", or the year / month / day the sequence restarts in ("2026", "202603", …)
    period_key: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)


def _dialect(bind: Bind) -> str:
    return (bind if isinstance(bind, sa.Connection) else bind.get_bind()).dialect.name


def next_value(bind: Bind, form_id: int, field_id: str, key: str) -> int:
    """Take the next value (1, 2, …) of a counter, in the caller's transaction."""
    if not isinstance(form_id, int) or form_id <= 0 or not _PERIOD.match(key):
        raise ValueError(f"bad counter ({form_id!r}, {field_id!r}, {key!r})")
    table = RecordCounter.__table__
    insert = postgresql.insert if _dialect(bind) == "postgresql" else sqlite.insert
    statement = insert(table).values(form_id=form_id, field_id=check_field_id(field_id),
                                     period_key=key, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.form_id, table.c.field_id, table.c.period_key],
        set_={"value": table.c.value + 1},
    ).returning(table.c.value)
    return int(bind.execute(statement).scalar_one())


def next_number(bind: Bind, form_id: int, field: Field, now: datetime | date) -> str:
    """Allocate and render the next auto-number of ``field`` for a record created at ``now``."""
    value = next_value(bind, form_id, field.id, period_key(field.config, now))
    return render(field.config, value, now)
