"""The condition grammar shared by visibility rules, cross-field rules, views and scopes.

A condition is ``{"all": [...]}``, ``{"any": [...]}`` or a comparison
``{"field": id, "op": key, "value": v}`` (or ``"other_field": id`` instead of a
value). :func:`evaluate` answers it in Python for one record and :func:`to_sql`
compiles it to a SQL expression; for every operator they give the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from . import fields as field_types
from .fields import Field, ValueInvalid

MAX_DEPTH = 8


class ConditionInvalid(ValueError):
    """The condition refers to an unknown field or operator, or has a bad operand."""


def _comparison(cond: Mapping[str, Any], fields: Mapping[str, Field]):
    field = fields.get(cond.get("field", ""))
    if field is None:
        raise ConditionInvalid(f"unknown field {cond.get('field')!r}")
    field_type = field_types.get(field.type)
    op = cond.get("op", "")
    if op not in field_type.operators:
        raise ConditionInvalid(f"{field.type} fields have no operator {op!r}")
    operator = field_type.operator(op)
    other = cond.get("other_field")
    if other is not None and other not in fields:
        raise ConditionInvalid(f"unknown field {other!r}")
    try:
        operand = None if other is not None else field_type.filter_value(
            field, op, cond.get("value"))
    except ValueInvalid as exc:
        raise ConditionInvalid(f"{field.label}: {exc.message}") from exc
    return field, operator, operand, other


def _children(cond: Mapping[str, Any], depth: int) -> tuple[str, list[Any]] | None:
    if depth > MAX_DEPTH:
        raise ConditionInvalid(f"conditions nest at most {MAX_DEPTH} levels deep")
    for key in ("all", "any"):
        if key in cond:
            items = cond[key]
            if not isinstance(items, list):
                raise ConditionInvalid(f"{key} must be a list")
            return key, items
    return None


def evaluate(cond: Mapping[str, Any] | None, record: Mapping[str, Any],
             fields: Mapping[str, Field], _depth: int = 0) -> bool:
    """Whether ``record`` (field id → value) satisfies the condition; None is true."""
    if not cond:
        return True
    group = _children(cond, _depth)
    if group is not None:
        key, items = group
        results = (evaluate(item, record, fields, _depth + 1) for item in items)
        return all(results) if key == "all" else any(results)
    field, operator, operand, other = _comparison(cond, fields)
    if other is not None:
        operand = record.get(other)
        if operator.arity == 1 and operand is None:
            return False
    return bool(operator.py(record.get(field.id), operand))


def to_sql(cond: Mapping[str, Any] | None, columns: Mapping[str, Any],
           fields: Mapping[str, Field], _depth: int = 0) -> Any:
    """The SQL expression for the condition over ``columns`` (field id → column)."""
    if not cond:
        return sa.true()
    group = _children(cond, _depth)
    if group is not None:
        key, items = group
        parts = [to_sql(item, columns, fields, _depth + 1) for item in items]
        if not parts:
            return sa.true() if key == "all" else sa.false()
        return sa.and_(*parts) if key == "all" else sa.or_(*parts)
    field, operator, operand, other = _comparison(cond, fields)
    if other is not None:
        right = columns[other]
        return sa.and_(right.is_not(None), operator.sql(columns[field.id], right))
    return operator.sql(columns[field.id], operand)


def referenced_fields(cond: Mapping[str, Any] | None) -> set[str]:
    """Every field id a condition mentions (for dependency tracking)."""
    if not cond:
        return set()
    found: set[str] = set()
    for key in ("all", "any"):
        for item in cond.get(key, []) or []:
            found |= referenced_fields(item)
    for key in ("field", "other_field"):
        if isinstance(cond.get(key), str):
            found.add(cond[key])
    return found
