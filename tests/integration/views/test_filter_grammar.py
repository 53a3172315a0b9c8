"""The filter grammar answers the same in SQL and in Python: data-driven cases, then
random conditions (Hypothesis) over every operator of the fields below, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import conditions
from builder import fields as field_types
from builder.db import db
from runtime.records import query

CONTEXT = conditions.Context(user_id=7, department_id=3, today=date(2026, 3, 10),
                             zone="Asia/Shanghai")
OPTIONS = [{"id": "new", "label": "新线索"}, {"id": "quote", "label": "报价"},
           {"id": "won", "label": "赢单"}]
FIELDS = [
    {"id": "f_name01", "type": "text", "label": "名称", "config": {}},
    {"id": "f_stage1", "type": "single_select", "label": "阶段", "config": {"options": OPTIONS}},
    {"id": "f_amnt01", "type": "money", "label": "金额", "config": {"scale": 2}},
    {"id": "f_budget", "type": "money", "label": "预算", "config": {"scale": 2}},
    {"id": "f_close1", "type": "date", "label": "预计成交", "config": {}},
    {"id": "f_when01", "type": "datetime", "label": "下次联系", "config": {}},
    {"id": "f_owner1", "type": "member", "label": "负责人", "config": {}},
    {"id": "f_dept01", "type": "department", "label": "部门", "config": {}},
    {"id": "f_tags01", "type": "multi_select", "label": "标签", "config": {"options": [
        {"id": "key", "label": "重点"}, {"id": "new", "label": "新客"}]}},
    {"id": "f_vip001", "type": "boolean", "label": "重点客户", "config": {}},
    {"id": "f_creat1", "type": "created_at", "label": "创建时间", "config": {}},
    {"id": "f_cby001", "type": "created_by", "label": "创建人", "config": {}},
]
D = Decimal
ROWS = [
    ("杭州积木", "new", D("100.00"), D("50"), date(2026, 2, 1), datetime(2026, 3, 9, 16, 30),
     7, 1, ["key", "new"], True),
    ("Acme 公司", "won", D("5000.00"), D("10"), date(2026, 3, 4), datetime(2026, 3, 10, 1),
     8, 3, ["new"], False),
    ("上海云帆", "quote", D("9000.00"), None, date(2026, 3, 10), datetime(2026, 3, 8, 17),
     7, 3, [], None),
    ("北京积木", None, D("1000.00"), D("2000"), date(2026, 4, 8), datetime(2026, 3, 11, 2),
     9, None, ["key"], False),
    ("深圳星河", "won", None, D("1"), None, None, 8, 1, None, True),
    ("ACME Trading", "new", D("0.00"), None, date(2025, 12, 31), datetime(2026, 3, 8, 15),
     None, 2, None, False),
    ("100% 纯_利", "new", None, None, date(2026, 3, 3), None, 9, None, None, None),
    (None, None, None, None, None, None, None, None, None, None),
]
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def table(app, make_form):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = make_form(fields=FIELDS, rules=[])
        names = [f["id"] for f in FIELDS[:10]]
        with db.engine.begin() as conn:
            for i, row in enumerate(ROWS, 1):
                values = dict(zip(names, row, strict=True))
                values["f_when01"] = values["f_when01"] and values["f_when01"].replace(tzinfo=UTC)
                stored = {k: form.type_of(k).to_db(form.field_map[k], v)
                          for k, v in values.items()}
                conn.execute(form.table.insert().values(
                    id=i, created_at=NOW, updated_at=NOW, created_by_id=7, row_version=1,
                    **stored))
        yield form


def _records(form):
    return {r.id: r.values for r in query.query(type("Actor", (), {"is_active": True, "id": 1})(),
                                                 form, limit=50).records}


def _sql(form, cond):
    where = query.where(form, cond, context=CONTEXT)
    return {r[0] for r in db.session.execute(sa.select(form.table.c.id).where(where))}


def _python(form, records, cond):
    return {i for i, values in records.items()
            if conditions.evaluate(cond, values, form.field_map, context=CONTEXT)}


CASES = json.loads((Path(__file__).parent / "filter_cases.json").read_text("utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["description"][:50] for c in CASES])
def test_filter_case(table, case):
    records = _records(table)
    assert _python(table, records, case["input"]) == set(case["expected"]), "Python"
    assert _sql(table, case["input"]) == set(case["expected"]), "SQL"


def test_context_operators_are_refused_without_a_context(table):
    with pytest.raises(conditions.ConditionInvalid):
        conditions.evaluate({"field": "f_owner1", "op": "is_me"}, {}, table.field_map)
    with pytest.raises(conditions.ConditionInvalid):
        conditions.check({"field": "f_owner1", "op": "is_me", "other_field": "f_cby001"},
                         table.field_map)


def test_the_memo_keeps_contexts_apart(table):
    cond = {"field": "f_owner1", "op": "is_me"}
    other = conditions.Context(user_id=8, department_id=3, today=date(2026, 3, 10))
    first = query.where(table, cond, context=CONTEXT)
    assert query.where(table, cond, context=other) is not first
    assert query.where(table, cond, context=CONTEXT) is first
    plain = {"field": "f_stage1", "op": "eq", "value": "won"}
    assert query.where(table, plain, context=CONTEXT) is query.where(table, plain, context=other)


# ---------------------------------------------------------------- random conditions

SAMPLES = {
    "f_name01": ["杭州积木", "积木", "acme", "ACME Trading", "100%", "_", "x"],
    "f_stage1": ["new", "won", "quote", "赢单"],
    "f_amnt01": ["0", "100", "1000", "5000.00", "9000"],
    "f_budget": ["1", "50", "2000"],
    "f_close1": ["2026-02-01", "2026-03-04", "2026-03-10", "2026-04-08"],
    "f_when01": ["2026-03-09 16:30", "2026-03-10 09:00", "2026-03-08T15:00:00+00:00"],
    "f_owner1": ["7", "8", "9"],
    "f_dept01": ["1", "2", "3"],
    "f_tags01": ["key", "new"],
    "f_vip001": ["true", "false", "是"],
    "f_creat1": ["2026-03-10 10:00", "2026-03-09 00:00"],
    "f_cby001": ["7", "8"],
}


@st.composite
def comparisons(draw):
    field = draw(st.sampled_from(FIELDS))
    field_type = field_types.get(field["type"])
    op = draw(st.sampled_from(field_type.operators))
    operator = field_type.operator(op)
    pool = SAMPLES[field["id"]]
    item = {"field": field["id"], "op": op}
    if op in ("within_last", "within_next"):
        item["value"] = draw(st.sampled_from([1, 2, 7, "30", 400]))
    elif operator.arity == 2:
        low, high = sorted(draw(st.lists(st.sampled_from(pool), min_size=2, max_size=2)))
        item["value"] = [low, high] if field["type"] != "money" else sorted(
            [low, high], key=lambda v: D(v.replace(",", "")))
    elif op in ("in", "not_in", "has_any", "has_all", "has_none"):
        item["value"] = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    elif operator.arity == 1 and not operator.context:
        item["value"] = draw(st.sampled_from(pool))
    return item


conditions_tree = st.recursive(
    comparisons(),
    lambda children: st.one_of(st.builds(lambda xs: {"all": xs}, st.lists(children, max_size=3)),
                               st.builds(lambda xs: {"any": xs}, st.lists(children, max_size=3))),
    max_leaves=6)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cond=conditions_tree)
def test_random_conditions_agree(table, cond):
    try:
        conditions.check(cond, table.field_map, context=CONTEXT)
    except conditions.ConditionInvalid:
        return  # operands a type refuses (a label that is not an option...) are refused alike
    assert _sql(table, cond) == _python(table, _records(table), cond)
