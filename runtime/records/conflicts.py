"""When someone else saved a record while it was being edited: what clashes, what to take.

For each field the other person changed (their value differs from the version
the editor started from):
- the editor left it alone → the form takes their value (nothing to decide);
- the editor changed it too, to something else → a conflict: the form keeps the
  editor's value and shows theirs beside it, and saving again applies the editor's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.fields import ValueInvalid, subtable

from . import display, entry
from .display import Shown
from .schema import PublishedForm
from .service import Record

_UNPARSABLE = object()


@dataclass
class Clash:
    """One field someone else changed: the editor's value and theirs, for display."""

    field_id: str
    label: str
    mine: Shown
    theirs: Shown


@dataclass
class Merge:
    """The form values to show again, the real conflicts and the changes taken over."""

    values: dict[str, Any]
    conflicts: list[Clash] = field(default_factory=list)
    taken: list[Clash] = field(default_factory=list)


def merge(form: PublishedForm, submitted: Mapping[str, Any], base: Mapping[str, Any] | None,
          current: Record, names: Mapping[int, str]) -> Merge:
    """Compare the submission, the version it started from (JSON; None if unknown) and now."""
    result = Merge(values=dict(submitted))
    for f in form.fields:
        field_type = form.type_of(f.id)
        if field_type.readonly or f.id not in submitted:
            continue
        theirs = current.values.get(f.id)
        theirs_json = _typed(f, field_type.to_json(f, theirs))
        base_json = _typed(f, base.get(f.id)) if base is not None else None
        if base is not None and base_json == theirs_json:
            continue  # they did not change this field
        mine, mine_json = _coerce(form, f.id, submitted[f.id])
        mine_json = _typed(f, mine_json)
        if mine_json == theirs_json:
            continue
        clash = Clash(f.id, f.label, _shown(f, mine, submitted[f.id], names),
                      display.plain(display.show(f, theirs, names)))
        if base is not None and mine_json == base_json:
            result.values[f.id] = entry.form_value(form, f.id, theirs)
            result.taken.append(clash)
        else:
            result.conflicts.append(clash)
    return result


def _typed(f, value_json: Any) -> Any:
    """What people typed of a value: a sub-table's rows without their formula cells (the
    form does not post them; they are calculated on save)."""
    if f.type != "subtable" or not isinstance(value_json, list):
        return value_json
    formulas = {c.id for c in subtable.columns(f) if c.type == "formula"}
    return [{k: v for k, v in row.items() if k not in formulas} if isinstance(row, dict)
            else row for row in value_json]


def _coerce(form: PublishedForm, field_id: str, raw: Any) -> tuple[Any, Any]:
    f = form.field_map[field_id]
    field_type = form.type_of(field_id)
    try:
        value = field_type.coerce(f, raw)
    except ValueInvalid:
        return _UNPARSABLE, _UNPARSABLE
    return value, field_type.to_json(f, value)


def _shown(f, value: Any, raw: Any, names: Mapping[int, str]) -> Shown:
    if value is _UNPARSABLE:
        return Shown("text", text=str(raw))
    return display.plain(display.show(f, value, names))
