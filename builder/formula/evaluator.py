"""The evaluator: a syntax tree plus field values → a value, or a FormulaError.

Any input gives a value or a FormulaError: arithmetic and range exceptions are
turned into FormulaErrors at the node that raised them, with its position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import localcontext
from typing import Any

from .errors import FormulaError, _l
from .functions import Function, P, argument, lookup
from .nodes import Binary, Blank, Boolean, Call, Chain, FieldRef, Node, Number, Text, Unary
from .operators import ARITHMETIC, compare, map_error, negate, operator, percent
from .values import (
    CONTEXT,
    Context,
    as_bool,
    as_date,
    as_number,
    as_scalar,
    as_text,
    coerce_input,
)
from .values import (
    lookup as lookup_value,
)


def evaluate(node: Node, values: Mapping[str, Any] | None = None,
             now: dt.datetime | None = None, tz: dt.tzinfo | None = None) -> Any:
    """Evaluate ``node`` with field ``values`` (keyed by field id, or "sub.col").

    ``now`` is the clock for TODAY()/NOW() (default: the current time); ``tz`` the time
    zone in which dates are read (default: ``now``'s, else UTC). A missing field is blank.
    """
    zone = tz or (now.tzinfo if now is not None and now.tzinfo else dt.UTC)
    if now is None:
        now = dt.datetime.now(zone)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    ctx = Context(values or {}, now, zone)
    try:
        with localcontext(CONTEXT):
            return Evaluator(ctx).eval(node)
    except RecursionError:
        raise FormulaError(_l("the formula is nested too deeply"), code="limit") from None


class Evaluator:
    """Evaluates nodes in one context; functions call back for lazy arguments."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def eval(self, node: Node) -> Any:
        """The value of ``node``."""
        try:
            return self._eval(node)
        except FormulaError as err:
            err.at(node.pos)
            raise
        except (ArithmeticError, ValueError) as exc:
            raise map_error(exc).at(node.pos) from exc

    def _eval(self, node: Node) -> Any:
        if isinstance(node, (Number, Text, Boolean)):
            return node.value
        if isinstance(node, Blank):
            return None
        if isinstance(node, FieldRef):
            raw = lookup_value(self.ctx.values, node.field, node.column)
            return coerce_input(raw, self.ctx.tz, node.key)
        if isinstance(node, Unary):
            operand = self.eval(node.operand)
            return percent(operand) if node.op == "%" else (
                negate(operand) if node.op == "-" else as_number(operand, operator("+")))
        if isinstance(node, Binary):
            left, right = self.eval(node.left), self.eval(node.right)
            if node.op == "^":
                return ARITHMETIC["^"](left, right, self.ctx.tz)
            return compare(node.op, left, right, self.ctx.tz)
        if isinstance(node, Chain):
            return self.chain(node)
        if isinstance(node, Call):
            return self.call(node)
        raise FormulaError(_l("the formula contains something that is not a formula"),
                           code="syntax")

    def chain(self, node: Chain) -> Any:
        """Fold a run of left-associative operators."""
        value = self.eval(node.first)
        for step in node.rest:
            right = self.eval(step.operand)
            try:
                value = ARITHMETIC[step.op](value, right, self.ctx.tz)
            except FormulaError as err:
                err.at(step.pos)
                raise
            except (ArithmeticError, ValueError) as exc:
                raise map_error(exc).at(step.pos) from exc
        return value

    def call(self, node: Call) -> Any:
        """Call a function: lazy ones get this evaluator, eager ones coerced arguments."""
        function = lookup(node.name)
        if function is None:
            raise FormulaError(_l("unknown function %(name)s", name=node.name),
                               code="unknown_function")
        function.check_arity(len(node.args), node.pos)
        if function.lazy:
            return function.impl(self.ctx, self, node)
        args = [self.argument(node, index, function) for index in range(len(node.args))]
        return function.impl(self.ctx, *args)

    def argument(self, node: Call, index: int, function: Function | None = None) -> Any:
        """Evaluate argument ``index`` of ``node`` and coerce it to its parameter kind."""
        function = function or lookup(node.name)
        assert function is not None
        arg = node.args[index]
        value = self.eval(arg)
        try:
            return _coerce(function.kind(index), value, argument(function.name, index), self.ctx)
        except FormulaError as err:
            err.at(arg.pos)
            raise


def _coerce(kind: P, value: Any, where: Any, ctx: Context) -> Any:
    if kind is P.NUMBER:
        return as_number(value, where)
    if kind is P.TEXT:
        return as_text(value, where, ctx.tz)
    if kind is P.DATE:
        return as_date(as_scalar(value, where), where)
    if kind is P.BOOLEAN:
        return as_bool(value, where)
    if kind is P.SCALAR:
        return as_scalar(value, where)
    return value
