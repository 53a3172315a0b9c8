"""Pure steps of the write path: coerce, decide visibility, check rules. No database here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from flask_babel import gettext as _

from builder import conditions
from builder.db import utcnow
from builder.fields import ValueInvalid
from builder.fields.normalize import DEFAULT_SUFFIXES, normalize

from .computed import compute_formulas
from .schema import PublishedForm


@dataclass
class Prepared:
    """The outcome of preparing input: values to store and errors by field id."""

    values: dict[str, Any] = dc_field(default_factory=dict)
    errors: dict[str, list[str]] = dc_field(default_factory=dict)
    visible: set[str] = dc_field(default_factory=set)

    def add_error(self, field_id: str, message: str) -> None:
        """Record one message for a field ('' for the whole form)."""
        self.errors.setdefault(field_id, []).append(message)


def prepare(form: PublishedForm, data: Mapping[str, Any],
            existing: Mapping[str, Any] | None = None) -> Prepared:
    """Coerce submitted values over the stored ones, then apply visibility and rules.

    ``data`` maps field ids to raw input; fields absent from ``data`` keep their
    ``existing`` value (an update sends only what changed). Hidden fields (their
    ``visible_if`` is false) are cleared so no stale value survives.
    """
    result = Prepared(values=dict(existing or {}))
    for field in form.fields:
        field_type = form.type_of(field.id)
        if field.id not in data or field_type.readonly:
            result.values.setdefault(field.id, None)
            if field.id in data:
                _refuse_readonly(form, field, data[field.id], result)
            continue
        try:
            result.values[field.id] = field_type.coerce(field, data[field.id])
        except ValueInvalid as exc:
            for message in exc.messages:
                result.add_error(field.id, message)
            for part, messages in exc.parts.items():  # a sub-table's cells: "f_sub.1.f_qty"
                result.errors[f"{field.id}.{part}"] = list(messages)
            result.values[field.id] = exc.partial
    compute_formulas(form, result.values, utcnow())
    _apply_visibility(form, result)
    _check_required(form, result)
    if not result.errors:
        _check_rules(form, result)
    return result


def _refuse_readonly(form: PublishedForm, field, raw: Any, result: Prepared) -> None:
    """A read-only field keeps its value; typed input is refused, blank input ignored."""
    try:
        form.type_of(field.id).coerce(field, raw)
    except ValueInvalid as exc:
        result.add_error(field.id, exc.message)


def _safe_evaluate(cond, values, form: PublishedForm) -> bool:
    try:
        return conditions.evaluate(cond, values, form.field_map)
    except conditions.ConditionInvalid:
        return True  # a rule that no longer makes sense must not block entry


def _apply_visibility(form: PublishedForm, result: Prepared) -> None:
    result.visible.update(form.raw_fields)
    # in document order: a field hidden here counts as empty for the conditions after it
    for field_id, condition in form.shown_if:
        if not _safe_evaluate(condition, result.values, form):
            result.visible.discard(field_id)
            result.values[field_id] = None
            for key in [k for k in result.errors
                        if k == field_id or k.startswith(field_id + ".")]:
                del result.errors[key]


def required_now(form: PublishedForm, values: Mapping[str, Any]) -> set[str]:
    """The fields that must be filled in given these values (required or required_if)."""
    return {field_id for field_id, condition in form.required_when
            if condition is None or _safe_evaluate(condition, values, form)}


def _check_required(form: PublishedForm, result: Prepared) -> None:
    for field_id, condition in form.required_when:  # in document order
        if (field_id in result.visible and field_id not in result.errors
                and result.values.get(field_id) in (None, "", [])
                and (condition is None or _safe_evaluate(condition, result.values, form))):
            result.add_error(field_id, _("is required"))


def _check_rules(form: PublishedForm, result: Prepared) -> None:
    for rule in form.document.get("rules", []):
        if not _safe_evaluate(rule["condition"], result.values, form):
            targets = [f for f in rule.get("fields", []) if f in result.visible] or [""]
            result.add_error(targets[0], rule["message"])


def unique_keys(form: PublishedForm, values: Mapping[str, Any]) -> dict[str, Any]:
    """The value of each unique field's key column (normalised where configured)."""
    keys: dict[str, Any] = {}
    for field_id, normalised in form.unique.items():
        value = values.get(field_id)
        if normalised and isinstance(value, str):
            rule = form.raw_fields[field_id]["unique"]
            keys[form.unique_column(field_id)] = normalize(
                value, rule.get("steps", []), rule.get("suffixes") or DEFAULT_SUFFIXES)
        elif normalised:
            keys[form.unique_column(field_id)] = None if value is None else str(value)
    return keys


def changes(form: PublishedForm, before: Mapping[str, Any], after: Mapping[str, Any]
            ) -> dict[str, list[Any]]:
    """Each changed live field's [old, new] as JSON values."""
    diff: dict[str, list[Any]] = {}
    for field in form.fields:
        old, new = before.get(field.id), after.get(field.id)
        if old != new:
            field_type = form.type_of(field.id)
            diff[field.id] = [field_type.to_json(field, old), field_type.to_json(field, new)]
    return diff


def values_at(form: PublishedForm, entries: Iterable[Any], entry_id: int) -> dict[str, Any]:
    """The JSON value of each editable live field right after history entry ``entry_id``.

    ``entries`` run oldest first; every record starts with all fields empty, so
    replaying each change's new value up to the entry rebuilds the record.
    """
    state: dict[str, Any] = {}
    for entry in entries:
        for field_id, (_old, new) in (entry.changes or {}).items():
            state[field_id] = new
        if entry.id == entry_id:
            break
    return {f.id: state.get(f.id) for f in form.fields if not form.type_of(f.id).readonly}
