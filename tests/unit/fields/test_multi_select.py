"""Multiple select: ids or labels in, option order out, count rules, filter operands."""

from __future__ import annotations

import pytest

from builder.fields import Field, ValueInvalid
from builder.fields.choice import MultiSelectType
from builder.fields.operators import OPERATORS

TYPE = MultiSelectType()


def _field(**config) -> Field:
    return Field(id="f_tags", type="multi_select", label="Interest",
                 config={**TYPE.sample_config(), **config})


@pytest.mark.parametrize(("raw", "expected"), [
    (["hr", "crm"], ["crm", "hr"]),
    (["crm", "crm", "客户管理"], ["crm"]),
    ("人事、客户管理", ["crm", "hr"]),
    ("oa，erp", ["erp", "oa"]),
    ([], None),
    ("  ,、 ", None),
])
def test_coerce_orders_and_deduplicates(raw, expected):
    assert TYPE.coerce(_field(), raw) == expected


def test_an_unknown_option_names_the_allowed_ones():
    with pytest.raises(ValueInvalid, match="客户管理"):
        TYPE.coerce(_field(), "OA, finance")


def test_labels_are_matched_case_insensitively():
    field = _field(options=[{"id": "a", "label": "Alpha"}, {"id": "b", "label": "Beta"}])
    assert TYPE.coerce(field, "alpha; BETA") == ["a", "b"]


def test_selection_count_rules_name_the_limit():
    with pytest.raises(ValueInvalid, match="2"):
        TYPE.coerce(_field(min_selections=2), ["crm"])
    with pytest.raises(ValueInvalid, match="1"):
        TYPE.coerce(_field(max_selections=1), ["crm", "hr"])


def test_filter_operands_ignore_count_rules_but_need_an_option():
    field = _field(min_selections=3)
    assert TYPE.filter_value(field, "has_any", ["进销存"]) == ["erp"]
    with pytest.raises(ValueInvalid):
        TYPE.filter_value(field, "has_all", [])
    with pytest.raises(ValueInvalid):
        TYPE.filter_value(field, "has_none", ["nope"])


@pytest.mark.parametrize(("op", "value", "operand", "expected"), [
    ("has_any", ["crm", "hr"], ["hr", "oa"], True),
    ("has_any", None, ["hr"], False),
    ("has_all", ["crm", "hr"], ["crm", "hr"], True),
    ("has_all", ["crm"], ["crm", "hr"], False),
    ("has_none", ["crm"], ["hr"], True),
    ("has_none", None, ["hr"], True),
    ("has_none", ["hr"], ["hr", "oa"], False),
])
def test_python_evaluation(op, value, operand, expected):
    assert OPERATORS[op].py(value, operand) is expected


def test_a_huge_list_is_refused_without_resolving_it():
    with pytest.raises(ValueInvalid):
        TYPE.coerce(_field(), ["crm"] * 100_000)
    with pytest.raises(ValueInvalid):
        TYPE.coerce(_field(), "、".join(["crm"] * 100_000))
