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
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_babel import gettext as _

from .. import fields as field_types
from . import domain, retype
from .labels import prop_label
from .layout import (
    Doc,
    check_room,
    clamp,
    container,
    fail,
    field_doc,
    fresh_id,
    item_id,
    locate,
    parent_of,
    walk,
)
from .properties import set_rules, update_element, update_field, update_form

MAX_FIELDS = 300
LAYOUT_KINDS = {"section": "s", "divider": "d", "text": "t"}
_ID = re.compile(r"^[a-z]_[a-z0-9]{4,16}$")

__all__ = ["LAYOUT_KINDS", "OPERATIONS", "add_field", "add_layout", "apply", "delete",
           "field_doc", "item_id", "locate", "move", "move_step", "parent_of", "purge", "restore",
           "set_rules", "update_element", "update_field", "update_form", "walk"]


def unique_label(document: Doc, base: str) -> str:
    """``base``, or ``base 2``, ``base 3``… if a live field already has that label."""
    labels = {f.get("label") for f in domain.live_fields(document)}
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:90] or "?"
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
        fail("type", _("Field type: unknown type %(type)s", type=str(type_key)[:40]))
    doc = copy.deepcopy(document)
    if len(doc["fields"]) >= MAX_FIELDS:
        fail("type", _("A form has at most %(max)d fields.", max=MAX_FIELDS))
    check_room(doc)
    new = field_id or fresh_id(doc, "f")
    doc["fields"].append({"id": new, "type": type_key,
                          "label": unique_label(doc, label or field_type.name()),
                          "config": default_config(field_type)})
    initial = field_type.initial_config(lambda: fresh_id(doc, "f"))
    if initial is not None:  # e.g. a sub-table's first columns, with ids free in this form
        doc["fields"][-1]["config"] = initial
    items = container(doc, parent)
    items.insert(clamp(position, len(items)), {"kind": "field", "field": new})
    return doc, new


def add_layout(document: Doc, kind: str, *, position: int | None = None,
               parent: str | None = None, item: str | None = None) -> tuple[Doc, str]:
    """Add a section, divider or description text."""
    if kind not in LAYOUT_KINDS:
        fail("kind", _("Element: use one of %(allowed)s (got %(got)s)",
                        allowed=", ".join(LAYOUT_KINDS), got=str(kind)[:40]))
    doc = copy.deepcopy(document)
    check_room(doc)
    if kind == "section" and parent:
        fail("parent", _("Section: sections cannot be placed inside sections."))
    new = item or fresh_id(doc, LAYOUT_KINDS[kind])
    element: dict[str, Any] = {"kind": kind, "id": new}
    if kind == "section":
        element.update(title=_("New section"), columns=2, items=[])
    elif kind == "text":
        element["text"] = _("Describe what to fill in here.")
    items = container(doc, parent)
    items.insert(clamp(position, len(items)), element)
    return doc, new


def _take(doc: Doc, wanted: str) -> dict[str, Any]:
    found = locate(doc["layout"], wanted)
    if found is None:
        fail("id", _("Element: there is no element %(id)s on the form", id=str(wanted)[:40]))
    return found[0].pop(found[1])


def move(document: Doc, wanted: str, *, position: int | None,
         parent: str | None = None) -> Doc:
    """Put an element at ``position`` (its final index) inside ``parent`` (top level: None)."""
    doc = copy.deepcopy(document)
    found = locate(doc["layout"], wanted)
    if found is None:
        fail("id", _("Element: there is no element %(id)s on the form", id=str(wanted)[:40]))
    if parent and found[0][found[1]].get("kind") == "section":
        fail("parent", _("Section: sections cannot be placed inside sections."))
    if parent:
        container(doc, parent)  # refuse an unknown parent before taking the item out
    element = _take(doc, wanted)
    items = container(doc, parent)
    items.insert(clamp(position, len(items)), element)
    return doc


def move_step(document: Doc, wanted: str, step: int) -> Doc:
    """Move an element one place up (-1) or down (+1); at a section's edge it leaves it."""
    doc = copy.deepcopy(document)
    found = locate(doc["layout"], wanted)
    if found is None:
        fail("id", _("Element: there is no element %(id)s on the form", id=str(wanted)[:40]))
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


# ---------------------------------------------------------------- deleting


def delete(document: Doc, wanted: str, *, published_ids: Iterable[str] = ()) -> Doc:
    """Remove an element. A field that was ever published is only marked ``deleted`` so its
    data stays; a section's contents move up to where the section was."""
    doc = copy.deepcopy(document)
    found = locate(doc["layout"], wanted)
    field = field_doc(doc, wanted)
    if found is None and (field is None or field.get("deleted")):
        fail("id", _("Element: there is no element %(id)s on the form", id=str(wanted)[:40]))
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
        retype.revert_pending(field)
    else:
        doc["fields"].remove(field)
    if doc.get("title_field") == field["id"]:
        doc.pop("title_field")
    for rule in doc.get("rules", []):
        if field["id"] in rule.get("fields", []):
            rule["fields"] = [f for f in rule["fields"] if f != field["id"]]
            if not rule["fields"]:
                rule.pop("fields")
    if "indexes" in doc:  # an index may only use live fields
        for index in doc["indexes"]:
            index["fields"] = [f for f in index["fields"] if f != field["id"]]
        doc["indexes"] = [ix for ix in doc["indexes"] if ix["fields"]]


def purge(document: Doc, wanted: str) -> Doc:
    """Remove a deleted field from the document for good (its stored data is dropped)."""
    doc = copy.deepcopy(document)
    field = field_doc(doc, wanted)
    if field is None or not field.get("deleted"):
        fail("id", _("Element: there is no deleted field %(id)s", id=str(wanted)[:40]))
    return without_fields(doc, {wanted})


def without_fields(document: Doc, ids: Iterable[str]) -> Doc:
    """The document without these fields anywhere (fields, layout, rules, indexes)."""
    doc = copy.deepcopy(document)
    for wanted in set(ids):
        field = field_doc(doc, wanted)
        if field is not None:
            _forget_field(doc, field, keep=False)
        found = locate(doc["layout"], wanted)
        if found is not None:
            found[0].pop(found[1])
    return doc


def restore(document: Doc, wanted: str) -> Doc:
    """Bring a deleted field back, at the end of the form."""
    doc = copy.deepcopy(document)
    field = field_doc(doc, wanted)
    if field is None or not field.get("deleted"):
        fail("id", _("Element: there is no deleted field %(id)s", id=str(wanted)[:40]))
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
    fail(key, _("%(prop)s: must be a whole number (got %(got)s)", prop=prop_label(key),
                 got=str(value)[:20]))


def _opt_id(op: Mapping[str, Any], key: str) -> str | None:
    value = op.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        fail(key, _("%(prop)s: not an element id (got %(got)s)", prop=prop_label(key),
                     got=str(value)[:40]))
    return value


def _req_id(op: Mapping[str, Any], key: str = "id") -> str:
    value = _opt_id(op, key)
    if value is None:
        fail(key, _("%(prop)s: is required", prop=prop_label(key)))
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
        fail("props", _("Properties: must be an object"))
    return props


def _op_add_field(doc: Doc, op: Mapping[str, Any], published: set[str]):
    position, parent = _placement(doc, op)
    type_key = op.get("type")
    if not isinstance(type_key, str):
        fail("type", _("Field type: is required"))
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
OPERATIONS = (*_HANDLERS, "change_type")


def apply(document: Doc, op: Any, *, published_ids: Iterable[str] = (),
          stored_types: Mapping[str, str] | None = None) -> tuple[Doc, str | None]:
    """Run one operation; returns the new document and the element to select next.

    ``stored_types`` (field id → type in the published version) is needed by
    ``change_type`` only.
    """
    if not isinstance(op, Mapping):
        fail("op", _("Operation: must be an object"))
    name = op.get("op")
    if name == "change_type":
        return _change_type(document, op, stored_types or {})
    handler = _HANDLERS.get(name) if isinstance(name, str) else None
    if handler is None:
        fail("op", _("Operation: use one of %(allowed)s (got %(got)s)",
                      allowed=", ".join(OPERATIONS), got=str(name)[:40]))
    return handler(document, op, set(published_ids))


def _change_type(doc: Doc, op: Mapping[str, Any], stored_types: Mapping[str, str]
                 ) -> tuple[Doc, str]:
    wanted = _req_id(op)
    new_type = op.get("type")
    if not isinstance(new_type, str) or not new_type:
        fail("type", _("Field type: is required"))
    clear = op.get("clear") in (True, "1", "true", "on")
    return retype.change_type(doc, wanted, new_type, stored_type=stored_types.get(wanted),
                              clear=clear), wanted
