"""Finding things in a form document's layout; shared by the designer's operations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from flask_babel import gettext as _

from . import domain, subtables
from .exceptions import OperationInvalid

MAX_LAYOUT = 400

Doc = dict[str, Any]


def fail(key: str, message: str) -> NoReturn:
    """Refuse an operation, naming the input (``key``) that is wrong."""
    raise OperationInvalid({key: [message]})


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


def taken_ids(document: Doc) -> set[str]:
    return {f.get("id") for f in document.get("fields", [])} | set(
        subtables.column_ids(document)) | {
        item_id(i) for i in walk(document.get("layout", []))} | {
        r.get("id") for r in document.get("rules", [])}


def fresh_id(document: Doc, prefix: str) -> str:
    taken = taken_ids(document)
    while True:
        candidate = domain.new_id(prefix)
        if candidate not in taken:
            return candidate


def container(document: Doc, parent: str | None) -> list[dict[str, Any]]:
    if not parent:
        return document["layout"]
    found = locate(document["layout"], parent)
    if found is None or found[0][found[1]].get("kind") != "section":
        fail("parent", _("Section: there is no section %(id)s", id=parent[:40]))
    return found[0][found[1]].setdefault("items", [])


def clamp(position: int | None, size: int) -> int:
    return size if position is None else max(0, min(size, position))


def check_room(document: Doc) -> None:
    if sum(1 for _item in walk(document["layout"])) >= MAX_LAYOUT:
        fail("kind", _("A form holds at most %(max)d elements.", max=MAX_LAYOUT))
