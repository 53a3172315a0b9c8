"""Values as staff read them: badges for options, links for addresses, history old → new."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from markupsafe import Markup

from builder import fields as field_types
from builder.fields import Field, ValueInvalid
from builder.fields.dates import local_zone
from builder.web import user_names

from .models import Action, RecordHistory
from .schema import PublishedForm
from .service import Record

USER_TYPES = frozenset({"created_by", "updated_by", "owner"})
_SHOW_ERRORS = (ValueError, TypeError, ArithmeticError, KeyError)


@dataclass
class Shown:
    """One value ready for a template: its kind decides the markup."""

    kind: str = "empty"  # empty, text, multiline, mono, badges, html, link
    text: str = ""
    href: str | None = None
    badges: list[tuple[str, str]] = field(default_factory=list)
    html: Markup | None = None


def when(moment: datetime | None) -> str:
    """A moment in the instance's time zone, to the minute."""
    return "" if moment is None else moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def person(names: Mapping[int, str], user_id: int | None) -> str:
    """A user's name, or a stand-in for a user who is gone."""
    if user_id is None:
        return ""
    return names.get(user_id) or _("User #%(id)s", id=user_id)


def show(f: Field, value: Any, names: Mapping[int, str], *, compact: bool = False) -> Shown:
    """How a stored value reads; ``compact`` for table cells (rich text as plain text)."""
    if value is None or value == "" or value == []:
        return Shown()
    field_type = field_types.get(f.type)
    try:
        return _show(field_type, f, value, names, compact)
    except _SHOW_ERRORS:  # an old value the type no longer understands is still shown
        return Shown("text", text=str(value))


def _show(field_type, f: Field, value: Any, names: Mapping[int, str], compact: bool) -> Shown:
    kind = f.type
    if kind in ("single_select", "multi_select"):
        options = {o["id"]: o for o in field_type.options(f)}
        items = value if isinstance(value, list) else [value]
        return Shown("badges", badges=[
            (options[i]["label"], options[i].get("color") or "slate") if i in options
            else (str(i), "slate") for i in items])
    if kind in USER_TYPES:
        return Shown("text", text=person(names, value))
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


def record_user_ids(records: Iterable[Record]) -> set[int]:
    """Every user a record's system columns mention."""
    return {r.system.get(k) for r in records
            for k in ("owner_id", "created_by_id", "updated_by_id")} - {None}


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
    names = names_for(e.actor_id for e in entries)
    order = {f.id: i for i, f in enumerate(form.all_fields)}
    rows = []
    for index, entry in enumerate(entries):
        changes = []
        for field_id in sorted(entry.changes or {}, key=lambda k: order.get(k, len(order))):
            old, new = entry.changes[field_id]
            f = known.get(field_id)
            if f is None:
                changes.append(Change(field_id, Shown("text", text=_text(old)),
                                      Shown("text", text=_text(new))))
                continue
            changes.append(Change(f.label, plain(show(f, _from_json(f, old), names)),
                                  plain(show(f, _from_json(f, new), names))))
        rows.append(HistoryRow(
            id=entry.id, action=entry.action, verb=_verbs().get(entry.action, entry.action),
            who=person(names, entry.actor_id), at=when(entry.at), row_version=entry.row_version,
            changes=changes,
            restorable=(index > 0 and not trashed and entry.action in ("create", "update"))))
    return rows


def plain(shown: Shown) -> Shown:
    """Links as text (history, conflicts): an old value is a record, not a target."""
    if shown.kind == "link":
        return Shown("text", text=shown.text)
    return shown


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list):
        return "、".join(str(item) for item in raw)
    return str(raw)
