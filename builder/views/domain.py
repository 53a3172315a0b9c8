"""Checks on view documents that JSON Schema cannot express, and small pure helpers."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from .. import conditions
from .. import views as view_types
from ..fields import Field
from ..metadata import FORMAT_CHECKER, MetadataError, json_path, register_check, translate_error
from .base import SYSTEM_COLUMNS

KIND = "view"
SCOPES = ("personal", "everyone", "selected")
MAX_SORT = 5


def new_document(name: str, type_key: str, fields: Sequence[Field], title_field: str | None,
                 *, scope: str = "personal") -> dict[str, Any]:
    """A fresh view of ``type_key`` over a form's live fields, newest records first."""
    return {"schema_version": 1, "name": name, "type": type_key, "filter": None, "sort": [],
            "sharing": {"scope": scope, "departments": [], "roles": []},
            "config": view_types.get(type_key).default_config(fields, title_field)}


@register_check(KIND)
def check_view(document: dict[str, Any]) -> Iterator[MetadataError]:
    """The type is registered, its config valid, sharing complete, the filter not too deep."""
    try:
        view_type = view_types.get(document["type"])
    except KeyError:
        yield MetadataError("$.type", "enum", _("unknown view type %(type)s",
                                                type=document["type"]))
        return
    validator = Draft202012Validator(view_type.config_schema, format_checker=FORMAT_CHECKER)
    for error in validator.iter_errors(document["config"]):
        for found in translate_error(error):
            yield MetadataError("$.config" + found.path.removeprefix("$"), found.rule,
                                found.message)
    sharing = document["sharing"]
    if sharing["scope"] == "selected" and not (sharing.get("departments") or
                                               sharing.get("roles")):
        yield MetadataError("$.sharing.departments", "minItems",
                            _("choose at least one department"))
    if _depth(document.get("filter")) > conditions.MAX_DEPTH:
        yield MetadataError("$.filter", "maxDepth", _("conditions nest at most %(n)d levels deep",
                                                      n=conditions.MAX_DEPTH))
    seen: set[str] = set()
    for index, key in enumerate(document.get("sort", [])):
        if key["field"] in seen:
            yield MetadataError(json_path(["sort", index, "field"]), "unique",
                                _("the field is sorted by twice"))
        seen.add(key["field"])


def _depth(cond: Any) -> int:
    if not isinstance(cond, Mapping):
        return 0
    items = cond.get("all", cond.get("any"))
    if not isinstance(items, list):
        return 0
    return 1 + max((_depth(item) for item in items), default=0)


def check_fields(document: Mapping[str, Any], fields: Mapping[str, Field]
                 ) -> list[MetadataError]:
    """Problems of a schema-valid view against its form's live fields."""
    errors: list[MetadataError] = []
    known = set(fields) | set(SYSTEM_COLUMNS)
    for index, key in enumerate(document.get("sort", [])):
        if key["field"] not in known:
            errors.append(MetadataError(json_path(["sort", index, "field"]), "field",
                                        _("no such field in the form")))
    try:
        conditions.check(document.get("filter"), fields)
    except conditions.ConditionInvalid as exc:
        errors.append(MetadataError("$.filter", "condition", str(exc)))
    errors.extend(view_types.get(document["type"]).check(document["config"], fields))
    return errors


def cleaned(document: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """The document with references to fields that are gone left out (views outlive fields).

    A filter that no longer checks is dropped whole: showing more records is safer
    than failing the page, and the page says the filter was set aside.
    """
    out = copy.deepcopy(dict(document))
    known = set(fields) | set(SYSTEM_COLUMNS)
    out["sort"] = [k for k in out.get("sort", []) if k["field"] in known]
    try:
        conditions.check(out.get("filter"), fields)
    except conditions.ConditionInvalid:
        out["filter"] = None
        out["filter_dropped"] = True
    out["config"] = view_types.get(out["type"]).without(out.get("config", {}), known)
    return out


def visible_to(document: Mapping[str, Any], owner_id: int | None, actor: Any, *,
               builder: bool, departments: frozenset[int] | None = None,
               roles: frozenset[str] = frozenset()) -> bool:
    """Whether ``actor`` sees a view: its owner always, those who manage shared views every
    shared view, everyone an "everyone" view, and members of the chosen departments or
    holders of the chosen roles (keys) a "selected" one.

    ``departments``: every department the person belongs to (default: their primary one).
    """
    if actor is None:
        return False
    sharing = document.get("sharing") or {}
    scope = sharing.get("scope", "personal")
    if owner_id is not None and owner_id == actor.id:
        return True
    if scope == "personal":
        return False
    if scope == "everyone" or builder:
        return True
    if departments is None:
        primary = getattr(actor, "department_id", None)
        departments = frozenset({primary} if primary is not None else ())
    return bool(departments & set(sharing.get("departments") or [])
                or roles & set(sharing.get("roles") or []))
