"""The designer's small condition editor: rows of field + operator + value, joined by all/any.

Inputs are named after a prefix, e.g. ``visible_if.mode``, ``visible_if.count`` and
``visible_if.0.field`` / ``.op`` / ``.value`` / ``.value2`` / ``.other``. Values are kept
as the text the builder typed (a list for "is one of" and "between"); the field type
parses them whenever the condition is evaluated, and :func:`parse` checks them now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from .. import fields as field_types
from ..fields import Field, ValueInvalid
from .labels import OPERATOR_LABELS, prop_label

MAX_ROWS = 50
LIST_OPS = {"in", "not_in", "has_any", "has_all", "has_none"}
_SPLIT = re.compile(r"[,，、;；\n]")


@dataclass
class Row:
    """One comparison as the editor shows it."""

    field: str
    op: str
    ops: list[tuple[str, str]]
    value_kind: str  # none, text, number, date, select, checks, pair
    value: str = ""
    value2: str = ""
    values: list[str] = field(default_factory=list)
    other: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""


def _operators(field_doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    field_type = field_types.get(field_doc["type"])
    # Entry rules run with no "me" or "today" of a viewer: context operators are views' own.
    ops = [op for op in field_type.field_operators(Field.from_document(dict(field_doc)))
           if not field_type.operator(op).context]
    return [(op, str(OPERATOR_LABELS.get(op, op))) for op in ops]


def _value_kind(field_doc: Mapping[str, Any], op: str) -> tuple[str, list[tuple[str, str]]]:
    field_type = field_types.get(field_doc["type"])
    arity = field_type.operator(op).arity
    options = [(o["id"], o["label"]) for o in (field_doc.get("config") or {}).get("options", [])]
    if arity == 0:
        return "none", []
    if field_doc["type"] == "boolean":
        return "select", [("true", _("Yes")), ("false", _("No"))]
    if options:
        return ("checks" if op in LIST_OPS else "select"), options
    if arity == 2:
        return "pair", []
    family = field_type.family
    if op not in LIST_OPS and family in ("number", "datetime") and field_doc["type"] != "time":
        return ("number" if family == "number" else "date"), []
    return "text", []


def new_row(field_doc: Mapping[str, Any]) -> Row:
    """A fresh row comparing ``field_doc`` with its first operator."""
    ops = _operators(field_doc)
    kind, choices = _value_kind(field_doc, ops[0][0])
    return Row(field=field_doc["id"], op=ops[0][0], ops=ops, value_kind=kind, choices=choices)


def rows(cond: Mapping[str, Any] | None, candidates: Mapping[str, Mapping[str, Any]]
         ) -> tuple[str, list[Row]]:
    """The mode (all/any) and rows of a stored condition, for the editor."""
    if not cond:
        return "all", []
    mode = "any" if "any" in cond else "all"
    items = cond.get(mode) if (("all" in cond) or ("any" in cond)) else [cond]
    out = []
    for item in items or []:
        if not isinstance(item, Mapping) or item.get("field") not in candidates:
            continue
        out.append(_row(item, candidates[item["field"]]))
    return mode, out


def _row(item: Mapping[str, Any], field_doc: Mapping[str, Any]) -> Row:
    row = new_row(field_doc)
    if item.get("op") in dict(row.ops):
        row.op = item["op"]
        row.value_kind, row.choices = _value_kind(field_doc, row.op)
    value = item.get("value")
    if isinstance(value, list):
        row.values = [_text(v) for v in value]
        row.value = "、".join(row.values)
        if row.value_kind == "pair" and len(value) == 2:
            row.value, row.value2 = _text(value[0]), _text(value[1])
    elif value is not None:
        row.value = _text(value)
        row.values = [row.value]
    row.other = str(item.get("other_field") or "")
    return row


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def parse(form: Mapping[str, Any], prefix: str, candidates: Mapping[str, Mapping[str, Any]],
          action: str = "") -> tuple[dict[str, Any] | None, list[Row], str, list[str]]:
    """Read the editor's inputs: (condition or None, rows to show again, mode, errors).

    ``action`` is the button the builder pressed: ``cond_add:<prefix>`` adds a row,
    ``cond_remove:<prefix>:<n>`` removes row n.
    """
    mode = "any" if _get(form, f"{prefix}.mode") == "any" else "all"
    count = _count(form, f"{prefix}.count")
    found: list[Row] = []
    errors: list[str] = []
    for index in range(count):
        if action == f"cond_remove:{prefix}:{index}":
            continue
        fid = _get(form, f"{prefix}.{index}.field")
        if fid not in candidates:
            continue
        row = _read_row(form, f"{prefix}.{index}", candidates[fid], candidates)
        found.append(row)
    if action == f"cond_add:{prefix}" and candidates and len(found) < MAX_ROWS:
        found.append(new_row(next(iter(candidates.values()))))
    items = []
    for number, row in enumerate(found, start=1):
        item, error = _item(row, candidates[row.field])
        if error:
            row.error = error
            what = prop_label(prefix.split(".")[0])
            errors.append(_("%(what)s, row %(n)d: %(problem)s", what=what, n=number,
                            problem=error))
        items.append(item)
    return ({mode: items} if items else None), found, mode, errors


def _get(form: Mapping[str, Any], key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _getlist(form: Any, key: str) -> list[str]:
    if hasattr(form, "getlist"):
        return [v.strip() for v in form.getlist(key) if isinstance(v, str) and v.strip()]
    value = form.get(key)
    return [value] if isinstance(value, str) and value else []


def _count(form: Mapping[str, Any], key: str) -> int:
    raw = _get(form, key)
    return min(int(raw), MAX_ROWS) if raw.isdigit() and len(raw) < 4 else 0


def _read_row(form: Any, key: str, field_doc: Mapping[str, Any],
              candidates: Mapping[str, Mapping[str, Any]]) -> Row:
    row = new_row(field_doc)
    op = _get(form, f"{key}.op")
    if op in dict(row.ops):
        row.op = op
    row.value_kind, row.choices = _value_kind(field_doc, row.op)
    row.value = _get(form, f"{key}.value")[:500]
    row.value2 = _get(form, f"{key}.value2")[:500]
    row.values = _getlist(form, f"{key}.value")[:100]
    other = _get(form, f"{key}.other")
    row.other = other if other in candidates and other != field_doc["id"] else ""
    return row


def _item(row: Row, field_doc: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    item: dict[str, Any] = {"field": row.field, "op": row.op}
    if row.value_kind == "none":
        return item, ""
    if row.other:
        item["other_field"] = row.other
        return item, ""
    if row.value_kind == "pair":
        value: Any = [row.value, row.value2]
    elif row.value_kind == "checks":
        value = row.values
    elif row.op in LIST_OPS:
        value = [part.strip() for part in _SPLIT.split(row.value) if part.strip()]
    else:
        value = row.value
    item["value"] = value
    if value in ("", []) or (isinstance(value, list) and "" in value):
        return item, _("%(label)s: enter a value to compare with", label=field_doc["label"])
    field_type = field_types.get(field_doc["type"])
    try:
        field_type.filter_value(Field.from_document(dict(field_doc)), row.op, value)
    except ValueInvalid as exc:
        return item, f"{field_doc['label']}: {exc.message}"
    except (ValueError, TypeError):
        return item, _("%(label)s: enter a value", label=field_doc["label"])
    return item, ""
