"""The static checker: result type of a formula, and every error it can find up front.

``check(ast, field_types)`` walks the tree once, infers each node's type,
reports unknown fields, wrong argument counts and type mismatches with their
positions, and carries on after an error (typing the broken part as ANY) so
that the designer can show all problems at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import FormulaError, _l
from .functions import Function, P, argument, lookup
from .nodes import Binary, Blank, Boolean, Call, Chain, FieldRef, Node, Number, Text, Unary
from .operators import operator
from .values import type_error
from .valuetypes import (
    ANY,
    BLANK,
    BOOLEAN,
    DATELIKE,
    NUMBER,
    NUMERIC,
    TEXT,
    Ty,
    ValueType,
    comparable,
    field_type,
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check`: a type when there are no errors, else the errors."""

    type: ValueType | None
    #: element type when ``type`` is LIST
    item_type: ValueType | None
    errors: tuple[FormulaError, ...]

    @property
    def ok(self) -> bool:
        """True when the formula has no errors."""
        return not self.errors


def check(node: Node, field_types: Mapping[str, Any]) -> CheckResult:
    """Infer the result type of ``node``; ``field_types`` maps ids (and "sub.col") to types."""
    checker = _Checker(field_types)
    ty = checker.visit(node)
    errors = tuple(sorted(checker.errors, key=lambda e: e.position or 0))
    if errors:
        return CheckResult(None, None, errors)
    return CheckResult(ty.kind, ty.item, ())


class _Checker:
    def __init__(self, field_types: Mapping[str, Any]):
        self.field_types = field_types
        self.errors: list[FormulaError] = []

    def report(self, error: FormulaError) -> None:
        self.errors.append(error)

    def visit(self, node: Node) -> Ty:
        if isinstance(node, Number):
            return NUMBER
        if isinstance(node, Text):
            return TEXT
        if isinstance(node, Boolean):
            return BOOLEAN
        if isinstance(node, Blank):
            return BLANK
        if isinstance(node, FieldRef):
            return self.field(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Chain):
            return self.chain(node)
        return self.call(node)

    def field(self, node: FieldRef) -> Ty:
        if node.key in self.field_types:
            declared = field_type(self.field_types[node.key])
            if node.column is not None:
                return Ty(ValueType.LIST, declared)
            return Ty(declared, ValueType.ANY if declared == ValueType.LIST else None)
        if node.column is not None and node.field in self.field_types:
            message = _l("sub-table {%(field)s} has no column {%(column)s}",
                         field=node.field, column=node.column)
        else:
            message = _l("field {%(field)s} does not exist", field=node.key)
        self.report(FormulaError(message, node.pos, "unknown_field"))
        return ANY

    def expect_number(self, ty: Ty, where: Any, pos: int) -> None:
        if ty.kind not in NUMERIC:
            wanted = "single" if ty.kind == ValueType.LIST else "number"
            self.report(type_error(where, wanted, ty.name).at(pos))

    def unary(self, node: Unary) -> Ty:
        self.expect_number(self.visit(node.operand), operator(node.op), node.pos)
        return NUMBER

    def binary(self, node: Binary) -> Ty:
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op == "^":
            self.expect_number(left, operator("^"), node.pos)
            self.expect_number(right, operator("^"), node.pos)
            return NUMBER
        if not comparable(left, right):
            self.report(FormulaError(_l("cannot compare %(left)s with %(right)s",
                                        left=left.name, right=right.name), node.pos, "type"))
        return BOOLEAN

    def chain(self, node: Chain) -> Ty:
        ty = self.visit(node.first)
        for step in node.rest:
            ty = self.step(step.op, ty, self.visit(step.operand), step.pos)
        return ty

    def step(self, op: str, left: Ty, right: Ty, pos: int) -> Ty:
        if op == "&":
            for side in (left, right):
                if side.kind == ValueType.LIST:
                    self.report(type_error(operator("&"), "single", side.name).at(pos))
            return TEXT
        if op in ("+", "-") and (left.kind in DATELIKE or right.kind in DATELIKE):
            return self.date_step(op, left, right, pos)
        self.expect_number(left, operator(op), pos)
        self.expect_number(right, operator(op), pos)
        return NUMBER

    def date_step(self, op: str, left: Ty, right: Ty, pos: int) -> Ty:
        if left.kind in DATELIKE and right.kind in DATELIKE:
            if op == "-":
                return NUMBER
            self.report(type_error(operator("+"), "number", right.name).at(pos))
            return ANY
        date, other = (left, right) if left.kind in DATELIKE else (right, left)
        if other.kind == ValueType.ANY:
            # a date or a number until evaluated: date ± number is a date, date - date days
            return ANY if op == "-" else date
        if right.kind in DATELIKE and op == "-":
            self.report(type_error(operator("-"), "number", right.name).at(pos))
            return ANY
        self.expect_number(other, operator(op), pos)
        return date

    def call(self, node: Call) -> Ty:
        function = lookup(node.name)
        if function is None:
            self.report(FormulaError(_l("unknown function %(name)s", name=node.name),
                                     node.pos, "unknown_function"))
            return ANY
        types = [self.visit(arg) for arg in node.args]
        try:
            function.check_arity(len(node.args), node.pos)
        except FormulaError as err:
            self.report(err)
            return ANY
        for index, (arg, ty) in enumerate(zip(node.args, types, strict=True)):
            self.parameter(function, index, ty, arg.pos)
        if function.typer is not None:
            return function.typer(types, node, self.report)
        return function.result

    def parameter(self, function: Function, index: int, ty: Ty, pos: int) -> None:
        wanted = _mismatch(function.kind(index), ty)
        if wanted is not None:
            listed = ty.kind == ValueType.LIST and wanted in ("numbers", "boolean")
            got = Ty(ty.item or ValueType.ANY).name if listed else ty.name
            self.report(type_error(argument(function.name, index), wanted, got).at(pos))


_SCALAR_OK = {
    P.NUMBER: (NUMERIC, "number"),
    P.DATE: (DATELIKE | {ValueType.BLANK, ValueType.ANY}, "date"),
    P.BOOLEAN: ({ValueType.BOOLEAN, ValueType.BLANK, ValueType.ANY}, "boolean"),
}


def _mismatch(kind: P, ty: Ty) -> str | None:
    """What ``kind`` wanted if ``ty`` does not fit it, else None."""
    if kind is P.ANY:
        return None
    if kind in (P.NUMBERS, P.LOGICALS):
        allowed = NUMERIC if kind is P.NUMBERS else _SCALAR_OK[P.BOOLEAN][0]
        inner = ty.item if ty.kind == ValueType.LIST else ty.kind
        if inner in allowed:
            return None
        return "numbers" if kind is P.NUMBERS else "boolean"
    if ty.kind == ValueType.LIST:
        return "single"
    if kind in _SCALAR_OK and ty.kind not in _SCALAR_OK[kind][0]:
        return _SCALAR_OK[kind][1]
    return None
