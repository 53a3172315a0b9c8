"""The public API: compile, Formula, dependencies, values, and what is never possible."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from builder.formula import (
    FIELD_ID,
    FUNCTIONS,
    Formula,
    FormulaError,
    ValueType,
    compile,
    dependencies,
    evaluate,
    parse,
)

from .conftest import NOW, TZ


def test_compile_caches_by_source():
    """Compiling the same source twice gives the same immutable object."""
    first = compile("{f_qty01} * {f_price1}")
    assert compile("{f_qty01} * {f_price1}") is first
    assert isinstance(first, Formula) and first.source == "{f_qty01} * {f_price1}"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.source = "1"  # type: ignore[misc]


def test_dependencies_as_written():
    """Plain fields and sub-table columns are listed as written between braces."""
    formula = compile("SUM({f_lines1.f_total1}) + {f_ship01} * IF({f_vip001}, 0.9, 1)")
    assert formula.dependencies == {"f_lines1.f_total1", "f_ship01", "f_vip001"}
    assert dependencies(formula.ast) == formula.dependencies


def test_volatile_only_with_the_clock():
    """TODAY() and NOW() make a formula volatile."""
    assert compile("DAYS({f_due001}, TODAY())").volatile
    assert not compile("DAYS({f_due001}, {f_start1})").volatile


def test_result_type_raises_the_first_error():
    """result_type gives the type, or raises the first problem."""
    formula = compile("{f_qty01} * {f_price1}")
    assert formula.result_type({"f_qty01": "number", "f_price1": "number"}) is ValueType.NUMBER
    with pytest.raises(FormulaError) as info:
        formula.result_type({"f_qty01": "number"})
    assert str(info.value) == "field {f_price1} does not exist (at character 13)"


def test_evaluate_defaults_to_the_current_time():
    """Without ``now`` the clock is read; without ``tz`` UTC is used."""
    today = compile("TODAY()").evaluate()
    assert abs((today - dt.datetime.now(dt.UTC).date()).days) <= 1


def test_naive_date_times_are_read_in_the_time_zone():
    """A naive date-time value is taken to be in the evaluation's time zone."""
    formula = compile("TEXT({f_dt0001}, \"hh:mm\")")
    assert formula.evaluate({"f_dt0001": dt.datetime(2024, 5, 1, 9, 5)}, now=NOW, tz=TZ) == "09:05"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_non_finite_numbers_are_refused(bad: object):
    """NaN and infinities are not numbers a formula can use."""
    with pytest.raises(FormulaError) as info:
        compile("{f_num001} + 1").evaluate({"f_num001": bad})
    assert info.value.code == "type"


def test_unusable_values_name_the_field():
    """A value of a type formulas do not know is refused, naming the field."""
    with pytest.raises(FormulaError) as info:
        compile("{f_obj001}").evaluate({"f_obj001": object()})
    assert "{f_obj001}" in str(info.value)
    with pytest.raises(FormulaError):
        compile("SUM({f_lines1.f_total1})").evaluate({"f_lines1": ["not a row"]})


def test_sub_table_rows_may_lack_the_column():
    """A row without the column counts as blank."""
    formula = compile("COUNTA({f_lines1.f_name01})")
    assert formula.evaluate({"f_lines1": [{"f_name01": "a"}, {}]}) == 1


def test_parse_refuses_non_text():
    """The source must be text: a programming error, not a user error."""
    with pytest.raises(TypeError):
        parse(123)  # type: ignore[arg-type]


@pytest.mark.parametrize("source", [
    "__import__(\"os\")", "().__class__", "open(\"/etc/passwd\")", "eval(\"1\")",
    "{f_abc123}.__class__", "lambda: 1",
])
def test_python_is_never_evaluated(source: str):
    """Python syntax is not formula syntax: it is refused, not run."""
    with pytest.raises(FormulaError):
        evaluate(parse(source))


def test_field_id_pattern():
    """The field id pattern is exported for callers that generate ids."""
    assert FIELD_ID.fullmatch("f_abc123") and not FIELD_ID.fullmatch("f_ABC123")


def test_every_function_is_documented():
    """docs/formula.md has a row for every registered function."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "formula.md").read_text("utf-8")
    missing = [name for name in FUNCTIONS if f"| `{name}(" not in docs]
    assert not missing, missing


def test_hand_built_trees_are_checked_and_evaluated_safely():
    """Trees built in code (not parsed) get the same errors as parsed ones."""
    from builder.formula import check
    from builder.formula.nodes import Call, Number

    unknown = Call("FOO", (Number(Decimal(1), 4),), 0)
    assert check(unknown, {}).errors[0].code == "unknown_function"
    with pytest.raises(FormulaError) as info:
        evaluate(unknown)
    assert info.value.code == "unknown_function"
    too_many = Call("ABS", (Number(Decimal(1), 4), Number(Decimal(2), 7)), 0)
    assert check(too_many, {}).errors[0].code == "arity"
    with pytest.raises(FormulaError) as info:
        evaluate(too_many)
    assert str(info.value) == "ABS takes exactly one argument (got 2) (at character 1)"
