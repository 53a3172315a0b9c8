"""Row scopes as SQL (for lists, counts, exports) and in Python (for one loaded record).

Both answer the same question the same way; a contract test checks that every
scope kind gives the same records either way. A scope item that no longer
makes sense (its member field was deleted, its filter names a field that is
gone) matches nothing: a broken rule must fail closed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from builder import conditions
from runtime.records.schema import PublishedForm


@dataclass(frozen=True)
class Who:
    """The person a scope is evaluated for.

    ``departments`` are the departments they belong to or manage; ``tree`` is
    those with everything below them. Both are loaded only when a scope needs them.
    """

    user_id: int
    departments_loader: Callable[[], frozenset[int]]
    tree_loader: Callable[[], frozenset[int]]

    @property
    def departments(self) -> frozenset[int]:
        """Departments they belong to or manage."""
        return self.departments_loader()

    @property
    def tree(self) -> frozenset[int]:
        """Those departments and everything below them."""
        return self.tree_loader()


def _member_condition(form: PublishedForm, field_id: str, user_id: int) -> dict[str, Any] | None:
    found = form.field_map.get(field_id)
    if found is None or getattr(form.type_of(field_id), "references", None) != "user":
        return None
    operators = form.type_of(field_id).operators
    op = "eq" if "eq" in operators else "has" if "has" in operators else None
    if op is None:
        return None
    return {"field": field_id, "op": op, "value": user_id}


def _columns(form: PublishedForm) -> dict[str, Any]:
    from runtime.records.query import columns

    return columns(form)


def to_sql(form: PublishedForm, items: Sequence[Mapping[str, Any]], who: Who) -> Any:
    """The WHERE part for the scope over ``form``'s table (the full form); None: no limit."""
    table = form.table
    parts: list[Any] = []
    for item in items:
        kind = item.get("kind")
        if kind == "all":
            return None
        if kind == "own":
            parts.append(table.c.owner_id == who.user_id)
        elif kind == "pool":
            parts.append(table.c.owner_id.is_(None))
        elif kind in ("department", "department_tree"):
            ids = who.departments if kind == "department" else who.tree
            if ids:
                parts.append(table.c.department_id.in_(sorted(ids)))
        elif kind in ("member_field", "filter"):
            condition = (_member_condition(form, item.get("field", ""), who.user_id)
                         if kind == "member_field" else item.get("condition"))
            if condition:
                try:
                    parts.append(conditions.to_sql(condition, _columns(form), form.field_map))
                except (conditions.ConditionInvalid, KeyError):
                    pass
    return sa.or_(*parts) if parts else sa.false()


def matches(form: PublishedForm, items: Sequence[Mapping[str, Any]], who: Who,
            system: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Whether one record (system columns and full values) is inside the scope."""
    for item in items:
        kind = item.get("kind")
        if kind == "all":
            return True
        if kind == "own" and system.get("owner_id") == who.user_id:
            return True
        if kind == "pool" and system.get("owner_id") is None:
            return True
        if kind in ("department", "department_tree"):
            ids = who.departments if kind == "department" else who.tree
            if system.get("department_id") in ids:
                return True
        if kind in ("member_field", "filter") and _matches_condition(form, item, who, values):
            return True
    return False


def _matches_condition(form: PublishedForm, item: Mapping[str, Any], who: Who,
                       values: Mapping[str, Any]) -> bool:
    condition = (_member_condition(form, item.get("field", ""), who.user_id)
                 if item.get("kind") == "member_field" else item.get("condition"))
    if not condition:
        return False
    try:
        return conditions.evaluate(condition, values, form.field_map)
    except (conditions.ConditionInvalid, KeyError):
        return False
