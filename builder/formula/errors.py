"""Formula errors, with messages translated when they are shown (not when raised)."""

from __future__ import annotations

from typing import Any


def _translate(msgid: str) -> str:
    """The message in the current request's language; English outside a request."""
    try:
        from flask_babel import gettext

        return gettext(msgid)
    except (RuntimeError, KeyError, AttributeError, ImportError):
        # No application, or an application without Flask-Babel: English it is.
        return msgid


class Message:
    """A message id and its parameters, translated each time it is turned into text.

    A compiled formula is cached and shared between requests, so its errors must
    speak the language of whoever reads them, not of whoever compiled it first.
    """

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any):
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        params = {k: str(v) if isinstance(v, Message) else v for k, v in self.params.items()}
        try:
            return _translate(self.msgid) % params
        except (KeyError, ValueError, TypeError):
            return self.msgid % params

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{self.params!r})"


def _l(msgid: str, **params: Any) -> Message:
    """Mark ``msgid`` for translation; it is translated when shown."""
    return Message(msgid, **params)


class FormulaError(Exception):
    """A formula that cannot be parsed, checked or evaluated.

    ``position`` is the 0-based offset in the source where the problem is (None
    when it concerns the whole formula); the text shows it 1-based, as "character N".
    ``code`` is a stable key for programs and tests (``syntax``, ``unknown_function``,
    ``arity``, ``type``, ``unknown_field``, ``div_zero``, ``limit`` …).
    """

    def __init__(self, message: Message | str, position: int | None = None,
                 code: str = "invalid"):
        self._message = message
        self.position = position
        self.code = code
        super().__init__(message)

    @property
    def message(self) -> str:
        """What is wrong, in the reader's language, without the position."""
        return str(self._message)

    def at(self, position: int) -> FormulaError:
        """Set the position unless an inner part of the formula already did."""
        if self.position is None:
            self.position = position
        return self

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return str(_l("%(message)s (at character %(position)s)",
                      message=self.message, position=self.position + 1))


class FormulaCycleError(FormulaError):
    """Formulas that depend on each other in a loop; ``cycle`` lists it, first id repeated."""

    def __init__(self, cycle: tuple[str, ...]):
        path = " → ".join("{" + key + "}" for key in cycle)
        super().__init__(_l("formulas refer to each other in a loop: %(path)s", path=path),
                         code="cycle")
        self.cycle = cycle
