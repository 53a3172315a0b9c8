"""Values kept in side tables (many links, sub-table rows): read in batches, written whole.

A side field's value is read for a page of records with one query per field
(``record_id IN (...)``), never one per record, and written by replacing the
record's rows when the value changed, inside the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from .schema import PublishedForm


def fill(form: PublishedForm, records: Iterable[Any], connection: sa.Connection) -> None:
    """Set each side field's value on ``records`` (objects with ``id`` and ``values``)."""
    records = list(records)
    if not form.side_fields or not records:
        return
    ids = [r.id for r in records]
    for field in form.side_fields:
        table = form.side_table(field.id)
        rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
        stmt = (sa.select(table).where(table.c.record_id.in_(ids))
                .order_by(table.c.record_id, table.c.position))
        for row in connection.execute(stmt).mappings():
            rows[row["record_id"]].append(dict(row))
        field_type = form.type_of(field.id)
        for record in records:
            record.values[field.id] = field_type.from_side_rows(field, rows.get(record.id, []))


def write(form: PublishedForm, record_id: int, before: Mapping[str, Any],
          after: Mapping[str, Any], connection: sa.Connection) -> None:
    """Replace the side rows of every side field whose value changed."""
    for field in form.side_fields:
        old, new = before.get(field.id), after.get(field.id)
        if old == new:
            continue
        table = form.side_table(field.id)
        connection.execute(table.delete().where(table.c.record_id == record_id))
        rows = form.type_of(field.id).to_side_rows(field, new)
        if rows:
            connection.execute(table.insert(), [
                {**row, "record_id": record_id, "position": position}
                for position, row in enumerate(rows)])
