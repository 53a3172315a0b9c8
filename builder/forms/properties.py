"""Changing the properties of a form's fields, sections, texts, settings and rules.

Each change is checked against the form schema (and a field's settings against its
type's config schema); problems are raised as :class:`OperationInvalid`, keyed by the
property they concern, with messages that name it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from .. import fields as field_types
from ..metadata import FORMAT_CHECKER, schema, translate_error
from . import domain
from .exceptions import OperationInvalid
from .labels import prop_label
from .layout import Doc, fail, field_doc, fresh_id, locate

FIELD_PROPS = ("label", "help", "required", "indexed", "unique", "default", "visible_if",
               "required_if", "config")
SECTION_PROPS = ("title", "columns", "collapsed")
FORM_PROPS = ("name", "description", "title_field", "submit_label")
MAX_RULES = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@cache
def _validator(key: str, kind: str) -> Draft202012Validator:
    defs = schema("form")["$defs"]
    if kind == "rule":
        sub = defs["rule"]
    elif kind == "field":
        sub = defs["field"]["properties"][key]
    elif kind == "section":
        sub = defs["layout_item"]["oneOf"][1]["properties"][key]
    elif kind == "text":
        sub = defs["layout_item"]["oneOf"][3]["properties"][key]
    else:
        sub = schema("form")["properties"][key]
    return Draft202012Validator({"$defs": defs, **sub}, format_checker=FORMAT_CHECKER)


def _describe(name: str, parts: Iterable[Any]) -> str:
    """``Options, row 2, label`` for a path inside a property."""
    words = [prop_label(name)]
    for part in parts:
        words.append(_("row %(n)d", n=part + 1) if isinstance(part, int) else str(part))
    return ", ".join(words)


def _problems(validator: Draft202012Validator, instance: Any) -> Iterator[tuple[list[Any], str]]:
    """(path inside the instance, message) for every schema error."""
    for raw in validator.iter_errors(instance):
        for error in translate_error(raw):
            parts = [int(p) if p.isdigit() else p
                     for p in re.split(r"[.\[\]]+", error.path) if p and p != "$"]
            yield parts, error.message


def _prop_errors(values: Mapping[str, Any], kind: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        for parts, message in _problems(_validator(key, kind), value):
            errors.setdefault(key, []).append(
                _("%(what)s: %(problem)s", what=_describe(key, parts), problem=message))
        if key not in errors and has_control_characters(value):
            errors[key] = [_("%(what)s: must not contain control characters",
                             what=prop_label(key))]
    return errors


def has_control_characters(value: Any, _depth: int = 0) -> bool:
    """Whether any text inside ``value`` holds control characters (line breaks and tabs
    aside): they have no place in labels and some databases refuse them (NUL)."""
    if isinstance(value, str):
        return bool(_CONTROL.search(value))
    if _depth > 30 or not isinstance(value, dict | list):
        return False
    items = value.values() if isinstance(value, dict) else value
    return any(has_control_characters(item, _depth + 1) for item in items)


def config_errors(field_type: field_types.FieldType,
                  config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Problems of a field's settings against its type's config schema, by ``config.<key>``."""
    validator = Draft202012Validator(field_type.config_schema, format_checker=FORMAT_CHECKER)
    errors: dict[str, list[str]] = {}
    for parts, message in _problems(validator, config):
        key = f"config.{parts[0]}" if parts else "config"
        errors.setdefault(key, []).append(_("%(what)s: %(problem)s", problem=message,
                                            what=_describe(key, parts[1:])))
    return errors


def _set_props(target: dict[str, Any], props: Mapping[str, Any]) -> None:
    for key, value in props.items():
        if value is None or value == "":
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)


def _unknown(props: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(props) - set(allowed))
    if unknown:
        fail(str(unknown[0])[:40], _("%(prop)s: is not a property of this element",
                                      prop=str(unknown[0])[:40]))


def update_field(document: Doc, wanted: str, props: Mapping[str, Any]) -> Doc:
    """Change a field's properties; a value of None or "" removes the property."""
    doc = copy.deepcopy(document)
    field = field_doc(doc, wanted)
    if field is None or field.get("deleted"):
        fail("id", _("Element: there is no field %(id)s on the form", id=str(wanted)[:40]))
    _unknown(props, (*FIELD_PROPS, "span"))
    has_span, span = "span" in props, props.get("span")
    props = {k: v for k, v in props.items() if k != "span"}
    errors = _prop_errors({k: v for k, v in props.items() if v not in (None, "")}, "field")
    if "label" in props and props["label"] in (None, ""):
        errors.setdefault("label", []).append(_("Label: must not be empty"))
    field_type = field_types.get(field["type"])
    if "config" in props and "config" not in errors:
        errors.update(config_errors(field_type, props["config"] or {}))
        if not errors:
            for parts, message in field_type.config_problems(props["config"] or {}):
                # beside the input it is about (a column's setting), else its row or setting
                beside = parts if len(parts) == 4 and parts[2] == "config" else parts[:2]
                key = ".".join(["config", *(str(p) for p in beside)])
                errors.setdefault(key, []).append(message)
    if props.get("unique") is not None and field["type"] not in domain.UNIQUE_TYPES:
        errors.setdefault("unique", []).append(_("Unique: this field type cannot be unique"))
    if errors:
        raise OperationInvalid(errors)
    _set_props(field, props)
    field.setdefault("config", {})
    if has_span:
        _set_span(doc, wanted, span)
    return doc


def _set_span(doc: Doc, wanted: str, span: Any) -> None:
    found = locate(doc["layout"], wanted)
    if found is None:
        return
    item = found[0][found[1]]
    if span in (None, "", 1):
        item.pop("span", None)
    elif isinstance(span, int) and not isinstance(span, bool) and 1 <= span <= 4:
        item["span"] = span
    else:
        fail("span", _("Width: 1 to 4 columns (got %(got)s)", got=str(span)[:20]))


def update_element(document: Doc, wanted: str, props: Mapping[str, Any]) -> Doc:
    """Change a section's title/columns/collapsed or a description's text."""
    doc = copy.deepcopy(document)
    found = locate(doc["layout"], wanted)
    if found is None or found[0][found[1]].get("kind") == "field":
        return update_field(document, wanted, props)
    item = found[0][found[1]]
    allowed = {"section": SECTION_PROPS, "text": ("text",)}.get(item["kind"], ())
    _unknown(props, allowed)
    errors = _prop_errors({k: v for k, v in props.items() if v is not None}, item["kind"])
    if errors:
        raise OperationInvalid(errors)
    _set_props(item, {k: v for k, v in props.items() if k != "text"})
    if "text" in props:
        item["text"] = props["text"] or ""
    return doc


def update_form(document: Doc, props: Mapping[str, Any]) -> Doc:
    """Change the form's name, description, title field or submit label."""
    _unknown(props, FORM_PROPS)
    errors = _prop_errors({k: v for k, v in props.items() if v not in (None, "")}, "form")
    if "name" in props and props["name"] in (None, ""):
        errors.setdefault("name", []).append(_("Form name: must not be empty"))
    title = props.get("title_field")
    if title and "title_field" not in errors:
        live = {f["id"] for f in domain.live_fields(document)}
        if title not in live:
            errors["title_field"] = [_("Title field: there is no field %(id)s", id=title[:40])]
    if errors:
        raise OperationInvalid(errors)
    doc = copy.deepcopy(document)
    _set_props(doc, props)
    return doc


def set_rules(document: Doc, rules: list[Any]) -> Doc:
    """Replace the cross-field rules; rules without an id get a fresh one."""
    if not isinstance(rules, list):
        fail("rules", _("Rules: must be a list"))
    doc = copy.deepcopy(document)
    out = []
    for rule in rules:
        rule = dict(rule) if isinstance(rule, Mapping) else rule
        if isinstance(rule, dict) and not rule.get("id"):
            rule["id"] = fresh_id(doc, "r")
            doc.setdefault("rules", []).append(rule)  # reserve the id
        out.append(rule)
    if len(out) > MAX_RULES:
        fail("rules", _("Rules: at most %(max)d (got %(got)d)", max=MAX_RULES, got=len(out)))
    errors: dict[str, list[str]] = {}
    for index, rule in enumerate(out):
        for parts, message in _problems(_validator("", "rule"), rule):
            what = _describe(str(parts[0]), parts[1:]) if parts else prop_label("rules")
            errors.setdefault(f"rules.{index}", []).append(
                _("%(what)s: %(problem)s", what=what, problem=message))
        if f"rules.{index}" not in errors and has_control_characters(rule):
            errors[f"rules.{index}"] = [_("%(what)s: must not contain control characters",
                                          what=prop_label("rules"))]
    if errors:
        raise OperationInvalid(errors)
    doc["rules"] = out
    return doc
