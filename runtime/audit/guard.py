"""Database triggers that make a table append-only, and the migration op that adds them.

A model marks its table ``info={"append_only": True}``. When ``jimu db migrate``
autogenerates the migration that creates such a table, ``migrations/env.py``
adds ``op.protect_append_only("<table>")`` right after it (see
:func:`add_guards`), so regenerating the one migration file keeps the
triggers. The op installs, per dialect:

- PostgreSQL: a ``BEFORE UPDATE OR DELETE … FOR EACH ROW`` trigger calling a
  function that raises (SQLSTATE 42501, insufficient privilege);
- SQLite: ``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers with
  ``RAISE(ABORT, …)``.

``TRUNCATE`` (PostgreSQL) is not a row event and stays possible for the owner of
the table: the test suite empties the database with it between tests.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.operations import MigrateOperation, Operations
from sqlalchemy import text
from sqlalchemy.engine import Connection

_FUNCTION = "jimu_refuse_change"
MESSAGE = "append-only table"


def _names(table: str) -> tuple[str, str]:
    if not table.replace("_", "").isalnum():  # identifiers only from our own models
        raise ValueError(f"not a table name: {table!r}")
    return f"{table}_no_update", f"{table}_no_delete"


def statements(dialect: str, table: str) -> list[str]:
    """The SQL that protects ``table`` on ``dialect`` (idempotent)."""
    no_update, no_delete = _names(table)
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME USING ERRCODE = '42501'; "
            "END $$",
            f'DROP TRIGGER IF EXISTS {no_update} ON "{table}"',
            f'CREATE TRIGGER {no_update} BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()",
        ]
    if dialect == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS {no_update} BEFORE UPDATE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
            f'CREATE TRIGGER IF NOT EXISTS {no_delete} BEFORE DELETE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
        ]
    raise NotImplementedError(f"append-only guard for {dialect}")


def removal(dialect: str, table: str) -> list[str]:
    """The SQL that lifts the protection (downgrade, and the tests' cleanup on SQLite)."""
    no_update, no_delete = _names(table)
    if dialect == "postgresql":
        return [f'DROP TRIGGER IF EXISTS {no_update} ON "{table}"']
    return [f"DROP TRIGGER IF EXISTS {no_update}", f"DROP TRIGGER IF EXISTS {no_delete}"]


def install(connection: Connection, table: str) -> None:
    """Protect ``table`` on this connection's database."""
    for sql in statements(connection.dialect.name, table):
        connection.execute(text(sql))


def uninstall(connection: Connection, table: str) -> None:
    """Remove the protection of ``table``."""
    for sql in removal(connection.dialect.name, table):
        connection.execute(text(sql))


@Operations.register_operation("protect_append_only")
class ProtectAppendOnlyOp(MigrateOperation):
    """``op.protect_append_only(table)`` in a migration."""

    def __init__(self, table_name: str):
        self.table_name = table_name

    @classmethod
    def protect_append_only(cls, operations: Operations, table_name: str):
        """Refuse UPDATE and DELETE on ``table_name`` in the database itself."""
        return operations.invoke(cls(table_name))

    def reverse(self) -> UnprotectAppendOnlyOp:
        """Downgrade: remove the triggers."""
        return UnprotectAppendOnlyOp(self.table_name)


@Operations.register_operation("unprotect_append_only")
class UnprotectAppendOnlyOp(MigrateOperation):
    """``op.unprotect_append_only(table)`` in a migration's downgrade."""

    def __init__(self, table_name: str):
        self.table_name = table_name

    @classmethod
    def unprotect_append_only(cls, operations: Operations, table_name: str):
        """Allow UPDATE and DELETE on ``table_name`` again."""
        return operations.invoke(cls(table_name))

    def reverse(self) -> ProtectAppendOnlyOp:
        """The opposite op."""
        return ProtectAppendOnlyOp(self.table_name)


@Operations.implementation_for(ProtectAppendOnlyOp)
def _protect(operations: Operations, operation: ProtectAppendOnlyOp) -> None:
    install(operations.get_bind(), operation.table_name)


@Operations.implementation_for(UnprotectAppendOnlyOp)
def _unprotect(operations: Operations, operation: UnprotectAppendOnlyOp) -> None:
    uninstall(operations.get_bind(), operation.table_name)


@renderers.dispatch_for(ProtectAppendOnlyOp)
def _render_protect(autogen_context, operation: ProtectAppendOnlyOp) -> str:
    return f"op.protect_append_only({operation.table_name!r})"


@renderers.dispatch_for(UnprotectAppendOnlyOp)
def _render_unprotect(autogen_context, operation: UnprotectAppendOnlyOp) -> str:
    return f"op.unprotect_append_only({operation.table_name!r})"


def add_guards(script, metadata) -> None:
    """After each CreateTableOp of an append-only table, add its guard (autogenerate)."""
    from alembic.operations import ops

    protected = {name for name, table in metadata.tables.items()
                 if table.info.get("append_only")}
    for op_list, make in ((script.upgrade_ops.ops, ProtectAppendOnlyOp),
                          (script.downgrade_ops.ops, UnprotectAppendOnlyOp)):
        for index in range(len(op_list) - 1, -1, -1):
            item = op_list[index]
            if isinstance(item, ops.CreateTableOp) and item.table_name in protected:
                op_list.insert(index + 1, make(item.table_name))
            elif isinstance(item, ops.DropTableOp) and item.table_name in protected:
                op_list.insert(index, make(item.table_name))
