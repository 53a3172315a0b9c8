"""The kanban view: records in columns by a single select or member field.

Column counts and sums come from one GROUP BY over the view's WHERE clause (the read
path's, so row scopes apply); each column then reads its first cards with a keyset
query that "load more" continues. Moving a card is an ordinary update through the
one write path, compare-and-set on the version the card showed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from builder.db import db
from builder.fields import Field

from ..records import display, query
from ..records import service as records
from ..records.forms_lookup import FormTarget
from . import cards as card_views
from . import columns as cols
from . import paging, reading
from .pages import context_of
from .state import ViewState

#: the key of the column of records with no value
NONE = ""


@dataclass
class Lane:
    """One column of the board."""

    key: str
    label: str
    color: str = ""
    count: int = 0
    total: Any = None
    cards: list[card_views.Card] = field(default_factory=list)
    next_token: str | None = None


@dataclass
class Board:
    """The board: its lanes and the fields that made it."""

    group: Field | None
    sum_field: Field | None
    lanes: list[Lane]
    shown: list[Field]


def settings(target: FormTarget, state: ViewState) -> tuple[Field | None, Field | None]:
    """The group field and the summed field the person may see (None when gone)."""
    config, known = state.base["config"], target.published.field_map
    return known.get(config.get("group_field") or ""), known.get(config.get("sum_field") or "")


def tallies(target: FormTarget, where: Any, group: Field, sum_field: Field | None
            ) -> dict[str, tuple[int, Any]]:
    """Column key → (count, sum) in one GROUP BY query."""
    form = target.published
    column = cols.sql_column(form, group)
    picked = [column, sa.func.count()]
    if sum_field is not None:
        picked.append(sa.func.sum(cols.sql_column(form, sum_field)))
    grouped = column
    if db.session.connection().dialect.name == "sqlite":
        # SQLite would walk the group column's index and fetch each row for the sum
        # (about three times slower than one scan); ifnull() hides the index from it.
        grouped = sa.func.ifnull(column, None)
        picked[0] = grouped
    stmt = sa.select(*picked).select_from(form.table).where(where).group_by(grouped)
    found: dict[str, tuple[int, Any]] = {}
    for row in db.session.execute(stmt):
        found[_key(row[0])] = (row[1], row[2] if sum_field is not None else None)
    return found


def _key(value: Any) -> str:
    return NONE if value is None else str(value)


def lanes(group: Field, found: Mapping[str, tuple[int, Any]]) -> list[Lane]:
    """The columns in order: options (or people by name), values no longer offered, none."""
    out: list[Lane] = []
    if group.type == "single_select":
        for option in group.config.get("options", []):
            out.append(Lane(option["id"], option["label"], option.get("color", "")))
    else:
        names = display.names_for({int(k) for k in found if k.isdigit()})
        people = sorted(((k, names.get(int(k), f"#{k}")) for k in found if k.isdigit()),
                        key=lambda pair: pair[1])
        out.extend(Lane(k, name) for k, name in people)
    offered = {lane.key for lane in out}
    out.extend(Lane(k, k) for k in sorted(found) if k != NONE and k not in offered)
    out.append(Lane(NONE, _("No value")))
    for lane in out:
        lane.count, lane.total = found.get(lane.key, (0, None))
    return out


def lane_clause(target: FormTarget, group: Field, key: str) -> Any:
    """Records in one column."""
    column = cols.sql_column(target.published, group)
    if key == NONE:
        return column.is_(None)
    return column == (int(key) if group.type == "member" and key.isdigit() else key)


def fill(actor, target: FormTarget, state: ViewState, where: Any, group: Field, lane: Lane,
         shown: list[Field], *, after: str | None = None) -> None:
    """Read a column's next cards (its first when ``after`` is None)."""
    form = target.published
    keys = reading.sort_keys(form, state)
    id_desc = keys[-1].desc if keys else True
    clause = sa.and_(where, lane_clause(target, group, lane.key))
    cursor = paging.decode(after, keys)
    if cursor is not None:
        clause = sa.and_(clause, paging.after(keys, form.table.c.id, id_desc, *cursor,
                                              db.session.connection().dialect.name))
    order = [cols.order_clause(k.column, k.desc) for k in keys] + [
        cols.order_clause(form.table.c.id, id_desc)]
    size = page_size(state)
    found = query.fetch(actor, form, clause, order, size + 1)
    lane.cards = card_views.build(target, found[:size], shown)
    for card in lane.cards:
        card.extra = lane.key
    if len(found) > size:
        last = found[size - 1]
        lane.next_token = paging.encode([cols.value_of(last, k.field) for k in keys], last.id)


def page_size(state: ViewState) -> int:
    """Cards a column shows at first and per "load more"."""
    return int(state.base["config"].get("page_size") or 20)


def read(actor, target: FormTarget, state: ViewState) -> Board:
    """The whole board: tallies in one query, then each column's first cards."""
    reading.require_view(actor, target.published)
    group, sum_field = settings(target, state)
    shown = card_views.card_fields(target, state)
    if group is None:
        return Board(None, sum_field, [], shown)
    where = reading.clause(target.published, state, context_of(actor))
    board = Board(group, sum_field, lanes(group, tallies(target, where, group, sum_field)),
                  shown)
    for lane in board.lanes:
        if lane.count:
            fill(actor, target, state, where, group, lane, shown)
    return board


def total_text(sum_field: Field | None, value: Any) -> str:
    """A column's sum as people read it."""
    if sum_field is None or value is None:
        return ""
    scale = sum_field.config.get("scale")
    number = Decimal(str(value))
    return format_decimal(number, format="#,##0." + "0" * scale if scale else "#,##0.##")


def move(actor, target: FormTarget, group: Field, record_id: int, to: str, version: int
         ) -> records.Record:
    """Put a record in another column: an update of the group field at ``version``."""
    return records.update(actor, target.published, record_id,
                          {group.id: None if to == NONE else to}, expected_version=version)


def urls(target: FormTarget, view_id: int) -> dict[str, str]:
    """Where the board's moves and "load more" go."""
    keys = {"app_key": target.app.key, "form_key": target.form.key, "view_id": view_id}
    return {"move": url_for("boards.move", **keys), "more": url_for("boards.more", **keys)}


def more_url(target: FormTarget, view_id: int, state: ViewState, lane: Lane) -> str:
    """The address of a column's next cards."""
    return url_for("boards.more", app_key=target.app.key, form_key=target.form.key,
                   view_id=view_id, **{**state.args(), "lane": lane.key,
                                       "after": lane.next_token})


def page(actor, target: FormTarget, views, current, args, *, notice=None, status: int = 200):
    """The board page (or its board block for htmx)."""
    from . import board_pages

    _views, _current, state = board_pages.load(actor, target, args)
    board = read(actor, target, state)
    return board_pages.page(actor, target, views, current, state, "views/kanban.html",
                              status=status, notice=notice, board=board,
                              urls=urls(target, current.id),
                              more_url=lambda lane: more_url(target, current.id, state, lane),
                              total_text=lambda lane: total_text(board.sum_field, lane.total))
