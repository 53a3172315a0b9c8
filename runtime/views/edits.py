"""Editing from a table view: one cell at a time or many records at once, always through
the one write path (``records.service.update``/``delete``) with optimistic locking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from builder.exceptions import NotFound, PermissionDenied
from builder.views.domain import SCOPES
from builder.web import render

from ..records import entry, service
from ..records import pages as record_pages
from ..records.display import Shown
from ..records.exceptions import RecordNotFound, StaleRecord, ValidationFailed
from ..records.forms_lookup import FormTarget
from ..records.schema import PublishedForm
from . import cells
from . import columns as cols
from . import table as tables
from .state import ViewState

MAX_BULK = 500


def _field(form: PublishedForm, field_id: str):
    found = form.field_map.get(field_id)
    if found is None or not tables.editable(form, found):
        raise NotFound(f"no editable field {field_id}")
    return found


def _submitted(form: PublishedForm, field_id: str, formdata: MultiDict) -> dict[str, Any]:
    """The one field's raw value (cleared when the form sent nothing, like an empty list)."""
    data = entry.parse_submission(form, formdata)
    if field_id in data:
        return {field_id: data[field_id]}
    return {field_id: [] if form.field_map[field_id].type == "multi_select" else None}


def _display(target: FormTarget, record, field_id: str, status: int = 200):
    form = target.published
    f = form.field_map[field_id]
    lookups = cells.resolve([f], [record], form)
    return render("views/_cell.html", status=status, target=target, record_id=record.id,
                  column=tables.columns(form, _only(field_id))[0],
                  links=SimpleNamespace(**tables.links(target.app.key, target.form.key)),
                  cell_html=cells.cell_html,
                  shown=cells.cell(f, record.values.get(field_id), lookups))


def _only(field_id: str) -> ViewState:
    return ViewState(view_id=None, base={"config": {}}, filter=None, sort=[], search="",
                     columns=[field_id], group_by=None, totals={}, page_size=50)


def _editor(target: FormTarget, record_id: int, field_id: str, value: Any, version: int,
            message: str = "", status: int = 200):
    form = target.published
    doc = dict(form.raw_fields[field_id], config=form.field_map[field_id].config)
    return render("views/_cell_editor.html", status=status, target=target, record_id=record_id,
                  field=doc, value=value, version=version, message=message,
                  errors=[message] if message else [], readonly=False)


def cell_response(actor, target: FormTarget, record_id: int, field_id: str, *, editing: bool):
    """A cell's value, or its editor opened at the record's current version."""
    form = target.published
    if editing:
        _field(form, field_id)
    elif field_id not in form.field_map:  # hidden from this person, or gone
        raise NotFound(f"no field {field_id}")
    record = service.get(actor, form, record_id)
    if not editing:
        return _display(target, record, field_id)
    value = entry.form_value(form, field_id, record.values.get(field_id))
    return _editor(target, record_id, field_id, value, record.row_version)


def save_cell(actor, target: FormTarget, record_id: int, field_id: str, formdata: MultiDict):
    """Save one cell; a refusal comes back in the cell with the reason (422, or 409 if stale)."""
    form = target.published
    _field(form, field_id)
    data = _submitted(form, field_id, formdata)
    raw = formdata.get("row_version", "")
    version = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    try:
        record = service.update(actor, form, record_id, data, expected_version=version)
    except ValidationFailed as exc:
        return _editor(target, record_id, field_id, data[field_id], version,
                       record_pages.error_text(form, exc.errors), 422)
    except StaleRecord as exc:
        theirs = cells.cell(form.field_map[field_id], exc.current.values.get(field_id),
                            cells.resolve([form.field_map[field_id]], [exc.current], form))
        message = _("Someone else changed this record meanwhile (now: %(value)s). Save again "
                    "to replace it.", value=theirs.text or "—")
        return _editor(target, record_id, field_id, data[field_id], exc.current.row_version,
                       message, 409)
    return _display(target, record, field_id)


def bulk_widget(target: FormTarget, field_id: str):
    """The input a bulk edit of ``field_id`` takes its value from."""
    form = target.published
    if field_id not in form.field_map or not tables.editable(form, form.field_map[field_id]):
        return render_template("views/_bulk_value.html", field=None)
    doc = dict(form.raw_fields[field_id], config=form.field_map[field_id].config)
    return render_template("views/_bulk_value.html", field=doc, value=None, errors=[],
                           readonly=False)


def _ids(formdata: MultiDict) -> list[int]:
    raw = [i for i in formdata.getlist("ids") if i.isdigit() and len(i) < 19]
    return list(dict.fromkeys(int(i) for i in raw))[:MAX_BULK]


def bulk(actor, target: FormTarget, formdata: MultiDict) -> dict[str, Any]:
    """Apply a bulk action; say how many records changed and why others were refused."""
    form = target.published
    ids, action = _ids(formdata), formdata.get("_act", "")
    refused: list[tuple[int, str]] = []
    if not ids:
        return {"text": _("Select records first."), "refused": [], "kind": "error"}
    if action == "delete":
        done = _bulk_delete(actor, form, ids, refused)
        text = _("Moved %(n)d records to the trash.", n=done)
    elif action == "edit" and formdata.get("field") in form.field_map and tables.editable(
            form, form.field_map[formdata["field"]]):
        field_id = formdata["field"]
        done = _bulk_edit(actor, form, ids, _submitted(form, field_id, formdata), formdata,
                          refused)
        text = _("Changed %(field)s in %(n)d records.", field=form.field_map[field_id].label,
                 n=done)
    else:
        return {"text": _("Choose what to do with the selected records."), "refused": [],
                "kind": "error"}
    if refused:
        text += " " + _("%(n)d could not be changed:", n=len(refused))
    return {"text": text, "refused": refused, "kind": "error" if refused else "success"}


def _bulk_delete(actor, form: PublishedForm, ids: list[int], refused) -> int:
    done = 0
    for record_id in ids:
        try:
            service.delete(actor, form, record_id)
            done += 1
        except PermissionDenied:
            refused.append((record_id, _("you may not delete it")))
        except RecordNotFound:
            refused.append((record_id, _("it no longer exists")))
    return done


def _bulk_edit(actor, form: PublishedForm, ids: list[int], data: Mapping[str, Any],
               formdata: MultiDict, refused) -> int:
    done = 0
    for record_id in ids:
        raw = formdata.get(f"v{record_id}", "")
        version = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        try:
            service.update(actor, form, record_id, dict(data), expected_version=version)
            done += 1
        except ValidationFailed as exc:
            refused.append((record_id, record_pages.error_text(form, exc.errors)))
        except StaleRecord:
            refused.append((record_id, _("someone else changed it since the page was loaded")))
        except PermissionDenied:
            refused.append((record_id, _("you may not change it")))
        except RecordNotFound:
            refused.append((record_id, _("it no longer exists")))
    return done


def sharing(formdata: MultiDict, roles: Sequence[str] = ()) -> dict[str, Any]:
    """Who sees a view, as the sharing form says (``roles``: the app's role keys)."""
    scope = formdata.get("scope", "personal")
    departments = [int(d) for d in formdata.getlist("departments")[:200]
                   if d.isdigit() and len(d) < 10 and int(d) > 0]
    known = set(roles)
    chosen = [k for k in formdata.getlist("roles")[:50] if k in known]
    return {"scope": scope if scope in SCOPES else "personal",
            "departments": list(dict.fromkeys(departments)),
            "roles": list(dict.fromkeys(chosen))}


# ---------------------------------------------------------------- totals


def table_shape(form: PublishedForm, state: ViewState) -> tables.Table:
    """The table's columns without rows (to lay out the totals row)."""
    shown = tables.columns(form, state)
    return tables.Table(columns=shown, numbered=not shown or shown[0].key != form.title_field)


def totals_row(form: PublishedForm, state: ViewState, found: dict[str, Any] | None
               ) -> list[str | None]:
    """Each shown column's total as text ("" without one, None when it took too long)."""
    known = cols.all_columns(form)
    out: list[str | None] = []
    for key in state.columns:
        aggregate = state.totals.get(key)
        if not aggregate:
            out.append("")
        elif found is None:
            out.append(None)
        else:
            out.append(_total_text(known[key], aggregate, found.get(key)))
    return out


def _total_text(f, aggregate: str, value: Any) -> str:
    if aggregate == "count":
        return f"{int(value or 0):,}"
    if value is None:
        return "—"
    if cols.is_number(f):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return str(value)
    shown: Shown = cells.cell(f, value, cells.Lookups())
    return shown.text or "—"
