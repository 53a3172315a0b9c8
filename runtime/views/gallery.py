"""The gallery view: a grid of cards, each with an image or attachment as its cover.

Cards page with the table's keyset cursor (``after`` / ``before`` in the address).
Values of image and attachment fields are lists of ``{id, name, size, type}``; the
cover is the first image, served by ``/files/<id>/inline``, which checks again that
the person may read the record. A cover field the person may not see is not in the
form handed to the page, so no cover (and no file address) is shown at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for

from builder.fields import Field

from ..records.forms_lookup import FormTarget
from . import cards as card_views
from . import columns as cols
from . import reading
from .pages import context_of

#: file types a browser shows inline as a cover (anything else gets a placeholder)
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def cover_field(target: FormTarget, config: Mapping[str, Any]) -> Field | None:
    """The cover field, if the person may see it."""
    return target.published.field_map.get(config.get("cover_field") or "")


def cover(value: Any) -> dict[str, str] | None:
    """The first image of a file list: its inline address and name."""
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, Mapping):
            continue
        token, kind = str(item.get("id") or ""), str(item.get("type") or "")
        if token and kind in IMAGE_TYPES and token.replace("-", "").replace("_", "").isalnum():
            return {"url": f"/files/{token}/inline", "name": str(item.get("name") or "")}
    return None


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
        card.extra = cover(cols.value_of(record, field)) if field else None
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
