"""Rollups over a real sub-table, end to end: published through the builder, rows typed
into the entry form, totals read back; rollups and formulas over the same column agree."""

from __future__ import annotations

from decimal import Decimal

import pytest

from builder.db import db
from runtime.records import forms_lookup, service
from tests.integration.records.test_subtable import LINES, ORDER
from tests.integration.records.test_subtable_pages import _cells, _post


def _rollup(field_id: str, label: str, function: str, column: str | None = None) -> dict:
    config = {"source": "f_lines01", "function": function, "scale": 2}
    if column:
        config["field"] = column
    return {"id": field_id, "type": "rollup", "label": label, "config": config}


FIELDS = [
    *ORDER,
    {"id": "f_qtysum", "type": "formula", "label": "数量合计",
     "config": {"expression": "SUM({f_lines01.f_qty001})", "result": "number", "scale": 2}},
    {"id": "f_rcount", "type": "rollup", "label": "行数", "config": {
        "source": "f_lines01", "function": "count"}},
    _rollup("f_rqty01", "数量汇总", "sum", "f_qty001"),
    _rollup("f_rline1", "小计汇总", "sum", "f_line01"),
    _rollup("f_rmax01", "最高单价", "max", "f_price1"),
]
LAYOUT = [{"kind": "section", "id": "s_order1", "title": "报价", "columns": 1, "items": [
    {"kind": "field", "field": f["id"]} for f in FIELDS]}]


@pytest.fixture
def quote(publish_form):
    app_key, form_key = publish_form(fields=FIELDS, layout=LAYOUT, rules=[],
                                     title_field="f_title1", name="报价单")
    return app_key, form_key


def _published(quote):
    return forms_lookup.resolve(None, *quote).published


def _assert_totals(values, *, count, qty, total):
    assert values["f_rcount"] == count
    assert values["f_rqty01"] == values["f_qtysum"] == Decimal(qty)
    assert values["f_rline1"] == values["f_total1"] == Decimal(total)


def test_rollups_and_formulas_over_the_same_rows_agree(app, quote, make_user):
    user = make_user()
    form = _published(quote)
    assert LINES["id"] in {f.id for f in form.side_fields}
    with app.test_request_context():
        record = service.create(user, form, {"f_title1": "报价", "f_disc01": "10",
                                             "f_lines01": [
            {"f_item01": "A", "f_qty001": "2", "f_price1": "12.50"},
            {"f_item01": "B", "f_qty001": 3, "f_price1": "10"}]})
        # the record create returns (RETURNING path) carries the rows and the rollups
        assert [r["f_item01"] for r in record.values["f_lines01"]] == ["A", "B"]
        _assert_totals(record.values, count=2, qty="5.00", total="49.50")
        assert record.values["f_rmax01"] == Decimal("12.50")
        again = service.get(user, form, record.id)
        assert again.values["f_lines01"] == record.values["f_lines01"]
        _assert_totals(again.values, count=2, qty="5.00", total="49.50")
        empty = service.create(user, form, {"f_title1": "空", "f_lines01": [
            {"f_item01": "C", "f_qty001": "1", "f_price1": "0"}]})
        changed = service.update(user, form, record.id, {"f_lines01": [
            {"f_item01": "B", "f_qty001": 3, "f_price1": "10"}]}, expected_version=1)
        _assert_totals(changed.values, count=1, qty="3.00", total="27.00")
        page = {r.id: r for r in service.page(user, form)}
        _assert_totals(page[record.id].values, count=1, qty="3.00", total="27.00")
        _assert_totals(page[empty.id].values, count=1, qty="1.00", total="0.00")
        db.session.rollback()


def test_rows_typed_into_the_entry_form_are_rolled_up_on_the_pages(
        app, client, quote, make_user, login_as):
    login_as(make_user(email="staff@example.com", name="王芳"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    base = "/a/{}/{}".format(*quote)
    created = _post(client, f"{base}/new", {
        **_cells({"f_item01": "A", "f_qty001": "4", "f_price1": "2.5"},
                 {"f_item01": "B", "f_qty001": "6", "f_price1": "1"},
                 {"f_item01": "C", "f_qty001": "1", "f_price1": "100"}),
        "f_title1": "报价 1", "_action": "save"})
    assert created.status_code == 303, created.get_data(as_text=True)[:3000]
    record_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    record = _read(app, _published(quote), record_id)
    _assert_totals(record.values, count=3, qty="11.00", total="116.00")
    html = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "116.00" in html and "11.00" in html
    listing = client.get(base).get_data(as_text=True)
    assert "3 rows" in listing and "116.00" in listing


def _read(app, form, record_id):
    from runtime.accounts.models import User

    with app.test_request_context():
        user = db.session.query(User).filter_by(email="staff@example.com").one()
        return service.get(user, form, record_id)
