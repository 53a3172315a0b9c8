"""The calendar view: records on the days of a month or week.

The address holds ``mode`` (month or week) and ``on`` (a day in the period shown);
previous / next / today are links. Only the visible range is read: dates compare as
dates, moments (datetime fields, created/changed) as the UTC instants of local
midnights in the instance's time zone. With an end field a record spans its days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask import url_for
from flask_babel import format_date, get_locale

from builder.db import utcnow
from builder.fields import Field
from builder.fields.dates import local_zone

from ..records import query
from ..records import service as records
from ..records.forms_lookup import FormTarget
from . import cards as card_views
from . import columns as cols
from . import reading
from .pages import context_of
from .state import ViewState

#: records read for one period at most (the rest are counted as not shown)
LIMIT = 500
SHOWN_PER_DAY = 4


@dataclass
class Day:
    """One day cell."""

    day: date
    inside: bool
    today: bool
    cards: list[card_views.Card] = field(default_factory=list)


@dataclass
class Period:
    """The days on screen and where the arrows go."""

    mode: str
    anchor: date
    start: date
    end: date  # exclusive
    weeks: list[list[Day]] = field(default_factory=list)
    truncated: bool = False


def today() -> date:
    """Today in the instance's zone."""
    return utcnow().astimezone(local_zone()).date()


def period(mode: str, anchor: date) -> Period:
    """The grid around ``anchor``: whole weeks from Monday, a month or one week."""
    if mode == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return Period(mode, anchor, start, start + timedelta(days=7))
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    end = following + timedelta(days=(7 - following.weekday()) % 7)
    return Period(mode, anchor, start, end)


def step(p: Period, forward: bool) -> date:
    """The anchor of the previous or next period."""
    if p.mode == "week":
        return p.anchor + timedelta(days=7 if forward else -7)
    first = p.anchor.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1) if forward else \
        (first - timedelta(days=1)).replace(day=1)


def is_moment(f: Field) -> bool:
    """Whether a column holds instants (compared in UTC) rather than calendar dates."""
    return f.type != "date"


def bound(f: Field, day: date) -> Any:
    """A day's start as the column compares it."""
    if not is_moment(f):
        return day
    return datetime.combine(day, time(0), local_zone()).astimezone(UTC)


def local_day(f: Field, value: Any) -> date | None:
    """The calendar day of a value in the instance's zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(local_zone()).date()
    return value


def range_clause(form, start_f: Field, end_f: Field | None, p: Period) -> Any:
    """Records on any day of the period (starting in it, or spanning into it)."""
    start_c = cols.sql_column(form, start_f)
    low, high = bound(start_f, p.start), bound(start_f, p.end)
    if end_f is None:
        return sa.and_(start_c >= low, start_c < high)
    end_c = cols.sql_column(form, end_f)
    return sa.and_(start_c < high, sa.or_(end_c >= bound(end_f, p.start),
                                          sa.and_(end_c.is_(None), start_c >= low)))


def settings(target: FormTarget, state: ViewState) -> tuple[Field | None, Field | None]:
    """The start and (optional) end columns the person may see."""
    config, known = state.base["config"], cols.all_columns(target.published)
    start = known.get(config.get("date_field") or "")
    end = known.get(config.get("end_field") or "") if start else None
    return start, end


def read(actor, target: FormTarget, state: ViewState, p: Period) -> Period:
    """Fill the period's days with cards (one query over the visible range)."""
    reading.require_view(actor, target.published)
    start_f, end_f = settings(target, state)
    now = today()
    days = [p.start + timedelta(days=n) for n in range((p.end - p.start).days)]
    cells = {d: Day(d, p.mode == "week" or d.month == p.anchor.month, d == now) for d in days}
    p.weeks = [[cells[d] for d in days[i:i + 7]] for i in range(0, len(days), 7)]
    if start_f is None:
        return p
    form = target.published
    where = sa.and_(reading.clause(form, state, context_of(actor)),
                    range_clause(form, start_f, end_f, p))
    column = cols.sql_column(form, start_f)
    found = query.fetch(actor, form, where, [column.asc(), form.table.c.id.asc()], LIMIT + 1)
    p.truncated = len(found) > LIMIT
    placed = defaultdict(list)
    for record, card in zip(found[:LIMIT], card_views.build(target, found[:LIMIT],
                                                          card_views.card_fields(target, state)),
                            strict=True):
        first = local_day(start_f, cols.value_of(record, start_f))
        last = local_day(end_f, cols.value_of(record, end_f)) if end_f else None
        last = max(first, last or first)
        day = max(first, p.start)
        card.extra = first.isoformat()
        while day <= last and day < p.end:
            placed[day].append(card)
            day += timedelta(days=1)
    for day, found_cards in placed.items():
        cells[day].cards = found_cards
    return p


def anchor_of(args) -> date:
    """The day the address points at (today when missing or not a date)."""
    try:
        return date.fromisoformat(args.get("on", "")[:10])
    except ValueError:
        return today()


def reschedule(actor, target: FormTarget, state: ViewState, record_id: int, day: date,
               version: int) -> records.Record:
    """Move a record to another day (its end moves with it), through the write path."""
    start_f, end_f = settings(target, state)
    if start_f is None or start_f.id not in target.published.field_map:
        raise records.PermissionDenied("the date column cannot be changed")
    current = records.get(actor, target.published, record_id)
    old = current.values.get(start_f.id)
    delta = day - (local_day(start_f, old) or day)
    data: dict[str, Any] = {start_f.id: _shifted(old, delta) if old is not None else day}
    if end_f is not None and end_f.id in target.published.field_map and \
            current.values.get(end_f.id) is not None:
        data[end_f.id] = _shifted(current.values[end_f.id], delta)
    return records.update(actor, target.published, record_id, data, expected_version=version)


def _shifted(value: Any, delta: timedelta) -> Any:
    """A date or moment moved by whole local days (a moment keeps its local time)."""
    if isinstance(value, datetime):
        local = value.astimezone(local_zone())
        moved = datetime.combine(local.date() + delta, local.time().replace(tzinfo=None),
                                 local_zone())
        return moved.isoformat()
    return (value + delta).isoformat()


def new_url(target: FormTarget, start_f: Field | None, day: date) -> str | None:
    """The entry page with the day filled in (None when the date is not entered by hand)."""
    if start_f is None or start_f.id not in target.published.field_map or \
            target.published.type_of(start_f.id).readonly:
        return None
    value = day.isoformat() if not is_moment(start_f) else f"{day.isoformat()}T09:00"
    return url_for("records.new", app_key=target.app.key, form_key=target.form.key,
                   **{start_f.id: value})


def page(actor, target: FormTarget, views, current, args, *, notice=None, status: int = 200):
    """The calendar page (or its board block for htmx)."""
    from . import board_pages

    _views, _current, state = board_pages.load(actor, target, args)
    mode = args.get("mode") if args.get("mode") in ("month", "week") else \
        state.base["config"].get("mode", "month")
    p = read(actor, target, state, period(mode, anchor_of(args)))
    saved_mode = state.base["config"].get("mode", "month")
    own = {"mode": mode if mode != saved_mode else None, "on": args.get("on") or None}

    def link(**changes: Any) -> str:
        return board_pages.base_url(target, state, **{**own, **changes})

    start_f, end_f = settings(target, state)
    movable = start_f is not None and start_f.id in target.published.field_map and \
        not target.published.type_of(start_f.id).readonly
    keys = {"app_key": target.app.key, "form_key": target.form.key, "view_id": current.id}
    return board_pages.page(
        actor, target, views, current, state, "views/calendar.html", status=status,
        notice=notice, canonical=link(), period=p, start_field=start_f, movable=movable,
        own_args={k: v for k, v in own.items() if v},
        prev_url=link(on=step(p, False).isoformat()), next_url=link(on=step(p, True).isoformat()),
        today_url=link(on=None), month_url=link(mode="month" if saved_mode != "month" else None),
        week_url=link(mode="week" if saved_mode != "week" else None),
        reschedule_url=url_for("boards.reschedule", **keys),
        new_url=lambda day: new_url(target, start_f, day),
        title=_title(p), day_label=lambda d: format_skeleton("MMMEd", d, locale=get_locale()),
        weekday=lambda d: format_date(d, "EEE"), shown_per_day=SHOWN_PER_DAY)


def _title(p: Period) -> str:
    if p.mode == "week":
        last = p.end - timedelta(days=1)
        return f"{format_date(p.start, 'medium')} – {format_date(last, 'medium')}"
    return format_skeleton("yMMMM", p.anchor, locale=get_locale())
