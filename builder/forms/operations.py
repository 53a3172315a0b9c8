"""Designer operations: small, pure edits of a form's draft document.

Every operation takes a document and returns a changed deep copy (the input is
never modified) or raises :class:`OperationInvalid` naming what is wrong.
:func:`apply` runs one operation given as a mapping, as the designer posts it
(form fields or JSON). Layout items are addressed by their id: a field's id for
a field, ``s_…``/``d_…``/``t_…`` for sections, dividers and description texts.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from typing import Any, NoReturn

from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from .. import fields as field_types
from ..metadata import FORMAT_CHECKER, schema, translate_error
from . import domain
from .exceptions import OperationInvalid
from .labels import prop_label

MAX_FIELDS = 300
MAX_LAYOUT = 400
LAYOUT_KINDS = {"section": "s", "divider": "d", "text": "t"}
FIELD_PROPS = ("label", "help", "required", "indexed", "unique", "default", "visible_if",
               "required_if", "config")
SECTION_PROPS = ("title", "columns", "collapsed")
FORM_PROPS = ("name", "description", "title_field", "submit_label")
_ID = re.compile(r"^[a-z]_[a-z0-9]{4,16}$")

Doc = dict[str, Any]


def _fail(key: str, message: str) -> NoReturn:
    raise OperationInvalid({key: [message]})


# ---------------------------------------------------------------- finding things


def item_id(item: Mapping[str, Any]) -> str:
    """The id a layout item is addressed by (a field item by its field's id)."""
    return str(item.get("field") if item.get("kind") == "field" else item.get("id", ""))


def locate(layout: list[dict[str, Any]], wanted: str) -> tuple[list[dict[str, Any]], int] | None:
    """The list that holds the layout item ``wanted`` and its index there."""
    for index, item in enumerate(layout):
        if item_id(item) == wanted:
            return layout, index
        if item.get("kind") == "section":
            found = locate(item.get("items", []), wanted)
            if found is not None:
                return found
    return None


def parent_of(layout: list[dict[str, Any]], wanted: str) -> str | None:
    """The id of the section that holds ``wanted`` (None at the top level or if absent)."""
    for item in layout:
        if item.get("kind") == "section":
            if any(item_id(child) == wanted for child in item.get("items", [])):
                return item["id"]
            found = parent_of(item.get("items", []), wanted)
            if found is not None:
                return found
    return None


def field_doc(document: Doc, field_id: str) -> dict[str, Any] | None:
    """The field's document (deleted ones included)."""
    return next((f for f in document.get("fields", []) if f.get("id") == field_id), None)


def walk(layout: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every layout item, sections before their contents."""
    for item in layout:
        yield item
        if item.get("kind") == "section":
            yield from walk(item.get("items", []))


def _taken_ids(document: Doc) -> set[str]:
    return {f.get("id") for f in document.get("fields", [])} | {
        item_id(i) for i in walk(document.get("layout", []))} | {
        r.get("id") for r in document.get("rules", [])}


def _fresh_id(document: Doc, prefix: str) -> str:
    taken = _taken_ids(document)
    while True:
        candidate = domain.new_id(prefix)
        if candidate not in taken:
            return candidate


def _container(document: Doc, parent: str | None) -> list[dict[str, Any]]:
    if not parent:
        return document["layout"]
    found = locate(document["layout"], parent)
    if found is None or found[0][found[1]].get("kind") != "section":
        _fail("parent", _("Section: there is no section %(id)s", id=parent[:40]))
    return found[0][found[1]].setdefault("items", [])


def _clamp(position: int | None, size: int) -> int:
    return size if position is None else max(0, min(size, position))


def _check_room(document: Doc) -> None:
    if sum(1 for _item in walk(document["layout"])) >= MAX_LAYOUT:
        _fail("kind", _("A form holds at most %(max)d elements.", max=MAX_LAYOUT))


def unique_label(document: Doc, base: str) -> str:
    """``base``, or ``base 2``, ``base 3``… if a live field already has that label."""
    labels = {f.get("label") for f in domain.live_fields(document)}
    base = base.strip()[:90] or "?"
    if base not in labels:
        return base
    n = 2
    while f"{base} {n}" in labels:
        n += 1
    return f"{base} {n}"


def default_config(field_type: field_types.FieldType) -> dict[str, Any]:
    """A new field's settings: empty, unless the type needs some (then numbered options or
    the type's sample)."""
    config_schema = field_type.config_schema
    required = config_schema.get("required", [])
    if not required:
        return {}
    if required == ["options"]:
        return {"options": [{"id": f"o{n}", "label": _("Option %(n)d", n=n)}
                            for n in (1, 2, 3)]}
    return copy.deepcopy(field_type.sample_config())


# ---------------------------------------------------------------- adding and moving


def add_field(document: Doc, type_key: str, *, position: int | None = None,
              parent: str | None = None, label: str | None = None,
              field_id: str | None = None) -> tuple[Doc, str]:
    """Add a field of ``type_key`` at ``position`` of ``parent`` (default: the end)."""
    try:
        field_type = field_types.get(type_key)
    except KeyError:
        _fail("type", _("Field type: unknown type %(type)s", type=str(type_key)[:40]))
    doc = copy.deepcopy(document)
    if len(doc["fields"]) >= MAX_FIELDS:
        _fail("type", _("A form has at most %(max)d fields.", max=MAX_FIELDS))
    _check_room(doc)
    new = field_id or _fresh_id(doc, "f")
    doc["fields"].append({"id": new, "type": type_key,
                          "label": unique_label(doc, label or field_type.name()),
                          "config": default_config(field_type)})
    items = _container(doc, parent)
    items.insert(_clamp(position, len(items)), {"kind": "field", "field": new})
    return doc, new


def add_layout(document: Doc, kind: str, *, position: int | None = None,
               parent: str | None = None, item: str | None = None) -> tuple[Doc, str]:
    """Add a section, divider or description text."""
    if kind not in LAYOUT_KINDS:
        _fail("kind", _("Element: use one of %(allowed)s (got %(got)s)",
                        allowed=", ".join(LAYOUT_KINDS), got=str(kind)[:40]))
    doc = copy.deepcopy(document)
    _check_room(doc)
    if kind == "section" and parent:
        _fail("parent", _("Section: sections cannot be placed inside sections."))
    new = item or _fresh_id(doc, LAYOUT_KINDS[kind])
    element: dict[str, Any] = {"kind": kind, "id": new}
    if kind == "section":
        element.update(title=_("New section"), columns=2, items=[])
    elif kind == "text":
        element["text"] = _("Describe what to fill in here.")
    items = _container(doc, parent)
    items.insert(_clamp(position, len(items)), element)
    return doc, new


def _take(doc: Doc, wanted: str) -> dict[str, Any]:
    found = locate(doc["layout"], wanted)
    if found is None:
        _fail("id", _("Element: there is no element %(id)s on the form", id=str(wanted)[:40]))
    return found[0].pop(found[1])


def move(document: Doc, wanted: str, *, position: int | None,
         parent: str | None = None) -> Doc:
    """Put an element at ``position`` (its final index) inside ``parent`` (top level: None)."""
    doc = copy.deepcopy(document)
    found = locate(doc["layout"], wanted)
    if found is None:
        _fail("id", _("Element: there is no element %(id)s on the form", id=str(wanted)[:40]))
    if parent and found[0][found[1]].get("kind") == "section":
        _fail("parent", _("Section: sections cannot be placed inside sections."))
    if parent:
        _container(doc, parent)  # refuse an unknown parent before taking the item out
    element = _take(doc, wanted)
    items = _container(doc, parent)
    items.insert(_clamp(position, len(items)), element)
    return doc


def move_step(document: Doc, wanted: str, step: int) -> Doc:
    """Move an element one place up (-1) or down (+1); at a section's edge it leaves it."""
    doc = copy.deepcopy(document)
    found = locate(doc["layout"], wanted)
    if found is None:
        _fail("id", _("Element: there is no element %(id)s on the form", id=str(wanted)[:40]))
    items, index = found
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(items):
        items.insert(target, items.pop(index))
        return doc
    section = parent_of(doc["layout"], wanted)
    if section is None:
        return doc
    element = items.pop(index)
    outer, at = locate(doc["layout"], section)  # type: ignore[misc]
    outer.insert(at if step < 0 else at + 1, element)
    return doc


# ---------------------------------------------------------------- properties


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
    return errors


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
        _fail(str(unknown[0])[:40], _("%(prop)s: is not a property of this element",
                                      prop=str(unknown[0])[:40]))


def update_field(document: Doc, wanted: str, props: Mapping[str, Any]) -> Doc:
    """Change a field's properties; a value of None or "" removes the property."""
    doc = copy.deepcopy(document)
    field = field_doc(doc, wanted)
    if field is None or field.get("deleted"):
        _fail("id", _("Element: there is no field %(id)s on the form", id=str(wanted)[:40]))
    _unknown(props, (*FIELD_PROPS, "span"))
    has_span, span = "span" in props, props.get("span")
    props = {k: v for k, v in props.items() if k != "span"}
    errors = _prop_errors({k: v for k, v in props.items() if v not in (None, "")}, "field")
    if "label" in props and props["label"] in (None, ""):
        errors.setdefault("label", []).append(_("Label: must not be empty"))
    field_type = field_types.get(field["type"])
    if "config" in props and "config" not in errors:
        errors.update(config_errors(field_type, props["config"] or {}))
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
        _fail("span", _("Width: 1 to 4 columns (got %(got)s)", got=str(span)[:20]))


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
        _fail("rules", _("Rules: must be a list"))
    doc = copy.deepcopy(document)
    out = []
    for rule in rules:
        rule = dict(rule) if isinstance(rule, Mapping) else rule
        if isinstance(rule, dict) and not rule.get("id"):
            rule["id"] = _fresh_id(doc, "r")
            doc.setdefault("rules", []).append(rule)  # reserve the id
        out.append(rule)
    if len(out) > 100:
        _fail("rules", _("Rules: at most %(max)d (got %(got)d)", max=100, got=len(out)))
    errors: dict[str, list[str]] = {}
    for index, rule in enumerate(out):
        for parts, message in _problems(_validator("", "rule"), rule):
            what = _describe(str(parts[0]), parts[1:]) if parts else prop_label("rules")
            errors.setdefault(f"rules.{index}", []).append(
                _("%(what)s: %(problem)s", what=what, problem=message))
    if errors:
        raise OperationInvalid(errors)
    doc["rules"] = out
    return doc


# ---------------------------------------------------------------- deleting


def delete(document: Doc, wanted: str, *, published_ids: Iterable[str] = ()) -> Doc:
    """Remove an element. A field that was ever published is only marked ``deleted`` so its
    data stays; a section's contents move up to where the section was."""
    doc = copy.deepcopy(document)
    found = locate(doc["layout"], wanted)
    field = field_doc(doc, wanted)
    if found is None and (field is None or field.get("deleted")):
        _fail("id", _("Element: there is no element %(id)s on the form", id=str(wanted)[:40]))
    if found is not None:
        items, index = found
        element = items.pop(index)
        if element.get("kind") == "section":
            items[index:index] = element.get("items", [])
    if field is not None:
        _forget_field(doc, field, wanted in set(published_ids))
    return doc


def _forget_field(doc: Doc, field: dict[str, Any], keep: bool) -> None:
    if keep:
        field["deleted"] = True
    else:
        doc["fields"].remove(field)
    if doc.get("title_field") == field["id"]:
        doc.pop("title_field")
    for rule in doc.get("rules", []):
        if field["id"] in rule.get("fields", []):
            rule["fields"] = [f for f in rule["fields"] if f != field["id"]]
            if not rule["fields"]:
                rule.pop("fields")


def restore(document: Doc, wanted: str) -> Doc:
    """Bring a deleted field back, at the end of the form."""
    doc = copy.deepcopy(document)
    field = field_doc(doc, wanted)
    if field is None or not field.get("deleted"):
        _fail("id", _("Element: there is no deleted field %(id)s", id=str(wanted)[:40]))
    field.pop("deleted")
    if locate(doc["layout"], wanted) is None:
        doc["layout"].append({"kind": "field", "field": wanted})
    return doc


# ---------------------------------------------------------------- dispatch


def _opt_int(op: Mapping[str, Any], key: str) -> int | None:
    value = op.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,6}", value.strip()):
        return int(value)
    _fail(key, _("%(prop)s: must be a whole number (got %(got)s)", prop=prop_label(key),
                 got=str(value)[:20]))


def _opt_id(op: Mapping[str, Any], key: str) -> str | None:
    value = op.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        _fail(key, _("%(prop)s: not an element id (got %(got)s)", prop=prop_label(key),
                     got=str(value)[:40]))
    return value


def _req_id(op: Mapping[str, Any], key: str = "id") -> str:
    value = _opt_id(op, key)
    if value is None:
        _fail(key, _("%(prop)s: is required", prop=prop_label(key)))
    return value


def _placement(doc: Doc, op: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """Where to insert: ``after`` an element (into a section if it is one), else
    ``position`` in ``parent``."""
    after = _opt_id(op, "after")
    if after is not None:
        found = locate(doc["layout"], after)
        if found is not None:
            if found[0][found[1]].get("kind") == "section":
                return None, after
            return found[1] + 1, parent_of(doc["layout"], after)
    return _opt_int(op, "position"), _opt_id(op, "parent")


def _props(op: Mapping[str, Any]) -> Mapping[str, Any]:
    props = op.get("props")
    if not isinstance(props, Mapping):
        _fail("props", _("Properties: must be an object"))
    return props


def _op_add_field(doc: Doc, op: Mapping[str, Any], published: set[str]):
    position, parent = _placement(doc, op)
    type_key = op.get("type")
    if not isinstance(type_key, str):
        _fail("type", _("Field type: is required"))
    label = op.get("label") if isinstance(op.get("label"), str) else None
    return add_field(doc, type_key, position=position, parent=parent, label=label)


def _op_add_layout(kind: str) -> Callable[..., tuple[Doc, str | None]]:
    def handler(doc: Doc, op: Mapping[str, Any], published: set[str]):
        position, parent = _placement(doc, op)
        if kind == "section" and parent:
            position, parent = _after_section(doc, parent)
        return add_layout(doc, kind, position=position, parent=parent)

    return handler


def _after_section(doc: Doc, section: str) -> tuple[int, None]:
    found = locate(doc["layout"], section)
    return (found[1] + 1 if found else len(doc["layout"])), None


_HANDLERS: dict[str, Callable[[Doc, Mapping[str, Any], set[str]], tuple[Doc, str | None]]] = {
    "add_field": _op_add_field,
    "add_section": _op_add_layout("section"),
    "add_divider": _op_add_layout("divider"),
    "add_text": _op_add_layout("text"),
    "move": lambda d, op, p: (move(d, _req_id(op), position=_opt_int(op, "position"),
                                   parent=_opt_id(op, "parent")), op["id"]),
    "move_up": lambda d, op, p: (move_step(d, _req_id(op), -1), op["id"]),
    "move_down": lambda d, op, p: (move_step(d, _req_id(op), 1), op["id"]),
    "update": lambda d, op, p: (update_element(d, _req_id(op), _props(op)), op["id"]),
    "delete": lambda d, op, p: (delete(d, _req_id(op), published_ids=p), None),
    "restore": lambda d, op, p: (restore(d, _req_id(op)), op["id"]),
    "update_form": lambda d, op, p: (update_form(d, _props(op)), None),
    "set_rules": lambda d, op, p: (set_rules(d, op.get("rules")), None),
}
OPERATIONS = tuple(_HANDLERS)


def apply(document: Doc, op: Any, *, published_ids: Iterable[str] = ()) -> tuple[Doc, str | None]:
    """Run one operation; returns the new document and the element to select next."""
    if not isinstance(op, Mapping):
        _fail("op", _("Operation: must be an object"))
    name = op.get("op")
    handler = _HANDLERS.get(name) if isinstance(name, str) else None
    if handler is None:
        _fail("op", _("Operation: use one of %(allowed)s (got %(got)s)",
                      allowed=", ".join(OPERATIONS), got=str(name)[:40]))
    return handler(document, op, set(published_ids))
