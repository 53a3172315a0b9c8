"""Hypothesis: no input string and no field values make the engine raise anything but
FormulaError, and a formula that checks never returns a value of another type."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.formula import FUNCTIONS, FormulaError, ValueType, check, evaluate, parse

from .conftest import NOW, TZ

SETTINGS = settings(max_examples=int(os.environ.get("FORMULA_EXAMPLES", "300")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

FIELD_TYPES = {
    "f_num001": "number", "f_txt001": "text", "f_dat001": "date", "f_dtm001": "datetime",
    "f_bol001": "boolean", "f_sub001.f_col001": "number", "f_sub001.f_col002": "text",
    "f_tag001": "list", "f_any001": "any",
}
VOCABULARY = [
    "(", ")", ",", "+", "-", "*", "/", "^", "&", "%", "=", "<>", "!=", "<", "<=", ">", ">=",
    "and", "or", "TRUE", "FALSE", "NULL", "BLANK", "0", "1", "2.5", "1e400", "999999999",
    '"a"', '"有限公司"', "''", "“文本”", "（", "）", "，", "、", "{f_num001}", "{f_txt001}",
    "{f_dat001}", "{f_sub001.f_col001}", "{f_bad}", "{", "}", '"', "\\", "公司", "@",
    *[name + "(" for name in FUNCTIONS],
]
UNITS = ['"day"', '"month"', '"year"', '"hour"', '"minute"', '"week"', '"D"', '"M"', '"Y"',
         '"0.00"', '"#,##0"', '"yyyy-mm-dd hh:mm"', '"0%"', '"年"']

timezones = st.sampled_from([dt.UTC, TZ, dt.timezone(dt.timedelta(hours=-12)),
                             dt.timezone(dt.timedelta(hours=14))])
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(),
    st.decimals(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.dates(), st.datetimes(timezones=st.none() | timezones),
)
any_values = st.one_of(scalars, st.lists(scalars, max_size=4),
                       st.lists(st.dictionaries(st.sampled_from(["f_col001", "f_col002"]),
                                                scalars), max_size=3))
random_values = st.dictionaries(
    st.sampled_from(["f_num001", "f_txt001", "f_dat001", "f_dtm001", "f_bol001", "f_sub001",
                     "f_sub001.f_col001", "f_tag001", "f_any001"]), any_values)


def _number_literal() -> st.SearchStrategy[str]:
    return st.from_regex(r"[0-9]{1,25}(\.[0-9]{0,8})?([eE][+-]?[0-9]{1,7})?", fullmatch=True)


def _text_literal() -> st.SearchStrategy[str]:
    return st.text(max_size=8).map(
        lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"')


leaves = st.one_of(
    _number_literal(), _text_literal(), st.sampled_from(UNITS),
    st.sampled_from(["TRUE", "FALSE", "NULL", "TODAY()", "NOW()"]),
    st.sampled_from(["{" + key + "}" for key in FIELD_TYPES]),
)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from(["+", "-", "*", "/", "^", "&", "=", "<>", "<", ">=", "and", "or"])
    calls = st.sampled_from(sorted(FUNCTIONS)).flatmap(
        lambda name: st.lists(inner, min_size=FUNCTIONS[name].required,
                              max_size=FUNCTIONS[name].required + 2).map(
            lambda args: f"{name}({', '.join(args)})"))
    binary = st.tuples(inner, ops, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    unary = inner.map(lambda e: f"-{e}") | inner.map(lambda e: f"({e})%")
    return st.one_of(calls, binary, calls, binary, unary)


expressions = st.recursive(leaves, _extend, max_leaves=12)


def _run(source: str, values: dict[str, Any], tz: dt.tzinfo = TZ) -> None:
    try:
        node = parse(source)
    except FormulaError as error:
        assert isinstance(error.position, int) and 0 <= error.position <= len(source)
        str(error)
        return
    check(node, FIELD_TYPES)
    try:
        evaluate(node, values, now=NOW, tz=tz)
    except FormulaError as error:
        str(error)


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_formula_error(source: str) -> None:
    """Random text never raises anything but FormulaError."""
    _run(source, {})


@SETTINGS
@given(st.lists(st.sampled_from(VOCABULARY), max_size=30), st.sampled_from([" ", ""]),
       random_values)
def test_random_token_sequences(tokens: list[str], glue: str, values: dict[str, Any]) -> None:
    """Sequences of real tokens (mostly invalid formulas) never crash."""
    _run(glue.join(tokens), values)


@SETTINGS
@given(expressions, random_values, timezones)
def test_well_formed_formulas_with_random_values(source: str, values: dict[str, Any],
                                                  tz: dt.tzinfo) -> None:
    """Valid formulas over values of any type give a value or a FormulaError."""
    _run(source, values, tz)


def _typed_values() -> st.SearchStrategy[dict[str, Any]]:
    numbers = st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=4,
                                      min_value=-10**9, max_value=10**9)
    return st.fixed_dictionaries({
        "f_num001": numbers, "f_txt001": st.none() | st.text(max_size=10),
        "f_dat001": st.none() | st.dates(), "f_bol001": st.none() | st.booleans(),
        "f_dtm001": st.none() | st.datetimes(timezones=timezones),
        "f_sub001.f_col001": st.lists(numbers, max_size=3),
        "f_sub001.f_col002": st.lists(st.none() | st.text(max_size=5), max_size=3),
        "f_tag001": st.lists(st.text(max_size=5), max_size=3),
        "f_any001": st.one_of(numbers, st.text(max_size=5), st.dates(), st.booleans()),
    })


def _fits(kind: ValueType, value: Any) -> bool:
    if value is None or kind == ValueType.ANY:
        return True
    expected = {
        ValueType.NUMBER: (Decimal,), ValueType.TEXT: (str,), ValueType.BOOLEAN: (bool,),
        ValueType.DATE: (dt.date,), ValueType.DATETIME: (dt.date,), ValueType.LIST: (list,),
        ValueType.BLANK: (),
    }[kind]
    if kind == ValueType.NUMBER and isinstance(value, bool):
        return False
    if kind == ValueType.DATE and isinstance(value, dt.datetime):
        return False
    return isinstance(value, expected)


@SETTINGS
@given(expressions, _typed_values())
def test_checked_type_matches_evaluated_value(source: str, values: dict[str, Any]) -> None:
    """When the checker accepts a formula, its value has the type the checker said."""
    try:
        node = parse(source)
    except FormulaError:
        return
    result = check(node, FIELD_TYPES)
    if not result.ok:
        return
    try:
        value = evaluate(node, values, now=NOW, tz=TZ)
    except FormulaError:
        return
    assert result.type is not None and _fits(result.type, value), (source, result, value)
