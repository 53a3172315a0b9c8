"""The sub-table type on its own: reading rows, refusing bad ones quickly, its settings."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel
from jsonschema import Draft202012Validator

from builder import fields
from builder.fields import Field, ValueInvalid
from builder.fields.computed import formula_steps

fields.register_all()
TYPE = fields.get("subtable")
CONFIG = {"fields": [
    {"id": "f_item01", "type": "text", "label": "产品", "required": True, "config": {}},
    {"id": "f_qty001", "type": "integer", "label": "数量", "config": {"min": 1}},
    {"id": "f_tags01", "type": "multi_select", "label": "标签",
     "config": {"options": [{"id": "a", "label": "A"}]}},
    {"id": "f_ok0001", "type": "boolean", "label": "确认", "config": {}},
    {"id": "f_line01", "type": "formula", "label": "小计",
     "config": {"expression": "{f_qty001} * 2", "result": "number"}},
], "max_rows": 3}
FIELD = Field("f_lines01", "subtable", "明细", CONFIG)


@pytest.fixture(autouse=True)
def _ctx():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def test_rows_keep_every_column_and_blank_rows_are_dropped():
    rows = TYPE.coerce(FIELD, [
        {"f_item01": " A ", "f_qty001": "２", "f_tags01": ["a"], "f_ok0001": "true",
         "f_line01": "999", "f_unknown": "x"},
        {"f_item01": "", "f_qty001": " ", "f_tags01": [], "f_ok0001": "false"},
    ])
    assert rows == [{"f_item01": "A", "f_qty001": 2, "f_tags01": ["a"], "f_ok0001": True,
                     "f_line01": None}]
    assert TYPE.coerce(FIELD, [{}, {"f_ok0001": False}]) is None
    assert TYPE.parse(FIELD, [{"f_item01": "A", "f_line01": "4"}])[0]["f_line01"] == Decimal(4)


@pytest.mark.parametrize("raw", [
    "<script>", 7, True, {"f_item01": "A"}, [None, "x"], [[{"f_item01": "A"}]],
    [{"f_item01": "\x00<b>" * 5000}], [{"f_item01": "A", "f_qty001": "1e400"}],
    [{"f_item01": "A", "f_tags01": "zzz"}], [{"f_item01": "A"}] * 4, [{"f_item01": "A"}] * 10_000,
])
def test_hostile_rows_are_refused_with_a_message_quickly(raw):
    started = time.perf_counter()
    with pytest.raises(ValueInvalid) as refused:
        TYPE.coerce(FIELD, raw)
    assert refused.value.message.strip() and refused.value.messages
    assert time.perf_counter() - started < 1.0


def test_cell_problems_carry_parts_and_the_partial_value():
    with pytest.raises(ValueInvalid) as refused:
        TYPE.coerce(FIELD, [{"f_item01": "A", "f_qty001": "x"}, {}, {"f_qty001": "3"}])
    exc = refused.value
    assert exc.parts == {"0.f_qty001": ["enter a number"], "2.f_item01": ["is required"]}
    assert exc.messages == ["row 1 · 数量: enter a number", "row 3 · 产品: is required"]
    assert [row["f_qty001"] for row in exc.partial] == [None, 3]


def test_value_schema_accepts_json_rows_and_refuses_unknown_columns():
    validator = Draft202012Validator(TYPE.value_schema(FIELD))
    value = TYPE.coerce(FIELD, [{"f_item01": "A", "f_qty001": 2}])
    assert not list(validator.iter_errors(TYPE.to_json(FIELD, value)))
    assert list(validator.iter_errors([{"f_other1": 1}]))
    assert list(validator.iter_errors([{"f_item01": "A"}] * 4))
    assert TYPE.display(FIELD, value) == "1 row" and TYPE.display(FIELD, None) == ""


def test_settings_are_checked_beyond_the_schema():
    bad = {"fields": [dict(CONFIG["fields"][0]), dict(CONFIG["fields"][0], label="又一个"),
                      {"id": "f_f00001", "type": "formula", "label": "公式", "config": {}}],
           "min_rows": 5, "max_rows": 2}
    problems = TYPE.config_problems(bad)
    assert (["fields", 1, "id"], "又一个: the id f_item01 is used twice") in problems
    assert (["fields", 2, "config", "expression"], "公式 · Formula: is required") in problems
    assert (["min_rows"], "at least 5 rows cannot exceed at most 2 rows") in problems
    assert TYPE.config_problems(CONFIG) == []
    with pytest.raises(ValueError):
        TYPE.side_columns(Field("f_x0001", "subtable", "x", {"fields": [
            {"id": "f_x; DROP", "type": "text", "label": "x"}]}))


def test_formula_steps_put_row_formulas_before_the_sums_that_read_them():
    total = Field("f_total1", "formula", "合计",
                  {"expression": "SUM({f_lines01.f_line01})", "result": "number"})
    steps = formula_steps([total, FIELD])
    assert [(s.field.id, s.table.id if s.table else None) for s in steps] == [
        ("f_line01", "f_lines01"), ("f_total1", None)]
