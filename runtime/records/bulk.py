"""Many rows into one table at once, inside the caller's transaction (imports, batch writes).

PostgreSQL gets the rows through ``COPY … FROM STDIN``: one statement for the
whole set, where an executemany parses, plans and executes one INSERT per row
(no server-side prepared statements here, see ``runtime._init_extensions``).
Constraints, indexes and triggers apply to copied rows exactly as to inserted
ones, and a violation raises the same ``IntegrityError``. SQLite keeps the
executemany: its per-row statements run in-process, in C.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from builder.db import db


def one_of(column: sa.ColumnElement[Any], values: Iterable[Any]) -> sa.ColumnElement[bool]:
    """``column IN (values)`` for a chunk's worth of values.

    On PostgreSQL the values travel as one array (``column = ANY(:values)``, which
    uses the same indexes): a thousand separate parameters cost SQLAlchemy and
    psycopg a pass over a thousand-placeholder statement for every chunk.
    """
    values = list(values)
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == sa.any_(sa.literal(values, postgresql.ARRAY(column.type)))


def live(table: sa.Table) -> sa.ColumnElement[bool]:
    """``deleted_at IS NULL`` for a query that probes a unique index with many values.

    SQLite, without statistics, takes IS NULL for a selective condition: given a
    chunk's worth of values it walks the deleted_at index over every live record
    instead of probing the (partial) unique index, one full scan per chunk, so an
    import slows down as the table grows. ``likely()`` keeps the same condition (the
    partial index still applies) and tells the planner that most rows are live.
    """
    condition = table.c.deleted_at.is_(None)
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.likely(condition)  # no Boolean type: SQLite would add "= 1"
    return condition


def new_ids(table: sa.Table, count: int) -> list[int]:
    """Ids for ``count`` new rows of ``table`` (integer key ``id``), in order.

    PostgreSQL takes them from the table's sequence. SQLite has no sequence: the
    caller must hold the write lock (``begin_write``), under which nobody else
    inserts, and the ids are those SQLite would give (the largest one plus 1, 2 …).
    """
    if count <= 0:
        return []
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        return list(connection.scalars(sa.select(sa.func.nextval(sequence)).select_from(
            sa.func.generate_series(1, count))))
    last = connection.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
    return list(range(last + 1, last + 1 + count))


def insert(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table``; nothing is returned."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and not _python_defaults(table, rows[0]):
        _copy(connection, table, rows)
    else:
        connection.execute(table.insert(), list(rows))


def _python_defaults(table: sa.Table, row: Mapping[str, Any]) -> bool:
    """Whether SQLAlchemy would fill in a column the rows leave out (COPY would not)."""
    return any(column.default is not None for column in table.c if column.key not in row)


def _copy(connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
          ) -> None:
    dialect = connection.dialect
    names = list(rows[0])
    # The bind processors SQLAlchemy would apply (UTC check, JSON wrapping, …).
    columns = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
               for name in names]
    quote = dialect.identifier_preparer
    statement = (f"COPY {quote.format_table(table)} "
                 f"({', '.join(quote.quote(name) for name in names)}) FROM STDIN")
    error = dialect.loaded_dbapi.Error
    try:
        with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] if process is None else process(row[name])
                                for name, process in columns])
    except error as exc:
        # As if SQLAlchemy had run it: callers catch sa.exc.IntegrityError and the like.
        raise sa.exc.DBAPIError.instance(statement, None, exc, error) from exc
