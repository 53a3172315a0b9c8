"""Pure rules of roles: operations, row scopes, field access, default documents.

A role document lists, per form key, an *access* entry::

    {"operations": ["view", "edit"],
     "scope": [{"kind": "own"}, {"kind": "member_field", "field": "f_sales1"}],
     "fields": {"f_amnt01": "hidden", "f_level1": "read_only"}}

``default`` (optional) is the entry for forms the role does not list, so the
default role "Everyone" (full access) also covers forms added later.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from builder import metadata
from builder.metadata import MetadataError

KIND = "role"
OPERATIONS = ("view", "create", "edit", "delete", "import", "export", "manage_views")
#: scope kinds that need nothing but their kind
SIMPLE_SCOPES = ("all", "own", "department", "department_tree", "pool")
SCOPE_KINDS = (*SIMPLE_SCOPES, "member_field", "filter")
FIELD_ACCESS = ("editable", "read_only", "hidden")
EVERYONE_KEY = "everyone"
#: the default role's stored name; shown translated until a builder renames it
EVERYONE_NAME = "Everyone"

OPERATION_LABELS = {
    "view": _l("View"), "create": _l("Create"), "edit": _l("Edit"), "delete": _l("Delete"),
    "import": _l("Import"), "export": _l("Export"), "manage_views": _l("Manage shared views"),
}
SCOPE_LABELS = {
    "all": _l("All records"),
    "own": _l("Own records"),
    "department": _l("Own department"),
    "department_tree": _l("Own department and sub-departments"),
    "pool": _l("Unowned records (public pool)"),
    "member_field": _l("Records where I am in a member field"),
    "filter": _l("Records matching a filter"),
}
FIELD_ACCESS_LABELS = {
    "editable": _l("Editable"), "read_only": _l("Read-only"), "hidden": _l("Hidden"),
}


def full_access() -> dict[str, Any]:
    """Every operation on every record, every field editable."""
    return {"operations": list(OPERATIONS), "scope": [{"kind": "all"}], "fields": {}}


def no_access() -> dict[str, Any]:
    """Nothing at all (what an unlisted form means for a role without a default)."""
    return {"operations": [], "scope": [], "fields": {}}


def everyone_document(name: str) -> dict[str, Any]:
    """The default role of a new app: every active user, full access to every form's
    records. Shared views stay the builders' until a role is granted "manage shared views"
    (a view shared with everyone, or made the default, changes everyone's page)."""
    default = full_access()
    default["operations"] = [op for op in OPERATIONS if op != "manage_views"]
    return {"schema_version": metadata.current_version(KIND), "key": EVERYONE_KEY,
            "name": name, "description": "", "everyone": True, "default": default,
            "forms": {}}


def new_document(key: str, name: str, description: str = "") -> dict[str, Any]:
    """A new role: no access until the builder grants some."""
    return {"schema_version": metadata.current_version(KIND), "key": key, "name": name,
            "description": description, "everyone": False, "forms": {}}


def access_of(document: Mapping[str, Any], form_key: str) -> dict[str, Any] | None:
    """The role's entry for a form: its own, else the default, else None (no access)."""
    entry = (document.get("forms") or {}).get(form_key)
    if entry is None:
        entry = document.get("default")
    return entry


def with_access(document: Mapping[str, Any], form_key: str, entry: Mapping[str, Any]
                ) -> dict[str, Any]:
    """A copy of the document with the form's entry replaced (normalised)."""
    out = copy.deepcopy(dict(document))
    out.setdefault("forms", {})[form_key] = normalise(entry)
    return out


def normalise(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Operations in canonical order, scopes without duplicates, editable fields dropped."""
    operations = [op for op in OPERATIONS if op in set(entry.get("operations") or [])]
    seen: set[str] = set()
    scope = []
    for item in entry.get("scope") or []:
        marker = json.dumps(item, sort_keys=True)
        if marker not in seen:
            seen.add(marker)
            scope.append(dict(item))
    fields = {k: v for k, v in sorted((entry.get("fields") or {}).items()) if v != "editable"}
    return {"operations": operations, "scope": scope, "fields": fields}


def scope_label(item: Mapping[str, Any]) -> str:
    """The label of one scope item."""
    return str(SCOPE_LABELS.get(item.get("kind", ""), item.get("kind", "")))


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """What changed between two documents, per top-level key or per form (audit details)."""
    before = before or {}
    out: dict[str, list[Any]] = {}
    for key in ("name", "description", "everyone", "default"):
        if before.get(key) != after.get(key):
            out[key] = [before.get(key), after.get(key)]
    old_forms, new_forms = before.get("forms") or {}, after.get("forms") or {}
    for form_key in sorted(set(old_forms) | set(new_forms)):
        if old_forms.get(form_key) != new_forms.get(form_key):
            out[f"forms.{form_key}"] = [old_forms.get(form_key), new_forms.get(form_key)]
    return out


@metadata.register_check(KIND)
def _scope_items_unique(document: dict[str, Any]) -> Iterator[MetadataError]:
    """The same scope item twice in one entry is a mistake worth naming."""
    entries = [("default", document["default"])] if "default" in document else []
    entries += [(f"forms.{k}", v) for k, v in document.get("forms", {}).items()]
    for where, entry in entries:
        seen: set[str] = set()
        for index, item in enumerate(entry.get("scope", [])):
            marker = json.dumps(item, sort_keys=True)
            if marker in seen:
                yield MetadataError(f"$.{where}.scope[{index}]", "unique",
                                    str(_l("is listed twice")))
            seen.add(marker)
