"""The 360° record page: sections of records linking here, and a timeline merging them.

A form's ``detail`` setting (builder/schemas/form.schema.json) lists the sections
(a linking form, its link field, up to six columns, a sort and a limit) and the
timeline's sources (a linking form, its link field, a date, a title). Without
``sections`` the page shows one section per linking form (at most
:data:`DEFAULT_SECTIONS`, each with its first :data:`DEFAULT_COLUMNS` fields).

Every section and timeline source reads through ``query.query`` with the actor:
the related form's row scope applies and its hidden fields are gone (the
projection), and a person without ``view`` on it sees no section at all. One
page query plus its count per section, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import url_for

from builder.db import db
from builder.fields import Field
from builder.fields.dates import local_zone

from ..permissions import service as permissions
from . import display, entry, links, query
from .pages import Row, record_title
from .relations import Target, Targets
from .schema import PublishedForm

DEFAULT_SECTIONS = 5
DEFAULT_COLUMNS = 4
DEFAULT_LIMIT = 10
TIMELINE_LIMIT = 20
MAX_COLUMNS = 6
SYSTEM_SORTS = ("created_at", "updated_at")
DATE_TYPES = frozenset({"date", "datetime"})


@dataclass(frozen=True)
class Spec:
    """One related section or timeline source as configured (or defaulted)."""

    target: Target
    link: Field
    fields: tuple[str, ...] = ()
    sort: tuple[str, bool] | None = None
    limit: int = DEFAULT_LIMIT
    date_field: str = "created_at"
    title_field: str | None = None


@dataclass
class Section:
    """A related section as the page shows it (only what the person may see)."""

    index: int
    name: str
    link_label: str
    columns: list[Field] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    total: int = 0
    app_key: str = ""
    form_key: str = ""
    add_url: str | None = None


@dataclass
class Item:
    """One timeline entry: a related record at its moment."""

    form_name: str
    moment: datetime
    when: str
    title: str
    url: str
    cells: list[tuple[str, display.Shown]] = field(default_factory=list)


# ---------------------------------------------------------------- configuration


def linking(app_id: int, form_id: int, targets: Targets) -> list[tuple[Target, Field]]:
    """Every (published form of the app, its live link field) pointing at ``form_id``."""
    from builder.forms.models import Form

    ids = db.session.scalars(
        sa.select(Form.id).where(Form.app_id == app_id, Form.deleted_at.is_(None),
                                 Form.published_version.is_not(None))
        .order_by(Form.position, Form.id)).all()
    found = []
    for other_id in ids:
        t = targets.get_target(other_id)
        if t is None:
            continue
        found.extend((t, f) for f in t.published.fields
                     if f.type == "link" and f.config.get("form") == form_id)
    return found


def _spec(entry_doc: dict[str, Any], links_here: dict[tuple[int, str], tuple[Target, Field]],
          **extra: Any) -> Spec | None:
    pair = links_here.get((entry_doc.get("form"), entry_doc.get("link")))
    if pair is None:  # the form or its link is gone: the section quietly goes too
        return None
    return Spec(pair[0], pair[1], tuple(entry_doc.get("fields") or ()), **extra)


def section_specs(app_id: int, form: PublishedForm, targets: Targets | None = None
                  ) -> list[Spec]:
    """The sections of this form's record page, configured or by default."""
    targets = targets if targets is not None else Targets()
    found = linking(app_id, form.form_id, targets)
    config = form.document.get("detail") or {}
    if "sections" not in config:
        first: dict[int, Spec] = {}
        for t, link in found:
            first.setdefault(t.form_id, Spec(t, link))
        return list(first.values())[:DEFAULT_SECTIONS]
    here = {(t.form_id, link.id): (t, link) for t, link in found}
    specs = []
    for doc in config["sections"]:
        sort = doc.get("sort")
        spec = _spec(doc, here, sort=(sort[0], sort[1] == "desc") if sort else None,
                     limit=int(doc.get("limit") or DEFAULT_LIMIT))
        if spec is not None:
            specs.append(spec)
    return specs


def timeline_specs(app_id: int, form: PublishedForm, targets: Targets | None = None
                   ) -> tuple[list[Spec], int]:
    """The timeline's sources and how many entries it shows (no sources: no timeline)."""
    config = (form.document.get("detail") or {}).get("timeline") or {}
    if not config.get("sources"):
        return [], 0
    targets = targets if targets is not None else Targets()
    here = {(t.form_id, link.id): (t, link)
            for t, link in linking(app_id, form.form_id, targets)}
    limit = int(config.get("limit") or TIMELINE_LIMIT)
    specs = [s for s in (_spec(doc, here, limit=limit,
                               date_field=doc.get("date_field") or "created_at",
                               title_field=doc.get("title_field"))
                         for doc in config["sources"]) if s is not None]
    return specs, limit


def visible(actor, specs: list[Spec]) -> list[tuple[int, Spec]]:
    """The specs (with their positions) whose form and link field the person may see."""
    out = []
    for index, spec in enumerate(specs):
        if not permissions.can(actor, spec.target.published, "view"):
            continue
        view = permissions.visible_form(actor, spec.target.published)
        if spec.link.id in view.field_map:
            out.append((index, spec))
    return out


# ---------------------------------------------------------------- a section


def _condition(link: Field, record_id: int) -> dict[str, Any]:
    if link.config.get("multiple"):
        return {"field": link.id, "op": "has_any", "value": [record_id]}
    return {"field": link.id, "op": "eq", "value": record_id}


def _columns(view: PublishedForm, spec: Spec) -> list[Field]:
    if spec.fields:
        return [view.field_map[f] for f in spec.fields if f in view.field_map][:MAX_COLUMNS]
    return [f for f in entry.ordered_fields(view) if f.id != spec.link.id][:DEFAULT_COLUMNS]


def _sort(view: PublishedForm, spec: Spec) -> list[tuple[str, bool]]:
    """The configured sort if the person may sort by it, else newest first."""
    if spec.sort is not None:
        field_id, descending = spec.sort
        if (field_id in SYSTEM_SORTS or field_id in view.field_map) \
                and field_id in view.table.c:
            return [(field_id, descending)]
    return [("created_at", True)]


def section(actor, index: int, spec: Spec, record_id: int) -> Section:
    """One section's rows: a page query and a count through the read path."""
    t = spec.target
    view = permissions.visible_form(actor, t.published)
    page = query.query(actor, t.published, _condition(spec.link, record_id),
                       sort=_sort(view, spec), limit=spec.limit)
    columns = _columns(view, spec)
    found = Section(index=index, name=t.name, link_label=spec.link.label, columns=columns,
                    total=page.total, app_key=t.app_key, form_key=t.key)
    names = display.names_for({r.values.get(c.id) for r in page.records for c in columns
                               if c.type in display.PERSON_TYPES})
    related = links.related(view, [r.values for r in page.records], columns)
    for record in page.records:
        found.rows.append(Row(id=record.id, title=record_title(view, record), when="",
                              cells=[display.show(c, record.values.get(c.id), names,
                                                  compact=True, related=related)
                                     for c in columns]))
    if permissions.can(actor, t.published, "create") \
            and not view.type_of(spec.link.id).readonly:
        found.add_url = url_for("records.new", app_key=t.app_key, form_key=t.key,
                                **{spec.link.id: record_id})
    return found


# ---------------------------------------------------------------- the timeline


def _moment(value: Any) -> datetime | None:
    """A date or date-time as an aware moment (a date at the start of its day, local time)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=local_zone())
    return None


def _date_of(view: PublishedForm, spec: Spec) -> str | None:
    """The source's date field if the person may see it and SQL can sort by it."""
    field_id = spec.date_field
    if field_id in SYSTEM_SORTS:
        return field_id
    f = view.field_map.get(field_id)
    return field_id if f is not None and f.type in DATE_TYPES and field_id in view.table.c \
        else None


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return display.when(value)
    return value.isoformat() if isinstance(value, date) else ""


def _items(actor, spec: Spec, record_id: int) -> list[Item]:
    t = spec.target
    view = permissions.visible_form(actor, t.published)
    date_id = _date_of(view, spec)
    if date_id is None:
        return []
    condition = _condition(spec.link, record_id)
    if date_id not in SYSTEM_SORTS:  # PostgreSQL sorts blanks first when descending
        condition = {"all": [condition, {"field": date_id, "op": "not_empty"}]}
    page = query.query(actor, t.published, condition, sort=[(date_id, True)],
                       limit=spec.limit, count=False)
    columns = [view.field_map[f] for f in spec.fields if f in view.field_map][:4]
    title = view.field_map.get(spec.title_field or "")
    related = links.related(view, [r.values for r in page.records], columns)
    names = display.names_for({r.values.get(c.id) for r in page.records for c in columns
                               if c.type in display.PERSON_TYPES})
    items = []
    for record in page.records:
        raw = record.system.get(date_id) if date_id in SYSTEM_SORTS \
            else record.values.get(date_id)
        moment = _moment(raw)
        if moment is None:
            continue
        heading = display.as_text(display.show(title, record.values.get(title.id), {},
                                               compact=True)) if title else ""
        items.append(Item(
            form_name=t.name, moment=moment, when=_when(raw),
            title=heading or record_title(view, record),
            url=url_for("records.detail", app_key=t.app_key, form_key=t.key,
                        record_id=record.id),
            cells=[(c.label, display.show(c, record.values.get(c.id), names, compact=True,
                                          related=related)) for c in columns]))
    return items


def timeline(actor, specs: list[Spec], limit: int, record_id: int) -> list[Item]:
    """The sources' newest records merged by date, newest first (one query per source)."""
    merged = [item for _index, spec in visible(actor, specs)
              for item in _items(actor, spec, record_id)]
    merged.sort(key=lambda item: item.moment, reverse=True)
    return merged[:limit]
