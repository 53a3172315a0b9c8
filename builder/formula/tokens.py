"""The tokenizer: source text → tokens, with Chinese full-width punctuation normalised.

Outside string literals each character is NFKC-normalised one at a time (so
（）， ＋ ＝ １２ become ( ) , + = 12), and a few more are mapped (、 → ,
× → * ÷ → / ≤ ≥ ≠). Inside string literals nothing is changed. Positions are
0-based offsets into the original source, so they point at what the user typed.
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import FormulaError, _l
from .values import CONTEXT

MAX_LENGTH = 2000
FIELD_ID = re.compile(r"f_[a-z0-9]{4,16}")
_FIELD_REF = re.compile(r"\s*(f_[a-z0-9]{4,16})(?:\s*\.\s*(f_[a-z0-9]{4,16}))?\s*")
_EXTRA = {"、": ",", "×": "*", "÷": "/", "≤": "<=", "≥": ">=", "≠": "<>", "—": "-"}
_QUOTES = {'"': '"＂', "'": "'＇", "“": "”", "‘": "’"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
_OPERATORS = {"+", "-", "*", "/", "^", "&", "=", "<", ">", "%", "(", ")", ",", "<=", ">=",
              "<>", "!="}
_DIGITS = "0123456789"


def _digit(char: str) -> bool:
    return len(char) == 1 and char in _DIGITS


class Kind(str, Enum):
    """Token kinds."""

    NUMBER = "number"
    TEXT = "text"
    FIELD = "field"
    NAME = "name"
    OP = "op"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token; ``value`` is a Decimal, str, (field, column) pair or operator."""

    kind: Kind
    value: Any
    pos: int


def norm(char: str) -> str:
    """One source character as the tokenizer reads it outside string literals."""
    if char in _EXTRA:
        return _EXTRA[char]
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an END token."""
    if len(source) > MAX_LENGTH:
        raise FormulaError(_l("the formula is longer than %(limit)s characters (got %(count)s)",
                              limit=MAX_LENGTH, count=len(source)), MAX_LENGTH, "limit")
    lexer = _Lexer(source)
    return lexer.run()


class _Lexer:
    def __init__(self, source: str):
        self.src = source
        self.i = 0
        self.tokens: list[Token] = []

    def peek(self, offset: int = 0) -> str:
        at = self.i + offset
        return norm(self.src[at]) if at < len(self.src) else ""

    def run(self) -> list[Token]:
        while self.i < len(self.src):
            char = self.peek()
            if char.isspace():
                self.i += 1
            elif char in _QUOTES:
                self.string(char)
            elif _digit(char) or (char == "." and _digit(self.peek(1))):
                self.number()
            elif char == "{":
                self.field()
            elif char.isascii() and (char.isalpha() or char == "_"):
                self.name()
            else:
                self.operator(char)
        self.tokens.append(Token(Kind.END, None, len(self.src)))
        return self.tokens

    def add(self, kind: Kind, value: Any, start: int) -> None:
        self.tokens.append(Token(kind, value, start))

    def string(self, opener: str) -> None:
        start = self.i
        closers = _QUOTES[opener]
        parts: list[str] = []
        self.i += 1
        while self.i < len(self.src):
            char = self.src[self.i]
            if char == "\\":
                parts.append(self.escape(start))
            elif char in closers:
                if closers[0] in "\"'" and self.src[self.i + 1:self.i + 2] == char:
                    parts.append(char)  # a doubled quote, as in spreadsheets
                    self.i += 2
                    continue
                self.i += 1
                self.add(Kind.TEXT, "".join(parts), start)
                return
            else:
                parts.append(char)
                self.i += 1
        raise FormulaError(_l("text starting here is not closed; add the closing quote"),
                           start, "syntax")

    def escape(self, start: int) -> str:
        at = self.i
        nxt = self.src[at + 1:at + 2]
        self.i += 2
        if not nxt:
            raise FormulaError(_l("text starting here is not closed; add the closing quote"),
                               start, "syntax")
        if nxt in _ESCAPES:
            return _ESCAPES[nxt]
        if nxt in "\"'“”‘’＂＇":
            return nxt
        raise FormulaError(_l("unknown escape \\%(char)s; write \\\\ for a backslash",
                              char=nxt), at, "syntax")

    def number(self) -> None:
        start = self.i
        digits = self._run(_DIGITS)
        if self.peek() == ".":
            self.i += 1
            digits += "." + self._run(_DIGITS)
        if self.peek() in ("e", "E") and (
                _digit(self.peek(1)) or self.peek(1) in ("+", "-") and _digit(self.peek(2))):
            self.i += 1
            sign = self.peek() if self.peek() in "+-" else ""
            self.i += len(sign)
            digits += "e" + sign + self._run(_DIGITS)
        try:
            value = CONTEXT.create_decimal(digits)
        except decimal.DecimalException:
            raise FormulaError(_l("the number is too large"), start, "overflow") from None
        self.add(Kind.NUMBER, value, start)

    def _run(self, allowed: str) -> str:
        out = []
        while self.i < len(self.src) and len(self.peek()) == 1 and self.peek() in allowed:
            out.append(self.peek())
            self.i += 1
        return "".join(out)

    def field(self) -> None:
        start = self.i
        end = start + 1
        while end < len(self.src) and norm(self.src[end]) not in "}\n" and end - start < 80:
            end += 1
        if end >= len(self.src) or norm(self.src[end]) != "}":
            raise FormulaError(_l("a field reference starts here but has no closing }"),
                               start, "syntax")
        inner = "".join(norm(c) for c in self.src[start + 1:end])
        match = _FIELD_REF.fullmatch(inner)
        if not match:
            raise FormulaError(_l("{%(text)s} is not a field reference; write {f_…} with the "
                                  "field's id", text=inner.strip()[:40]), start, "syntax")
        self.add(Kind.FIELD, (match.group(1), match.group(2)), start)
        self.i = end + 1

    def name(self) -> None:
        start = self.i
        out = []
        while self.i < len(self.src):
            char = self.peek()
            if not (char.isascii() and (char.isalnum() or char == "_")):
                break
            out.append(char)
            self.i += 1
        self.add(Kind.NAME, "".join(out), start)

    def operator(self, char: str) -> None:
        pair = char + self.peek(1)
        if len(char) == 1 and pair in _OPERATORS:
            self.add(Kind.OP, "<>" if pair == "!=" else pair, self.i)
            self.i += 2
        elif char in _OPERATORS:
            self.add(Kind.OP, char, self.i)
            self.i += 1
        elif char.isalpha():
            self.unquoted_text()
        else:
            raise FormulaError(_l("unexpected character %(char)s", char=self.src[self.i]),
                               self.i, "syntax")

    def unquoted_text(self) -> None:
        start = self.i
        end = start
        while end < len(self.src) and end - start < 20 and norm(self.src[end]).isalpha():
            end += 1
        word = self.src[start:end]
        raise FormulaError(_l("%(word)s is not a name the formula knows; put text in quotes "
                              "(\"%(word)s\") and fields in braces ({f_…})", word=word),
                           start, "syntax")
