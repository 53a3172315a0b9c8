"""The record page (360°) setting of a form: related sections and the timeline.

Pure functions over the form's draft and its :class:`RelationContext`: which forms
link here (the choices), and the ``detail`` document read back from the settings
page's post (buttons add, move and remove rows without JavaScript).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from ..fields.relation import RelationContext

SYSTEM_DATES = ("created_at", "updated_at")
DATE_TYPES = frozenset({"date", "datetime"})
#: types a column can show (not sub-tables: too wide for a related table)
NOT_COLUMNS = frozenset({"subtable"})
MAX_SECTIONS = 10
MAX_SECTION_FIELDS = 6
MAX_TIMELINE_FIELDS = 4


@dataclass(frozen=True)
class Pair:
    """A form of the app and one of its link fields pointing at this form."""

    form_id: int
    form_name: str
    link_id: str
    link_label: str
    fields: tuple[dict[str, Any], ...]

    @property
    def key(self) -> str:
        """The value of this choice in a select: "<form id>:<link id>"."""
        return f"{self.form_id}:{self.link_id}"

    @property
    def label(self) -> str:
        """How the choice reads: "联系人 · 所属客户"."""
        return f"{self.form_name} · {self.link_label}"

    def columns(self) -> list[dict[str, Any]]:
        """Fields a section may show (everything but sub-tables)."""
        return [f for f in self.fields if f.get("type") not in NOT_COLUMNS]

    def dates(self) -> list[dict[str, Any]]:
        """Date and date-time fields a timeline may order by."""
        return [f for f in self.fields if f.get("type") in DATE_TYPES]


def pairs(context: RelationContext) -> dict[str, Pair]:
    """Every (form, link field) of the app pointing at the context's form, by key."""
    found = {}
    for info in context.forms.values():
        for doc in info.fields:
            if doc.get("type") == "link" and (doc.get("config") or {}).get("form") \
                    == context.form_id:
                pair = Pair(info.id, info.name, doc["id"], str(doc.get("label") or doc["id"]),
                            tuple(info.fields))
                found[pair.key] = pair
    return found


def _rows(data: MultiDict, prefix: str, choices: dict[str, Pair]) -> list[tuple[Pair, int]]:
    """The rows posted under ``prefix`` (their pair and index), in the posted order."""
    rows = []
    for index in range(MAX_SECTIONS * 2):
        pair = choices.get(data.get(f"{prefix}{index}.pair", ""))
        if pair is not None:
            rows.append((pair, index))
    return rows


def _known(pair: Pair, ids: list[str], limit: int) -> list[str]:
    allowed = {f["id"] for f in pair.columns()}
    return list(dict.fromkeys(i for i in ids if i in allowed))[:limit]


def _number(raw: str | None, low: int, high: int, default: int) -> int:
    text = (raw or "").strip()
    return max(low, min(high, int(text))) if text.isdigit() and len(text) < 6 else default


def _section(data: MultiDict, pair: Pair, index: int) -> dict[str, Any]:
    prefix = f"s{index}."
    doc: dict[str, Any] = {"form": pair.form_id, "link": pair.link_id,
                           "fields": _known(pair, data.getlist(prefix + "fields"),
                                            MAX_SECTION_FIELDS),
                           "limit": _number(data.get(prefix + "limit"), 1, 50, 10)}
    sort = data.get(prefix + "sort", "")
    if sort in SYSTEM_DATES or sort in {f["id"] for f in pair.columns()}:
        doc["sort"] = [sort, "asc" if data.get(prefix + "order") == "asc" else "desc"]
    return doc


def _source(data: MultiDict, pair: Pair, index: int) -> dict[str, Any]:
    prefix = f"t{index}."
    date = data.get(prefix + "date", "")
    if date not in SYSTEM_DATES and date not in {f["id"] for f in pair.dates()}:
        date = "created_at"
    doc: dict[str, Any] = {"form": pair.form_id, "link": pair.link_id, "date_field": date,
                           "fields": _known(pair, data.getlist(prefix + "fields"),
                                            MAX_TIMELINE_FIELDS)}
    title = data.get(prefix + "title", "")
    if title in {f["id"] for f in pair.columns()}:
        doc["title_field"] = title
    return doc


def _moved(items: list[Any], action: str, kind: str) -> list[Any]:
    """Apply a row button ("s2.up", "t0.remove") to the list of rows."""
    name, _dot, verb = action.partition(".")
    if not name.startswith(kind) or not name[1:].isdigit():
        return items
    at = int(name[1:])
    if not 0 <= at < len(items):
        return items
    items = list(items)
    if verb == "remove":
        del items[at]
    elif verb == "up" and at > 0:
        items[at - 1], items[at] = items[at], items[at - 1]
    elif verb == "down" and at < len(items) - 1:
        items[at + 1], items[at] = items[at], items[at + 1]
    return items


def read(data: MultiDict, choices: dict[str, Pair]) -> dict[str, Any]:
    """The ``detail`` document from the settings page's post (and the button pressed)."""
    action = data.get("action", "")
    sections = [_section(data, p, i) for p, i in _rows(data, "s", choices)]
    sources = [_source(data, p, i) for p, i in _rows(data, "t", choices)]
    added = choices.get(data.get("add_section", "")) if action == "add_section" else None
    if added is not None and len(sections) < MAX_SECTIONS:
        sections.append({"form": added.form_id, "link": added.link_id,
                         "fields": [f["id"] for f in added.columns()
                                    if f["id"] != added.link_id][:4], "limit": 10})
    added = choices.get(data.get("add_source", "")) if action == "add_source" else None
    if added is not None and len(sources) < MAX_SECTIONS:
        dates = added.dates()
        sources.append({"form": added.form_id, "link": added.link_id, "fields": [],
                        "date_field": dates[0]["id"] if dates else "created_at"})
    detail: dict[str, Any] = {"sections": _moved(sections, action, "s")}
    sources = _moved(sources, action, "t")
    if sources:
        detail["timeline"] = {"sources": sources,
                              "limit": _number(data.get("timeline_limit"), 1, 100, 20)}
    if action == "use_default":
        detail.pop("sections")
    return detail


def rows(detail: dict[str, Any], choices: dict[str, Pair], kind: str
         ) -> list[tuple[Pair, dict[str, Any]]]:
    """The configured sections (``kind`` "sections") or sources whose pair still exists."""
    items = detail.get("sections", []) if kind == "sections" else \
        (detail.get("timeline") or {}).get("sources", [])
    out = []
    for doc in items:
        pair = choices.get(f"{doc.get('form')}:{doc.get('link')}")
        if pair is not None:
            out.append((pair, doc))
    return out
