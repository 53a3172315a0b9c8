"""Values as staff read them: badges for options, links for addresses, history old → new."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import g, has_request_context, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from builder import fields as field_types
from builder.fields import Field, ValueInvalid
from builder.fields.dates import local_zone
from builder.fields.subtable import columns as subtable_columns
from builder.web import user_names

from .links import Linked, Related, related
from .models import Action, RecordHistory
from .schema import PublishedForm
from .service import Record

USER_TYPES = frozenset({"created_by", "updated_by", "owner"})
#: every type whose value is a user id (shown as the person's name when it is looked up)
PERSON_TYPES = USER_TYPES | {"member"}
_SHOW_ERRORS = (ValueError, TypeError, ArithmeticError, KeyError)


@dataclass
class Shown:
    """One value ready for a template: its kind decides the markup."""

    kind: str = "empty"  # empty, text, multiline, mono, badges, html, link, files, records
    text: str = ""
    href: str | None = None
    badges: list[tuple[str, str]] = field(default_factory=list)
    html: Markup | None = None
    #: a sub-table (kind "table"): column headers (label, numeric) and rows of cells
    columns: list[tuple[str, bool]] = field(default_factory=list)
    rows: list[list[Shown]] = field(default_factory=list)
    #: attachments and images (kind "files"): name, size, download and thumbnail URLs
    files: list[dict[str, Any]] = field(default_factory=list)
    compact: bool = False
    #: linked records: (name, address of the record page or None when it is gone)
    records: list[tuple[str, str | None]] = field(default_factory=list)


def when(moment: datetime | None) -> str:
    """A moment in the instance's time zone, to the minute."""
    return "" if moment is None else moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def department_name(department_id: int) -> str:
    """A department's name (all names read once per request: an organisation has
    hundreds of departments, not millions), or a stand-in for one that is gone."""
    from flask import request

    owner = request._get_current_object() if has_request_context() else None
    cached = g.get("jimu_department_names") if owner is not None else None
    if cached is None or cached[0] is not owner:
        from sqlalchemy import select

        from builder.db import db

        from ..accounts.models import Department

        cached = (owner, dict(db.session.execute(select(Department.id, Department.name)).all()))
        if owner is not None:
            g.jimu_department_names = cached
    return cached[1].get(department_id) or _("Department #%(id)s", id=department_id)


def person(names: Mapping[int, str], user_id: int | None) -> str:
    """A user's name, or a stand-in for a user who is gone."""
    if user_id is None:
        return ""
    return names.get(user_id) or _("User #%(id)s", id=user_id)


def show(f: Field, value: Any, names: Mapping[int, str], *, compact: bool = False,
         related: Related | None = None) -> Shown:
    """How a stored value reads; ``compact`` for table cells (rich text as plain text).

    ``related`` (from :func:`links.related`) names linked records and says which
    field a lookup shows; without it links read as record numbers.
    """
    if value is None or value == "" or value == []:
        return Shown()
    field_type = field_types.get(f.type)
    try:
        if f.type == "link" and related is not None:
            return _linked(f, value, related)
        if f.type == "lookup" and related is not None and f.id in related.lookups:
            return _looked_up(related.lookups[f.id], value, names, compact)
        return _show(field_type, f, value, names, compact)
    except _SHOW_ERRORS:  # an old value the type no longer understands is still shown
        return Shown("text", text=str(value))


def _linked(f: Field, value: Any, related: Related) -> Shown:
    """Linked records by name, each a link to its page ("(deleted)" when gone)."""
    known = related.links.get(f.id, {})
    items = []
    for record_id in value if isinstance(value, list) else [value]:
        linked = known.get(record_id) or Linked(record_id, _("Record #%(id)s", id=record_id))
        href = None if linked.gone else url_for(
            "records.detail", app_key=linked.app_key, form_key=linked.form_key,
            record_id=linked.id)
        items.append((linked.text, href))
    return Shown("records", text="、".join(text for text, _href in items), records=items)


def _looked_up(shown: Field, value: Any, names: Mapping[int, str], compact: bool) -> Shown:
    """A looked-up value as the linked field shows it; several are joined."""
    if not isinstance(value, list):
        return show(shown, value, names, compact=True)
    parts = [show(shown, item, names, compact=True) for item in value]
    parts = [p for p in parts if p.kind != "empty"]
    if parts and all(p.kind == "badges" for p in parts):
        return Shown("badges", badges=[b for p in parts for b in p.badges])
    return Shown("text", text="、".join(p.text for p in parts)) if parts else Shown()


def _show(field_type, f: Field, value: Any, names: Mapping[int, str], compact: bool) -> Shown:
    kind = f.type
    if kind == "subtable":
        return _table(field_type, f, value, names, compact)
    if kind in ("single_select", "multi_select"):
        options = {o["id"]: o for o in field_type.options(f)}
        items = value if isinstance(value, list) else [value]
        return Shown("badges", badges=[
            (options[i]["label"], options[i].get("color") or "slate") if i in options
            else (str(i), "slate") for i in items])
    if kind in USER_TYPES or (kind == "member" and value in names):
        return Shown("text", text=person(names, value))
    if kind == "department" and value is not None:
        return Shown("text", text=department_name(value))
    if kind in ("attachment", "image"):
        return _files(f, value, compact)
    if kind == "rich_text" and not compact:
        return Shown("html", html=field_type.sanitised_html(f, value))
    if kind == "email":
        return Shown("link", text=value, href=f"mailto:{value}")
    if kind == "phone":
        return Shown("link", text=value, href=f"tel:{value}")
    if kind == "url":
        safe = urlsplit(value).scheme in ("http", "https")
        return Shown("link" if safe else "text", text=value, href=value if safe else None)
    text = field_type.display(f, value)
    if kind == "textarea" and not compact:
        return Shown("multiline", text=text)
    return Shown("mono" if kind in ("id_card", "auto_number") else "text", text=text)


_NUMERIC = frozenset({"integer", "decimal", "money", "percent"})


def _table(field_type, f: Field, value: Any, names: Mapping[int, str], compact: bool) -> Shown:
    """A sub-table: "3 rows" in lists, a table of its cells on the record page."""
    if compact or not isinstance(value, list):
        return Shown("text", text=field_type.display(f, value))
    cols = subtable_columns(f)
    numeric = [c.type in _NUMERIC or (c.type == "formula" and
                                      c.config.get("result", "number") == "number")
               for c in cols]
    return Shown("table", columns=[(c.label, n) for c, n in zip(cols, numeric, strict=True)],
                 rows=[[plain(show(c, row.get(c.id), names, compact=True)) for c in cols]
                       for row in value])


def row_changes(f: Field, old: Any, new: Any, names: Mapping[int, str],
                limit: int = 12) -> list[str]:
    """What changed in a sub-table's rows, row by row: cells old → new, rows added, removed."""
    before, after = _from_json(f, old) or [], _from_json(f, new) or []
    if not isinstance(before, list) or not isinstance(after, list):
        return []
    cols = subtable_columns(f)
    lines: list[str] = []

    def text(column: Field, value: Any) -> str:
        return show(column, value, names, compact=True).text or "—"

    for index in range(max(len(before), len(after))):
        if index >= len(before):
            cells = "、".join(text(c, after[index].get(c.id)) for c in cols
                             if after[index].get(c.id) not in (None, "", []))
            lines.append(_("row %(n)d added: %(cells)s", n=index + 1, cells=cells or "—"))
        elif index >= len(after):
            lines.append(_("row %(n)d removed", n=index + 1))
        else:
            for c in cols:
                was, now = before[index].get(c.id), after[index].get(c.id)
                if was != now:
                    lines.append(_("row %(n)d · %(column)s: %(old)s → %(new)s", n=index + 1,
                                   column=c.label, old=text(c, was), new=text(c, now)))
    if len(lines) > limit:
        lines = [*lines[:limit], _("and %(n)d more changes", n=len(lines) - limit)]
    return lines


def _files(f: Field, value: Any, compact: bool) -> Shown:
    """Download links, with thumbnails for the safe raster images of image fields."""
    from ..files.domain import INLINE_TYPES

    items = []
    for ref in value:
        if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
            continue
        thumb = f.type == "image" and ref.get("type") in INLINE_TYPES
        items.append({"name": str(ref.get("name") or ref["id"]), "size": ref.get("size"),
                      "href": file_url(ref["id"]),
                      "thumb": file_url(ref["id"], inline=True) if thumb else None})
    if not items:
        return Shown()
    return Shown("files", text="、".join(i["name"] for i in items), files=items,
                 compact=compact)


def file_url(token: str, *, inline: bool = False) -> str:
    """A file's download (or inline image) address, as every page links it.

    A plain path when no request is being served (e.g. in a job).
    """
    if has_request_context():
        return url_for("files.inline" if inline else "files.download", token=token)
    return f"/files/{token}" + ("/inline" if inline else "")


def record_user_ids(records: Iterable[Record], form: PublishedForm | None = None) -> set[int]:
    """Every user a record's system columns (and, given the form, member fields) mention."""
    records = list(records)
    found = {r.system.get(k) for r in records
             for k in ("owner_id", "created_by_id", "updated_by_id")}
    members = [f.id for f in form.fields if f.type == "member"] if form is not None else []
    found.update(r.values.get(fid) for r in records for fid in members)
    return {i for i in found if isinstance(i, int)}


def names_for(*groups: Iterable[int | None]) -> dict[int, str]:
    """User names for all these ids, in one query."""
    return user_names({i for group in groups for i in group if i is not None})


# ---------------------------------------------------------------- history


@dataclass
class Change:
    """One field's old → new in one history entry."""

    label: str
    old: Shown
    new: Shown
    #: a sub-table's changes row by row ("row 2 · Quantity: 1 → 3")
    details: list[str] = field(default_factory=list)


@dataclass
class HistoryRow:
    """One history entry as the History tab shows it."""

    id: int
    action: str
    verb: str
    who: str
    at: str
    row_version: int
    changes: list[Change]
    restorable: bool = False


def _verbs() -> dict[str, str]:
    return {Action.CREATE.value: _("created the record"),
            Action.UPDATE.value: _("changed"),
            Action.DELETE.value: _("moved the record to the trash"),
            Action.RESTORE.value: _("restored the record from the trash")}


def _from_json(f: Field, raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return field_types.get(f.type).parse(f, raw)
    except (ValueInvalid, *_SHOW_ERRORS):
        return raw


def history_rows(form: PublishedForm, entries: list[RecordHistory], *,
                 trashed: bool = False) -> list[HistoryRow]:
    """History entries (newest first) with each change display-formatted."""
    known = {f.id: f for f in form.all_fields}
    owners = [i for e in entries for i in (e.changes or {}).get("owner_id", [])]
    names = names_for((e.actor_id for e in entries), owners)
    linked = related(form, _history_values(entries, known),
                     [f for f in form.all_fields if f.type == "link"])
    order = {f.id: i for i, f in enumerate(form.all_fields)}
    rows = []
    for index, entry in enumerate(entries):
        changes = []
        for field_id in sorted(entry.changes or {}, key=lambda k: order.get(k, len(order))):
            old, new = entry.changes[field_id]
            f = known.get(field_id)
            if f is None and field_id == "owner_id":  # an ownership transfer (runtime/org)
                changes.append(Change(_("Owner"), Shown("text", text=person(names, old)),
                                      Shown("text", text=person(names, new))))
                continue
            if f is None:
                changes.append(Change(field_id, Shown("text", text=_text(old)),
                                      Shown("text", text=_text(new))))
                continue
            compact = f.type == "subtable"  # "2 rows → 3 rows", then the rows' changes
            changes.append(Change(
                f.label,
                plain(show(f, _from_json(f, old), names, compact=compact, related=linked)),
                plain(show(f, _from_json(f, new), names, compact=compact, related=linked)),
                details=row_changes(f, old, new, names)
                if compact and entry.action != Action.CREATE.value else []))
        rows.append(HistoryRow(
            id=entry.id, action=entry.action, verb=_verbs().get(entry.action, entry.action),
            who=person(names, entry.actor_id), at=when(entry.at), row_version=entry.row_version,
            changes=changes,
            restorable=(index > 0 and not trashed and entry.action in ("create", "update"))))
    return rows


def _history_values(entries: list[RecordHistory], known: Mapping[str, Field]
                    ) -> list[dict[str, Any]]:
    """Every old and new link value of the entries, parsed, for naming them in one go."""
    out = []
    for entry in entries:
        for field_id, pair in (entry.changes or {}).items():
            f = known.get(field_id)
            if f is not None and f.type == "link":
                out.extend({field_id: _from_json(f, raw)} for raw in pair)
    return out


def as_text(shown: Shown) -> str:
    """A displayed value as one line of text (read-only widgets): badges by their labels."""
    if shown.kind == "badges":
        return "、".join(label for label, _color in shown.badges)
    return shown.text


def plain(shown: Shown) -> Shown:
    """Links as text (history, conflicts): an old value is a record, not a target."""
    if shown.kind in ("link", "files", "records"):
        return Shown("text", text=shown.text)
    return shown


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list):
        return "、".join(str(item) for item in raw)
    return str(raw)
