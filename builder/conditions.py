"""The condition grammar shared by visibility rules, cross-field rules, views and scopes.

A condition is ``{"all": [...]}``, ``{"any": [...]}`` or a comparison
``{"field": id, "op": key, "value": v}`` (or ``"other_field": id`` instead of a
value). :func:`evaluate` answers it in Python for one record and :func:`to_sql`
compiles it to a SQL expression; for every operator they give the same answer.
Context operators ("is me", "my department", "today", "within the last N days")
take their operand from a :class:`Context` (who asks, and their today) passed to both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from . import fields as field_types
from .fields import Field, ValueInvalid
from .fields.operators import Context

__all__ = ["ConditionInvalid", "Context", "SideColumn", "check", "evaluate",
           "referenced_fields", "to_sql", "uses_context"]

MAX_DEPTH = 8


class ConditionInvalid(ValueError):
    """The condition refers to an unknown field or operator, or has a bad operand."""


@dataclass(frozen=True)
class SideColumn:
    """Stands in ``columns`` for a field kept in a side table (many links, sub-tables).

    The field's type compiles its operators itself, as an EXISTS over ``side``
    correlated on ``record_id`` = ``record_id_column``.
    """

    side: Any
    record_id_column: Any


def _comparison(cond: Mapping[str, Any], fields: Mapping[str, Field],
                context: Context | None = None):
    field = fields.get(cond.get("field", ""))
    if field is None:
        raise ConditionInvalid(f"unknown field {cond.get('field')!r}")
    field_type = field_types.get(field.type)
    op = cond.get("op", "")
    if op not in field_type.field_operators(field):
        raise ConditionInvalid(f"{field.type} fields have no operator {op!r}")
    operator = field_type.operator(op)
    other = cond.get("other_field")
    if other is not None and other not in fields:
        raise ConditionInvalid(f"unknown field {other!r}")
    if other is not None and operator.context:
        raise ConditionInvalid(f"{op!r} does not compare with another field")
    try:
        if other is not None:
            operand = None
        elif operator.context:
            operand = field_type.context_value(field, op, cond.get("value"), context)
        else:
            operand = field_type.filter_value(field, op, cond.get("value"))
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
             fields: Mapping[str, Field], _depth: int = 0, *,
             context: Context | None = None) -> bool:
    """Whether ``record`` (field id → value) satisfies the condition; None is true.

    ``context`` says who asks and when, for "is me", "today" and the like; a
    condition that uses them without one is refused (ConditionInvalid).
    """
    if not cond:
        return True
    group = _children(cond, _depth)
    if group is not None:
        key, items = group
        results = (evaluate(item, record, fields, _depth + 1, context=context)
                   for item in items)
        return all(results) if key == "all" else any(results)
    field, operator, operand, other = _comparison(cond, fields, context)
    if other is not None:
        operand = record.get(other)
        if operator.arity == 1 and operand is None:
            return False
    return bool(operator.py(record.get(field.id), operand))


def to_sql(cond: Mapping[str, Any] | None, columns: Mapping[str, Any],
           fields: Mapping[str, Field], _depth: int = 0, *,
           context: Context | None = None) -> Any:
    """The SQL expression for the condition over ``columns`` (field id → column)."""
    if not cond:
        return sa.true()
    group = _children(cond, _depth)
    if group is not None:
        key, items = group
        parts = [to_sql(item, columns, fields, _depth + 1, context=context) for item in items]
        if not parts:
            return sa.true() if key == "all" else sa.false()
        return sa.and_(*parts) if key == "all" else sa.or_(*parts)
    field, operator, operand, other = _comparison(cond, fields, context)
    column = columns[field.id]
    if isinstance(column, SideColumn) or isinstance(columns.get(other), SideColumn):
        if other is not None:
            raise ConditionInvalid(f"{field.label}: cannot be compared with another field")
        return field_types.get(field.type).side_sql(field, operator.key, operand, column)
    if other is not None:
        right = columns[other]
        return sa.and_(right.is_not(None), operator.sql(columns[field.id], right))
    return operator.sql(column, operand)


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


def check(cond: Mapping[str, Any] | None, fields: Mapping[str, Field], *,
          context: Context | None = None) -> None:
    """Raise ConditionInvalid unless every comparison names a field, an operator and a value
    it can use (context operators are checked against ``context`` or a stand-in one)."""
    _check(cond, fields, context or _STAND_IN, 0)


def _check(cond: Mapping[str, Any] | None, fields: Mapping[str, Field], context: Context,
           depth: int) -> None:
    if not cond:
        return
    if not isinstance(cond, Mapping):
        raise ConditionInvalid("a condition must be an object")
    group = _children(cond, depth)
    if group is None:
        _comparison(cond, fields, context)
        return
    for item in group[1]:
        _check(item, fields, context, depth + 1)


def uses_context(cond: Mapping[str, Any] | None) -> bool:
    """Whether the condition mentions "is me", "today" or another context operator."""
    from .fields.operators import OPERATORS

    if not isinstance(cond, Mapping):
        return False
    for key in ("all", "any"):
        items = cond.get(key)
        if isinstance(items, list) and any(uses_context(item) for item in items):
            return True
    found = OPERATORS.get(cond.get("op", ""))
    return bool(found and found.context)


_STAND_IN = Context(user_id=1, department_id=1, today=date(2000, 1, 1))
