"""Rollups over sub-table rows, against the sub-table format (a stand-in type until it lands).

A sub-table's value is ``list[dict[sub-field id → value]]`` and its side table
``rec_<form>_<field id>`` has one column per sub-field, named by the sub-field's id.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from builder import fields
from builder.fields import Field, FieldType
from runtime.records import service

COLUMNS = {"integer": sa.Integer, "decimal": lambda: sa.Numeric(18, 6), "date": sa.Date,
           "text": sa.Text}


class StandInSubTable(FieldType):
    """Rows with their own fields, in a side table: just enough for the rollups."""

    type = "sub_table"
    family = "relation"
    side = True
    stored = False

    def columns(self, field: Field) -> list[dict[str, Any]]:
        return field.config["fields"]

    def side_columns(self, field: Field) -> list[sa.Column]:
        return [sa.Column(c["id"], COLUMNS[c["type"]]()) for c in self.columns(field)]

    def to_side_rows(self, field: Field, value: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in value or []]

    def from_side_rows(self, field: Field, rows: list[dict[str, Any]]) -> Any:
        ids = [c["id"] for c in self.columns(field)]
        return [{i: row[i] for i in ids} for row in rows] or None

    def coerce(self, field: Field, raw: Any) -> Any:
        return raw or None

    def to_json(self, field: Field, value: Any) -> Any:
        return None if value is None else [
            {k: v if v is None or isinstance(v, int | str) else str(v) for k, v in row.items()}
            for row in value]


LINES = {"id": "f_lines01", "type": "sub_table", "label": "明细", "config": {"fields": [
    {"id": "f_qty0001", "type": "integer", "label": "数量"},
    {"id": "f_price001", "type": "decimal", "label": "单价"},
    {"id": "f_due00001", "type": "date", "label": "交期"},
    {"id": "f_item0001", "type": "text", "label": "品名"}]}}


def _rollup(field_id: str, function: str, column: str | None = None) -> dict[str, Any]:
    config = {"source": "f_lines01", "function": function}
    if column:
        config["field"] = column
    return {"id": field_id, "type": "rollup", "label": field_id, "config": config}


@pytest.fixture
def order_form(app, make_form, monkeypatch):
    monkeypatch.setitem(fields._registry, "sub_table", StandInSubTable())
    return make_form(fields=[
        {"id": "f_title01", "type": "text", "label": "订单", "config": {}}, LINES,
        _rollup("f_lines_n", "count"), _rollup("f_qty_sum", "sum", "f_qty0001"),
        _rollup("f_prc_avg", "avg", "f_price001"), _rollup("f_due_max", "max", "f_due00001"),
        _rollup("f_due_min", "min", "f_due00001"),
        _rollup("f_bad0001", "sum", "f_item0001")], rules=[])


def test_rollups_over_sub_table_rows_for_a_page_of_records(ctx, order_form, make_user):
    user = make_user()
    full = service.create(user, order_form, {"f_title01": "A", "f_lines01": [
        {"f_qty0001": 2, "f_price001": Decimal("10.5"), "f_due00001": date(2026, 3, 1),
         "f_item0001": "螺丝"},
        {"f_qty0001": 5, "f_price001": Decimal("3"), "f_due00001": date(2026, 1, 9),
         "f_item0001": "螺母"},
        {"f_qty0001": None, "f_price001": None, "f_due00001": None, "f_item0001": "垫片"}]})
    empty = service.create(user, order_form, {"f_title01": "B"})
    records = {r.id: r.values for r in service.page(user, order_form)}
    got = records[full.id]
    assert got["f_lines_n"] == 3
    assert got["f_qty_sum"] == Decimal("7.00")
    assert got["f_prc_avg"] == Decimal("6.75")
    assert got["f_due_max"] == date(2026, 3, 1) and got["f_due_min"] == date(2026, 1, 9)
    assert got["f_bad0001"] is None  # text cannot be summed: nothing, never an error
    none = records[empty.id]
    assert none["f_lines_n"] == 0 and none["f_qty_sum"] == Decimal("0.00")
    assert none["f_due_max"] is None and none["f_prc_avg"] is None
    assert service.get(user, order_form, full.id).values["f_lines_n"] == 3


def test_publish_checks_know_sub_tables(app, monkeypatch):
    from builder.fields.relation import RelationContext
    from builder.forms import relations

    monkeypatch.setitem(fields._registry, "sub_table", StandInSubTable())
    document = {"fields": [LINES, _rollup("f_qty_sum", "sum", "f_qty0001"),
                           _rollup("f_bad0001", "sum", "f_item0001"),
                           _rollup("f_due_max", "max", "f_due00001"),
                           _rollup("f_gone001", "min", "f_nope0001")]}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        found = {e.path: e.message for e in relations.problems(document, RelationContext(1))}
    assert found == {
        "$.fields[2].config.field": "f_bad0001: sums and averages need a number field "
                                    "(品名 is not one)",
        "$.fields[4].config.field": "f_gone001: choose the field to calculate with"}
