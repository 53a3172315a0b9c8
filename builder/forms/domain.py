"""Checks on form documents that JSON Schema cannot express, and small pure helpers."""

from __future__ import annotations

import secrets
import string
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from .. import conditions
from .. import fields as field_types
from ..fields import Field
from ..metadata import (
    FORMAT_CHECKER,
    MetadataError,
    json_path,
    register_check,
    translate_error,
)
from . import defaults as _defaults  # noqa: F401  (registers the check of default values)
from . import subtables

UNIQUE_TYPES = {"text", "email", "phone", "url", "integer", "id_card", "auto_number"}
_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str) -> str:
    """A fresh element id such as ``f_k3x9qa2b`` (prefix f, s, d, t or r)."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def empty_document(key: str, name: str) -> dict[str, Any]:
    """A new form with no fields."""
    return {"schema_version": 1, "key": key, "name": name, "description": "",
            "fields": [], "layout": [], "rules": []}


def live_fields(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields that are not deleted."""
    return [f for f in document.get("fields", []) if not f.get("deleted")]


def layout_field_ids(items: list[dict[str, Any]]) -> Iterator[str]:
    """Field ids in layout order, sections flattened."""
    for item in items:
        if item.get("kind") == "field":
            yield item["field"]
        elif item.get("kind") == "section":
            yield from layout_field_ids(item.get("items", []))


@register_check("form")
def check_form(document: dict[str, Any]) -> Iterator[MetadataError]:
    """Ids unique, types known, configs valid, layout and conditions consistent."""
    seen: set[str] = set()
    for index, field in enumerate(document["fields"]):
        path = ["fields", index]
        if field["id"] in seen:
            yield MetadataError(json_path([*path, "id"]), "unique",
                                _("the id %(id)s is used twice", id=field["id"]))
        seen.add(field["id"])
        yield from _check_field(field, path)
    yield from subtables.id_problems(document)
    live = {f["id"]: f for f in live_fields(document)}
    yield from _check_layout(document, live)
    yield from _check_conditions(document, live)
    yield from _check_formulas(document, live)


def _check_field(field: dict[str, Any], path: list[Any]) -> Iterator[MetadataError]:
    try:
        field_type = field_types.get(field["type"])
    except KeyError:
        yield MetadataError(json_path([*path, "type"]), "enum",
                            _("unknown field type %(type)s", type=field["type"]))
        return
    validator = Draft202012Validator(field_type.config_schema, format_checker=FORMAT_CHECKER)
    valid = True
    for error in validator.iter_errors(field.get("config", {})):
        valid = False
        for translated in translate_error(error):
            where = json_path([*path, "config"]) + translated.path[1:]
            yield MetadataError(where, translated.rule, _("%(label)s: %(problem)s",
                                                          label=field["label"],
                                                          problem=translated.message))
    for parts, problem in field_type.config_problems(field.get("config", {})) if valid else []:
        yield MetadataError(json_path([*path, "config", *parts]), "config",
                            _("%(label)s: %(problem)s", label=field["label"], problem=problem))
    if field.get("unique") is not None and field["type"] not in UNIQUE_TYPES:
        yield MetadataError(json_path([*path, "unique"]), "unique",
                            _("%(label)s: this field type cannot be unique", label=field["label"]))


def _check_layout(document: dict[str, Any], live: dict[str, Any]) -> Iterator[MetadataError]:
    placed = list(layout_field_ids(document["layout"]))
    for field_id in sorted(set(placed) - set(live)):
        yield MetadataError("$.layout", "reference",
                            _("the layout shows a field that does not exist (%(id)s)", id=field_id))
    for field_id in sorted({f for f in placed if placed.count(f) > 1}):
        yield MetadataError("$.layout", "unique",
                            _("%(label)s is placed twice", label=live[field_id]["label"]))
    for index, composite in enumerate(document.get("indexes", [])):
        for field_id in composite["fields"]:
            if field_id not in live:
                yield MetadataError(json_path(["indexes", index, "fields"]), "reference",
                                    _("the index uses a field that does not exist (%(id)s)",
                                      id=field_id))
    title = document.get("title_field")
    if title is not None and title not in live:
        yield MetadataError("$.title_field", "reference", _("the title field does not exist"))


def _check_conditions(document: dict[str, Any], live: dict[str, Any]) -> Iterator[MetadataError]:
    fields = {fid: Field.from_document(doc) for fid, doc in live.items()
              if fid in live and _known(doc["type"])}
    for index, field in enumerate(document["fields"]):
        for key in ("visible_if", "required_if"):
            if field.get(key) is not None:
                yield from _condition_errors(field[key], fields, ["fields", index, key],
                                             field["label"])
    for index, rule in enumerate(document.get("rules", [])):
        yield from _condition_errors(rule["condition"], fields, ["rules", index, "condition"],
                                     rule["message"])
        for field_id in rule.get("fields", []):
            if field_id not in live:
                yield MetadataError(json_path(["rules", index, "fields"]), "reference",
                                    _("the rule points at a field that does not exist"))


def _known(type_key: str) -> bool:
    try:
        field_types.get(type_key)
    except KeyError:
        return False
    return True


def _condition_errors(cond: dict[str, Any], fields: dict[str, Field], path: list[Any],
                      owner: str) -> Iterator[MetadataError]:
    try:
        conditions.evaluate(cond, {}, fields)
    except conditions.ConditionInvalid as exc:
        yield MetadataError(json_path(path), "condition",
                            _("%(owner)s: the condition is not valid (%(problem)s)", owner=owner,
                              problem=str(exc)))


def _check_formulas(document: dict[str, Any], live: dict[str, Any]) -> Iterator[MetadataError]:
    """Each formula parses, uses fields that exist, has the declared type; no cycles."""
    from .. import formula
    from ..fields.computed import FORMULA_TYPES

    kinds = {fid: doc["config"]["result"] if doc["type"] == "formula" else
             FORMULA_TYPES.get(doc["type"]) for fid, doc in live.items()
             if doc["type"] == "formula" or doc["type"] in FORMULA_TYPES}
    kinds.update(subtables.column_kinds(live, FORMULA_TYPES))
    kinds = {k: v for k, v in kinds.items() if v}
    compiled: dict[str, Any] = {}
    for index, doc in enumerate(document["fields"]):
        if doc.get("deleted") or doc["type"] != "formula" or "expression" not in doc.get(
                "config", {}):
            continue
        where = json_path(["fields", index, "config", "expression"])
        compiled[doc["id"]] = yield from _check_formula(doc, doc["label"], where, kinds, live)
    for path, table, column in subtables.row_formulas(document, live):
        scope = {**kinds, **subtables.row_scope(table, FORMULA_TYPES)}
        label = f"{table['label']} · {column.get('label', '')}"
        found = yield from _check_formula(column, label, json_path(path), scope, live, table)
        if found is not None:
            key = f"{table['id']}.{column['id']}"
            compiled[key] = subtables.ScopedReads(table, found.dependencies)
    try:
        formula.evaluation_order({k: v for k, v in compiled.items() if v is not None})
    except formula.FormulaCycleError as exc:
        yield MetadataError("$.fields", "formula", str(exc))


def _check_formula(doc: dict[str, Any], label: str, where: str, kinds: dict[str, Any],
                   live: dict[str, Any], table: dict[str, Any] | None = None
                   ) -> Generator[MetadataError, None, Any]:
    """The problems of one formula (a field's, or a sub-table column's); returns it compiled."""
    from .. import formula
    from ..formula.nodes import FieldRef, walk

    try:
        compiled = formula.compile(doc["config"]["expression"])
        result = compiled.check(kinds)
    except formula.FormulaError as exc:
        yield MetadataError(where, "formula", _("%(label)s: %(problem)s", label=label,
                                                problem=str(exc)))
        return None
    refs = [n for n in walk(compiled.ast) if isinstance(n, FieldRef)]
    row = {c["id"] for c in subtables.columns_of(table)} if table is not None else set()
    clear = subtables.reference_problems(refs, live, row)
    problems = list(clear.values()) + [str(p) for p in result.errors
                                       if p.code != "unknown_field" or p.position not in clear]
    for problem in problems:
        yield MetadataError(where, "formula", _("%(label)s: %(problem)s", label=label,
                                                problem=problem))
    declared = doc["config"].get("result")
    if not problems and result.type is not None and result.type.value not in (
            declared, "blank", "any"):
        yield MetadataError(where, "formula", _(
            "%(label)s: the formula gives %(got)s but the field is set to %(expected)s",
            label=label, got=result.type.value, expected=declared))
    return compiled


# ---------------------------------------------------------------- differences between versions


class ChangeKind(str, Enum):
    """What a :class:`Change` between two versions of a form is about."""

    FORM_RENAMED = "form_renamed"
    DESCRIPTION = "description"
    TITLE_FIELD = "title_field"
    SUBMIT_LABEL = "submit_label"
    FIELD_ADDED = "field_added"
    FIELD_REMOVED = "field_removed"
    FIELD_RESTORED = "field_restored"
    FIELD_PURGED = "field_purged"
    FIELD_RENAMED = "field_renamed"
    TYPE_CHANGED = "type_changed"
    REQUIRED = "required"
    OPTIONS = "options"
    SETTINGS = "settings"
    HELP = "help"
    UNIQUE = "unique"
    INDEXED = "indexed"
    DEFAULT = "default"
    VISIBLE_IF = "visible_if"
    REQUIRED_IF = "required_if"
    COLUMNS = "columns"
    RULE_ADDED = "rule_added"
    RULE_REMOVED = "rule_removed"
    RULE_CHANGED = "rule_changed"
    LAYOUT = "layout"


@dataclass(frozen=True)
class Change:
    """One difference: its kind, what it is about (a field's label, a rule's message) and the
    old and new value where that helps a reader."""

    kind: ChangeKind
    subject: str = ""
    old: Any = None
    new: Any = None


_FIELD_FLAGS = (("help", ChangeKind.HELP), ("unique", ChangeKind.UNIQUE),
                ("indexed", ChangeKind.INDEXED), ("default", ChangeKind.DEFAULT),
                ("visible_if", ChangeKind.VISIBLE_IF), ("required_if", ChangeKind.REQUIRED_IF))
_FORM_PROPS = (("name", ChangeKind.FORM_RENAMED), ("description", ChangeKind.DESCRIPTION),
               ("title_field", ChangeKind.TITLE_FIELD), ("submit_label", ChangeKind.SUBMIT_LABEL))


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """What changed from ``old`` to ``new``: form properties, fields, rules, then layout.

    Against nothing (the first version) only the fields and rules are listed.
    """
    if old is None:
        empty = {"fields": [], "layout": [], "rules": []}
        return [*_field_changes(empty, new), *_rule_changes(empty, new)]
    changes: list[Change] = []
    for key, kind in _FORM_PROPS:
        if (old.get(key) or None) != (new.get(key) or None):
            changes.append(Change(kind, "", _label_of(old, key), _label_of(new, key)))
    changes.extend(_field_changes(old, new))
    changes.extend(_rule_changes(old, new))
    if _shape(old, new) != _shape(new, old):
        changes.append(Change(ChangeKind.LAYOUT))
    return changes


def _label_of(document: dict[str, Any], key: str) -> Any:
    value = document.get(key)
    if key == "title_field" and value:
        return next((f["label"] for f in document.get("fields", []) if f["id"] == value), value)
    return value


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    before = {f["id"]: f for f in old.get("fields", [])}
    after = {f["id"]: f for f in new.get("fields", [])}
    order = list(layout_field_ids(new.get("layout", [])))
    order += [fid for fid in after if fid not in order] + [f for f in before if f not in after]
    for fid in order:
        a, b = before.get(fid), after.get(fid)
        was, now = a is not None and not a.get("deleted"), b is not None and not b.get("deleted")
        if not was and now:
            kind = ChangeKind.FIELD_RESTORED if a is not None else ChangeKind.FIELD_ADDED
            yield Change(kind, b["label"], None, b["type"])
        elif was and not now:
            yield Change(ChangeKind.FIELD_REMOVED, a["label"], a["type"], None)
        elif a is not None and b is None:
            yield Change(ChangeKind.FIELD_PURGED, a["label"], a["type"], None)
        elif was and now:
            yield from _one_field(a, b)


def _one_field(a: dict[str, Any], b: dict[str, Any]) -> Iterator[Change]:
    label = b["label"]
    if a["label"] != b["label"]:
        yield Change(ChangeKind.FIELD_RENAMED, label, a["label"], b["label"])
    if a["type"] != b["type"]:
        yield Change(ChangeKind.TYPE_CHANGED, label, a["type"], b["type"])
    if bool(a.get("required")) != bool(b.get("required")):
        yield Change(ChangeKind.REQUIRED, label, bool(a.get("required")), bool(b.get("required")))
    old_config, new_config = a.get("config") or {}, b.get("config") or {}
    if old_config.get("options") != new_config.get("options"):
        yield Change(ChangeKind.OPTIONS, label, None,
                     options_diff(old_config.get("options") or [], new_config.get("options") or []))
    columns = a["type"] == b["type"] == "subtable"
    if columns and old_config.get("fields") != new_config.get("fields"):
        yield Change(ChangeKind.COLUMNS, label, None, subtables.columns_diff(a, b))
    keys = sorted(k for k in set(old_config) | set(new_config)
                  if k != "options" and not (columns and k == "fields")
                  and old_config.get(k) != new_config.get(k))
    if keys:
        yield Change(ChangeKind.SETTINGS, label, None, keys)
    for key, kind in _FIELD_FLAGS:
        if (a.get(key) or None) != (b.get(key) or None):
            yield Change(kind, label, a.get(key), b.get(key))


def options_diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
    """Options added, removed, renamed (by their stable id), recoloured and reordered."""
    before = {o.get("id"): o for o in old}
    after = {o.get("id"): o for o in new}
    kept = [i for i in after if i in before]
    return {
        "added": [after[i].get("label") for i in after if i not in before],
        "removed": [before[i].get("label") for i in before if i not in after],
        "renamed": [(before[i].get("label"), after[i].get("label")) for i in kept
                    if before[i].get("label") != after[i].get("label")],
        "recoloured": [after[i].get("label") for i in kept
                       if before[i].get("color") != after[i].get("color")],
        "reordered": [i for i in before if i in after] != kept,
    }


def _rule_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    before = {r["id"]: r for r in old.get("rules", [])}
    after = {r["id"]: r for r in new.get("rules", [])}
    for rid, rule in after.items():
        if rid not in before:
            yield Change(ChangeKind.RULE_ADDED, rule["message"])
        elif rule != before[rid]:
            yield Change(ChangeKind.RULE_CHANGED, rule["message"], before[rid]["message"],
                         rule["message"])
    for rid, rule in before.items():
        if rid not in after:
            yield Change(ChangeKind.RULE_REMOVED, rule["message"])


def _shape(document: dict[str, Any], other: dict[str, Any]) -> list[Any]:
    """The layout as nested ids, leaving out fields the other document does not show, so an
    added or removed field alone does not count as a layout change."""
    shown = set(layout_field_ids(other.get("layout", [])))

    def walk(items: list[dict[str, Any]]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if item.get("kind") == "field":
                if item["field"] in shown:
                    out.append((item["field"], item.get("span")))
            elif item.get("kind") == "section":
                out.append((item["id"], item.get("title"), item.get("columns"),
                            walk(item.get("items", []))))
            else:
                out.append((item.get("id"), item.get("text")))
        return out

    return walk(document.get("layout", []))
