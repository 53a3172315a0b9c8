"""Sub-tables through the one write path: rows stored in a side table, read in batches,
validated per cell, summed by formulas, filtered, and grown at publish."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from builder.db import db
from runtime.records import query, service, storage
from runtime.records.exceptions import ValidationFailed

LINES = {"id": "f_lines01", "type": "subtable", "label": "明细", "config": {
    "fields": [
        {"id": "f_item01", "type": "text", "label": "产品", "required": True,
         "config": {"max_length": 50}},
        {"id": "f_qty001", "type": "integer", "label": "数量", "config": {"min": 1}},
        {"id": "f_price1", "type": "money", "label": "单价",
         "config": {"currency": "CNY", "scale": 2, "min": 0}},
        {"id": "f_line01", "type": "formula", "label": "小计",
         "config": {"expression": "{f_qty001} * {f_price1} * (1 - {f_disc01} / 100)",
                    "result": "number", "scale": 2}},
        {"id": "f_sold01", "type": "member", "label": "销售", "config": {}},
    ], "min_rows": 1, "max_rows": 5}}
ORDER = [
    {"id": "f_title1", "type": "text", "label": "标题", "config": {}},
    {"id": "f_disc01", "type": "percent", "label": "折扣", "config": {"scale": 0}},
    LINES,
    {"id": "f_total1", "type": "formula", "label": "合计",
     "config": {"expression": "SUM({f_lines01.f_line01})", "result": "number", "scale": 2}},
    {"id": "f_stats1", "type": "formula", "label": "统计", "config": {
        "expression": "COUNT({f_lines01.f_qty001}) & \"/\" & AVERAGE({f_lines01.f_qty001})"
                      " & \"/\" & MIN({f_lines01.f_price1}) & \"/\" & MAX({f_lines01.f_price1})",
        "result": "text"}},
]


@pytest.fixture
def order(make_form):
    return make_form(fields=ORDER, rules=[])


@pytest.fixture
def user(make_user):
    return make_user()


def _rows(*lines):
    return [{"f_item01": item, "f_qty001": qty, "f_price1": price} for item, qty, price in lines]


def test_rows_are_stored_in_order_and_formulas_sum_them(app, order, user):
    record = service.create(user, order, {"f_title1": "报价", "f_lines01": _rows(
        ("积木 A", "2", "12.50"), ("积木 B", 3, "10"))})
    rows = record.values["f_lines01"]
    assert [r["f_item01"] for r in rows] == ["积木 A", "积木 B"]
    assert rows[0] == {"f_item01": "积木 A", "f_qty001": 2, "f_price1": Decimal("12.50"),
                       "f_line01": Decimal("25.00"), "f_sold01": None}
    assert rows[1]["f_line01"] == Decimal("30.00")
    assert record.values["f_total1"] == Decimal("55.00")
    assert record.values["f_stats1"] == "2/2.5/10/12.5"
    side = order.side_table("f_lines01")
    stored = db.session.execute(sa.select(side.c.position, side.c.f_item01)
                                .order_by(side.c.position)).all()
    assert stored == [(0, "积木 A"), (1, "积木 B")]


def test_row_formulas_read_the_form_and_update_changes_rows(app, order, user):
    record = service.create(user, order, {"f_disc01": "10", "f_lines01": _rows(
        ("A", 1, "100"), ("B", 2, "50"))})
    assert record.values["f_total1"] == Decimal("180.00")
    changed = service.update(user, order, record.id, {"f_lines01": _rows(
        ("B", 2, "50"), ("C", 1, "1"), ("A", 4, "100"))}, expected_version=1)
    assert [r["f_item01"] for r in changed.values["f_lines01"]] == ["B", "C", "A"]
    assert changed.values["f_total1"] == Decimal("450.90")
    again = service.update(user, order, record.id, {"f_disc01": "0"}, expected_version=2)
    assert again.values["f_total1"] == Decimal("501.00")  # rows kept, recalculated
    assert again.values["f_lines01"][2]["f_line01"] == Decimal("400.00")
    side = order.side_table("f_lines01")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(side)) == 3


def test_cell_problems_point_at_their_cells(app, order, user):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ValidationFailed) as refused:
            service.create(user, order, {"f_lines01": [
                {"f_item01": "A", "f_qty001": "2"},
                {"f_item01": "", "f_qty001": "0", "f_price1": "x"},
            ]})
    errors = refused.value.errors
    assert errors["f_lines01.1.f_qty001"] == ["must be at least 1 (got 0)"]
    assert errors["f_lines01.1.f_item01"] == ["is required"]
    assert errors["f_lines01.1.f_price1"] == ["enter a number"]
    assert "row 2 · 数量: must be at least 1 (got 0)" in errors["f_lines01"]
    assert "f_lines01.0.f_qty001" not in errors
    assert service.page(user, order) == []


def test_min_and_max_rows_and_blank_rows(app, order, user):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ValidationFailed) as none:
            service.create(user, order, {"f_lines01": [{"f_item01": " ", "f_qty001": ""}]})
        assert none.value.errors["f_lines01"] == ["at least 1 row (got 0)"]
        with pytest.raises(ValidationFailed) as many:
            service.create(user, order, {"f_lines01": _rows(*[("x", 1, 1)] * 6)})
        assert many.value.errors["f_lines01"] == ["at most 5 rows (got 6)"]
    record = service.create(user, order, {"f_lines01": [{}, {"f_item01": "A"}, {"f_qty001": ""}]})
    assert [r["f_item01"] for r in record.values["f_lines01"]] == ["A"]


def test_members_in_cells_must_be_active_users(app, order, user, make_user):
    gone = make_user()
    gone.is_active = False
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ValidationFailed) as refused:
            service.create(user, order, {"f_lines01": [
                {"f_item01": ""}, {"f_item01": "A", "f_sold01": str(user.id)},
                {"f_item01": "B", "f_sold01": str(gone.id)}]})
    assert refused.value.errors["f_lines01.2.f_sold01"] == ["choose an active member"]
    assert "f_lines01.1.f_sold01" not in refused.value.errors


def test_a_page_of_records_reads_rows_with_one_query_per_sub_table(app, order, user):
    for n in range(12):
        service.create(user, order, {"f_title1": f"#{n}", "f_lines01": _rows(
            *[(f"item {n}.{i}", i + 1, "1") for i in range(n % 3 + 1)])})
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries(limit: int) -> tuple[int, list]:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            records = service.page(user, order, limit=limit)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements), records

    assert user.is_active  # reloads the user expired by the last commit before counting
    small, few = queries(2)
    large, many = queries(12)
    assert small == large
    assert [len(r.values["f_lines01"]) for r in many[:3]] == [3, 2, 1]
    found = query.query(user, order, {"field": "f_lines01", "op": "not_empty"})
    assert found.total == 12


def test_filters_empty_and_not_empty_agree_with_python(app, make_form, user):
    loose = dict(LINES, config=dict(LINES["config"], min_rows=0))
    form = make_form(fields=[ORDER[0], ORDER[1], loose], rules=[])
    service.create(user, form, {"f_title1": "none"})
    service.create(user, form, {"f_title1": "one", "f_lines01": _rows(("A", 1, 1))})
    for op, expected in (("empty", ["none"]), ("not_empty", ["one"])):
        page = query.query(user, form, {"field": "f_lines01", "op": op})
        assert [r.values["f_title1"] for r in page.records] == expected


def test_adding_a_column_later_adds_it_to_the_side_table(app, make_form, user):
    form = make_form(fields=[ORDER[0], ORDER[1], LINES], rules=[], form_id=4321)
    record = service.create(user, form, {"f_lines01": _rows(("A", 1, 1))})
    db.session.commit()  # end the read after the save: PostgreSQL's ALTER TABLE waits for it
    grown = dict(LINES, config=dict(LINES["config"], fields=[
        *LINES["config"]["fields"], {"id": "f_note01", "type": "textarea", "label": "备注",
                                     "config": {}}]))
    later = make_form(fields=[ORDER[0], ORDER[1], grown], rules=[], version=2, form_id=4321)
    with db.engine.begin() as conn:
        assert storage.reconcile(conn, later.spec) == []
        columns = {c["name"] for c in sa.inspect(conn).get_columns("rec_4321_f_lines01")}
    assert "f_note01" in columns
    row = service.get(user, later, record.id).values["f_lines01"][0]
    assert row["f_item01"] == "A" and row["f_note01"] is None
    updated = service.update(user, later, record.id, {"f_lines01": [
        {"f_item01": "A", "f_note01": "第一行\n第二行"}]}, expected_version=1)
    assert updated.values["f_lines01"][0]["f_note01"] == "第一行\n第二行"


def test_history_keeps_rows_as_json_and_restores_them(app, order, user):
    record = service.create(user, order, {"f_lines01": _rows(("A", 1, "2.5"))})
    service.update(user, order, record.id, {"f_lines01": _rows(("A", 3, "2.5"), ("B", 1, 1))},
                   expected_version=1)
    entries = service.history(user, order, record.id)
    old, new = entries[0].changes["f_lines01"]
    assert old == [{"f_item01": "A", "f_qty001": 1, "f_price1": "2.50", "f_line01": "2.50",
                    "f_sold01": None}]
    assert len(new) == 2
    restored = service.restore_version(user, order, record.id, entries[1].id,
                                       expected_version=2)
    assert [r["f_qty001"] for r in restored.values["f_lines01"]] == [1]
    assert restored.values["f_total1"] == Decimal("2.50")
