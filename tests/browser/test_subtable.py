"""A sub-table in Chromium: add and remove rows, totals while typing, save, errors beside
their cells with everything typed kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from runtime.crm_template import CUSTOMER, OPPORTUNITY, QUOTE, link_forms


@pytest.fixture
def quote_form(live_server, make_account):
    """The CRM template's quote form (产品明细 rows, 小计 per row, 合计 = SUM), published
    with the customer and opportunity forms its 关联商机 link needs."""
    from builder.apps import service as apps
    from builder.db import db
    from builder.forms import service as forms
    from runtime.accounts import service as accounts

    make_account("builder@example.com", "Builder", is_admin=True)
    with live_server.app.app_context(), live_server.app.test_request_context():
        admin = accounts.find_user_by_email("builder@example.com")
        app_row = (apps.get_app_by_key(admin, "crm") if any(a.key == "crm" for a in
                   apps.list_apps(admin)) else apps.seed_app("crm", "客户关系", "",
                                                             icon="handshake", color="blue"))
        db.session.commit()
        ids: dict[str, int] = {}
        for document in (CUSTOMER, OPPORTUNITY, QUOTE):  # new keys: the app may have them
            form = forms.create_form(admin, app_row, document["name"])
            ids[document["key"]] = form.id
            forms.save_draft(admin, form, dict(link_forms(document, ids), key=form.key),
                             revision=form.draft_revision)
            forms.publish(admin, form)
        return f"{live_server.url}/a/crm/{form.key}"


def _cell(page, row: int, column: str):
    return page.locator(f"#fld-f_qitems1-{row}-{column}")


def _fill_row(page, row: int, product: str, quantity: str, price: str) -> None:
    _cell(page, row, "f_qprod01").fill(product)
    _cell(page, row, "f_qqty001").fill(quantity)
    _cell(page, row, "f_qprice1").fill(price)
    _cell(page, row, "f_qprice1").press("Tab")


def test_add_remove_rows_see_totals_update_and_save(page, live_server, make_account, sign_in,
                                                     quote_form):
    make_account("wang@example.com", "Wang Fang")
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(f"{quote_form}/new")
    page.fill("#fld-f_qtitle1", "Q-1")
    total = page.locator("#cell-f_qsum001 .readonly-value")

    _fill_row(page, 0, "积木 A", "2", "12.5")
    expect(_cell(page, 0, "f_qline01")).to_have_text("25.00")
    expect(total).to_have_text("25.00")

    for row in (1, 2):
        page.click("#rows-f_qitems1-add")
        expect(_cell(page, row, "f_qprod01")).to_be_focused()
    _fill_row(page, 1, "积木 B", "1", "100")
    _fill_row(page, 2, "积木 C", "3", "1")
    expect(total).to_have_text("128.00")
    expect(_cell(page, 0, "f_qprod01")).to_have_value("积木 A")

    page.click("button[aria-label='Remove row 2']")
    expect(page.locator("#fld-f_qitems1 tbody tr")).to_have_count(2)
    expect(_cell(page, 1, "f_qprod01")).to_have_value("积木 C")
    expect(total).to_have_text("28.00")

    _cell(page, 1, "f_qqty001").fill("4")
    _cell(page, 1, "f_qqty001").press("Tab")
    expect(total).to_have_text("29.00")
    page.fill("#fld-f_qdisc01", "10")
    page.locator("#fld-f_qdisc01").press("Tab")
    expect(page.locator("#cell-f_qnet001 .readonly-value")).to_have_text("26.10")

    page.click("button.btn-primary[value=save]")
    expect(page).to_have_url(re.compile(r"/a/crm/form_\d+/\d+$"))
    table = page.locator(".record-card .st-read")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").nth(1)).to_contain_text("积木 C")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("¥1.00")
    expect(page.locator(".record-card")).to_contain_text("29.00")
    page.goto(quote_form)
    expect(page.locator(".records-table")).to_contain_text("2 rows")


def test_an_error_in_row_two_shows_beside_the_cell_and_keeps_what_was_typed(
        page, live_server, make_account, sign_in, quote_form):
    make_account("li@example.com", "Li Lei")
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "li@example.com")
    page.goto(f"{quote_form}/new")
    page.fill("#fld-f_qtitle1", "Q-2")
    _fill_row(page, 0, "积木 A", "2", "12.5")
    page.click("#rows-f_qitems1-add")
    _fill_row(page, 1, "积木 B", "0", "abc")
    expect(page.locator("#fld-f_qitems1-1-f_qqty001-err")).to_have_text(
        "Must be at least 1 (got 0)")  # shown live once the cell was touched

    page.click("button.btn-primary[value=save]")
    expect(page.locator(".entry-summary")).to_contain_text("row 2 · 数量: must be at least 1")
    expect(page.locator("#fld-f_qitems1-1-f_qqty001-err")).to_have_text(
        "Must be at least 1 (got 0)")
    expect(page.locator("#fld-f_qitems1-1-f_qprice1-err")).to_have_text("Enter a number")
    expect(_cell(page, 1, "f_qqty001")).to_have_attribute("aria-invalid", "true")
    expect(_cell(page, 1, "f_qprice1")).to_have_value("abc")
    expect(_cell(page, 0, "f_qprod01")).to_have_value("积木 A")
    expect(page.locator("#fld-f_qtitle1")).to_have_value("Q-2")

    _cell(page, 1, "f_qqty001").fill("1")
    _cell(page, 1, "f_qprice1").fill("3")
    page.click("button.btn-primary[value=save]")
    expect(page).to_have_url(re.compile(r"/a/crm/form_\d+/\d+$"))
    expect(page.locator(".record-card")).to_contain_text("28.00")
