"""A published form as one person may see it: hidden fields gone, read-only ones read-only.

Every egress path that walks ``form.fields`` (pages, fragments, history, exports,
e-mails, lookups) therefore drops hidden fields without knowing about
permissions. Hidden fields are marked deleted in the projected document, so
they keep their columns in the (shared) table and are simply not read: the
projection's ``readers`` skip them, and ``field_map`` does not know them, so a
filter or sort that names one is refused like an unknown field.

The write path never computes with a projection: it takes ``view.full`` (formulas
and rules see every value) and drops the input for fields the person may not edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from builder import fields as field_types
from runtime.records.schema import PublishedForm

from .domain import Rights


class ReadOnlyType:
    """A field type as a read-only field of this person: widgets render it read-only and
    the entry form does not send it. Everything else is the real type's."""

    readonly = True

    def __init__(self, inner: field_types.FieldType):
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@dataclass(frozen=True, eq=False)
class FormView(PublishedForm):
    """The projection of ``full`` for one person's ``rights``."""

    full: PublishedForm | None = field(default=None, repr=False)
    rights: Rights = field(default_factory=Rights, repr=False)
    #: who it was projected for (row scopes in ``query.where`` use it)
    actor_id: int | None = None

    @cached_property
    def metadata(self) -> sa.MetaData:
        """The full form's tables (the same objects: columns of hidden fields included)."""
        assert self.full is not None
        return self.full.metadata

    @cached_property
    def spec(self):
        """The full form's table spec."""
        assert self.full is not None
        return self.full.spec

    def type_of(self, field_id: str) -> field_types.FieldType:
        """The field's type; read-only (for this person) if their rights say so."""
        found = super().type_of(field_id)
        if field_id in self.rights.read_only and not found.readonly:
            return ReadOnlyType(found)  # type: ignore[return-value]
        return found


def project(full: PublishedForm, rights: Rights, actor_id: int | None) -> FormView:
    """The projection of a (full) published form for rights."""
    hidden = rights.hidden
    document = full.document
    if hidden:
        document = dict(document, fields=[
            dict(f, deleted=True) if f.get("id") in hidden else f
            for f in document.get("fields", [])])
    return FormView(full.form_id, full.version, document, full=full, rights=rights,
                    actor_id=actor_id)


def full_form(form: PublishedForm) -> PublishedForm:
    """The unprojected form behind a projection (the form itself otherwise)."""
    return form.full if isinstance(form, FormView) and form.full is not None else form
