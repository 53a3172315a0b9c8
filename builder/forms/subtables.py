"""Sub-tables in form documents: column ids, formula references and version differences.

A sub-table field keeps its columns in ``config.fields``. Their ids name SQL
columns of the sub-table's side table and are the names row formulas use, so
they must be unique in the whole form, not only in their table. Formulas read a
column as ``{f_sub.f_col}`` (a list, for SUM/AVG/MIN/MAX/COUNT); a formula column
reads its own row's cells by their bare ids (``{f_qty} * {f_price}``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from flask_babel import gettext as _

from ..metadata import MetadataError, json_path

SUBTABLE = "subtable"


def columns_of(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The column documents of a sub-table field (none for other fields)."""
    if doc.get("type") != SUBTABLE:
        return []
    found = (doc.get("config") or {}).get("fields")
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def column_ids(document: Mapping[str, Any]) -> Iterator[str]:
    """Every sub-table column id in the document (deleted sub-tables too: their data stays)."""
    for doc in document.get("fields", []):
        for column in columns_of(doc):
            if isinstance(column.get("id"), str):
                yield column["id"]


def id_problems(document: Mapping[str, Any]) -> Iterator[MetadataError]:
    """A column id used by a field of the form or by another sub-table's column."""
    seen = {f["id"] for f in document["fields"]}
    for index, doc in enumerate(document["fields"]):
        for position, column in enumerate(columns_of(doc)):
            column_id = column.get("id")
            if column_id in seen:
                yield MetadataError(
                    json_path(["fields", index, "config", "fields", position, "id"]), "unique",
                    _("%(label)s: column %(column)s uses the id %(id)s, which is already used "
                      "in this form", label=doc["label"], column=column.get("label", ""),
                      id=column_id))
            seen.add(column_id)


def column_kinds(live: Mapping[str, dict[str, Any]], formula_types: Mapping[str, str]
                 ) -> dict[str, str]:
    """Formula value types of sub-table columns, as ``f_sub.f_col`` (and the table itself)."""
    kinds: dict[str, str] = {}
    for field_id, doc in live.items():
        if doc["type"] != SUBTABLE:
            continue
        kinds[field_id] = SUBTABLE  # not a formula type: reading it alone is refused below
        for column in columns_of(doc):
            kind = _kind(column, formula_types)
            if kind:
                kinds[f"{field_id}.{column['id']}"] = kind
    return kinds


def _kind(column: Mapping[str, Any], formula_types: Mapping[str, str]) -> str | None:
    if column.get("type") == "formula":
        return (column.get("config") or {}).get("result")
    return formula_types.get(column.get("type", ""))


def row_scope(table: Mapping[str, Any], formula_types: Mapping[str, str]) -> dict[str, str]:
    """What a formula column may read besides the form's fields: its row's cells by id."""
    found = {}
    for column in columns_of(table):
        kind = _kind(column, formula_types)
        if kind:
            found[column["id"]] = kind
    return found


def reference_problems(refs: Any, live: Mapping[str, dict[str, Any]],
                       row: Collection[str] = ()) -> dict[int, str]:
    """Clear messages for references the checker would only call unknown, by position.

    ``refs`` are the formula's field references; ``row`` the ids of the cells a formula
    column may read by bare id.
    """
    owner = {c["id"]: (doc, c) for doc in live.values() for c in columns_of(doc)}
    problems: dict[int, str] = {}
    for ref in refs:
        target = live.get(ref.field)
        if ref.column is None and target is not None and target["type"] == SUBTABLE:
            example = next((c["id"] for c in columns_of(target)), "f_col")
            problems[ref.pos] = (_("{%(field)s} is the sub-table “%(label)s”: use one of its "
                              "columns, e.g. SUM({%(field)s.%(column)s})", field=ref.field,
                              label=target["label"], column=example))
        elif ref.column is None and ref.field in owner and ref.field not in row:
            table, column = owner[ref.field]
            problems[ref.pos] = (_("{%(column)s} is the column “%(label)s” of the sub-table "
                              "“%(table)s”: write {%(field)s.%(column)s} for the column's "
                              "values", column=ref.field, label=column.get("label", ""),
                              table=table["label"], field=table["id"]))
        elif ref.column is not None and target is not None and target["type"] != SUBTABLE:
            problems[ref.pos] = (_("{%(field)s} (“%(label)s”) is not a sub-table, so it has no "
                              "column {%(column)s}", field=ref.field, label=target["label"],
                              column=ref.column))
    return problems


def row_formulas(document: Mapping[str, Any], live: Mapping[str, dict[str, Any]]
                 ) -> Iterator[tuple[list[Any], dict[str, Any], dict[str, Any]]]:
    """(JSON path of the expression, table, column) of each live formula column."""
    for index, doc in enumerate(document["fields"]):
        if doc["id"] not in live or doc["type"] != SUBTABLE:
            continue
        for position, column in enumerate(columns_of(doc)):
            config = column.get("config") or {}
            if column.get("type") == "formula" and isinstance(config.get("expression"), str):
                yield (["fields", index, "config", "fields", position, "config", "expression"],
                       doc, column)


class ScopedReads:
    """A formula column's references for ordering: its row's cells as ``f_sub.f_col``."""

    def __init__(self, table: Mapping[str, Any], dependencies: frozenset[str]):
        siblings = {c["id"] for c in columns_of(table)}
        self.dependencies = frozenset(f"{table['id']}.{d}" if d in siblings else d
                                      for d in dependencies)


# ---------------------------------------------------------------- versions


def columns_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Columns added, removed, renamed, retyped, made (not) required, re-set and reordered."""
    before = {c.get("id"): c for c in columns_of(old)}
    after = {c.get("id"): c for c in columns_of(new)}
    kept = [i for i in after if i in before]
    return {
        "added": [(after[i].get("label"), after[i].get("type")) for i in after
                  if i not in before],
        "removed": [before[i].get("label") for i in before if i not in after],
        "renamed": [(before[i].get("label"), after[i].get("label")) for i in kept
                    if before[i].get("label") != after[i].get("label")],
        "retyped": [(after[i].get("label"), before[i].get("type"), after[i].get("type"))
                    for i in kept if before[i].get("type") != after[i].get("type")],
        "required": [(after[i].get("label"), bool(after[i].get("required"))) for i in kept
                     if bool(before[i].get("required")) != bool(after[i].get("required"))],
        "settings": [after[i].get("label") for i in kept
                     if (before[i].get("config") or {}) != (after[i].get("config") or {})
                     or before[i].get("help") != after[i].get("help")],
        "reordered": [i for i in before if i in after] != kept,
    }
