"""The gallery view: a grid of cards, each with an image or attachment as its cover.

Cards page with the table's keyset cursor (``after`` / ``before`` in the address).
Values of image and attachment fields are lists of ``{id, name, size, type}`` where
``id`` is the uploaded file's public token (``UploadedFile.reference``). The cover is
the first raster image, at the address the record page shows it from
(``display.file_url``); ``/files/<token>/inline`` checks again that the person may see
the record and the field. A cover field the person may not see is not in the form
handed to the page, so no cover (and no file address) is shown at all. Without an
image the card shows a placeholder: the first file's type and name, or the title's
initials.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for

from builder.fields import Field
from builder.fields.media import TOKEN

from ..files.domain import INLINE_TYPES, extension
from ..records.display import file_url
from ..records.forms_lookup import FormTarget
from . import cards as card_views
from . import columns as cols
from . import reading
from .pages import context_of

#: placeholder icons (ids in the icon sprite) by file extension
_FILE_ICONS = {
    **dict.fromkeys(("pdf", "doc", "docx", "odt", "txt", "md"), "file-text"),
    **dict.fromkeys(("xls", "xlsx", "ods", "csv"), "table"),
    **dict.fromkeys(("ppt", "pptx", "odp"), "chart-pie"),
    **dict.fromkeys(("zip", "rar", "7z"), "package"),
    **dict.fromkeys(("jpg", "jpeg", "png", "gif", "webp"), "image"),
}
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Cover:
    """The top of a gallery card: an image, or a placeholder (a file's icon and name,
    else the title's initials)."""

    #: initials of the record title, shown when there is neither image nor file
    initials: str
    #: the image's inline address (the record page's), or None for a placeholder
    url: str | None = None
    #: the file's name (the image's, or the file shown as a placeholder)
    name: str = ""
    #: sprite id of the placeholder's icon
    icon: str = "image"
    #: the file type shown on a file placeholder ("PDF"), empty for initials
    kind: str = ""


def cover_field(target: FormTarget, config: Mapping[str, Any]) -> Field | None:
    """The cover field, if the person may see it."""
    return target.published.field_map.get(config.get("cover_field") or "")


def initials(title: str) -> str:
    """Up to two characters that stand for a title: 西湖店 → 西湖, Acme Corp → AC."""
    words = _WORD.findall(unicodedata.normalize("NFKC", title or ""))
    if not words:
        return "?"
    first = words[0]
    if unicodedata.east_asian_width(first[0]) in ("W", "F"):
        return first[:2]
    letters = [w[0] for w in words[:2] if unicodedata.east_asian_width(w[0]) not in ("W", "F")]
    return "".join(letters).upper()


def _references(value: Any) -> list[Mapping[str, Any]]:
    """The well-formed file references of a value (anything else is skipped)."""
    return [item for item in (value if isinstance(value, list) else [])
            if isinstance(item, Mapping) and isinstance(item.get("id"), str)
            and TOKEN.match(item["id"])]


def cover(value: Any, title: str = "", field: Field | None = None) -> Cover:
    """A card's cover from the value of its cover ``field`` (None: none the person sees)."""
    refs = _references(value)
    marks = initials(title)
    for ref in refs:
        if ref.get("type") in INLINE_TYPES:
            return Cover(marks, url=file_url(ref["id"], inline=True),
                         name=str(ref.get("name") or ""))
    if not refs:
        return Cover(marks, icon="paperclip" if field and field.type == "attachment"
                     else "image")
    name = str(refs[0].get("name") or "")
    ext = extension(name)
    return Cover(marks, name=name, icon=_FILE_ICONS.get(ext, "file"), kind=ext.upper()[:5])


def page(actor, target: FormTarget, views, current, args, *, notice=None, status: int = 200):
    """The gallery page (or its board block for htmx)."""
    from . import board_pages

    _views, _current, state = board_pages.load(actor, target, args)
    state.page_size = int(state.base["config"].get("page_size") or 24)
    window = reading.read(actor, target.published, state, context_of(actor))
    shown = card_views.card_fields(target, state)
    found = card_views.build(target, window.records, shown)
    field = cover_field(target, state.base["config"])
    for record, card in zip(window.records, found, strict=True):
        card.extra = cover(cols.value_of(record, field) if field else None, card.title, field)
    pager = {
        "next": board_pages.base_url(target, state, after=window.next_token)
        if window.has_next else None,
        "prev": board_pages.base_url(target, state, before=window.prev_token)
        if window.has_prev else None,
    }
    canonical = board_pages.base_url(target, state, after=state.after, before=state.before)
    return board_pages.page(actor, target, views, current, state, "views/gallery.html",
                            status=status, notice=notice, canonical=canonical, cards=found,
                            cover_field=field, pager=pager, count=window.count,
                            records_url=url_for("records.index", app_key=target.app.key,
                                                form_key=target.form.key))
