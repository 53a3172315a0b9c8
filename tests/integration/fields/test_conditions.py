"""Conditions answer the same in Python and in SQL, and refuse what they cannot mean."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from builder import conditions, fields
from builder.db import db
from builder.fields import Field

FIELDS = {
    "f_stage1": Field("f_stage1", "single_select", "Stage", {"options": [
        {"id": "new", "label": "新线索"}, {"id": "won", "label": "赢单"}]}),
    "f_amnt01": Field("f_amnt01", "decimal", "Amount", {"scale": 2}),
    "f_start1": Field("f_start1", "date", "Start", {}),
    "f_end001": Field("f_end001", "date", "End", {}),
    "f_name01": Field("f_name01", "text", "Name", {}),
}
ROWS = [
    {"f_stage1": "new", "f_amnt01": Decimal("100.00"), "f_start1": date(2026, 1, 1),
     "f_end001": date(2026, 2, 1), "f_name01": "杭州积木"},
    {"f_stage1": "won", "f_amnt01": Decimal("5000.00"), "f_start1": date(2026, 3, 1),
     "f_end001": date(2026, 2, 1), "f_name01": "Acme"},
    {"f_stage1": None, "f_amnt01": None, "f_start1": None, "f_end001": None, "f_name01": None},
]
CASES = [
    {"field": "f_stage1", "op": "eq", "value": "won"},
    {"field": "f_stage1", "op": "eq", "value": "赢单"},
    {"field": "f_stage1", "op": "ne", "value": "won"},
    {"field": "f_amnt01", "op": "gte", "value": "1,000"},
    {"any": [{"field": "f_stage1", "op": "eq", "value": "won"},
             {"field": "f_name01", "op": "contains", "value": "积木"}]},
    {"all": [{"field": "f_amnt01", "op": "not_empty"},
             {"field": "f_end001", "op": "gte", "other_field": "f_start1"}]},
    {"field": "f_end001", "op": "lt", "other_field": "f_start1"},
    {"all": []},
    {"any": []},
]


@pytest.fixture
def table(app):
    metadata = sa.MetaData()
    t = sa.Table("cond_test", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 *(sa.Column(fid, fields.get(f.type).sql_type(f)) for fid, f in FIELDS.items()))
    metadata.create_all(db.engine)
    with db.engine.begin() as conn:
        for i, row in enumerate(ROWS, 1):
            conn.execute(t.insert().values(id=i, **row))
    yield t
    metadata.drop_all(db.engine)


@pytest.mark.parametrize("cond", CASES, ids=lambda c: str(c)[:60])
def test_sql_and_python_agree(app, table, cond):
    with app.test_request_context():
        expected = {i for i, row in enumerate(ROWS, 1)
                    if conditions.evaluate(cond, row, FIELDS)}
        with db.engine.connect() as conn:
            where = conditions.to_sql(cond, table.c, FIELDS)
            got = {r[0] for r in conn.execute(sa.select(table.c.id).where(where))}
    assert got == expected


@pytest.mark.parametrize("cond", [
    {"field": "f_nope01", "op": "eq", "value": 1},
    {"field": "f_stage1", "op": "contains", "value": "x"},
    {"field": "f_amnt01", "op": "gt", "value": "lots"},
    {"field": "f_end001", "op": "gt", "other_field": "f_nope01"},
    {"all": "not a list"},
])
def test_bad_conditions_are_refused_with_a_reason(app, cond):
    with app.test_request_context(), pytest.raises(conditions.ConditionInvalid):
        conditions.evaluate(cond, ROWS[0], FIELDS)


def test_deep_nesting_is_refused(app):
    cond: dict = {"field": "f_stage1", "op": "eq", "value": "won"}
    for _ in range(20):
        cond = {"all": [cond]}
    with pytest.raises(conditions.ConditionInvalid):
        conditions.evaluate(cond, ROWS[0], FIELDS)


def test_referenced_fields_lists_both_sides():
    assert conditions.referenced_fields(CASES[5]) == {"f_amnt01", "f_end001", "f_start1"}
