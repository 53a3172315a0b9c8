"""A Pratt (precedence-climbing) parser: tokens → syntax tree.

Precedence, loosest first: ``or``; ``and``; comparisons (not chainable);
``&``; ``+ -``; ``* /``; prefix ``- +``; ``^`` (right-associative, so
``-2^2`` is -4); postfix ``%``. Function names and ``TRUE``/``FALSE``/``NULL``/
``BLANK`` are case-insensitive.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import FormulaError, _l
from .functions import lookup
from .nodes import Binary, Blank, Boolean, Call, Chain, FieldRef, Node, Number, Step, Text, Unary
from .tokens import Kind, Token, tokenize

MAX_DEPTH = 50
MAX_CALLS = 200
COMPARISONS = frozenset({"=", "<>", "<", "<=", ">", ">="})
_CHAINS = {"&": 4, "+": 5, "-": 5, "*": 6, "/": 6}
_LOGICAL = {"OR": 1, "AND": 2}
_PREFIX_BP = 7
_POWER_BP = 8
_PERCENT_BP = 9
_KEYWORDS = {"TRUE": True, "FALSE": False}


def parse(source: str) -> Node:
    """Parse ``source`` into a syntax tree, or raise FormulaError."""
    if not isinstance(source, str):
        raise TypeError("a formula's source must be a str")
    tokens = tokenize(source)
    if tokens[0].kind is Kind.END:
        raise FormulaError(_l("the formula is empty"), 0, "syntax")
    try:
        return _Parser(tokens).run()
    except RecursionError:
        # Only reachable when the caller is itself nearly out of stack.
        raise FormulaError(_l("the formula is nested too deeply"), 0, "limit") from None


def describe(token: Token) -> str:
    """How a token is quoted in messages."""
    if token.kind is Kind.TEXT:
        return '"' + token.value[:20] + '"'
    if token.kind is Kind.FIELD:
        return "{" + ".".join(part for part in token.value if part) + "}"
    return str(token.value)


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.at = 0
        self.depth = 0
        self.calls = 0
        #: the last parenthesised node: "(50%)%" is allowed, "50%%" is not
        self.grouped: Node | None = None

    # ---- token helpers -----------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.at]

    def advance(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_op(self, token: Token, *ops: str) -> bool:
        return token.kind is Kind.OP and token.value in ops

    def unexpected(self, token: Token) -> FormulaError:
        if token.kind is Kind.END:
            return FormulaError(_l("the formula ends too early; something is missing at "
                                   "the end"), token.pos, "syntax")
        return FormulaError(_l("unexpected %(token)s", token=describe(token)), token.pos,
                            "syntax")

    @contextmanager
    def nested(self, pos: int) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(_l("the formula is nested more than %(limit)s levels deep",
                                  limit=MAX_DEPTH), pos, "limit")
        try:
            yield
        finally:
            self.depth -= 1

    # ---- grammar -------------------------------------------------------------------
    def run(self) -> Node:
        node = self.expression(0)
        end = self.peek()
        if end.kind is not Kind.END:
            if self.is_op(end, ")"):
                raise FormulaError(_l("there is a ) without a matching ("), end.pos, "syntax")
            raise FormulaError(_l("unexpected %(token)s; an operator or a comma may be missing",
                                  token=describe(end)), end.pos, "syntax")
        return node

    def expression(self, min_bp: int) -> Node:
        left = self.prefix()
        compared = False
        while True:
            token = self.peek()
            bp = self.infix_bp(token)
            if bp <= min_bp:
                return left
            if bp == 3:
                if compared:
                    raise FormulaError(_l("comparisons cannot be chained; use AND(a < b, b < c)"),
                                       token.pos, "syntax")
                compared = True
            left = self.infix(left, self.advance(), bp)

    def infix_bp(self, token: Token) -> int:
        if token.kind is Kind.NAME:
            return _LOGICAL.get(token.value.upper(), 0)
        if token.kind is not Kind.OP:
            return 0
        if token.value in COMPARISONS:
            return 3
        if token.value == "^":
            return _POWER_BP
        if token.value == "%":
            return _PERCENT_BP
        return _CHAINS.get(token.value, 0)

    def infix(self, left: Node, token: Token, bp: int) -> Node:
        if token.kind is Kind.NAME:
            return self.logical(left, token, bp)
        op = token.value
        if op == "%":
            if isinstance(left, Unary) and left.op == "%" and left is not self.grouped:
                raise self.unexpected(token)
            return Unary("%", left, token.pos)
        if op == "^":
            with self.nested(token.pos):
                return Binary(op, left, self.expression(bp - 1), token.pos)
        right = self.expression(bp)
        if op in COMPARISONS:
            return Binary(op, left, right, token.pos)
        step = Step(op, right, token.pos)
        if isinstance(left, Chain) and _CHAINS[left.rest[0].op] == bp:
            return Chain(left.first, (*left.rest, step), left.pos)
        return Chain(left, (step,), token.pos)

    def logical(self, left: Node, token: Token, bp: int) -> Node:
        name = token.value.upper()
        right = self.expression(bp)
        if isinstance(left, Call) and left.name == name:
            return Call(name, (*left.args, right), left.pos)
        self.count_call(token.pos)
        return Call(name, (left, right), token.pos)

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind is Kind.NUMBER:
            return Number(token.value, token.pos)
        if token.kind is Kind.TEXT:
            return Text(token.value, token.pos)
        if token.kind is Kind.FIELD:
            return FieldRef(token.value[0], token.value[1], token.pos)
        if token.kind is Kind.NAME:
            return self.name(token)
        if self.is_op(token, "("):
            return self.group(token)
        if self.is_op(token, "-", "+"):
            with self.nested(token.pos):
                return Unary(token.value, self.expression(_PREFIX_BP), token.pos)
        raise self.unexpected(token)

    def group(self, opening: Token) -> Node:
        with self.nested(opening.pos):
            node = self.expression(0)
        closing = self.advance()
        if not self.is_op(closing, ")"):
            if closing.kind is Kind.END:
                raise FormulaError(_l("the ( here is never closed; add a )"), opening.pos,
                                   "syntax")
            raise FormulaError(_l("expected ) but found %(token)s", token=describe(closing)),
                               closing.pos, "syntax")
        self.grouped = node
        return node

    def name(self, token: Token) -> Node:
        upper = token.value.upper()
        if self.is_op(self.peek(), "("):
            return self.call(token, upper)
        if upper in _KEYWORDS:
            return Boolean(_KEYWORDS[upper], token.pos)
        if upper in ("NULL", "BLANK"):
            return Blank(token.pos)
        if lookup(upper) is not None:
            raise FormulaError(_l("%(name)s is a function; call it with parentheses: "
                                  "%(name)s(…)", name=upper), token.pos, "syntax")
        raise FormulaError(_l("unknown name %(name)s; put text in quotes (\"%(name)s\") and "
                              "fields in braces ({f_…})", name=token.value), token.pos, "syntax")

    def count_call(self, pos: int) -> None:
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise FormulaError(_l("the formula calls more than %(limit)s functions",
                                  limit=MAX_CALLS), pos, "limit")

    def call(self, token: Token, name: str) -> Node:
        function = lookup(name)
        if function is None:
            raise FormulaError(_l("unknown function %(name)s", name=token.value),
                               token.pos, "unknown_function")
        self.count_call(token.pos)
        self.advance()  # (
        args: list[Node] = []
        with self.nested(token.pos):
            if self.is_op(self.peek(), ")"):
                self.advance()
            else:
                args = self.arguments(token, name)
        function.check_arity(len(args), token.pos)
        return Call(name, tuple(args), token.pos)

    def arguments(self, token: Token, name: str) -> list[Node]:
        args = []
        while True:
            if self.is_op(self.peek(), ",", ")"):
                raise FormulaError(_l("%(name)s has an empty argument", name=name),
                                   self.peek().pos, "syntax")
            args.append(self.expression(0))
            separator = self.advance()
            if self.is_op(separator, ")"):
                return args
            if not self.is_op(separator, ","):
                if separator.kind is Kind.END:
                    raise FormulaError(_l("%(name)s( is never closed; add a )", name=name),
                                       token.pos, "syntax")
                raise FormulaError(_l("expected , or ) in %(name)s(…) but found %(token)s",
                                      name=name, token=describe(separator)),
                                   separator.pos, "syntax")
