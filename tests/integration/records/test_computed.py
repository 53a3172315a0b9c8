"""Formulas recalculate on every save; auto-numbers are assigned once, without gaps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from runtime.accounts.models import User
from runtime.records import service
from runtime.records.exceptions import ValidationFailed
from tests.integration.records.test_concurrency import _in_threads

QUOTE_FIELDS = [
    {"id": "f_no0001", "type": "auto_number", "label": "编号", "config": {"parts": [
        {"kind": "text", "text": "BJ-"}, {"kind": "date", "format": "YYYYMM"},
        {"kind": "text", "text": "-"}, {"kind": "seq", "width": 4, "reset": "monthly"}]}},
    {"id": "f_qty001", "type": "integer", "label": "数量", "config": {}},
    {"id": "f_price1", "type": "money", "label": "单价", "config": {"currency": "CNY"}},
    {"id": "f_disc01", "type": "percent", "label": "折扣", "config": {"scale": 1}},
    {"id": "f_total1", "type": "formula", "label": "小计",
     "config": {"expression": "{f_qty001} * {f_price1}", "result": "number", "scale": 2}},
    {"id": "f_net0001", "type": "formula", "label": "折后",
     "config": {"expression": "ROUND({f_total1} * (100 - {f_disc01}) / 100, 2)",
                "result": "number", "scale": 2}},
    {"id": "f_tier001", "type": "formula", "label": "审批级别", "config": {
        "expression": 'IFS({f_disc01} <= 10, "无需审批", {f_disc01} <= 20, "销售经理", '
                      'TRUE, "销售总监")',
        "result": "text"}},
    {"id": "f_unit001", "type": "formula", "label": "均价",
     "config": {"expression": "{f_total1} / {f_qty001}", "result": "number"}},
]


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_formulas_follow_their_inputs_on_create_and_update(ctx, make_form, make_user):
    form, user = make_form(fields=QUOTE_FIELDS, rules=[]), make_user()
    with pytest.raises(ValidationFailed):  # nobody types a calculated value
        service.create(user, form, {"f_qty001": "3", "f_total1": "999"})
    record = service.create(user, form, {"f_qty001": "3", "f_price1": "12.50", "f_disc01": "15"})
    assert record.values["f_total1"] == Decimal("37.50")
    assert record.values["f_net0001"] == Decimal("31.88")
    assert record.values["f_tier001"] == "销售经理"
    updated = service.update(user, form, record.id, {"f_disc01": "25"}, expected_version=1)
    assert updated.values["f_net0001"] == Decimal("28.13")
    assert updated.values["f_tier001"] == "销售总监"


def test_a_formula_that_cannot_be_calculated_is_blank(ctx, make_form, make_user):
    form, user = make_form(fields=QUOTE_FIELDS, rules=[]), make_user()
    record = service.create(user, form, {"f_qty001": "0", "f_price1": "5"})
    assert record.values["f_unit001"] is None  # division by zero


def test_auto_numbers_count_up_and_stay_put(ctx, app, make_form, make_user):
    form, user = make_form(fields=QUOTE_FIELDS, rules=[]), make_user()
    first = service.create(user, form, {"f_qty001": "1"})
    second = service.create(user, form, {"f_qty001": "2"})
    assert first.values["f_no0001"].endswith("-0001")
    assert second.values["f_no0001"].endswith("-0002")
    again = service.update(user, form, first.id, {"f_qty001": "5"}, expected_version=1)
    assert again.values["f_no0001"] == first.values["f_no0001"]


def test_fifty_simultaneous_creates_get_fifty_gap_free_numbers(app, make_form, make_user):
    form, user_id = make_form(fields=QUOTE_FIELDS, rules=[]), make_user().id

    def work(i):
        from builder.db import db

        return service.create(db.session.get(User, user_id), form, {"f_qty001": str(i)})

    outcomes = _in_threads(app, 50, work)
    assert all(isinstance(o, service.Record) for o in outcomes), outcomes[:3]
    numbers = sorted(int(o.values["f_no0001"][-4:]) for o in outcomes)
    assert numbers == list(range(1, 51))


PEOPLE_FIELDS = [
    {"id": "f_name01", "type": "text", "label": "名称", "config": {}},
    {"id": "f_sales1", "type": "member", "label": "销售", "config": {}},
    {"id": "f_dept01", "type": "department", "label": "部门", "config": {}},
]


def test_members_must_be_active_users_and_departments_must_exist(ctx, make_form, make_user):
    from builder.db import db
    from runtime.accounts.models import Department

    form, user = make_form(fields=PEOPLE_FIELDS, rules=[]), make_user()
    gone = make_user()
    gone.is_active = False
    sales = Department(name="销售部")
    db.session.add(sales)
    db.session.commit()
    record = service.create(user, form, {"f_name01": "甲", "f_sales1": str(user.id),
                                         "f_dept01": str(sales.id)})
    assert record.values["f_sales1"] == user.id and record.values["f_dept01"] == sales.id
    with pytest.raises(ValidationFailed) as caught:
        service.create(user, form, {"f_sales1": str(gone.id), "f_dept01": "999"})
    assert set(caught.value.errors) == {"f_sales1", "f_dept01"}
