"""Keep a form's record table in step with the builder: publish, convert types, purge fields.

The builder never imports the runtime: it sends signals inside its transactions
(``builder.forms.signals``) and asks questions through the record store this module
registers as ``app.extensions["jimu.record_store"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from builder.db import db
from builder.forms.signals import field_purging, form_publishing
from builder.forms.stored import EXTENSION, ConversionPreview, TypeChange

from . import retyping, search, storage
from .schema import PublishedForm, published

log = logging.getLogger(__name__)


def on_publishing(form, version, previous: Mapping[str, Any] | None = None,
                  type_changes: Iterable[TypeChange] = (), **extra: Any) -> None:
    """Create or grow the table and convert changed types, in the publishing transaction
    (a failure, or values that would be lost without consent, aborts the publish)."""
    connection = db.session.connection()
    new = published(form.id, version.version, version.document)
    changes = list(type_changes)
    done: list[str] = []
    if changes and previous is not None and sa.inspect(connection).has_table(new.spec.name):
        old = PublishedForm(form.id, version.version - 1, dict(previous))
        retyping.refuse_unconfirmed(connection, old, new, changes)
        search.drop_index(connection, form.id)  # rebuilt below over the converted columns
        for change in changes:
            cleared = retyping.convert(connection, old, new, change, version.published_by_id)
            done.append(f"convert {change.field_id} ({cleared} cleared)")
    done += storage.reconcile(connection, new.spec)
    for change in changes:
        retyping.fill_unique_keys(connection, new, change.field_id)
    done += search.ensure_index(connection, new)
    if done:
        log.info("form %s v%s storage: %s", form.id, version.version, "; ".join(done))


def on_purging(form, field_id: str, document: Mapping[str, Any], **extra: Any) -> None:
    """Drop a purged field's columns and indexes in the builder's transaction."""
    done = storage.drop_field(db.session.connection(), form.id, field_id)
    log.info("form %s purge %s: %s", form.id, field_id, "; ".join(done) or "nothing stored")


class RecordStore:
    """The runtime's answers to the designer's questions about stored records."""

    def preview_conversion(self, form_id: int, published: Mapping[str, Any], field_id: str,
                           new_field: Mapping[str, Any]) -> ConversionPreview:
        """Convert the field's stored values without saving anything."""
        connection = db.session.connection()
        old = PublishedForm(form_id, 0, dict(published))
        if not sa.inspect(connection).has_table(old.spec.name):
            return ConversionPreview(total=0, failed=0)
        fields = [dict(new_field) if f["id"] == field_id else f
                  for f in published.get("fields", [])]
        new = PublishedForm(form_id, 0, {**published, "fields": fields})
        return retyping.preview(connection, old, new, field_id)

    def value_counts(self, form_id: int, published: Mapping[str, Any],
                     field_ids: Iterable[str]) -> dict[str, int]:
        """How many records (trash included) hold a value in each field, in one query."""
        connection = db.session.connection()
        table = PublishedForm(form_id, 0, dict(published)).table
        wanted = [fid for fid in field_ids if fid in table.c]
        if not wanted or not sa.inspect(connection).has_table(table.name):
            return {fid: 0 for fid in field_ids}
        row = connection.execute(sa.select(*[sa.func.count(table.c[fid]) for fid in wanted]
                                           )).one()
        return dict(zip(wanted, (int(n) for n in row), strict=True))


def init_app(app) -> None:
    """Listen to the builder's signals (blinker ignores a second connect); register the store."""
    form_publishing.connect(on_publishing)
    field_purging.connect(on_purging)
    app.extensions.setdefault(EXTENSION, RecordStore())
