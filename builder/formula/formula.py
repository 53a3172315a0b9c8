"""A compiled formula: source, syntax tree and dependencies, parsed once and cached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .checker import CheckResult, check
from .deps import dependencies
from .evaluator import evaluate
from .functions import lookup
from .nodes import Call, Node, walk
from .parser import parse
from .valuetypes import ValueType


@dataclass(frozen=True)
class Formula:
    """An immutable compiled formula, safe to share between threads and requests."""

    source: str
    ast: Node
    #: references read, as written ("f_abc123", "f_sub123.f_col456")
    dependencies: frozenset[str]
    #: uses TODAY() or NOW(), so its value changes with the clock
    volatile: bool

    def evaluate(self, values: Mapping[str, Any] | None = None,
                 now: dt.datetime | None = None, tz: dt.tzinfo | None = None) -> Any:
        """The formula's value for these field values (raises FormulaError)."""
        return evaluate(self.ast, values, now=now, tz=tz)

    def check(self, field_types: Mapping[str, Any]) -> CheckResult:
        """Every static error, or the result type."""
        return check(self.ast, field_types)

    def result_type(self, field_types: Mapping[str, Any]) -> ValueType:
        """The result type; raises the first FormulaError if the formula does not check."""
        result = self.check(field_types)
        if result.errors:
            raise result.errors[0]
        assert result.type is not None
        return result.type


@lru_cache(maxsize=2048)
def compile(source: str) -> Formula:  # noqa: A001 - the natural name, as re.compile
    """Parse ``source`` into a :class:`Formula` (cached by source); raises FormulaError."""
    ast = parse(source)
    volatile = any(isinstance(n, Call) and getattr(lookup(n.name), "volatile", False)
                   for n in walk(ast))
    return Formula(source, ast, dependencies(ast), volatile)
