"""A published form version as the runtime uses it: fields, table, rules. Cached per version."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from builder import fields as field_types
from builder.fields import Field

from .storage import TableSpec, side_table_name, unique_key_column


@dataclass(frozen=True)
class PublishedForm:
    """An immutable view of one published version of a form."""

    form_id: int
    version: int
    document: dict[str, Any] = field(repr=False)

    @cached_property
    def all_fields(self) -> list[Field]:
        """Every field including deleted ones (their columns stay)."""
        return [Field.from_document(f) for f in self.document.get("fields", [])]

    @cached_property
    def fields(self) -> list[Field]:
        """The live fields, in document order."""
        deleted = {f["id"] for f in self.document.get("fields", []) if f.get("deleted")}
        return [f for f in self.all_fields if f.id not in deleted]

    @cached_property
    def field_map(self) -> dict[str, Field]:
        """Live fields by id."""
        return {f.id: f for f in self.fields}

    @cached_property
    def field_order(self) -> dict[str, int]:
        """Position of each live field in the document."""
        return {f.id: i for i, f in enumerate(self.fields)}

    @cached_property
    def raw_fields(self) -> dict[str, dict[str, Any]]:
        """The JSON document of each live field, by id (rules, defaults, conditions)."""
        return {f["id"]: f for f in self.document.get("fields", []) if not f.get("deleted")}

    @cached_property
    def unique(self) -> dict[str, bool]:
        """Unique field ids → whether they are compared normalised."""
        return {fid: bool(doc["unique"].get("steps")) for fid, doc in self.raw_fields.items()
                if doc.get("unique") is not None}

    @cached_property
    def spec(self) -> TableSpec:
        """The table spec; deleted fields keep their columns."""
        indexed = {fid for fid, doc in self.raw_fields.items() if doc.get("indexed")}
        composite = {ix["id"]: list(ix["fields"]) for ix in self.document.get("indexes", [])}
        return TableSpec(form_id=self.form_id, fields=self.all_fields, indexed=indexed,
                         unique=self.unique, composite=composite)

    @cached_property
    def metadata(self) -> sa.MetaData:
        """The record table and its side tables, built once."""
        metadata = sa.MetaData()
        self.spec.table(metadata)
        return metadata

    @cached_property
    def table(self) -> sa.Table:
        """The SQLAlchemy table of the records."""
        return self.metadata.tables[self.spec.name]

    @cached_property
    def side_fields(self) -> list[Field]:
        """Live fields whose values live in side tables (many links, sub-tables)."""
        return [f for f in self.fields if field_types.get(f.type).is_side(f)]

    def side_table(self, field_id: str) -> sa.Table:
        """The side table of a multi-valued field."""
        return self.metadata.tables[side_table_name(self.form_id, field_id)]

    @cached_property
    def insert_returning(self) -> sa.Insert:
        """INSERT of one record (values given at execution) returning the stored row."""
        return self.table.insert().returning(*self.table.c)

    def unique_column(self, field_id: str) -> str:
        """The column a unique field is checked on."""
        return unique_key_column(field_id) if self.unique.get(field_id) else field_id

    @cached_property
    def readers(self) -> list[tuple[str, str, Any]]:
        """(field id, row key, converter or None) to turn a row into values.

        System fields read their system column; a converter of None keeps the
        stored value as it is (most types), which keeps list pages cheap.
        """
        base = field_types.FieldType.from_db
        out: list[tuple[str, str, Any]] = []
        for f in self.fields:
            field_type = field_types.get(f.type)
            key = field_type.system_column if not field_type.is_stored(f) else f.id
            if key is None:
                continue
            if type(field_type).from_db is base:
                out.append((f.id, key, None))
            else:
                out.append((f.id, key, partial(field_type.from_db, f)))
        return out

    @cached_property
    def column_keys(self) -> tuple[str, ...]:
        """The table's columns in ``select(table)`` order."""
        return tuple(self.table.c.keys())

    @cached_property
    def row_plan(self) -> RowPlan:
        """How to read a row in ``column_keys`` order by position (list pages, queries)."""
        from .storage import SYSTEM_COLUMNS

        index = {key: i for i, key in enumerate(self.column_keys)}
        plain = [(fid, index[key]) for fid, key, read in self.readers if read is None]
        system = SYSTEM_COLUMNS[1:]
        return RowPlan(
            id=index["id"], plain_ids=tuple(fid for fid, _ in plain),
            plain=_getter([i for _, i in plain]), system_keys=system,
            system=_getter([index[key] for key in system]),
            converted=tuple((fid, index[key], read) for fid, key, read in self.readers
                            if read is not None))

    @cached_property
    def formula_fields(self) -> list[Field]:
        """Formula fields in evaluation order (each after the formulas it reads)."""
        from builder.fields.computed import formula_order

        return formula_order(self.fields)

    @cached_property
    def formula_steps(self) -> list[Any]:
        """Formula fields and sub-tables' per-row formula columns, in evaluation order."""
        from builder.fields.computed import formula_steps

        return formula_steps(self.fields)

    @cached_property
    def shown_if(self) -> list[tuple[str, Any]]:
        """(field id, condition) of the live fields shown only while a condition holds."""
        return [(fid, doc["visible_if"]) for fid, doc in self.raw_fields.items()
                if doc.get("visible_if")]

    @cached_property
    def required_when(self) -> list[tuple[str, Any]]:
        """(field id, condition, or None for always) of the live fields that can be required,
        in document order; read-only fields never are."""
        return [(fid, None if doc.get("required") else doc["required_if"])
                for fid, doc in self.raw_fields.items()
                if (doc.get("required") or doc.get("required_if"))
                and not self.type_of(fid).readonly]

    @cached_property
    def types(self) -> dict[str, field_types.FieldType]:
        """The field type of each live field, by id (looked up once per form version)."""
        return {f.id: field_types.get(f.type) for f in self.fields}

    def type_of(self, field_id: str) -> field_types.FieldType:
        """The field type of a live field."""
        return self.types[field_id]

    @property
    def title_field(self) -> str | None:
        """The field shown as a record's title (first text field if not chosen)."""
        chosen = self.document.get("title_field")
        if chosen in self.field_map:
            return chosen
        return next((f.id for f in self.fields if f.type == "text"), None)


@dataclass(frozen=True)
class RowPlan:
    """Positions to turn a row of ``select(table)`` into values without looking up names."""

    id: int
    #: fields whose stored value is their value, and a getter of those values in that order
    plain_ids: tuple[str, ...]
    plain: Callable[[Sequence[Any]], tuple[Any, ...]]
    system_keys: tuple[str, ...]
    system: Callable[[Sequence[Any]], tuple[Any, ...]]
    #: (field id, position, converter) of the fields that need converting
    converted: tuple[tuple[str, int, Any], ...]


def _getter(positions: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """``itemgetter`` that always answers a tuple."""
    if len(positions) == 1:
        return lambda row, i=positions[0]: (row[i],)
    return itemgetter(*positions) if positions else (lambda row: ())


# Keyed by (form id, version, stamp): a version never changes, and the stamp (the
# form's creation time) keeps a purged form's reused id from finding the old entry.
_cache: dict[tuple[int, int, Any], PublishedForm] = {}


def cached(form_id: int, version: int, stamp: Any = None) -> PublishedForm | None:
    """The PublishedForm of (form, version) if it is already in memory."""
    return _cache.get((form_id, version, stamp))


def published(form_id: int, version: int, document: dict[str, Any], stamp: Any = None
              ) -> PublishedForm:
    """The cached PublishedForm for an immutable (form, version) pair."""
    key = (form_id, version, stamp)
    found = _cache.get(key)
    if found is None:
        if len(_cache) > 512:
            _cache.clear()
        found = _cache[key] = PublishedForm(form_id, version, document)
    return found
