"""What the designer asks about stored records; the runtime answers (the builder cannot import it).

Questions with an answer (how many values would convert, how many records hold a
value) go through a :class:`RecordStore` the runtime registers as
``app.extensions["jimu.record_store"]``. Changes to stored data happen in the
builder's transaction through the signals in :mod:`builder.forms.signals`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

EXTENSION = "jimu.record_store"


@dataclass(frozen=True)
class TypeChange:
    """A published field whose type the draft changes: stored values must be converted."""

    field_id: str
    old_type: str
    new_type: str
    #: the builder chose to clear the values that do not convert
    clear: bool = False


@dataclass(frozen=True)
class Unconverted:
    """A stored value that would not convert: which record, the value as text, and why."""

    record_id: int
    value: str
    reason: str


@dataclass(frozen=True)
class ConversionPreview:
    """What converting a field's stored values would do."""

    total: int
    failed: int
    examples: list[Unconverted] = field(default_factory=list)

    @property
    def converted(self) -> int:
        """How many stored values convert."""
        return self.total - self.failed


class RecordStore(Protocol):
    """The runtime's answers about a form's stored records."""

    def preview_conversion(self, form_id: int, published: Mapping[str, Any], field_id: str,
                           new_field: Mapping[str, Any]) -> ConversionPreview:
        """Convert (without saving) the stored values of ``field_id`` of the published
        document to the field ``new_field`` describes."""

    def value_counts(self, form_id: int, published: Mapping[str, Any],
                     field_ids: Iterable[str]) -> dict[str, int]:
        """How many records (trash included) hold a value in each field."""


def store() -> RecordStore | None:
    """The registered store, if the runtime registered one."""
    from flask import current_app

    return current_app.extensions.get(EXTENSION)
