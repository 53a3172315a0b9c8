"""The property panel's column editor for sub-tables: columns shown as rows, and read back.

Inputs are ``config.fields.count`` and, per column N, ``config.fields.N.id`` /
``.label`` / ``.type`` / ``.required`` / ``.help``, the column type's settings as
``config.fields.N.config.<key>`` and, for select columns, ``config.fields.N.options``
(one option per line). Buttons post ``action`` = ``col_add`` or
``col_<up|down|remove>:N``; everything is a plain form field, so the editor works
with the keyboard and without JavaScript.

A new column, and a column whose type changed, gets a fresh id: values already
stored for the old column stay in the database, and a type never changes under them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from .. import fields as field_types
from ..fields.subtable import MAX_COLUMNS, SUB_TYPES
from .layout import fresh_id

NUMBER_TYPES = ("integer", "decimal", "money", "percent")
_ACTION = re.compile(r"^col_(up|down|remove):(\d{1,3})$")


@dataclass
class ColumnRow:
    """One column as the editor shows it."""

    index: int
    id: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    #: the column type's settings (inputs named config.fields.N.config.<key>)
    controls: list[Any] = field(default_factory=list)
    #: select columns: the options' labels, one per line
    options_text: str | None = None
    #: the options' ids in order (kept when labels change)
    option_ids: str = ""


def type_choices() -> list[tuple[str, str]]:
    """(type, name) of the types a column may have."""
    return [(key, field_types.get(key).name()) for key in SUB_TYPES]


def column_rows(config: Mapping[str, Any]) -> list[ColumnRow]:
    """The columns of a sub-table's config, for the editor."""
    from .panel import config_controls

    rows = []
    for index, doc in enumerate(config.get("fields") or []):
        if not isinstance(doc, Mapping):
            continue
        kind = doc.get("type") if doc.get("type") in SUB_TYPES else "text"
        sub = doc.get("config") if isinstance(doc.get("config"), Mapping) else {}
        controls = [dataclasses.replace(c, key=f"fields.{index}.config.{c.key}")
                    for c in config_controls(field_types.get(kind), sub)
                    if c.kind not in ("options", "json")]
        options = sub.get("options") if kind in ("single_select", "multi_select") else None
        rows.append(ColumnRow(
            index=index, id=str(doc.get("id", "")), label=str(doc.get("label", "")), type=kind,
            required=bool(doc.get("required")), help=str(doc.get("help") or ""),
            controls=controls,
            options_text=None if options is None else "\n".join(
                str(o.get("label", "")) for o in options if isinstance(o, Mapping)),
            option_ids=",".join(str(o.get("id", "")) for o in options or []
                                if isinstance(o, Mapping))))
    return rows


def read_columns(form: Any, action: str, errors: dict[str, list[str]],
                 read_control) -> list[dict[str, Any]]:
    """The columns the editor's inputs describe, after the pressed button's change."""
    from .panel import _get, _get_text, config_controls

    raw = _get(form, "config.fields.count")
    count = min(int(raw), MAX_COLUMNS + 1) if raw.isdigit() and len(raw) < 4 else 0
    columns = []
    for index in range(count):
        prefix = f"config.fields.{index}"
        kind = _get(form, f"{prefix}.type", 40)
        kind = kind if kind in SUB_TYPES else "text"
        column: dict[str, Any] = {"id": _get(form, f"{prefix}.id", 40),
                                  "type": kind, "label": _get(form, f"{prefix}.label")}
        if _get(form, f"{prefix}.required") in ("1", "on", "true"):
            column["required"] = True
        help_text = _get_text(form, f"{prefix}.help", 500)
        if help_text:
            column["help"] = help_text
        config: dict[str, Any] = {}
        for control in config_controls(field_types.get(kind), {}):
            if control.kind in ("options", "json"):
                continue
            named = dataclasses.replace(control, key=f"fields.{index}.config.{control.key}")
            value = read_control(form, named, errors)
            if value is not None:
                config[control.key] = value
        if kind in ("single_select", "multi_select"):
            config["options"] = _options(_get_text(form, f"{prefix}.options", 20_000),
                                         _get(form, f"{prefix}.option_ids", 20_000))
        column["config"] = config
        columns.append(column)
    return _apply(columns, action)


def _options(text: str, ids: str) -> list[dict[str, str]]:
    """Options from lines of labels; ids kept by position when only labels changed, else by
    label, so renaming an option never relabels stored values of another."""
    labels = [line.strip() for line in text.splitlines() if line.strip()][:500]
    old = [i for i in ids.split(",") if re.fullmatch(r"[a-z0-9_]{1,32}", i)]
    out: list[dict[str, str]] = []
    taken: set[str] = set()
    for position, label in enumerate(labels):
        keep = old[position] if len(old) == len(labels) else None
        if keep is None or keep in taken:
            keep = None
        out.append({"id": keep or "", "label": label[:100]})
        if keep:
            taken.add(keep)
    n = 1
    for option in out:
        if not option["id"]:
            while f"o{n}" in taken or f"o{n}" in old:
                n += 1
            option["id"] = f"o{n}"
            taken.add(option["id"])
    return out


def _apply(columns: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    if action == "col_add" and len(columns) < MAX_COLUMNS:
        columns.append({"id": "", "type": "text",
                        "label": _("Column %(n)d", n=len(columns) + 1), "config": {}})
        return columns
    match = _ACTION.match(action)
    if not match:
        return columns
    verb, index = match.group(1), int(match.group(2))
    if index >= len(columns):
        return columns
    if verb == "remove":
        del columns[index]
    else:
        target = index - 1 if verb == "up" else index + 1
        if 0 <= target < len(columns):
            columns.insert(target, columns.pop(index))
    return columns


def settle(columns: list[dict[str, Any]], before: Mapping[str, Any],
           document: dict[str, Any]) -> None:
    """Give new and retyped columns fresh ids (free in the whole form) and starting settings."""
    old = {c.get("id"): c for c in (before.get("config") or {}).get("fields") or []
           if isinstance(c, Mapping)}
    made: set[str] = set()
    for column in columns:
        previous = old.get(column["id"])
        if previous is None or previous.get("type") != column["type"] or column["id"] in made:
            column["id"] = _fresh(document, made)
            if previous is None or previous.get("type") != column["type"]:
                column["config"] = {**_starting_config(column["type"], columns),
                                    **{k: v for k, v in column["config"].items() if v}}
        made.add(column["id"])


def _fresh(document: dict[str, Any], made: set[str]) -> str:
    while True:
        candidate = fresh_id(document, "f")
        if candidate not in made:
            return candidate


def _starting_config(kind: str, columns: list[dict[str, Any]]) -> dict[str, Any]:
    """A formula multiplies the first two number columns (数量 × 单价); selects get options."""
    from .operations import default_config

    if kind == "formula":
        numbers = [c["id"] for c in columns if c["type"] in NUMBER_TYPES][:2]
        expression = " * ".join(f"{{{n}}}" for n in numbers) or "0"
        return {"expression": expression, "result": "number", "scale": 2}
    return default_config(field_types.get(kind))
