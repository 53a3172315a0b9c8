"""Pure rules of the audit log: action keys and labels, filters, CSV cells. No database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

ACTION_KEY = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
TARGET_TYPE = re.compile(r"^[a-z][a-z_]{0,31}$")
PAGE_SIZE = 50

#: every action key the platform writes, with its label (others register theirs)
ACTIONS: dict[str, Any] = {
    "auth.sign_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Sign-in failed"),
    "auth.password_changed": _l("Changed their password"),
    "auth.password_set": _l("Set a password from an e-mailed link"),
    "user.created": _l("Created a user"),
    "user.invited": _l("Invited a user"),
    "user.invitation_resent": _l("Resent an invitation"),
    "user.updated": _l("Changed a user"),
    "user.disabled": _l("Disabled a user"),
    "user.enabled": _l("Enabled a user"),
    "user.records_transferred": _l("Transferred a user's records"),
    "department.created": _l("Created a department"),
    "department.renamed": _l("Renamed a department"),
    "department.moved": _l("Moved a department"),
    "department.archived": _l("Archived a department"),
    "department.unarchived": _l("Restored an archived department"),
    "department.manager_added": _l("Added a department manager"),
    "department.manager_removed": _l("Removed a department manager"),
    "department.member_added": _l("Added a department member"),
    "department.member_removed": _l("Removed a department member"),
    "department.primary_set": _l("Set a primary department"),
    "form.published": _l("Published a form"),
    "app.created": _l("Created an app"),
    "app.updated": _l("Changed an app"),
    "app.trashed": _l("Moved an app to the trash"),
    "app.restored": _l("Restored an app from the trash"),
    "app.purged": _l("Deleted an app for ever"),
    "record.deleted": _l("Moved a record to the trash"),
    "record.restored": _l("Restored a record from the trash"),
    "audit.exported": _l("Exported the audit log"),
}

GROUPS: dict[str, Any] = {
    "auth": _l("Sign-in and passwords"),
    "user": _l("Users"),
    "department": _l("Organisation"),
    "form": _l("Forms"),
    "app": _l("Apps"),
    "record": _l("Records"),
    "import": _l("Imports"),
    "export": _l("Exports"),
    "pool": _l("Public pool"),
    "role": _l("Roles"),
    "permission": _l("Permissions"),
    "audit": _l("Audit log"),
}

TARGET_TYPES: dict[str, Any] = {
    "user": _l("User"),
    "department": _l("Department"),
    "form": _l("Form"),
    "app": _l("App"),
    "record": _l("Record"),
    "role": _l("Role"),
}


def register_action(key: str, label: Any) -> None:
    """Add an action key and its (lazy) label; keys are never renamed once written."""
    if not ACTION_KEY.match(key):
        raise ValueError(f"audit action keys look like 'group.verb' (got {key!r})")
    ACTIONS.setdefault(key, label)


def action_label(key: str) -> str:
    """The label of an action key, or the key itself if nobody registered it."""
    label = ACTIONS.get(key)
    return str(label) if label is not None else key


def grouped_actions() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(group key, group label, [(action key, label)]) for the filter's select box."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for key in ACTIONS:
        groups.setdefault(key.split(".", 1)[0], []).append((key, action_label(key)))
    return [(g, str(GROUPS.get(g, g)), items) for g, items in groups.items()]


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page is narrowed to; every part is optional."""

    actor_id: int | None = None
    #: an exact key (``auth.sign_in``) or a whole group (``auth.*``)
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def query_args(self) -> dict[str, str]:
        """The filter as URL parameters (for links, pages and the CSV export)."""
        args = {"actor": str(self.actor_id or ""), "action": self.action,
                "target_type": self.target_type, "target_id": self.target_id,
                "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else ""}
        return {k: v for k, v in args.items() if v}

    @property
    def is_empty(self) -> bool:
        """Whether nothing narrows the list."""
        return not self.query_args()


def parse_filter(args: Any) -> tuple[AuditFilter, dict[str, list[str]]]:
    """A filter from URL parameters, and messages for the parts that were not understood."""
    errors: dict[str, list[str]] = {}
    actor = (args.get("actor") or "").strip()
    actor_id = int(actor) if actor.isdigit() and len(actor) < 10 else None
    if actor and actor_id is None:
        errors["actor"] = [str(_l("Actor: choose a person from the list."))]
    action = (args.get("action") or "").strip()
    group = action[:-2] if action.endswith(".*") else None
    if action and not (ACTION_KEY.match(action) or (group and TARGET_TYPE.match(group))):
        errors["action"] = [str(_l("Action: choose one from the list."))]
        action = ""
    target_type = (args.get("target_type") or "").strip()
    if target_type and not TARGET_TYPE.match(target_type):
        errors["target_type"] = [str(_l("Target: choose a kind from the list."))]
        target_type = ""
    target_id = (args.get("target_id") or "").strip()[:64]
    date_from = _date(args, "from", errors)
    date_to = _date(args, "to", errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = [str(_l("Until: must not be before Since."))]
        date_to = None
    return AuditFilter(actor_id, action, target_type, target_id, date_from, date_to), errors


def _date(args: Any, name: str, errors: dict[str, list[str]]) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        label = _l("Since") if name == "from" else _l("Until")
        errors[name] = [str(_l("%(field)s: enter a date like 2026-01-31 (got %(got)s).",
                               field=label, got=raw[:20]))]
        return None


def day_bounds(value: date, zone: ZoneInfo, *, end: bool = False) -> datetime:
    """The first moment of ``value`` (or of the day after, for an end) in ``zone``."""
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time.min, tzinfo=zone)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def summary_items(summary: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The details of an entry as (key, text) pairs; [old, new] pairs read "old → new"."""
    items = []
    for key, value in (summary or {}).items():
        if isinstance(value, list) and len(value) == 2 and key not in ("ids", "filters"):
            text = f"{_text(value[0])} → {_text(value[1])}"
        else:
            text = _text(value)
        items.append((str(key), text))
    return items


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)
