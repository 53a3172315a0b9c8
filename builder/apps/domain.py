"""Pure rules of the app block: keys, documents, ordering and differences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from builder import metadata

KIND = "app"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
KEY_MAX = 40
ICONS: list[str] = metadata.enum_of(KIND, "icon")
COLORS: list[str] = metadata.enum_of(KIND, "color")
DEFAULT_ICON = "layout-grid"
DEFAULT_COLOR = "blue"
EDITABLE = ("name", "description", "icon", "color")
LABELS = {
    "key": _l("Key"),
    "name": _l("App name"),
    "description": _l("Description"),
    "icon": _l("Icon"),
    "color": _l("Colour"),
    "forms": _l("Forms"),
}
COLOR_LABELS = {
    "blue": _l("Blue"), "sky": _l("Sky"), "teal": _l("Teal"), "green": _l("Green"),
    "amber": _l("Amber"), "orange": _l("Orange"), "red": _l("Red"), "pink": _l("Pink"),
    "purple": _l("Purple"), "slate": _l("Slate"),
}
ICON_LABELS = {
    "layout-grid": _l("Grid"), "boxes": _l("Boxes"), "briefcase": _l("Briefcase"),
    "building-2": _l("Building"), "calendar": _l("Calendar"), "chart-bar": _l("Bar chart"),
    "chart-pie": _l("Pie chart"), "clipboard-list": _l("Checklist"),
    "file-text": _l("Document"), "folder": _l("Folder"), "globe": _l("Globe"),
    "graduation-cap": _l("Training"), "handshake": _l("Handshake"),
    "headphones": _l("Support"), "heart": _l("Heart"), "inbox": _l("Inbox"),
    "megaphone": _l("Announcements"), "package": _l("Package"), "rocket": _l("Rocket"),
    "shopping-cart": _l("Purchasing"), "truck": _l("Delivery"), "users": _l("People"),
    "wallet": _l("Finance"), "wrench": _l("Maintenance"),
}


def key_base(name: str) -> str:
    """The ASCII slug of ``name`` (may be empty: Chinese has no transliteration here)."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    slug = slug.lstrip("0123456789_")
    return slug[:KEY_MAX].rstrip("_")


def generate_key(name: str, taken: set[str]) -> str:
    """A free key for a new app named ``name``: its slug, else ``app_<n>``."""
    base = key_base(name)
    if len(base) >= 2 and base not in taken:
        return base
    if len(base) >= 2:
        for n in range(2, 10_000):
            suffix = f"_{n}"
            candidate = base[: KEY_MAX - len(suffix)].rstrip("_") + suffix
            if candidate not in taken:
                return candidate
    n = 1
    while f"app_{n}" in taken:
        n += 1
    return f"app_{n}"


def new_document(key: str, name: str, description: str = "", icon: str | None = None,
                 color: str | None = None) -> dict[str, Any]:
    """A version-current app document (not yet validated)."""
    return {
        "schema_version": metadata.current_version(KIND),
        "key": key,
        "name": name,
        "description": description,
        "icon": icon or DEFAULT_ICON,
        "color": color or DEFAULT_COLOR,
        "forms": [],
    }


@dataclass(frozen=True)
class Change:
    """One property that differs between two versions of a document."""

    field: str
    old: Any
    new: Any

    @property
    def label(self) -> str:
        """The property's name for people."""
        return str(LABELS.get(self.field, self.field))


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """What changed from ``old`` to ``new`` (everything set, for the first version)."""
    old = old or {}
    changes = []
    for field in (*EDITABLE, "forms"):
        before, after = old.get(field), new.get(field)
        if before != after and not (field == "forms" and not before and not after):
            changes.append(Change(field, before, after))
    return changes


def moved(ids: list[int], app_id: int, step: int) -> list[int]:
    """``ids`` with ``app_id`` moved ``step`` places (clamped at both ends)."""
    if app_id not in ids:
        return list(ids)
    order = list(ids)
    index = order.index(app_id)
    target = max(0, min(len(order) - 1, index + step))
    order.insert(target, order.pop(index))
    return order


@metadata.register_check(KIND)
def _unique_form_keys(document: dict[str, Any]) -> Iterator[metadata.MetadataError]:
    """Two forms of one app may not share a key."""
    from flask_babel import gettext as _

    seen: set[str] = set()
    for index, ref in enumerate(document.get("forms", [])):
        key = ref.get("key")
        if key in seen:
            yield metadata.MetadataError(
                metadata.json_path(["forms", index, "key"]), "unique",
                _("is used by another form of this app (got %(got)s)", got=key))
        seen.add(key)
