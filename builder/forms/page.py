"""Template context of the designer and history pages, assembled from the form's documents."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from flask import url_for
from flask_babel import ngettext

from .. import fields as field_types
from ..fields.normalize import DEFAULT_SUFFIXES
from . import condition_form, domain, panel, retype, service, subtable_panel, view
from .labels import (
    COLOR_LABELS,
    DEFAULT_LABELS,
    FAMILY_LABELS,
    UNIQUE_STEP_LABELS,
    prop_label,
)
from .layout import field_doc, locate
from .models import Form
from .relations import RELATION_TYPES

TABS = ("field", "form", "rules")


@dataclass
class PanelState:
    """What a posted panel contained, to draw it again (with its errors) as typed."""

    tab: str = "field"
    action: str = ""
    field: dict[str, Any] | None = None
    conditions: dict[str, tuple[str, list[condition_form.Row]]] | None = None
    rules: list[panel.RuleRow] | None = None
    errors: dict[str, list[str]] = dc_field(default_factory=dict)

    def quiet(self) -> None:
        """Forget the problems found in the rows (to show a half-filled panel calmly)."""
        self.errors = {}
        for _mode, rows in (self.conditions or {}).values():
            for row in rows:
                row.error = ""
        for rule in self.rules or []:
            rule.errors = []
            for row in rule.rows:
                row.error = ""


def read_panel(document: dict[str, Any], fields: Any, relations: Any = None
               ) -> tuple[dict[str, Any], PanelState | None]:
    """The operation a posted panel or button describes, and what the panel read.

    ``relations`` is a callable giving the app's RelationContext (links need it).
    """
    name = fields.get("op", "")
    if name == "update":
        return _read_update(document, fields, relations)
    if name == "update_form":
        return {"op": name, "props": panel.parse_form_settings(fields)}, PanelState(tab="form")
    if name == "set_rules":
        rules, rows, errors = panel.parse_rules(fields, document)
        state = PanelState(tab="rules", rules=rows, errors=errors,
                           action=fields.get("action", ""))
        return {"op": name, "rules": rules}, state
    return {k: fields.get(k) for k in ("op", "type", "id", "position", "parent", "after", "clear")
            if fields.get(k) not in (None, "")}, None


def _read_update(document: dict[str, Any], fields: Any, relations: Any = None
                 ) -> tuple[dict[str, Any], PanelState]:
    """An ``update`` of the element the panel shows (field, section or text)."""
    wanted = fields.get("id", "")[:40]
    state = PanelState(tab="field", action=fields.get("action", ""))
    field = field_doc(document, wanted)
    if field is not None and not field.get("deleted"):
        read = panel.parse_field(fields, document, field, relations)
        state.errors, state.conditions = read.errors, read.conditions
        state.field = {**field, **{k: v for k, v in read.props.items() if k != "span"}}
        return {"op": "update", "id": wanted, "props": read.props}, state
    found = locate(document.get("layout", []), wanted)
    kind = found[0][found[1]].get("kind") if found else None
    props = panel.parse_section(fields) if kind == "section" else (
        panel.parse_text(fields) if kind == "text" else {})
    return {"op": "update", "id": wanted, "props": props}, state


def designer_context(actor, app, form: Form, *, sel: str | None, tab: str | None,
                     panel_state: PanelState | None = None,
                     op_errors: dict[str, list[str]] | None = None,
                     problems: list[view.Problem] | None = None,
                     stale: bool = False) -> dict[str, Any]:
    """Everything designer.html needs."""
    document = form.draft
    nodes = view.canvas(document)
    selected = view.find(nodes, sel)
    if tab not in TABS or (tab == "field" and selected is None):
        tab = "field" if selected is not None and tab not in TABS else "form"
    state = panel_state or PanelState(tab=tab)
    context: dict[str, Any] = {
        "app": app, "form": form, "document": document, "nodes": nodes,
        "selected": selected, "sel": selected.id if selected else None, "tab": tab,
        "tab_param": None if tab == "field" else tab, "palette": view.palette(),
        "has_changes": service.has_unpublished_changes(form), "problems": problems or [],
        "error_ids": view.error_ids(problems or []), "stale": stale,
        "errors": state.errors, "alert_errors": _alert_errors(op_errors, state),
        "urls": _urls(app, form), "prop_label": prop_label, "color_labels": COLOR_LABELS,
        "colors": panel.option_colors(), "sections": view.sections(nodes),
        "live_fields": domain.live_fields(document),
        "deleted_fields": service.deleted_fields(actor, form) if tab == "form" else [],
        "column_choices": column_choices(),
        "tab_urls": {key: url_for("builder_forms.designer", app_key=app.key, form_key=form.key,
                                  sel=selected.id if selected else None,
                                  tab=None if key == "field" else key) for key in TABS},
    }
    if selected is not None and selected.kind == "field":
        related = (service.relation_context(form) if selected.field is not None
                   and selected.field.get("type") in RELATION_TYPES else None)
        context["fp"] = field_panel(document, selected, state, related)
        context["fp"].update(type_panel(selected.field or {}, service.stored_types(form)))
    if selected is not None and selected.kind == "section" and state.field is None:
        context["section_columns"] = selected.columns
    if tab == "rules":
        context["rules"] = state.rules if state.rules is not None else panel.rule_rows(document)
        context["candidates"] = panel.condition_candidates(document)
    return context


def _alert_errors(op_errors: dict[str, list[str]] | None, state: PanelState) -> list[str]:
    """Problems that have no input beside them in the panel (a refused drag, an unknown type)."""
    if not op_errors:
        return []
    if state.field is not None or state.tab in ("form", "rules"):
        return []
    return [m for messages in op_errors.values() for m in messages]


def _urls(app, form: Form) -> dict[str, str]:
    keys = {"app_key": app.key, "form_key": form.key}
    return {
        "designer": url_for("builder_forms.designer", **keys),
        "ops": url_for("builder_forms.ops", **keys),
        "publish": url_for("builder_forms.publish", **keys),
        "schema": url_for("builder_forms.record_schema", **keys),
        "history": url_for("builder_forms.history", **keys),
        "records": url_for("records.index", **keys),
        "app": url_for("workspace.app_home", key=app.key),
    }


def field_panel(document: dict[str, Any], node: view.Node, state: PanelState,
                related: Any = None) -> dict[str, Any]:
    """The field panel: the field (as typed, after a refused change), its controls and rows.

    ``related`` (a RelationContext) fills the choices of link, lookup and rollup settings.
    """
    doc = state.field if state.field is not None else node.field
    assert doc is not None and node.type is not None
    candidates = panel.condition_candidates(document, exclude=node.id)
    conditions = dict(state.conditions or {
        key: condition_form.rows(doc.get(key), candidates) for key in ("visible_if",
                                                                       "required_if")})
    targets = panel.filter_candidates(doc, related)
    if "link_filter" not in conditions:
        conditions["link_filter"] = condition_form.rows(
            (doc.get("config") or {}).get("filter"), targets)
    parent = view.find(view.canvas(document), node.parent) if node.parent else None
    default = doc.get("default") or {}
    return {
        "doc": doc, "type": node.type, "node": node,
        "controls": panel.config_controls(node.type, doc.get("config") or {},
                                          panel.dynamic_choices(doc, document, related)),
        "filter_candidates": targets,
        "conditions": conditions, "candidates": candidates,
        "default_kinds": [(k, DEFAULT_LABELS[k]) for k in panel.default_kinds(doc)],
        "default_kind": default.get("kind", ""), "default_value": default.get("value"),
        "can_be_unique": doc["type"] in domain.UNIQUE_TYPES,
        "unique": doc.get("unique"), "unique_steps": UNIQUE_STEP_LABELS,
        "columns": parent.columns if parent is not None else 1,
        "options": (doc.get("config") or {}).get("options") or [],
        "stored": node.type.stored and not node.type.readonly,
        "requirable": (node.type.stored or node.type.side) and not node.type.readonly,
        "column_rows": subtable_panel.column_rows(doc.get("config") or {})
        if doc["type"] == "subtable" else [],
        "column_types": subtable_panel.type_choices() if doc["type"] == "subtable" else [],
        "default_suffixes": "、".join(DEFAULT_SUFFIXES),
        "span_choices": column_choices(parent.columns if parent is not None else 1),
    }


def type_panel(doc: dict[str, Any], stored: dict[str, str]) -> dict[str, Any]:
    """The field's "change type" choices and any pending type change, for the panel."""
    stored_type = stored.get(doc.get("id", ""))
    pending = doc.get(retype.MARK)
    return {
        "type_choices": [(key, field_types.get(key).name())
                         for key in retype.choices(doc, stored_type)],
        "type_change": pending,
        "stored_type_name": field_types.get(pending["from"]).name() if pending else None,
    }


def column_choices(most: int = 4) -> list[tuple[str, str]]:
    """"1 column" … "``most`` columns" for selects."""
    return [(str(n), ngettext("%(num)d column", "%(num)d columns", n)) for n in range(1, most + 1)]


def history_context() -> dict[str, Any]:
    """Names the history page shows for field types and families."""
    names = {t.type: t.name() for t in field_types.all_types()}
    return {"type_names": names, "family_labels": FAMILY_LABELS, "prop_label": prop_label}
