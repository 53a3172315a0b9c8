"""Importing a small workbook in Chromium: map, preview, run with live progress, and
download the workbook of rows that were not imported."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.integration.transfer.conftest import CUSTOMER, HEADERS
from tests.transfer_files import xlsx


@pytest.fixture
def customer_form(live_server, make_account):
    """The import tests' customer form, published in the live server's app "crm"."""
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
        form = forms.create_form(admin, app_row, "导入客户")
        forms.save_draft(admin, form, dict(form.draft, fields=CUSTOMER, layout=[], rules=[],
                                           title_field="f_name01"),
                         revision=form.draft_revision)
        forms.publish(admin, form)
        return f"{live_server.url}/a/crm/{form.key}"


@pytest.fixture
def worker(live_server):
    """Run import jobs as a worker would, while the test lasts."""
    from builder.db import db
    from runtime.jobs import runner
    from runtime.jobs.models import JobRun

    stop = threading.Event()

    def work():
        with live_server.app.app_context():
            while not stop.is_set():
                ids = db.session.scalars(sa.select(JobRun.id).where(
                    JobRun.job == "transfer.import",
                    JobRun.status.in_(["pending", "queued"]))).all()
                db.session.remove()
                for run_id in ids:
                    runner.execute(run_id)
                stop.wait(0.2)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(10)


def test_import_with_duplicates_and_errors_then_download_them(
        page, live_server, make_account, sign_in, customer_form, worker, tmp_path):
    make_account("wang@example.com", "Wang Fang")
    path = tmp_path / "客户.xlsx"
    path.write_bytes(xlsx([
        HEADERS,
        ["杭州积木科技", "A", "13812345678", 1200, None, "Wang Fang", "客户管理", None],
        ["宁波海运", "b", "139 1234 5678", None, None, None, None, None],
        ["杭州积木科技有限公司", "C", None, None, None, None, None, "重复"],
        ["温州鞋业", "Z", "12345", None, None, None, None, None],
    ]))
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(customer_form)
    page.click("a:has-text('Import')")
    expect(page).to_have_url(re.compile(r"/import$"))

    page.set_input_files("#import-file", str(path))
    page.click("button:has-text('Upload and continue')")
    expect(page).to_have_url(re.compile(r"/import/\d+/map$"))
    expect(page.locator("#col-0")).to_have_value("f_name01")
    expect(page.locator("#col-5")).to_have_value("f_rep001")
    expect(page.locator("input[name=keys][value=f_name01]")).to_be_checked()

    page.click("button:has-text('Check the first rows')")
    expect(page).to_have_url(re.compile(r"/import/\d+/preview$"))
    table = page.locator(".preview-table")
    expect(table.locator("tr.result-create")).to_have_count(2)
    expect(table.locator("tr.result-skip")).to_contain_text("same 公司名称 as row 2")
    expect(table.locator("tr.result-error")).to_contain_text("choose one of")

    page.click("button:has-text('Start the import')")
    expect(page).to_have_url(re.compile(r"/import/\d+$"))
    expect(page.locator("#import-progress h2")).to_have_text("Import finished", timeout=20_000)
    expect(page.locator("[data-count=create] .status-count-n")).to_have_text("2")
    expect(page.locator("[data-count=error] .status-count-n")).to_have_text("1")

    with page.expect_download() as info:
        page.click("a:has-text('Download the rows not imported')")
    saved = tmp_path / "errors.xlsx"
    info.value.save_as(saved)
    from tests.integration.transfer.conftest import workbook_rows

    rows = workbook_rows(saved)
    assert rows[0][-1] == "Problems" and rows[1][0] == "温州鞋业"
    assert "级别" in rows[1][-1] and "手机" in rows[1][-1]

    page.click("a:has-text('View the records')")
    expect(page.locator(".records-table")).to_contain_text("杭州积木科技")
    expect(page.locator(".records-table")).to_contain_text("宁波海运")

    # The same records go out again from the list's Export menu.
    page.click(".export-menu summary")
    with page.expect_download() as info:
        page.click("a:has-text('CSV (UTF-8)')")
    exported = tmp_path / "export.csv"
    info.value.save_as(exported)
    text = exported.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("公司名称,级别,手机") and "宁波海运" in text
