"""The formula syntax tree: small immutable dataclasses, each with its source offset."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Number:
    """A decimal literal, exact: ``12.50``."""

    value: Decimal
    pos: int


@dataclass(frozen=True, slots=True)
class Text:
    """A string literal, escapes already resolved: ``"有限公司"``."""

    value: str
    pos: int


@dataclass(frozen=True, slots=True)
class Boolean:
    """``TRUE`` or ``FALSE``."""

    value: bool
    pos: int


@dataclass(frozen=True, slots=True)
class Blank:
    """``NULL`` / ``BLANK``: no value."""

    pos: int


@dataclass(frozen=True, slots=True)
class FieldRef:
    """``{f_abc123}``, or ``{f_sub123.f_col456}`` for a sub-table column (a list)."""

    field: str
    column: str | None
    pos: int

    @property
    def key(self) -> str:
        """The reference as written between the braces."""
        return self.field if self.column is None else f"{self.field}.{self.column}"


@dataclass(frozen=True, slots=True)
class Unary:
    """Prefix ``-``/``+`` or postfix ``%`` applied to one operand."""

    op: str
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Binary:
    """A comparison (``= <> < <= > >=``) or a power (``^``)."""

    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Step:
    """One ``op operand`` link of a :class:`Chain`; ``pos`` is the operator's offset."""

    op: str
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Chain:
    """Left-associative operators of one precedence level, folded left to right.

    ``a + b - c`` is ``Chain(a, (Step("+", b), Step("-", c)))``. Keeping such runs
    flat (rather than a left-deep tree of binary nodes) bounds the tree's depth by
    the formula's nesting, so walking it can never exhaust the stack.
    """

    first: Node
    rest: tuple[Step, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``name`` is upper case. ``a and b`` parses as ``AND(a, b)``."""

    name: str
    args: tuple[Node, ...]
    pos: int


Node = Number | Text | Boolean | Blank | FieldRef | Unary | Binary | Chain | Call


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Chain):
        return (node.first, *(step.operand for step in node.rest))
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
