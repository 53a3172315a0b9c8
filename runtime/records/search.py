"""Quick search over a form's text fields, backed by a trigram full-text index.

The meaning is plain: a record matches when any searchable field contains the
term (the ``contains`` operator: case-insensitive for ASCII letters), which
:func:`matches` answers in Python. The index only makes it fast:

- SQLite: an FTS5 table ``rec_<id>_fts`` (tokenizer ``trigram``, SQLite ≥ 3.34)
  with the record table as external content, kept in step by triggers on the
  record table, so every writer (the write path, imports, bulk loads) updates it.
  Rows it finds are checked again with ``contains``, which keeps the answer exact.
- PostgreSQL: a pg_trgm GIN index on the searchable columns joined by newlines;
  the query uses the same expression with ILIKE, so the index serves it.

Trigrams need three characters: shorter terms (two Chinese characters are common)
are answered by the ``contains`` scan alone, which the page's ORDER BY ... LIMIT
usually ends early. :func:`ensure_index` runs when a form is published.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import weakref
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from builder.fields import Field
from builder.fields.operators import OPERATORS

from .schema import PublishedForm
from .storage import check_field_id, table_name

log = logging.getLogger(__name__)

#: field types whose stored text is searched (rich text holds markup, so it is left out)
SEARCHABLE = frozenset({"text", "textarea", "email", "phone", "url", "id_card", "auto_number"})
MIN_INDEXED = 3
MAX_TERM = 100
_CONTAINS = OPERATORS["contains"]
_SPACES = re.compile(r"\s+")


def normalize_term(raw: str | None) -> str:
    """The term as searched: one line, spaces collapsed, at most 100 characters."""
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " \t\n")
    return _SPACES.sub(" ", text).strip()[:MAX_TERM]


def searchable_fields(form: PublishedForm) -> list[Field]:
    """The live fields quick search looks in, in form order."""
    return [f for f in form.fields if f.type in SEARCHABLE and form.type_of(f.id).stored]


def matches(form: PublishedForm, values: Mapping[str, Any], term: str) -> bool:
    """Whether a record (field id → value) matches ``term`` (Python, the reference answer)."""
    if not term:
        return True
    return any(_CONTAINS.py(values.get(f.id), term) for f in searchable_fields(form))


def fts_name(form_id: int) -> str:
    """The SQLite FTS5 table of a form."""
    return f"{table_name(form_id)}_fts"


def _pg_index_name(form_id: int, columns: list[str]) -> str:
    digest = hashlib.blake2s(",".join(columns).encode(), digest_size=4).hexdigest()
    return f"ix_{table_name(form_id)}_search_{digest}"


def _joined(table: sa.Table, columns: list[str]) -> Any:
    """coalesce(a, '') || E'\\n' || coalesce(b, '') ... (the PostgreSQL index expression)."""
    newline = sa.literal_column("E'\\n'", sa.Text())
    parts: list[Any] = []
    for column in columns:
        if parts:
            parts.append(newline)
        parts.append(sa.func.coalesce(table.c[column], sa.literal_column("''", sa.Text())))
    expression = parts[0]
    for part in parts[1:]:
        expression = expression.op("||")(part)
    return expression


# ---------------------------------------------------------------- the index


def ensure_index(connection: sa.Connection, form: PublishedForm) -> list[str]:
    """Create or refresh the search index of a published form; return what was done."""
    columns = [check_field_id(f.id) for f in searchable_fields(form)]
    if connection.dialect.name == "sqlite":
        return _ensure_fts(connection, form.form_id, columns)
    if connection.dialect.name == "postgresql":
        return _ensure_trgm(connection, form, columns)
    return []


def _fts_columns(connection: sa.Connection, name: str) -> list[str] | None:
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).first()
    if found is None:
        return None
    return [row[1] for row in connection.exec_driver_sql(f'PRAGMA table_info("{name}")')]


def drop_index(connection: sa.Connection, form_id: int) -> None:
    """Remove a form's search index (when its records table is purged)."""
    if connection.dialect.name == "sqlite":
        name = fts_name(form_id)
        for suffix in ("ai", "ad", "au"):
            connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}_{suffix}"')
        connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    # PostgreSQL's index goes with its table.
    _known.clear()


def _ensure_fts(connection: sa.Connection, form_id: int, columns: list[str]) -> list[str]:
    # Every identifier below comes from table_name() (an integer id) and check_field_id().
    base, name = table_name(form_id), fts_name(form_id)
    if _fts_columns(connection, name) == columns:
        return []
    drop_index(connection, form_id)
    if not columns:
        return [f"drop {name}"]
    cols = ", ".join(f'"{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    old = ", ".join(f'old."{c}"' for c in columns)
    insert = f'INSERT INTO "{name}"(rowid, {cols}) VALUES (new.id, {new});'  # noqa: S608
    remove = (f'INSERT INTO "{name}"("{name}", rowid, {cols}) '  # noqa: S608
              f"VALUES ('delete', old.id, {old});")
    statements = [
        f'CREATE VIRTUAL TABLE "{name}" USING fts5({cols}, content="{base}", '
        "content_rowid='id', tokenize='trigram')",
        f'CREATE TRIGGER "{name}_ai" AFTER INSERT ON "{base}" BEGIN {insert} END',
        f'CREATE TRIGGER "{name}_ad" AFTER DELETE ON "{base}" BEGIN {remove} END',
        f'CREATE TRIGGER "{name}_au" AFTER UPDATE OF {cols} ON "{base}" BEGIN {remove} '
        f"{insert} END",
        f"INSERT INTO \"{name}\"(\"{name}\") VALUES ('rebuild')",  # noqa: S608
    ]
    for statement in statements:
        connection.exec_driver_sql(statement)
    return [f"create {name} ({len(columns)} columns)"]


def _ensure_trgm(connection: sa.Connection, form: PublishedForm, columns: list[str]
                 ) -> list[str]:
    base = table_name(form.form_id)
    wanted = _pg_index_name(form.form_id, columns) if columns else None
    existing = {row[0] for row in connection.execute(sa.text(
        "SELECT indexname FROM pg_indexes WHERE tablename = :t AND indexname LIKE :p"),
        {"t": base, "p": f"ix_{base}_search_%"})}
    done = []
    for stale in sorted(existing - {wanted}):
        connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{stale}"')
        done.append(f"drop index {stale}")
    schema = None if wanted is None or wanted in existing else _pg_trgm_schema(connection)
    if schema is None:
        return done
    expression = _joined(form.table, columns).compile(
        dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    # the operator class named with the extension's schema: it may be off the search path
    opclass = f"{connection.dialect.identifier_preparer.quote(schema)}.gin_trgm_ops"
    connection.exec_driver_sql(
        f'CREATE INDEX "{wanted}" ON "{base}" USING gin (({expression}) {opclass})')
    _known.clear()
    return [*done, f"create index {wanted}"]


def _pg_trgm_schema(connection: sa.Connection) -> str | None:
    """The schema of the pg_trgm extension, created if we may (None: not available;
    search still works without it, by scanning)."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        log.warning("pg_trgm is not available: quick search will scan the table")
        return None
    return connection.scalar(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"))


# ---------------------------------------------------------------- the query


_known: dict[int, tuple[weakref.ref, bool]] = {}


def _indexed(connection: sa.Connection, form: PublishedForm, columns: list[str]) -> bool:
    """Whether this form version's index exists and covers exactly these columns (cached)."""
    cached = _known.get(id(form))
    if cached is not None and cached[0]() is form:
        return cached[1]
    if connection.dialect.name == "sqlite":
        found = _fts_columns(connection, fts_name(form.form_id)) == columns
    else:
        found = connection.execute(sa.text(
            "SELECT 1 FROM pg_indexes WHERE tablename = :t AND indexname = :n"),
            {"t": table_name(form.form_id),
             "n": _pg_index_name(form.form_id, columns)}).first() is not None
    if len(_known) > 1024:
        _known.clear()
    _known[id(form)] = (weakref.ref(form), found)
    return found


def clause(connection: sa.Connection, form: PublishedForm, term: str) -> Any:
    """The WHERE clause of a quick search (true for an empty term)."""
    if not term:
        return sa.true()
    columns = [f.id for f in searchable_fields(form)]
    if not columns:
        return sa.false()
    table = form.table
    exact = sa.or_(*(_CONTAINS.sql(table.c[c], term) for c in columns))
    if len(term) < MIN_INDEXED or not _indexed(connection, form, columns):
        return exact
    if connection.dialect.name == "postgresql":
        return _CONTAINS.sql(_joined(table, columns), term)
    fts = sa.table(fts_name(form.form_id), sa.column("rowid"))
    phrase = '"' + term.replace('"', '""') + '"'
    found = sa.select(fts.c.rowid).where(sa.literal_column(f'"{fts.name}"').op("MATCH")(phrase))
    return sa.and_(table.c.id.in_(found), exact)
