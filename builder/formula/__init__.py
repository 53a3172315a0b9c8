"""The formula engine: a spreadsheet-like grammar, parsed by the project (never eval).

    >>> f = compile("{f_qty01} * {f_price1}")
    >>> f.result_type({"f_qty01": "number", "f_price1": "number"})
    <ValueType.NUMBER: 'number'>
    >>> f.evaluate({"f_qty01": 3, "f_price1": Decimal("12.50")})
    Decimal('37.50')

Pipeline: :mod:`.tokens` → :mod:`.parser` (Pratt) → :mod:`.nodes` (immutable
tree) → :mod:`.checker` (types, errors with positions) → :mod:`.evaluator`.
The grammar, functions and blank rules are documented in docs/formula.md.
"""

from __future__ import annotations

from .checker import CheckResult, check
from .deps import dependencies, evaluation_order
from .errors import FormulaCycleError, FormulaError
from .evaluator import evaluate
from .formula import Formula, compile
from .functions import REGISTRY as FUNCTIONS
from .parser import MAX_CALLS, MAX_DEPTH, parse
from .tokens import FIELD_ID, MAX_LENGTH
from .values import MAX_TEXT_LENGTH
from .valuetypes import ValueType

__all__ = [
    "FIELD_ID", "FUNCTIONS", "MAX_CALLS", "MAX_DEPTH", "MAX_LENGTH", "MAX_TEXT_LENGTH",
    "CheckResult", "Formula", "FormulaCycleError", "FormulaError", "ValueType", "check",
    "compile", "dependencies", "evaluate", "evaluation_order", "parse",
]
