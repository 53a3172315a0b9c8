"""Conditions and logic: IF, IFS, SWITCH, AND, OR, NOT, ISBLANK, BLANK, TRUE, FALSE.

IF, IFS and SWITCH evaluate only the branch they return; AND and OR stop at
the first argument that decides the answer. Blank counts as FALSE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import nodes
from ..errors import FormulaError, _l
from ..operators import same
from ..values import Context, as_bool
from ..valuetypes import BLANK, BOOLEAN, Ty, comparable
from .registry import P, argument, branch_mismatch, register, unify


def _unify_all(name: str, types: list[Ty], call: nodes.Call,
               report: Callable[[FormulaError], None]) -> Ty:
    result = types[0]
    for ty in types[1:]:
        joined = unify(result, ty)
        if joined is None:
            report(branch_mismatch(name, result, ty, call.pos))
            return result
        result = joined
    return result


def _if_type(types: list[Ty], call: nodes.Call, report: Callable[[FormulaError], None]) -> Ty:
    return _unify_all("IF", [types[1], types[2] if len(types) > 2 else BLANK], call, report)


def _ifs_type(types: list[Ty], call: nodes.Call, report: Callable[[FormulaError], None]) -> Ty:
    return _unify_all("IFS", types[1::2] + [BLANK], call, report)


def _switch_type(types: list[Ty], call: nodes.Call,
                 report: Callable[[FormulaError], None]) -> Ty:
    cases = range(1, len(types) - 1, 2)
    for index in cases:
        if not comparable(types[0], types[index]):
            report(FormulaError(_l("SWITCH cannot compare %(left)s with %(right)s",
                                   left=types[0].name, right=types[index].name),
                                call.args[index].pos, "type"))
    results = [types[index + 1] for index in cases]
    default = types[-1] if len(types) % 2 == 0 else BLANK
    return _unify_all("SWITCH", results + [default], call, report)


@register("IF", (P.BOOLEAN, P.ANY, P.ANY), required=2, lazy=True, typer=_if_type)
def if_(ctx: Context, ev: Any, call: nodes.Call) -> Any:
    """IF(condition, then, [else]): ``else`` defaults to blank."""
    if ev.argument(call, 0):
        return ev.argument(call, 1)
    return ev.argument(call, 2) if len(call.args) > 2 else None


@register("IFS", (P.BOOLEAN, P.ANY), variadic=True, repeat=2, pairs=True, lazy=True,
          typer=_ifs_type)
def ifs(ctx: Context, ev: Any, call: nodes.Call) -> Any:
    """IFS(cond1, value1, cond2, value2, …): the value of the first true condition, or blank."""
    for index in range(0, len(call.args), 2):
        if ev.argument(call, index):
            return ev.argument(call, index + 1)
    return None


@register("SWITCH", (P.SCALAR, P.SCALAR, P.ANY), variadic=True, repeat=2, lazy=True,
          typer=_switch_type)
def switch(ctx: Context, ev: Any, call: nodes.Call) -> Any:
    """SWITCH(value, case1, result1, …, [default]): the result of the first equal case."""
    value = ev.argument(call, 0)
    last = len(call.args) - 1
    for index in range(1, last, 2):
        if same(value, ev.argument(call, index), ctx.tz):
            return ev.argument(call, index + 1)
    return ev.argument(call, last) if last % 2 else None


def _logical(name: str, ev: Any, call: nodes.Call, stop: bool) -> bool:
    for index in range(len(call.args)):
        value = ev.argument(call, index)
        for item in value if isinstance(value, list) else [value]:
            if as_bool(item, argument(name, index)) is stop:
                return stop
    return not stop


@register("AND", (P.LOGICALS,), variadic=True, lazy=True, result=BOOLEAN)
def and_(ctx: Context, ev: Any, call: nodes.Call) -> bool:
    """TRUE if every argument is TRUE (lists: every element)."""
    return _logical("AND", ev, call, stop=False)


@register("OR", (P.LOGICALS,), variadic=True, lazy=True, result=BOOLEAN)
def or_(ctx: Context, ev: Any, call: nodes.Call) -> bool:
    """TRUE if any argument is TRUE."""
    return _logical("OR", ev, call, stop=True)


@register("NOT", (P.BOOLEAN,), result=BOOLEAN)
def not_(ctx: Context, value: bool) -> bool:
    """The opposite; NOT(blank) is TRUE."""
    return not value


@register("ISBLANK", (P.ANY,), result=BOOLEAN)
def isblank(ctx: Context, value: Any) -> bool:
    """TRUE for blank, empty text and an empty list."""
    return value is None or value == "" or value == []


@register("BLANK", result=BLANK)
def blank(ctx: Context) -> None:
    """No value."""
    return None


@register("TRUE", result=BOOLEAN)
def true(ctx: Context) -> bool:
    """TRUE."""
    return True


@register("FALSE", result=BOOLEAN)
def false(ctx: Context) -> bool:
    """FALSE."""
    return False
