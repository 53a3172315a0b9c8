"""The designer's view of the other forms of an app, for relation settings and checks.

Pure: the builder's service fills a :class:`RelationContext` from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import Field

#: the field types whose values are numbers (sum, avg) and those that are dates (min, max)
NUMBER_TYPES = frozenset({"integer", "decimal", "money", "percent"})
DATE_TYPES = frozenset({"date", "datetime", "created_at", "updated_at"})


@dataclass(frozen=True)
class FormInfo:
    """A form a relation may point at: its id, name and live field documents."""

    id: int
    name: str
    fields: list[dict[str, Any]] = field(default_factory=list)

    def field(self, field_id: Any) -> dict[str, Any] | None:
        """The live field document with this id."""
        return next((f for f in self.fields if f["id"] == field_id), None)


@dataclass(frozen=True)
class RelationContext:
    """What the designer knows about the app's forms when it offers relation settings.

    ``forms`` holds the published forms of the app (the form being designed is
    there with its draft, so a link to itself — a parent company — works).
    """

    form_id: int
    forms: dict[int, FormInfo] = field(default_factory=dict)


def has_column(doc: dict[str, Any]) -> bool:
    """Whether a field's value sits in a column SQL can read (not a side table, not computed)."""
    from . import get

    try:
        field_type = get(doc["type"])
    except KeyError:
        return False
    f = Field.from_document(doc)
    return field_type.is_stored(f) or field_type.system_column is not None


def value_kind(doc: dict[str, Any]) -> str | None:
    """"number", "date" or None: what a rollup can do with this field's values."""
    kind = doc.get("type")
    if kind == "formula":
        result = (doc.get("config") or {}).get("result")
        return "number" if result == "number" else ("date" if result in ("date", "datetime")
                                                    else None)
    if kind in NUMBER_TYPES:
        return "number"
    return "date" if kind in DATE_TYPES else None


def is_sub_table(doc: dict[str, Any]) -> bool:
    """A sub-table field: rows with their own fields, kept in a side table."""
    from . import get

    if doc.get("type") == "link":
        return False
    try:
        return get(doc["type"]).is_side(Field.from_document(doc))
    except KeyError:
        return False


def sub_fields(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The columns of a sub-table field (their documents)."""
    return list((doc.get("config") or {}).get("fields") or [])


def live_fields(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields of a document that are not deleted."""
    return [f for f in document.get("fields", []) if not f.get("deleted")]


def choices(docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(id, label) of field documents, for selects."""
    return [(d["id"], d.get("label") or d["id"]) for d in docs]
