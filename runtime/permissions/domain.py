"""Pure rules of rights: the union of a person's roles on one form. No database here.

* operations: the union of the roles' operations;
* row scope: per operation, the scope items of every role granting it, OR-ed;
  "all" dominates (the scope becomes unrestricted);
* field access: per field, the most permissive access among the roles that grant
  anything on the form (editable > read-only > hidden).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.roles.domain import OPERATIONS

ALL = ({"kind": "all"},)
_RANK = {"hidden": 0, "read_only": 1, "editable": 2}


@dataclass(frozen=True)
class Rights:
    """What one person may do with one form."""

    operations: frozenset[str] = frozenset()
    #: operation → scope items (OR-ed); ``ALL`` means every record
    scopes: Mapping[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    #: fields that are not editable: field id → "read_only" or "hidden"
    fields: Mapping[str, str] = field(default_factory=dict)
    #: platform and app administrators: everything, no scope, no field limits
    full: bool = False

    def allows(self, operation: str) -> bool:
        """Whether the operation is granted at all (on some records)."""
        return self.full or operation in self.operations

    def scope(self, operation: str) -> tuple[dict[str, Any], ...]:
        """The scope items of an operation (empty: no records)."""
        if self.full:
            return ALL
        return tuple(self.scopes.get(operation, ()))

    def unrestricted(self, operation: str) -> bool:
        """Whether the operation reaches every record."""
        return self.scope(operation) == ALL

    @property
    def hidden(self) -> frozenset[str]:
        """Fields this person never sees."""
        return frozenset(k for k, v in self.fields.items() if v == "hidden")

    @property
    def read_only(self) -> frozenset[str]:
        """Fields this person sees but cannot change."""
        return frozenset(k for k, v in self.fields.items() if v == "read_only")

    def editable(self, field_id: str) -> bool:
        """Whether this person may change the field."""
        return self.full or field_id not in self.fields


FULL = Rights(operations=frozenset(OPERATIONS), full=True)
NONE = Rights()


def union(entries: Iterable[Mapping[str, Any] | None], field_ids: Iterable[str]) -> Rights:
    """The rights given by several roles' access entries for one form."""
    granting = [e for e in entries if e and e.get("operations")]
    operations: set[str] = set()
    scopes: dict[str, list[dict[str, Any]]] = {}
    for entry in granting:
        for op in entry["operations"]:
            operations.add(op)
            scopes.setdefault(op, []).extend(entry.get("scope") or [])
    return Rights(operations=frozenset(operations),
                  scopes={op: _normalised(items) for op, items in scopes.items()},
                  fields=_field_access(granting, field_ids))


def _normalised(items: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Duplicates dropped; any "all" makes the whole scope "all"."""
    if any(item.get("kind") == "all" for item in items):
        return ALL
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(json.dumps(item, sort_keys=True), item)
    return tuple(seen.values())


def _field_access(entries: list[Mapping[str, Any]], field_ids: Iterable[str]) -> dict[str, str]:
    if not entries:
        return {}
    out: dict[str, str] = {}
    for field_id in field_ids:
        best = max(((e.get("fields") or {}).get(field_id, "editable") for e in entries),
                   key=_RANK.__getitem__)
        if best != "editable":
            out[field_id] = best
    return out


def _reads(f: Any) -> set[str]:
    """The fields of the form a computed field shows something of: a formula's inputs, a
    lookup's link, a rollup's source, a sub-table's column formulas' outside inputs."""
    from builder import formula

    config = f.config or {}
    if f.type == "formula":
        return {d.partition(".")[0]
                for d in formula.compile(config["expression"]).dependencies}
    if f.type == "lookup":
        return {config.get("link")}
    if f.type == "rollup":
        return {config.get("source")}
    if f.type == "subtable":
        columns = config.get("fields") or []
        own = {c["id"] for c in columns}
        return {d.partition(".")[0] for c in columns if c.get("type") == "formula"
                for d in formula.compile(c["config"]["expression"]).dependencies} - own
    return set()


def derived_hidden(fields: Iterable[Any], hidden: frozenset[str]) -> frozenset[str]:
    """Fields that must be hidden too because they show what a hidden field holds: a
    formula reading a hidden field (折后金额 from a hidden 金额), a lookup or rollup through a
    hidden link, and so on down the chain."""
    if not hidden:
        return frozenset()
    reads = {f.id: _reads(f) for f in fields}
    reads = {k: v for k, v in reads.items() if v}
    found = set(hidden)
    changed = True
    while changed:
        changed = False
        for field_id, inputs in reads.items():
            if field_id not in found and inputs & found:
                found.add(field_id)
                changed = True
    return frozenset(found - hidden)
