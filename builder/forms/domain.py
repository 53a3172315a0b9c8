"""Checks on form documents that JSON Schema cannot express, and small pure helpers."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from .. import conditions
from .. import fields as field_types
from ..fields import Field
from ..metadata import (
    FORMAT_CHECKER,
    MetadataError,
    json_path,
    register_check,
    translate_error,
)

UNIQUE_TYPES = {"text", "email", "phone", "url", "integer", "id_card", "auto_number"}
_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str) -> str:
    """A fresh element id such as ``f_k3x9qa2b`` (prefix f, s, d, t or r)."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def empty_document(key: str, name: str) -> dict[str, Any]:
    """A new form with no fields."""
    return {"schema_version": 1, "key": key, "name": name, "description": "",
            "fields": [], "layout": [], "rules": []}


def live_fields(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields that are not deleted."""
    return [f for f in document.get("fields", []) if not f.get("deleted")]


def layout_field_ids(items: list[dict[str, Any]]) -> Iterator[str]:
    """Field ids in layout order, sections flattened."""
    for item in items:
        if item.get("kind") == "field":
            yield item["field"]
        elif item.get("kind") == "section":
            yield from layout_field_ids(item.get("items", []))


@register_check("form")
def check_form(document: dict[str, Any]) -> Iterator[MetadataError]:
    """Ids unique, types known, configs valid, layout and conditions consistent."""
    seen: set[str] = set()
    for index, field in enumerate(document["fields"]):
        path = ["fields", index]
        if field["id"] in seen:
            yield MetadataError(json_path([*path, "id"]), "unique",
                                _("the id %(id)s is used twice", id=field["id"]))
        seen.add(field["id"])
        yield from _check_field(field, path)
    live = {f["id"]: f for f in live_fields(document)}
    yield from _check_layout(document, live)
    yield from _check_conditions(document, live)
    yield from _check_formulas(document, live)


def _check_field(field: dict[str, Any], path: list[Any]) -> Iterator[MetadataError]:
    try:
        field_type = field_types.get(field["type"])
    except KeyError:
        yield MetadataError(json_path([*path, "type"]), "enum",
                            _("unknown field type %(type)s", type=field["type"]))
        return
    validator = Draft202012Validator(field_type.config_schema, format_checker=FORMAT_CHECKER)
    for error in validator.iter_errors(field.get("config", {})):
        for translated in translate_error(error):
            where = json_path([*path, "config"]) + translated.path[1:]
            yield MetadataError(where, translated.rule, _("%(label)s: %(problem)s",
                                                          label=field["label"],
                                                          problem=translated.message))
    if field.get("unique") is not None and field["type"] not in UNIQUE_TYPES:
        yield MetadataError(json_path([*path, "unique"]), "unique",
                            _("%(label)s: this field type cannot be unique", label=field["label"]))


def _check_layout(document: dict[str, Any], live: dict[str, Any]) -> Iterator[MetadataError]:
    placed = list(layout_field_ids(document["layout"]))
    for field_id in sorted(set(placed) - set(live)):
        yield MetadataError("$.layout", "reference",
                            _("the layout shows a field that does not exist (%(id)s)", id=field_id))
    for field_id in sorted({f for f in placed if placed.count(f) > 1}):
        yield MetadataError("$.layout", "unique",
                            _("%(label)s is placed twice", label=live[field_id]["label"]))
    for index, composite in enumerate(document.get("indexes", [])):
        for field_id in composite["fields"]:
            if field_id not in live:
                yield MetadataError(json_path(["indexes", index, "fields"]), "reference",
                                    _("the index uses a field that does not exist (%(id)s)",
                                      id=field_id))
    title = document.get("title_field")
    if title is not None and title not in live:
        yield MetadataError("$.title_field", "reference", _("the title field does not exist"))


def _check_conditions(document: dict[str, Any], live: dict[str, Any]) -> Iterator[MetadataError]:
    fields = {fid: Field.from_document(doc) for fid, doc in live.items()
              if fid in live and _known(doc["type"])}
    for index, field in enumerate(document["fields"]):
        for key in ("visible_if", "required_if"):
            if field.get(key) is not None:
                yield from _condition_errors(field[key], fields, ["fields", index, key],
                                             field["label"])
    for index, rule in enumerate(document.get("rules", [])):
        yield from _condition_errors(rule["condition"], fields, ["rules", index, "condition"],
                                     rule["message"])
        for field_id in rule.get("fields", []):
            if field_id not in live:
                yield MetadataError(json_path(["rules", index, "fields"]), "reference",
                                    _("the rule points at a field that does not exist"))


def _known(type_key: str) -> bool:
    try:
        field_types.get(type_key)
    except KeyError:
        return False
    return True


def _condition_errors(cond: dict[str, Any], fields: dict[str, Field], path: list[Any],
                      owner: str) -> Iterator[MetadataError]:
    try:
        conditions.evaluate(cond, {}, fields)
    except conditions.ConditionInvalid as exc:
        yield MetadataError(json_path(path), "condition",
                            _("%(owner)s: the condition is not valid (%(problem)s)", owner=owner,
                              problem=str(exc)))


def _check_formulas(document: dict[str, Any], live: dict[str, Any]) -> Iterator[MetadataError]:
    """Each formula parses, uses fields that exist, has the declared type; no cycles."""
    from .. import formula
    from ..fields.computed import FORMULA_TYPES

    kinds = {fid: doc["config"]["result"] if doc["type"] == "formula" else
             FORMULA_TYPES.get(doc["type"]) for fid, doc in live.items()
             if doc["type"] == "formula" or doc["type"] in FORMULA_TYPES}
    compiled = {}
    for index, doc in enumerate(document["fields"]):
        if doc.get("deleted") or doc["type"] != "formula" or "expression" not in doc.get(
                "config", {}):
            continue
        where = json_path(["fields", index, "config", "expression"])
        try:
            compiled[doc["id"]] = formula.compile(doc["config"]["expression"])
            result = compiled[doc["id"]].check({k: v for k, v in kinds.items() if v})
        except formula.FormulaError as exc:
            yield MetadataError(where, "formula", _("%(label)s: %(problem)s",
                                                    label=doc["label"], problem=str(exc)))
            continue
        for problem in result.errors:
            yield MetadataError(where, "formula", _("%(label)s: %(problem)s",
                                                    label=doc["label"], problem=str(problem)))
        declared = doc["config"].get("result")
        if result.ok and result.type is not None and result.type.value not in (
                declared, "blank", "any"):
            yield MetadataError(where, "formula", _(
                "%(label)s: the formula gives %(got)s but the field is set to %(expected)s",
                label=doc["label"], got=result.type.value, expected=declared))
    try:
        formula.evaluation_order(compiled)
    except formula.FormulaCycleError as exc:
        yield MetadataError("$.fields", "formula", str(exc))
