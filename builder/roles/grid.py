"""The permission grid of one form: what the page shows and how its post is read.

Input names: ``r<role id>.op`` (operations), ``r<role id>.scope`` (scope kinds,
``member:<field id>`` for a member field, ``filter`` for the filter),
``r<role id>.ff`` / ``.fo`` / ``.fv`` (the filter's field, operator and value;
a filter more complex than one comparison is kept as ``.fjson``), and
``a.<field id>.<role id>`` (field access).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from builder import conditions
from builder import fields as field_types
from builder.fields import Field

from . import domain
from .models import Role


@dataclass
class RoleColumn:
    """One role as the grid shows it for this form."""

    role: Role
    operations: set[str]
    scope_keys: set[str]
    #: a single comparison the simple editor can show: field, op, value
    filter_simple: dict[str, Any] | None = None
    #: a more complex filter from the role's document, kept as it is
    filter_json: str = ""
    follows_default: bool = False
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Grid:
    """The grid of one form."""

    form_key: str
    fields: list[Field]
    member_fields: list[Field]
    filter_fields: list[Field]
    columns: list[RoleColumn]

    def access(self, field_id: str, role_id: int) -> str:
        """A field's access for a role ("editable" unless the role says otherwise)."""
        column = next(c for c in self.columns if c.role.id == role_id)
        return column.fields.get(field_id, "editable")


def _scope_key(item: Mapping[str, Any]) -> str:
    if item.get("kind") == "member_field":
        return f"member:{item.get('field')}"
    return str(item.get("kind"))


def live_fields(document: Mapping[str, Any]) -> list[Field]:
    """The form's live fields whose types are known."""
    known = {t.type for t in field_types.all_types()}
    return [Field.from_document(f) for f in document.get("fields", [])
            if not f.get("deleted") and f.get("type") in known]


def build(document: Mapping[str, Any], form_key: str, roles: list[Role]) -> Grid:
    """The grid for a form document (the published one, else the draft)."""
    fields = live_fields(document)
    members = [f for f in fields if getattr(field_types.get(f.type), "references", "") == "user"]
    filterable = [f for f in fields if field_types.get(f.type).operators]
    columns = []
    for role in roles:
        own = (role.document.get("forms") or {}).get(form_key)
        entry = domain.access_of(role.document, form_key) or domain.no_access()
        column = RoleColumn(role, set(entry.get("operations", [])),
                            {_scope_key(i) for i in entry.get("scope", [])},
                            follows_default=own is None and "default" in role.document,
                            fields=dict(entry.get("fields") or {}))
        found = next((i for i in entry.get("scope", []) if i.get("kind") == "filter"), None)
        if found is not None:
            condition = found["condition"]
            if "field" in condition and "other_field" not in condition:
                column.filter_simple = dict(condition)
            else:
                column.filter_json = json.dumps(condition, ensure_ascii=False)
        columns.append(column)
    return Grid(form_key, fields, members, filterable, columns)


def read(grid: Grid, form: Any) -> tuple[dict[int, dict[str, Any]], dict[str, list[str]]]:
    """The access entries posted for each role, and errors by input name."""
    entries: dict[int, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    field_map = {f.id: f for f in grid.fields}
    members = {f.id for f in grid.member_fields}
    for column in grid.columns:
        rid = column.role.id
        operations = [op for op in domain.OPERATIONS if op in form.getlist(f"r{rid}.op")]
        scope: list[dict[str, Any]] = []
        for key in form.getlist(f"r{rid}.scope"):
            if key in domain.SIMPLE_SCOPES:
                scope.append({"kind": key})
            elif key.startswith("member:") and key[7:] in members:
                scope.append({"kind": "member_field", "field": key[7:]})
            elif key == "filter":
                condition = _read_filter(form, rid, field_map, column, errors)
                if condition is not None:
                    scope.append({"kind": "filter", "condition": condition})
        access = {}
        for f in grid.fields:
            value = form.get(f"a.{f.id}.{rid}", "editable")
            if value in ("read_only", "hidden"):
                access[f.id] = value
        entries[rid] = domain.normalise({"operations": operations, "scope": scope,
                                         "fields": access})
    return entries, errors


def _read_filter(form: Any, rid: int, field_map: Mapping[str, Field], column: RoleColumn,
                 errors: dict[str, list[str]]) -> dict[str, Any] | None:
    kept = form.get(f"r{rid}.fjson", "")
    if kept:
        try:
            condition = json.loads(kept)
        except ValueError:
            condition = None
    else:
        field_id, op = form.get(f"r{rid}.ff", ""), form.get(f"r{rid}.fo", "")
        condition = {"field": field_id, "op": op}
        if form.get(f"r{rid}.fv", "") != "":
            condition["value"] = form.get(f"r{rid}.fv", "")[:500]
    try:
        if not isinstance(condition, dict):
            raise conditions.ConditionInvalid("not a condition")
        conditions.evaluate(condition, {}, field_map)
    except conditions.ConditionInvalid as exc:
        errors.setdefault(f"r{rid}.filter", []).append(_(
            "%(role)s: the filter is not valid (%(problem)s)", role=column.role.name,
            problem=str(exc)))
        return None
    return condition


def unchanged(role: Role, form_key: str, entry: Mapping[str, Any]) -> bool:
    """Whether saving ``entry`` would not change what the role may do with the form."""
    current = domain.access_of(role.document, form_key) or domain.no_access()
    return domain.normalise(current) == domain.normalise(entry)
