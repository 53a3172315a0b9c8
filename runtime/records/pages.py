"""What the record pages render: the entry and edit forms, the record page, the list table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from builder.db import db
from builder.web import render

from . import conflicts, display, domain, entry, links, relations, service, subtables
from .display import Shown
from .forms_lookup import FormTarget
from .schema import PublishedForm
from .service import Record

MAX_COLUMNS = 6


def record_title(form: PublishedForm, record: Record) -> str:
    """The record's title field as text, or its number."""
    title_id = form.title_field
    value = record.values.get(title_id) if title_id else None
    if title_id and value not in (None, ""):
        text = display.show(form.field_map[title_id], value, {}, compact=True)
        if text.text:
            return text.text[:80]
    return _("Record #%(id)s", id=record.id)


def _label(form: PublishedForm, field_id: str) -> str:
    found = form.field_map.get(field_id)
    return found.label if found else field_id


def error_summary(form: PublishedForm, errors: Mapping[str, list[str]]) -> list[dict[str, str]]:
    """Each field's messages for the list at the top of a refused form, in form order."""
    order = {f.id: i for i, f in enumerate(entry.ordered_fields(form))}
    items = []
    # "f_sub.1.f_qty" places a sub-table cell's message; the table lists it too
    for field_id in sorted((k for k in errors if "." not in k), key=lambda k: order.get(k, -1)):
        for message in errors[field_id]:
            items.append({"field_id": field_id, "label": _label(form, field_id) if field_id else "",
                          "message": message})
    return items


def error_text(form: PublishedForm, errors: Mapping[str, list[str]]) -> str:
    """The messages as one line: "Name: is already used …; …"."""
    return _("; ").join(_("%(label)s: %(message)s", label=i["label"], message=i["message"])
                        if i["label"] else i["message"] for i in error_summary(form, errors))


# ---------------------------------------------------------------- entry and edit forms


def _form_context(form: PublishedForm, values: Mapping[str, Any], *,
                  existing: Mapping[str, Any] | None, errors: Mapping[str, list[str]] | None,
                  touched: set[str] | None, readonly_text: Mapping[str, str] | None = None,
                  theirs: Mapping[str, Shown] | None = None) -> dict[str, Any]:
    """Visibility, required marks and messages for the values as typed."""
    data = {k: v for k, v in values.items()
            if k in form.field_map and not form.type_of(k).readonly}
    prepared = domain.prepare(form, data, existing)
    submitted = errors is not None
    if errors is None:
        errors = {k: v for k, v in prepared.errors.items() if k in (touched or set())}
    if submitted:
        touched = set(form.field_map)
    values = subtables.with_formula_text(form, values, prepared.values, _cell_text)
    readonly_text = {**(readonly_text or {}), **lookup_preview(form, prepared.values)}
    states = entry.field_states(form, values, errors=errors, visible=prepared.visible,
                                required=domain.required_now(form, prepared.values),
                                readonly_text={**(readonly_text or {}),
                                               **_formula_text(form, prepared.values)},
                                theirs=theirs)
    return {"blocks": entry.layout(form), "states": states,
            "summary": error_summary(form, errors) if submitted else [],
            "touched": ",".join(sorted(touched or ()))}


def _cell_text(column, value: Any) -> str:
    return display.show(column, value, {}).text


def _formula_text(form: PublishedForm, values: Mapping[str, Any]) -> dict[str, str]:
    """Formula fields as calculated from what is typed so far (the live refresh shows them)."""
    return {f.id: _cell_text(f, values.get(f.id)) for f in form.fields if f.type == "formula"}
def lookup_preview(form: PublishedForm, values: Mapping[str, Any]) -> dict[str, str]:
    """Lookups for the links as chosen so far (before saving), as text for their widgets."""
    lookups = [f for f in form.fields if f.type == "lookup"]
    if not lookups:
        return {}
    draft = Record(id=0, values=dict(values))
    relations.resolve(form, [draft], db.session.connection(), rollups=False)
    related = links.related(form, [draft.values], lookups)
    return {f.id: display.as_text(display.show(f, draft.values.get(f.id), {}, related=related))
            for f in lookups}


def entry_page(target: FormTarget, values: Mapping[str, Any], *,
               errors: Mapping[str, list[str]] | None = None, touched: set[str] | None = None,
               status: int = 200, focus: str | None = None):
    """The new-record page (or just its form, for htmx)."""
    keys = {"app_key": target.app.key, "form_key": target.form.key}
    context = _form_context(target.published, values, existing=None, errors=errors,
                            touched=touched)
    return render("records/new.html", block="entry_form", status=status, target=target,
                  mode="new", row_focus=focus, action_url=url_for("records.new", **keys),
                  refresh_url=url_for("records.refresh_new", **keys), **context)


def readonly_text(form: PublishedForm, record: Record) -> dict[str, str]:
    """Auto-numbers, system fields and lookups of a record, as text for read-only widgets."""
    names = display.names_for(display.record_user_ids([record], form))
    related = links.related(form, [record.values])
    return {f.id: display.as_text(display.show(f, record.values.get(f.id), names,
                                               related=related))
            for f in form.fields if form.type_of(f.id).readonly}


def edit_page(target: FormTarget, record: Record, values: Mapping[str, Any], *,
              row_version: int, errors: Mapping[str, list[str]] | None = None,
              touched: set[str] | None = None, status: int = 200, restoring: bool = False,
              merge: conflicts.Merge | None = None, changed_by: list[str] | None = None,
              focus: str | None = None):
    """The edit page of a record (or just its form, for htmx)."""
    keys = {"app_key": target.app.key, "form_key": target.form.key, "record_id": record.id}
    theirs = {c.field_id: c.theirs for c in merge.conflicts} if merge else None
    context = _form_context(target.published, values, existing=record.values, errors=errors,
                            touched=touched, readonly_text=readonly_text(target.published, record),
                            theirs=theirs)
    return render("records/edit.html", block="entry_form", status=status, target=target,
                  record=record, title=record_title(target.published, record), mode="edit",
                  row_version=row_version, restoring=restoring, merge=merge, row_focus=focus,
                  changed_by=changed_by or [],
                  action_url=url_for("records.edit", **keys),
                  refresh_url=url_for("records.refresh_edit", **keys), **context)


def conflict_page(actor, target: FormTarget, current: Record, data: Mapping[str, Any],
                  expected_version: int):
    """Someone saved after the editor opened the record: 409 with both values per field."""
    form = target.published
    entries = service.history(actor, form, current.id)
    base_entry = next((e for e in entries if e.row_version <= expected_version), None)
    base = domain.values_at(form, reversed(entries), base_entry.id) if base_entry else None
    newer = [e.actor_id for e in entries if e.row_version > expected_version]
    names = display.names_for(display.record_user_ids([current]), newer)
    merged = conflicts.merge(form, data, base, current, names)
    who = list(dict.fromkeys(display.person(names, i) for i in newer if i is not None))
    return edit_page(target, current, merged.values, row_version=current.row_version,
                     status=409, merge=merged, changed_by=who)


# ---------------------------------------------------------------- record page


def detail_context(form: PublishedForm, record: Record) -> dict[str, Any]:
    """The record's values by layout, and who created and changed it when."""
    system = record.system
    names = display.names_for(display.record_user_ids([record], form))
    visible = domain.prepare(form, {}, record.values).visible
    related = links.related(form, [record.values])
    shown = {f.id: display.show(f, record.values.get(f.id), names, related=related)
             for f in form.fields}
    info = [
        (_("Owner"), display.person(names, system.get("owner_id"))),
        (_("Created"), _("%(when)s by %(who)s", when=display.when(system.get("created_at")),
                         who=display.person(names, system.get("created_by_id")))),
        (_("Last changed"), _("%(when)s by %(who)s", when=display.when(system.get("updated_at")),
                              who=display.person(names, system.get("updated_by_id")))),
        (_("Version"), str(system.get("row_version"))),
    ]
    if record.deleted_at is not None:
        info.append((_("Moved to the trash"), display.when(record.deleted_at)))
    return {"blocks": entry.layout(form), "shown": shown, "visible": visible, "info": info,
            "title": record_title(form, record)}


# ---------------------------------------------------------------- list


@dataclass
class Row:
    """One record in the list table."""

    id: int
    title: str
    cells: list[Shown]
    when: str


@dataclass
class Table:
    """The list table: its columns and rows."""

    columns: list[Any]
    rows: list[Row] = field(default_factory=list)
    #: True when the form has no title field: a "No." column leads and links
    numbered: bool = False


def list_columns(form: PublishedForm) -> list[Any]:
    """The title field first, then the next fields in form order, six at most."""
    ordered = entry.ordered_fields(form)
    title = form.field_map.get(form.title_field) if form.title_field else None
    rest = [f for f in ordered if f is not title]
    return ([title] if title else []) + rest[:MAX_COLUMNS - (1 if title else 0)]


def record_table(form: PublishedForm, records: list[Record], *, trashed: bool) -> Table:
    """Display-formatted cells for a page of records."""
    columns = list_columns(form)
    user_ids = {r.values.get(c.id) for r in records for c in columns
                if c.type in display.PERSON_TYPES}
    names = display.names_for(user_ids)
    related = links.related(form, [r.values for r in records], columns)
    table = Table(columns=columns, numbered=form.title_field is None)
    for record in records:
        moment = record.deleted_at if trashed else record.system.get("updated_at")
        table.rows.append(Row(id=record.id, title=record_title(form, record),
                              cells=[display.show(c, record.values.get(c.id), names,
                                                  compact=True, related=related)
                                     for c in columns],
                              when=display.when(moment)))
    return table
