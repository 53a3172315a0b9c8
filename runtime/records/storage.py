"""Per-form record tables: naming, the SQLAlchemy Table, and reconciling DDL at publish.

Table and column names come only from integer form ids and validated field ids
(``f_`` + lower-case letters/digits), never from user text. Publishing a form
calls :func:`reconcile`, which adds what is missing through Alembic's run-time
operations and never drops a column: a deleted field keeps its data until an
explicit purge (:func:`drop_field`). A type change writes the converted values
into a new column that then takes the field's place (:func:`swap_column`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from builder import fields as field_types
from builder.db import UTCDateTime
from builder.fields import Field

FIELD_ID = re.compile(r"^f_[a-z0-9]{4,16}$")
SYSTEM_COLUMNS = ("id", "owner_id", "department_id", "created_by_id", "created_at",
                  "updated_by_id", "updated_at", "row_version", "flow_state", "deleted_at")


def table_name(form_id: int) -> str:
    """The record table of a form: ``rec_<id>``."""
    if not isinstance(form_id, int) or form_id <= 0:
        raise ValueError(f"form id must be a positive integer (got {form_id!r})")
    return f"rec_{form_id}"


def side_table_name(form_id: int, field_id: str) -> str:
    """The side table of a multi-valued field: ``rec_<form id>_<field id>``."""
    return f"{table_name(form_id)}_{check_field_id(field_id)}"


def check_field_id(field_id: str) -> str:
    """A field id is a safe SQL identifier or nothing."""
    if not FIELD_ID.match(field_id) or field_id in SYSTEM_COLUMNS:
        raise ValueError(f"invalid field id {field_id!r}")
    return field_id


def _system_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("owner_id", sa.Integer, nullable=True),
        sa.Column("department_id", sa.Integer, nullable=True),
        sa.Column("created_by_id", sa.Integer, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_by_id", sa.Integer, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("flow_state", sa.String(32), nullable=True),
        sa.Column("deleted_at", UTCDateTime, nullable=True),
    ]


@dataclass
class TableSpec:
    """What a form's table should look like."""

    form_id: int
    fields: list[Field]
    indexed: set[str] = field(default_factory=set)
    #: unique field ids; True = compared after normalising (a shadow column holds the key)
    unique: dict[str, bool] = field(default_factory=dict)
    #: composite indexes: index id → field ids (live records only are usually queried)
    composite: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The table name."""
        return table_name(self.form_id)

    def table(self, metadata: sa.MetaData | None = None) -> sa.Table:
        """The SQLAlchemy Table for this spec."""
        metadata = metadata or sa.MetaData()
        columns = _system_columns()
        for f in self.fields:
            field_type = field_types.get(f.type)
            if field_type.is_stored(f):
                columns.append(sa.Column(check_field_id(f.id), field_type.sql_type(f),
                                         nullable=True))
        table = sa.Table(self.name, metadata, *columns)
        for column in ("owner_id", "department_id", "created_at", "updated_at", "deleted_at"):
            sa.Index(f"ix_{self.name}_{column}", table.c[column])
        always = {f.id for f in self.fields if field_types.get(f.type).always_indexed}
        for field_id in sorted(self.indexed | always):
            if field_id in table.c:
                sa.Index(f"ix_{self.name}_{field_id}", table.c[field_id])
        for index_id, field_ids in sorted(self.composite.items()):
            columns = [table.c[check_field_id(f)] for f in field_ids if f in table.c]
            if columns:
                # Partial (live rows only): every list query says deleted_at IS NULL, so
                # the index alone answers filter, sort and count.
                live = table.c.deleted_at.is_(None)
                sa.Index(f"ix_{self.name}_{index_id}", *columns, sqlite_where=live,
                         postgresql_where=live)
        for f in self.fields:
            if field_types.get(f.type).is_side(f):
                self.side_table(f, metadata)
        for field_id, normalised in sorted(self.unique.items()):
            key = unique_key_column(field_id) if normalised else check_field_id(field_id)
            if normalised:
                table.append_column(sa.Column(key, sa.String(2000), nullable=True))
            live = table.c.deleted_at.is_(None)
            sa.Index(f"uq_{self.name}_{key}", table.c[key], unique=True,
                     sqlite_where=live, postgresql_where=live)
        return table


    def side_table(self, f: Field, metadata: sa.MetaData) -> sa.Table:
        """The side table of field ``f``: its rows in order, one per value or sub-row."""
        name = side_table_name(self.form_id, f.id)
        if name in metadata.tables:
            return metadata.tables[name]
        field_type = field_types.get(f.type)
        table = sa.Table(
            name, metadata,
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                      primary_key=True, autoincrement=True),
            sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                      nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
            *field_type.side_columns(f))
        sa.Index(f"ix_{name}_record", table.c.record_id, table.c.position)
        for columns in field_type.side_indexes(f):
            sa.Index(f"ix_{name}_{'_'.join(columns)}", *(table.c[c] for c in columns))
        return table


def field_column(table: sa.Table, field: Field) -> sa.Column:
    """The column holding a field's value: its own, or the system column it maps to."""
    system_column = field_types.get(field.type).system_column
    if system_column is not None:
        return table.c[system_column]
    return table.c[check_field_id(field.id)]


def unique_key_column(field_id: str) -> str:
    """The shadow column holding a field's normalised unique key."""
    return f"{check_field_id(field_id)}__u"


def reconcile(connection: sa.Connection, spec: TableSpec) -> list[str]:
    """Create the tables or add missing columns and indexes; return what was done.

    Covers the record table and the side tables of multi-valued fields.
    """
    metadata = sa.MetaData()
    spec.table(metadata)
    done: list[str] = []
    for desired in metadata.sorted_tables:
        done.extend(_reconcile_table(connection, desired))
    return done


def _reconcile_table(connection: sa.Connection, desired: sa.Table) -> list[str]:
    inspector = sa.inspect(connection)
    if not inspector.has_table(desired.name):
        desired.create(connection)
        return [f"create table {desired.name}"]
    done: list[str] = []
    ops = _ops(connection)
    existing = {c["name"] for c in inspector.get_columns(desired.name)}
    for column in desired.columns:
        if column.name not in existing:
            ops.add_column(desired.name, sa.Column(column.name, column.type, nullable=True))
            done.append(f"add column {column.name}")
    existing_indexes = {ix["name"] for ix in inspector.get_indexes(desired.name)}
    for index in sorted(desired.indexes, key=lambda ix: ix.name):
        if index.name not in existing_indexes:
            ops.create_index(index.name, desired.name, [c.name for c in index.columns],
                             unique=index.unique, **index.dialect_kwargs)
            done.append(f"create index {index.name}")
    return done


def existing_columns(connection: sa.Connection, form_id: int) -> Iterable[str]:
    """The columns the form's table has now (including hidden fields' columns)."""
    return [c["name"] for c in sa.inspect(connection).get_columns(table_name(form_id))]


def _ops(connection: sa.Connection):
    """Alembic's run-time operations on this connection (imported only when needed)."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    return Operations(MigrationContext.configure(connection))


def _field_columns(field_id: str) -> set[str]:
    """The columns a field owns: its value and its normalised unique key."""
    return {check_field_id(field_id), unique_key_column(field_id)}


def _drop_indexes(connection: sa.Connection, name: str, columns: set[str]) -> None:
    """Drop every index of the table that uses one of ``columns`` (SQLite cannot drop an
    indexed column; reconcile creates what the new version needs again)."""
    ops = _ops(connection)
    for index in sa.inspect(connection).get_indexes(name):
        if columns & set(index.get("column_names") or ()):
            ops.drop_index(index["name"], table_name=name)


def drop_field(connection: sa.Connection, form_id: int, field_id: str) -> list[str]:
    """Drop a field's columns and their indexes for good; return what was done."""
    name = table_name(form_id)
    inspector = sa.inspect(connection)
    if not inspector.has_table(name):
        return []
    owned = _field_columns(field_id)
    _drop_indexes(connection, name, owned)
    done = []
    for column in inspector.get_columns(name):
        if column["name"] in owned:
            _ops(connection).drop_column(name, column["name"])
            done.append(f"drop column {column['name']}")
    return done


def temporary_column(field_id: str) -> str:
    """The column a type change writes the converted values into."""
    return f"{check_field_id(field_id)}__t"


def add_temporary_column(connection: sa.Connection, form_id: int, field_id: str,
                         sql_type: sa.types.TypeEngine) -> sa.Table:
    """Add the (empty) column for a field's converted values; returns a table to write it."""
    name, column = table_name(form_id), temporary_column(field_id)
    if column in {c["name"] for c in sa.inspect(connection).get_columns(name)}:
        _ops(connection).drop_column(name, column)  # left over from an aborted publish
    _ops(connection).add_column(name, sa.Column(column, sql_type, nullable=True))
    return sa.Table(name, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column(column, sql_type))


def swap_column(connection: sa.Connection, form_id: int, field_id: str) -> None:
    """Put the converted column in the field's place (old column, key and indexes go)."""
    name = table_name(form_id)
    drop_field(connection, form_id, field_id)
    _ops(connection).alter_column(name, temporary_column(field_id),
                                  new_column_name=check_field_id(field_id))
