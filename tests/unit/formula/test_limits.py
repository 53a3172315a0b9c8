"""Limits: length, nesting, function calls and text size are errors, never crashes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from builder.formula import (
    MAX_CALLS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_TEXT_LENGTH,
    FormulaError,
    compile,
    evaluate,
    parse,
)


def _limit_error(source: str) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse(source)
    assert info.value.code == "limit", str(info.value)
    return info.value


def test_longest_formula_is_accepted():
    """A formula of exactly the maximum length parses and evaluates."""
    source = ("1" + "+1" * 999).ljust(MAX_LENGTH)
    assert len(source) == MAX_LENGTH
    assert evaluate(parse(source)) == 1000


def test_longer_formula_is_refused_at_the_limit():
    """One character more is refused, pointing at the first character too many."""
    error = _limit_error("1" * (MAX_LENGTH + 1))
    assert error.position == MAX_LENGTH
    assert "2000 characters (got 2001)" in str(error)


@pytest.mark.parametrize("op", ["+", "-", "*", "&", "/"])
def test_long_operator_runs_do_not_exhaust_the_stack(op: str):
    """A thousand chained operators are one flat node, not a thousand-deep tree."""
    node = parse("1" + f"{op}1" * 999)
    expected = {"+": 1000, "-": -998, "*": 1, "&": "1" * 1000, "/": 1}[op]
    assert evaluate(node) == (Decimal(expected) if op != "&" else expected)


def test_long_keyword_runs_are_flattened():
    """``a and b and c …`` becomes one AND call."""
    node = parse("TRUE" + " and TRUE" * 220)
    assert node.name == "AND" and len(node.args) == 221
    assert evaluate(node) is True


@pytest.mark.parametrize("template", ["({})", "ABS({})", "-{}", "2^{}", "IF(TRUE, {}, 0)"])
def test_nesting_up_to_the_limit_works(template: str):
    """Exactly MAX_DEPTH levels of parentheses, calls, signs or powers are fine."""
    source = "1"
    for _ in range(MAX_DEPTH):
        source = template.format(source)
    try:
        evaluate(parse(source))
    except FormulaError as error:
        assert error.code == "overflow"  # 2^2^2^… overflows; that is not a crash


@pytest.mark.parametrize("template", ["({})", "ABS({})", "-{}", "2^{}", "IF(TRUE, {}, 0)"])
def test_nesting_beyond_the_limit_is_an_error(template: str):
    """One level more is a clear error."""
    source = "1"
    for _ in range(MAX_DEPTH + 1):
        source = template.format(source)
    assert "nested more than 50 levels" in str(_limit_error(source))


def test_deepest_formula_evaluates_inside_a_deep_call_stack():
    """Evaluating at the nesting limit leaves room for a caller that is already deep."""
    templates = ["IF(TRUE, {}, 0)", "-{}", "ABS({})", "({})", "SUM({}, 1) - 1"]
    source = "1"
    for level in range(MAX_DEPTH):
        source = templates[level % len(templates)].format(source)
    node = parse(source)

    def recurse(depth: int) -> object:
        return evaluate(node) if depth == 0 else recurse(depth - 1)

    assert recurse(400) in (Decimal(1), Decimal(-1))


def test_function_calls_up_to_the_limit():
    """MAX_CALLS calls are fine; one more is an error at the call that exceeds it."""
    inner = ",".join(["ABS(1)"] * (MAX_CALLS - 1))
    assert evaluate(parse(f"SUM({inner})")) == MAX_CALLS - 1
    source = f"SUM({inner},ABS(1))"
    error = _limit_error(source)
    assert error.position == source.rindex("ABS")
    assert "more than 200 functions" in str(error)


def test_text_cannot_grow_beyond_the_limit():
    """Joining long texts stops at MAX_TEXT_LENGTH characters with an error."""
    formula = compile("CONCAT({f_sub001.f_col001}) & {f_txt001}")
    long_rows = ["x" * 1000] * (MAX_TEXT_LENGTH // 1000)
    assert len(formula.evaluate({"f_sub001.f_col001": long_rows})) == MAX_TEXT_LENGTH
    with pytest.raises(FormulaError) as info:
        formula.evaluate({"f_sub001.f_col001": long_rows, "f_txt001": "y"})
    assert info.value.code == "limit"
    with pytest.raises(FormulaError):
        formula.evaluate({"f_sub001.f_col001": long_rows + ["z"]})


def test_doubling_text_stops_at_the_limit_quickly():
    """SUBSTITUTE nested to double its text each time cannot exhaust memory."""
    source = "\"ab\""
    for _ in range(30):
        source = f"SUBSTITUTE({source}, \"a\", \"aa\") & {source}"
        if len(source) > MAX_LENGTH:
            break
    try:
        evaluate(parse(source))
    except FormulaError as error:
        assert error.code in ("limit",)
