"""Converting stored values between field types, one value at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel

from builder import fields
from builder.fields import Field, ValueInvalid, conversion

fields.register_all()


@pytest.fixture(autouse=True)
def _ctx():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def _f(type_key: str, **config) -> Field:
    return Field(id="f_test01", type=type_key, label="Test", config=config)


def test_targets_are_registered_types_other_than_itself():
    assert conversion.targets("text")[:3] == ["textarea", "integer", "decimal"]
    assert "text" not in conversion.targets("text")
    assert conversion.targets("integer") == ["text", "textarea", "decimal", "money", "percent"]
    assert conversion.targets("member") == [] and conversion.targets("auto_number") == []
    assert conversion.allowed("text", "text") and not conversion.allowed("date", "integer")


@pytest.mark.parametrize(("old", "new", "value", "expected"), [
    (_f("text"), _f("integer"), "1,200", 1200),
    (_f("text"), _f("integer"), "１２", 12),
    (_f("text"), _f("decimal", scale=2), "3.456", Decimal("3.46")),
    (_f("text"), _f("date"), "2026年3月1日", date(2026, 3, 1)),
    (_f("text"), _f("boolean"), "是", True),
    (_f("integer"), _f("text"), 42, "42"),
    (_f("money", scale=2), _f("integer"), Decimal("12.00"), 12),
    (_f("date"), _f("datetime"), date(2026, 3, 1), datetime(2026, 2, 28, 16, tzinfo=UTC)),
    (_f("datetime"), _f("date"), datetime(2026, 3, 1, 17, tzinfo=UTC), date(2026, 3, 2)),
    (_f("boolean"), _f("text"), False, "No"),
    (_f("single_select", options=[{"id": "o1", "label": "赢单"}]), _f("text"), "o1", "赢单"),
    (_f("single_select", options=[{"id": "o1", "label": "A"}]),
     _f("multi_select", options=[{"id": "o1", "label": "A"}]), "o1", ["o1"]),
    (_f("multi_select", options=[{"id": "a", "label": "甲"}, {"id": "b", "label": "乙"}]),
     _f("text"), ["a", "b"], "甲、乙"),
    (_f("rich_text"), _f("textarea"), "<p>Hello <b>you</b></p>", "Hello you"),
])
def test_values_convert_as_people_would_type_them(old, new, value, expected):
    assert conversion.convert(old, new, value) == expected


@pytest.mark.parametrize(("old", "new", "value", "fragment"), [
    (_f("text"), _f("integer"), "ten", "enter a number"),
    (_f("text"), _f("integer", min=0), "-3", "at least 0"),
    (_f("text"), _f("email"), "not mail", ""),
    (_f("decimal", scale=2), _f("integer"), Decimal("2.50"), "whole number"),
    (_f("text"), _f("text", max_length=3), "abcd", "at most 3"),
    (_f("text"), _f("integer"), "   ", "nothing is left"),
])
def test_values_that_do_not_convert_say_why(old, new, value, fragment):
    with pytest.raises(ValueInvalid) as refused:
        conversion.convert(old, new, value)
    assert fragment in refused.value.message


def test_none_stays_none():
    assert conversion.convert(_f("text"), _f("integer"), None) is None
