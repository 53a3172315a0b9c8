"""The function registry: one entry per function, with its signature and its code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..errors import FormulaError, Message, _l
from ..valuetypes import ANY, DATETIME, NUMERIC, Ty, ValueType


class P(str, Enum):
    """What a parameter accepts (statically checked, coerced at run time)."""

    NUMBER = "number"      #: a number; blank counts as 0
    NUMBERS = "numbers"    #: numbers, blanks or lists of them (aggregates)
    TEXT = "text"          #: any single value, turned into text
    DATE = "date"          #: a date or date-time, or blank
    BOOLEAN = "boolean"    #: TRUE/FALSE; blank counts as FALSE
    LOGICALS = "logicals"  #: booleans, blanks or lists of them
    SCALAR = "scalar"      #: any single value
    ANY = "any"            #: anything, lists included


#: (types, call node, report) → result type; report(FormulaError) records an error
Typer = Callable[[list[Ty], Any, Callable[[FormulaError], None]], Ty]


@dataclass(frozen=True)
class Function:
    """A formula function: signature, result type and implementation."""

    name: str
    #: eager: ``impl(ctx, *coerced_args)``; lazy: ``impl(ctx, evaluator, call)``
    impl: Callable[..., Any]
    params: tuple[P, ...]
    required: int
    #: the last ``repeat`` parameter kinds repeat without limit
    variadic: bool = False
    repeat: int = 1
    result: Ty = ANY
    typer: Typer | None = None
    lazy: bool = False
    #: depends on the clock (TODAY, NOW): recompute even if no field changed
    volatile: bool = False
    #: arguments must come in pairs (IFS)
    pairs: bool = False

    def kind(self, index: int) -> P:
        """The parameter kind of argument ``index`` (0-based)."""
        if index < len(self.params):
            return self.params[index]
        cycle = self.params[-self.repeat:]
        return cycle[(index - len(self.params)) % self.repeat]

    def check_arity(self, count: int, pos: int) -> None:
        """Raise a FormulaError naming the allowed number of arguments."""
        high = None if self.variadic else len(self.params)
        if self.required <= count and (high is None or count <= high):
            if not (self.pairs and count % 2):
                return
            raise FormulaError(_l("%(name)s takes pairs of condition and value (got %(got)s "
                                  "arguments)", name=self.name, got=count), pos, "arity")
        raise FormulaError(arity_message(self.name, self.required, high, count), pos, "arity")


def arity_message(name: str, low: int, high: int | None, got: int) -> Message:
    """"IF takes 2 or 3 arguments (got 1)" and its variants."""
    if high is None:
        if low == 1:
            return _l("%(name)s needs at least one argument", name=name)
        return _l("%(name)s takes at least %(low)s arguments (got %(got)s)",
                  name=name, low=low, got=got)
    if high == low == 0:
        return _l("%(name)s takes no arguments (got %(got)s)", name=name, got=got)
    if high == low == 1:
        return _l("%(name)s takes exactly one argument (got %(got)s)", name=name, got=got)
    if high == low:
        return _l("%(name)s takes %(count)s arguments (got %(got)s)",
                  name=name, count=low, got=got)
    if high == low + 1:
        return _l("%(name)s takes %(low)s or %(high)s arguments (got %(got)s)",
                  name=name, low=low, high=high, got=got)
    return _l("%(name)s takes %(low)s to %(high)s arguments (got %(got)s)",
              name=name, low=low, high=high, got=got)


def argument(name: str, index: int) -> Message:
    """How argument ``index`` (0-based) of function ``name`` is named in messages."""
    return _l("argument %(index)s of %(name)s", index=index + 1, name=name)


def unify(left: Ty, right: Ty) -> Ty | None:
    """The type that holds both (for IF branches); None if they do not mix."""
    if left.kind == right.kind:
        return left if left.item == right.item else Ty(left.kind, ValueType.ANY)
    kinds = {left.kind, right.kind}
    if ValueType.BLANK in kinds:
        return right if left.kind == ValueType.BLANK else left
    if ValueType.ANY in kinds:
        return ANY
    if kinds == {ValueType.DATE, ValueType.DATETIME}:
        return DATETIME
    return None


def branch_mismatch(name: str, left: Ty, right: Ty, pos: int) -> FormulaError:
    """The error for IF/IFS/SWITCH results of types that do not mix."""
    return FormulaError(_l("%(name)s gives %(left)s in one case and %(right)s in another; "
                           "make every case the same type (use BLANK() for an empty result)",
                           name=name, left=left.name, right=right.name), pos, "type")


REGISTRY: dict[str, Function] = {}


def register(name: str, params: tuple[P, ...] = (), required: int | None = None,
             **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``impl`` as formula function ``name``."""

    def decorate(impl: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY:
            raise ValueError(f"formula function {name} is registered twice")
        REGISTRY[name] = Function(name, impl, params,
                                  len(params) if required is None else required, **options)
        return impl

    return decorate


def lookup(name: str) -> Function | None:
    """The function called ``name`` (any case), or None."""
    return REGISTRY.get(name.upper())


def numeric(ty: Ty) -> bool:
    """True if ``ty`` can stand for a number."""
    return ty.kind in NUMERIC
