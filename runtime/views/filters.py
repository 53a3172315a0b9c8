"""The filter builder: a condition shown as rows and groups, and read back from the form.

Inputs are named by position: ``join`` (all/any) for the whole filter, ``c<n>.field`` /
``.op`` / ``.value`` (repeated for lists) / ``.value2`` for a condition at the top,
``g<n>.join`` and ``g<n>.c<m>.…`` for a condition inside group n. The button pressed is
``_act``: ``add``, ``add_group``, ``add:g<n>``, ``del:c<n>``, ``del:g<n>``,
``del:g<n>.c<m>``, ``apply`` or ``clear``. The server rebuilds the editor on every
change (a field's operators and value input depend on its type), so no JavaScript
is needed. Filters nested deeper than groups in a group are shown read-only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from builder import conditions
from builder import fields as field_types
from builder.fields import Field, ValueInvalid
from builder.forms.labels import OPERATOR_LABELS

from ..records.schema import PublishedForm

MAX_ITEMS = 50
LIST_OPS = frozenset({"in", "not_in", "has_any", "has_all", "has_none"})
_SPLIT = re.compile(r"[,，、;；\n]")
_KEY = re.compile(r"^(?:g(\d{1,2})\.)?c(\d{1,2})\.(field|op|value|value2)$|^g(\d{1,2})\.join$")
_STAND_IN = conditions.Context(user_id=1, department_id=1, today=date(2000, 1, 1))
DATE_LABELS = {"gt": _l("is after"), "gte": _l("is on or after"), "lt": _l("is before"),
               "lte": _l("is on or before")}
TIME_TYPES = frozenset({"date", "datetime", "time", "created_at", "updated_at"})
INPUT_TYPES = {"date": "date", "datetime": "datetime-local", "created_at": "datetime-local",
               "updated_at": "datetime-local", "time": "time"}


@dataclass
class Row:
    """One comparison as the builder shows it."""

    field: str
    op: str
    ops: list[tuple[str, str]]
    kind: str  # none, one, pair, list, select, multi, days
    input_type: str = "text"
    value: str = ""
    value2: str = ""
    values: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""


@dataclass
class Group:
    """A group of comparisons joined by all (AND) or any (OR)."""

    join: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Editor:
    """The whole filter builder."""

    join: str = "all"
    items: list[Row | Group] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: the filter nests deeper than the builder shows; it can be cleared, not edited
    too_deep: bool = False

    @property
    def count(self) -> int:
        """How many comparisons the filter has."""
        return sum(len(i.rows) if isinstance(i, Group) else 1 for i in self.items)


def op_label(f: Field, op: str) -> str:
    """How an operator reads for a field ("is before" for dates, "less than" for numbers)."""
    if f.type in TIME_TYPES and op in DATE_LABELS:
        return str(DATE_LABELS[op])
    return str(OPERATOR_LABELS.get(op, op))


def filterable(form: PublishedForm) -> dict[str, Field]:
    """The fields a filter can test, in form order."""
    return {fid: f for fid, f in form.field_map.items() if field_types.get(f.type).operators}


def _choices(f: Field, choice_lists: dict[str, list[tuple[str, str]]]
             ) -> list[tuple[str, str]]:
    from ..records import widgets

    if f.type == "boolean":
        return [("true", _("Yes")), ("false", _("No"))]
    options = f.config.get("options") or []
    if options:
        return [(o["id"], o["label"]) for o in options]
    kind = {"member": "users", "owner": "users", "created_by": "users", "updated_by": "users",
            "department": "departments"}.get(f.type)
    if kind and kind not in choice_lists:
        found = widgets.member_choices() if kind == "users" else widgets.department_choices()
        choice_lists[kind] = [(str(i), name) for i, name in found]
    return choice_lists.get(kind, []) if kind else []


def new_row(f: Field, choice_lists: dict[str, list[tuple[str, str]]], op: str = "") -> Row:
    """A comparison on ``f`` with ``op`` (its first operator when not given)."""
    field_type = field_types.get(f.type)
    ops = [(key, op_label(f, key)) for key in field_type.operators]
    if op not in dict(ops):
        op = ops[0][0]
    row = Row(field=f.id, op=op, ops=ops, kind="one")
    operator = field_type.operator(op)
    row.input_type = "number" if field_type.family == "number" else INPUT_TYPES.get(f.type,
                                                                                    "text")
    if op in ("within_last", "within_next"):
        row.kind, row.input_type = "days", "number"
    elif operator.arity == 0:
        row.kind = "none"
    elif choices := _choices(f, choice_lists):
        row.kind, row.choices = ("multi" if op in LIST_OPS else "select"), choices
    elif operator.arity == 2:
        row.kind = "pair"
    elif op in LIST_OPS:
        row.kind, row.input_type = "list", "text"
    return row


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# ---------------------------------------------------------------- condition → editor


def from_condition(cond: Mapping[str, Any] | None, form: PublishedForm) -> Editor:
    """The builder showing a stored condition."""
    known = filterable(form)
    editor = Editor(fields=[(fid, f.label) for fid, f in known.items()])
    if not cond:
        return editor
    lists: dict[str, list[tuple[str, str]]] = {}
    if "all" not in cond and "any" not in cond:
        cond = {"all": [cond]}
    editor.join = "any" if "any" in cond else "all"
    for item in cond.get(editor.join) or []:
        if not isinstance(item, Mapping):
            continue
        if "all" in item or "any" in item:
            join = "any" if "any" in item else "all"
            group = Group(join)
            for inner in item.get(join) or []:
                if isinstance(inner, Mapping) and ("all" in inner or "any" in inner):
                    editor.too_deep = True
                elif isinstance(inner, Mapping) and inner.get("field") in known:
                    group.rows.append(_row_from(inner, known, lists))
            editor.items.append(group)
        elif item.get("field") in known:
            editor.items.append(_row_from(item, known, lists))
    return editor


def _row_from(item: Mapping[str, Any], known: dict[str, Field], lists) -> Row:
    row = new_row(known[item["field"]], lists, item.get("op", ""))
    value = item.get("value")
    if isinstance(value, list):
        row.values = [_text(v) for v in value]
        if row.kind == "pair" and len(value) == 2:
            row.value, row.value2 = row.values
        else:
            row.value = "、".join(row.values)
    else:
        row.value = _text(value)
        row.values = [row.value] if row.value else []
    return row


# ---------------------------------------------------------------- form → editor


def from_args(args: MultiDict, form: PublishedForm) -> Editor:
    """The builder as submitted, with the pressed button's change applied."""
    known = filterable(form)
    editor = Editor(join="any" if args.get("join") == "any" else "all",
                    fields=[(fid, f.label) for fid, f in known.items()])
    lists: dict[str, list[tuple[str, str]]] = {}
    action = args.get("_act", "")
    top: dict[int, Row | Group] = {}
    inner: dict[int, dict[int, Row]] = {}
    for key in args:
        match = _KEY.match(key)
        if match is None:
            continue
        if match.group(4) is not None:  # g<n>.join
            top[int(match.group(4))] = Group("any" if args.get(key) == "any" else "all")
            continue
        if match.group(3) != "field":
            continue
        outer, index = match.group(1), int(match.group(2))
        prefix = f"g{outer}.c{index}" if outer is not None else f"c{index}"
        row = None if action == f"del:{prefix}" else _read_row(args, prefix, known, lists)
        if row is not None and outer is None:
            top[index] = row
        elif row is not None:
            inner.setdefault(int(outer), {})[index] = row
    for position in sorted(top):
        item = top[position]
        if isinstance(item, Group):
            if action == f"del:g{position}":
                continue
            item.rows = [r for _i, r in sorted(inner.get(position, {}).items())]
            if action == f"add:g{position}" and known and editor.count < MAX_ITEMS:
                item.rows.append(new_row(next(iter(known.values())), lists))
        editor.items.append(item)
    _add(editor, action, known, lists)
    return editor


def _read_row(args: MultiDict, prefix: str, known: dict[str, Field], lists) -> Row | None:
    f = known.get(args.get(f"{prefix}.field", ""))
    if f is None:
        return None
    row = new_row(f, lists, args.get(f"{prefix}.op", ""))
    row.value = (args.get(f"{prefix}.value") or "").strip()[:500]
    row.value2 = (args.get(f"{prefix}.value2") or "").strip()[:500]
    row.values = [v.strip()[:500] for v in args.getlist(f"{prefix}.value") if v.strip()][:100]
    return row


def _add(editor: Editor, action: str, known: dict[str, Field], lists) -> None:
    if not known or editor.count >= MAX_ITEMS:
        return
    first = next(iter(known.values()))
    if action == "add":
        editor.items.append(new_row(first, lists))
    elif action == "add_group":
        editor.items.append(Group("any", [new_row(first, lists)]))


# ---------------------------------------------------------------- editor → condition


def to_condition(editor: Editor, form: PublishedForm) -> tuple[dict[str, Any] | None, int]:
    """The condition the builder describes, and how many rows have a problem (marked)."""
    known = filterable(form)
    items: list[dict[str, Any]] = []
    problems = 0
    for item in editor.items:
        if isinstance(item, Group):
            inner = [_item(row, known[row.field]) for row in item.rows]
            problems += sum(1 for row in item.rows if row.error)
            if inner:
                items.append({item.join: inner})
        else:
            items.append(_item(item, known[item.field]))
            problems += bool(item.error)
    return ({editor.join: items} if items else None), problems


def _item(row: Row, f: Field) -> dict[str, Any]:
    item: dict[str, Any] = {"field": row.field, "op": row.op}
    if row.kind == "none":
        return item
    if row.kind == "pair":
        value: Any = [row.value, row.value2]
    elif row.kind == "multi":
        value = row.values
    elif row.kind == "list":
        value = [part.strip() for part in _SPLIT.split(row.value) if part.strip()]
    else:
        value = row.value
    item["value"] = value
    if value in ("", []) or (isinstance(value, list) and "" in value):
        row.error = _("%(label)s: enter a value to compare with", label=f.label)
        return item
    field_type = field_types.get(f.type)
    try:
        if field_type.operator(row.op).context:
            field_type.context_value(f, row.op, value, _STAND_IN)
        else:
            field_type.filter_value(f, row.op, value)
    except ValueInvalid as exc:
        row.error = _("%(label)s: %(message)s", label=f.label, message=exc.message)
    except (ValueError, TypeError):
        row.error = _("%(label)s: enter a value", label=f.label)
    return item

