"""What the designer page shows, computed from a form's documents (pure, no database)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from flask_babel import gettext as _

from .. import fields as field_types
from ..fields import FieldType
from ..metadata import MetadataError
from . import domain
from .labels import FAMILY_LABELS, FAMILY_ORDER, prop_label

LAYOUT_ELEMENTS = (("section", "layout-panel-top"), ("divider", "separator-horizontal"),
                   ("text", "pilcrow"))


@dataclass(frozen=True)
class PaletteEntry:
    """A thing the builder can add: a field type or a layout element."""

    key: str
    name: str
    icon: str
    op: str


@dataclass(frozen=True)
class PaletteGroup:
    """Palette entries of one family."""

    family: str
    label: str
    entries: list[PaletteEntry]


def palette() -> list[PaletteGroup]:
    """Field types grouped by family in a fixed order, then the layout elements."""
    by_family: dict[str, list[PaletteEntry]] = {}
    for field_type in field_types.all_types():
        by_family.setdefault(field_type.family, []).append(
            PaletteEntry(field_type.type, field_type.name(), field_type.icon, "add_field"))
    order = [f for f in FAMILY_ORDER if f in by_family] + sorted(
        f for f in by_family if f not in FAMILY_ORDER)
    groups = [PaletteGroup(f, str(FAMILY_LABELS.get(f, f.capitalize())), by_family[f])
              for f in order]
    names = {"section": _("Section"), "divider": _("Divider"), "text": _("Description text")}
    groups.append(PaletteGroup("layout", str(FAMILY_LABELS["layout"]), [
        PaletteEntry(kind, names[kind], icon, f"add_{kind}") for kind, icon in LAYOUT_ELEMENTS]))
    return groups


@dataclass
class Node:
    """One element on the canvas."""

    kind: str  # field, section, divider, text
    id: str
    field: dict[str, Any] | None = None
    type: FieldType | None = None
    span: int = 1
    title: str = ""
    columns: int = 1
    collapsed: bool = False
    text: str = ""
    children: list[Node] = dc_field(default_factory=list)
    first: bool = False
    last: bool = False
    parent: str = ""


def canvas(document: Mapping[str, Any]) -> list[Node]:
    """The layout as nodes, each field with its document and type (unknown types skipped)."""
    fields = {f["id"]: f for f in domain.live_fields(dict(document))}
    return _nodes(document.get("layout", []), fields, "")


#: types the entry form spreads over a whole section row unless told otherwise (as
#: runtime.records.entry.WIDE_TYPES; the canvas shows them the same way)
WIDE_TYPES = frozenset({"textarea", "rich_text", "multi_select", "subtable"})


def _nodes(items: Iterable[Mapping[str, Any]], fields: Mapping[str, dict[str, Any]],
           parent: str, columns: int = 1) -> list[Node]:
    out: list[Node] = []
    for item in items:
        kind = item.get("kind")
        if kind == "field":
            doc = fields.get(item.get("field", ""))
            field_type = _type(doc)
            if doc is None or field_type is None:
                continue
            wide = columns if doc["type"] in WIDE_TYPES else 1
            out.append(Node("field", doc["id"], field=doc, type=field_type,
                            span=int(item.get("span") or wide), parent=parent))
        elif kind == "section":
            out.append(Node("section", item["id"], title=item.get("title") or "",
                            columns=int(item.get("columns") or 1),
                            collapsed=bool(item.get("collapsed")), parent=parent,
                            children=_nodes(item.get("items", []), fields, item["id"],
                                            int(item.get("columns") or 1))))
        elif kind in ("divider", "text"):
            out.append(Node(kind, item["id"], text=item.get("text") or "", parent=parent))
    for index, node in enumerate(out):
        node.first, node.last = index == 0, index == len(out) - 1
    return out


def _type(doc: Mapping[str, Any] | None) -> FieldType | None:
    if doc is None:
        return None
    try:
        return field_types.get(doc["type"])
    except KeyError:
        return None


def find(nodes: Iterable[Node], wanted: str | None) -> Node | None:
    """The node with id ``wanted`` anywhere in the tree."""
    for node in nodes:
        if node.id == wanted:
            return node
        found = find(node.children, wanted)
        if found is not None:
            return found
    return None


def sections(nodes: Iterable[Node]) -> list[Node]:
    """Top-level sections (where a field may be moved to)."""
    return [n for n in nodes if n.kind == "section"]


def count_fields(document: Mapping[str, Any] | None) -> int:
    """How many live fields a document has."""
    return len(domain.live_fields(dict(document))) if document else 0


@dataclass(frozen=True)
class Problem:
    """One publishing problem, pointing at a field (or the form) for the builder to fix."""

    target: str | None
    subject: str
    message: str
    tab: str = "field"


_FIELD_PATH = re.compile(r"^\$\.fields\[(\d+)\](?:\.(\w+))?(?:\.(\w+))?")
_RULE_PATH = re.compile(r"^\$\.rules\[(\d+)\]")


def problems(document: Mapping[str, Any], errors: Iterable[MetadataError]) -> list[Problem]:
    """Map validation errors' JSON paths to the fields, rules or settings they concern."""
    fields = document.get("fields", [])
    out = []
    for error in errors:
        match = _FIELD_PATH.match(error.path)
        if match and int(match.group(1)) < len(fields):
            out.append(_field_problem(fields[int(match.group(1))], match.group(2),
                                      match.group(3), error.message))
        elif _RULE_PATH.match(error.path):
            out.append(Problem(None, prop_label("rules"), error.message, tab="rules"))
        elif error.path.startswith("$.layout"):
            out.append(Problem(None, _("Layout"), error.message, tab="form"))
        else:
            key = error.path.removeprefix("$.").split(".")[0].split("[")[0]
            out.append(Problem(None, prop_label(key) if key else _("Form"), error.message,
                               tab="form"))
    return out


def _field_problem(doc: Mapping[str, Any], prop: str | None, key: str | None,
                   message: str) -> Problem:
    """A field's problem titled "label · property", without repeating the label."""
    label = str(doc.get("label") or doc.get("id", ""))
    subject = label
    if prop == "config" and key:
        subject = f"{label} · {prop_label('config.' + key)}"
    elif prop and prop not in ("config", "id", "type", "label"):
        subject = f"{label} · {prop_label(prop)}"
    for separator in (": ", "："):
        message = message.removeprefix(label + separator)
    return Problem(None if doc.get("deleted") else doc.get("id"), subject, message)


def error_ids(found: Iterable[Problem]) -> set[str]:
    """Fields that have problems (marked on the canvas)."""
    return {p.target for p in found if p.target}
