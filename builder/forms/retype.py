"""Changing a field's type in the draft, and the conversions publishing must run.

A field that was published has stored values in a column of its published type.
Changing its type in the draft marks the field with ``type_change``: the stored
type, its settings (to go back to them) and whether the builder chose to clear
the values that will not convert. Publishing converts the stored values and
leaves the mark out of the published version.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from .. import fields as field_types
from ..fields import Field, conversion
from ..metadata import FORMAT_CHECKER, MetadataError, json_path
from . import domain
from .defaults import default_kinds
from .layout import Doc, fail, field_doc
from .stored import TypeChange

MARK = "type_change"


def choices(field: Mapping[str, Any], stored_type: str | None) -> list[str]:
    """The types this field may be changed to (back to its stored type included)."""
    source = stored_type or field["type"]
    options = conversion.targets(source)
    if stored_type and stored_type != field["type"]:
        options = [stored_type, *options]
    return [key for key in options if key != field["type"]]


def change_type(document: Doc, wanted: str, new_type: str, *, stored_type: str | None,
                clear: bool = False) -> Doc:
    """Give a field another type; a published field remembers what to convert from."""
    doc = copy.deepcopy(document)
    field = field_doc(doc, wanted)
    if field is None or field.get("deleted"):
        fail("id", _("Element: there is no field %(id)s on the form", id=str(wanted)[:40]))
    if new_type == field["type"] and field.get(MARK):
        field[MARK]["clear"] = bool(clear)
        return doc
    if new_type not in choices(field, stored_type):
        fail("type", _("Field type: “%(label)s” cannot be changed to %(type)s",
                       label=field["label"], type=_type_name(new_type)))
    mark = field.get(MARK) or ({"from": stored_type, "config": copy.deepcopy(
        field.get("config") or {})} if stored_type else None)
    old = Field.from_document(field)
    field["type"] = new_type
    if mark is not None and new_type == mark["from"]:
        field["config"] = copy.deepcopy(mark["config"])
        field.pop(MARK, None)
    else:
        field["config"] = carried_config(field.get("config") or {}, field_types.get(new_type))
        if mark is not None:
            field[MARK] = {**mark, "clear": bool(clear)}
    _fit_properties(field, old)
    return doc


def _type_name(key: str) -> str:
    try:
        return field_types.get(key).name()
    except KeyError:
        return str(key)[:40]


def carried_config(config: Mapping[str, Any], new_type: field_types.FieldType) -> dict[str, Any]:
    """The settings that still make sense for the new type (and any it cannot do without)."""
    from .operations import default_config

    schema = new_type.config_schema
    properties = schema.get("properties", {})
    kept = {key: copy.deepcopy(value) for key, value in config.items()
            if key in properties and Draft202012Validator(
                properties[key], format_checker=FORMAT_CHECKER).is_valid(value)}
    if any(key not in kept for key in schema.get("required", [])):
        kept = {**default_config(new_type), **kept}
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    return kept if validator.is_valid(kept) else default_config(new_type)


def _fit_properties(field: dict[str, Any], old: Field) -> None:
    """Drop the uniqueness and default the new type cannot have; convert a fixed default."""
    if field.get("unique") is not None and field["type"] not in domain.UNIQUE_TYPES:
        field.pop("unique")
    default = field.get("default")
    if not default:
        return
    if default.get("kind") not in default_kinds(field):
        field.pop("default")
        return
    if default.get("kind") != "static":
        return
    new = Field.from_document(field)
    try:
        value = conversion.convert(old, new, field_types.get(old.type).parse(old,
                                                                              default["value"]))
    except (field_types.ValueInvalid, TypeError, ValueError, ArithmeticError):
        field.pop("default")
        return
    field["default"] = {"kind": "static",
                        "value": field_types.get(new.type).to_json(new, value)}


def revert_pending(field: dict[str, Any]) -> None:
    """Give a field its stored type and settings back (a deleted field is not converted)."""
    mark = field.pop(MARK, None)
    if mark:
        field["type"] = mark["from"]
        field["config"] = copy.deepcopy(mark.get("config") or {})


def without_marks(document: Mapping[str, Any]) -> Doc:
    """The document as it is published: no pending type-change marks."""
    doc = copy.deepcopy(dict(document))
    for field in doc.get("fields", []):
        field.pop(MARK, None)
    return doc


def has_marks(document: Mapping[str, Any]) -> bool:
    """Whether any field carries a pending type change."""
    return any(MARK in f for f in document.get("fields", []))


def type_changes(draft: Mapping[str, Any], previous: Mapping[str, Any] | None
                 ) -> tuple[list[TypeChange], list[MetadataError]]:
    """The conversions publishing ``draft`` over ``previous`` needs, and the ones it cannot do."""
    if previous is None:
        return [], []
    stored = {f["id"]: f["type"] for f in previous.get("fields", [])}
    changes, errors = [], []
    for index, field in enumerate(draft.get("fields", [])):
        old_type = stored.get(field["id"])
        if old_type is None or old_type == field["type"]:
            continue
        if field.get("deleted") or not conversion.allowed(old_type, field["type"]):
            errors.append(MetadataError(json_path(["fields", index, "type"]), "type_change", _(
                "%(label)s: stored values cannot be changed from %(old)s to %(new)s; change the "
                "type back", label=field["label"], old=_type_name(old_type),
                new=_type_name(field["type"]))))
            continue
        mark = field.get(MARK) or {}
        changes.append(TypeChange(field["id"], old_type, field["type"],
                                  clear=bool(mark.get("clear")) and mark.get("from") == old_type))
    return changes, errors


def mark_changes(document: Doc, live: Mapping[str, Any]) -> None:
    """Mark the fields of ``document`` (an older version) whose type differs from ``live``.

    A deleted one simply keeps the live type: its hidden values are not converted.
    """
    stored = {f["id"]: f for f in live.get("fields", [])}
    for field in document.get("fields", []):
        now = stored.get(field["id"])
        if now is None or now["type"] == field["type"]:
            continue
        if field.get("deleted"):
            field["type"], field["config"] = now["type"], copy.deepcopy(now.get("config") or {})
        else:
            field[MARK] = {"from": now["type"], "config": copy.deepcopy(now.get("config") or {}),
                           "clear": False}
