"""A table view in Chromium: filter and sort through the toolbar, reload the address and
get the same view, go back, search, keep it as a saved view, edit a cell in place."""

from __future__ import annotations

import io
import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.integration.records.conftest import ENTRY_FIELDS, ENTRY_LAYOUT, ENTRY_RULES

_apps = itertools.count(1)


@pytest.fixture
def customers(live_server, make_account):
    """A published customer form with 12 records, in a fresh app of the live server."""
    from builder.apps import service as apps
    from builder.db import db
    from builder.forms import service as forms
    from runtime.accounts import service as accounts
    from runtime.records import service
    from runtime.records.forms_lookup import resolve

    make_account("builder@example.com", "Builder", is_admin=True)
    make_account("wang@example.com", "Wang Fang")
    with live_server.app.app_context(), live_server.app.test_request_context():
        admin = accounts.find_user_by_email("builder@example.com")
        key = f"views{next(_apps)}"
        app_row = apps.seed_app(key, "视图测试", "", icon="handshake", color="blue")
        db.session.commit()
        form = forms.create_form(admin, app_row, "客户")
        document = dict(form.draft, fields=ENTRY_FIELDS, layout=ENTRY_LAYOUT,
                        rules=ENTRY_RULES, title_field="f_name01")
        forms.save_draft(admin, form, document, revision=form.draft_revision)
        forms.publish(admin, form)
        target = resolve(admin, key, form.key)
        for i in range(12):
            service.create(admin, target.published, {
                "f_name01": f"客户{i:02d}", "f_level1": "ab"[i % 2], "f_amnt01": str(i * 10)})
        return f"{live_server.url}/a/{key}/{form.key}"


def _settled(page) -> None:
    """Wait until htmx has swapped and wired up the new content."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
    page.wait_for_timeout(50)


def _names(page) -> list[str]:
    return page.locator("#view-results tbody .record-link").all_inner_texts()


def test_build_a_view_reload_it_go_back_and_keep_it(page, sign_in, customers):
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(customers)
    expect(page.locator(".view-count")).to_contain_text("12 records")

    # Filter: level is A.
    page.click(".filter-menu > summary")
    page.click("button[value=add]")
    expect(page.locator("select[name='c0.field']")).to_be_visible()
    _settled(page)
    page.select_option("select[name='c0.field']", "f_level1")
    expect(page.locator("select[name='c0.value']")).to_be_visible()
    _settled(page)
    page.select_option("select[name='c0.value']", "a")
    page.click("button[value=apply]")
    expect(page.locator(".view-count")).to_contain_text("6 records")
    expect(page).to_have_url(re.compile(r"filter="))

    # Sort: amount, descending.
    page.click(".sort-menu > summary")
    page.locator(".sort-panel select[name=s]").first.select_option("f_amnt01")
    page.locator(".sort-panel select[name=d]").first.select_option("desc")
    page.click(".sort-panel button[type=submit]")
    expect(page).to_have_url(re.compile(r"sort=-f_amnt01"))
    expected = ["客户10", "客户08", "客户06", "客户04", "客户02", "客户00"]
    expect(page.locator("#view-results tbody .record-link")).to_have_text(expected)

    # The address is the view: reload, and the same records come back in the same order.
    url = page.url
    page.reload()
    assert _names(page) == expected
    expect(page.locator(".filter-menu .count-pill")).to_have_text("1")
    expect(page.locator(".sort-menu .count-pill")).to_have_text("1")

    # Back goes to the view before the sort.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"sort="))
    expect(page.locator(".view-count")).to_contain_text("6 records")
    page.go_forward()
    expect(page).to_have_url(url)
    expect(page.locator("#view-results tbody .record-link")).to_have_text(expected)
    _settled(page)

    # Quick search narrows it down and lands in the address too.
    page.fill("#view-q", "客户0")
    expect(page.locator("#view-results tbody .record-link")).to_have_text(
        ["客户08", "客户06", "客户04", "客户02", "客户00"])
    expect(page).to_have_url(re.compile(r"q=%E5%AE%A2%E6%88%B70"))

    # Keep it as a personal view; it opens with its filter and sort.
    page.click(".save-as-menu > summary")
    page.fill(".save-as-menu input[name=name]", "A 级客户")
    page.click(".save-as-menu button[type=submit]")
    expect(page.locator(".view-tab.active")).to_contain_text("A 级客户")
    page.wait_for_load_state("load")
    _settled(page)
    page.fill("#view-q", "")
    expect(page.locator("#view-results tbody .record-link")).to_have_text(expected)
    page.reload()
    expect(page.locator("#view-results tbody .record-link")).to_have_text(expected)


def test_edit_a_cell_in_place_and_see_a_refusal(page, sign_in, customers):
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(f"{customers}?cols=f_name01,f_amnt01&sort=f_name01")
    cell = page.locator("#view-results tbody tr").first.locator("td.cell-editable.num")
    _settled(page)
    cell.dblclick()
    field = cell.locator("input[name=f_amnt01]")
    expect(field).to_be_visible()
    field.fill("-1")
    field.press("Enter")
    expect(cell.locator(".fw-error")).to_contain_text("at least 0")
    cell.locator("input[name=f_amnt01]").fill("77")
    cell.locator("input[name=f_amnt01]").press("Enter")
    expect(cell).to_contain_text("¥77.00")
    page.reload()
    expect(page.locator("#view-results tbody tr").first).to_contain_text("¥77.00")


def test_tick_rows_and_export_only_those(page, sign_in, customers):
    """"Export selected" downloads a workbook of the ticked rows alone."""
    from openpyxl import load_workbook

    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "builder@example.com")
    page.goto(f"{customers}?cols=f_name01,f_amnt01&sort=f_name01")
    _settled(page)
    rows = page.locator("#view-results tbody tr")
    rows.nth(1).locator("input[name=ids]").check()
    rows.nth(3).locator("input[name=ids]").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export selected").click()
    workbook = load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True)
    found = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    assert [r[0] for r in found[1:]] == ["客户01", "客户03"]
