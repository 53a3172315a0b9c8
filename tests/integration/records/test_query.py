"""The read path filters, sorts, pages and counts like Python would."""

from __future__ import annotations

from decimal import Decimal

import pytest

from builder.conditions import ConditionInvalid
from runtime.records import query, service


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def filled(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    for i in range(12):
        service.create(user, form, {"f_name01": f"公司{i:02d}", "f_level1": "abc"[i % 3],
                                    "f_reason": "原因", "f_amnt01": str(i * 100)})
    return form, user


def test_filter_sort_and_count(filled):
    form, user = filled
    cond = {"all": [{"field": "f_level1", "op": "in", "value": ["a", "b"]},
                    {"field": "f_amnt01", "op": "gte", "value": "300"}]}
    page = query.query(user, form, cond, sort=[("f_amnt01", True)], limit=3)
    amounts = [r.values["f_amnt01"] for r in page.records]
    assert amounts == [Decimal("1000.00"), Decimal("900.00"), Decimal("700.00")]
    assert page.total == 6


def test_offset_pages_do_not_overlap(filled):
    form, user = filled
    first = query.query(user, form, sort=[("f_name01", False)], limit=5)
    second = query.query(user, form, sort=[("f_name01", False)], limit=5, offset=5)
    names = [r.values["f_name01"] for r in first.records + second.records]
    assert names == [f"公司{i:02d}" for i in range(10)]


def test_trashed_records_are_left_out_unless_asked(filled):
    form, user = filled
    victim = query.query(user, form, limit=1).records[0]
    service.delete(user, form, victim.id)
    assert query.query(user, form).total == 11
    assert [r.id for r in query.query(user, form, trashed=True).records] == [victim.id]


def test_sorting_by_an_unknown_field_is_refused(filled):
    form, user = filled
    with pytest.raises(ConditionInvalid):
        query.query(user, form, sort=[("f_nope01", False)])
