"""Filling a published form in Chromium: live conditions, errors, fix, save, edit, history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.integration.records.conftest import ENTRY_FIELDS, ENTRY_LAYOUT, ENTRY_RULES


@pytest.fixture
def customer_form(live_server, make_account):
    """The customer form of the records tests, published in the live server's app "crm"."""
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
        form = forms.create_form(admin, app_row, "客户")
        document = dict(form.draft, fields=ENTRY_FIELDS, layout=ENTRY_LAYOUT,
                        rules=ENTRY_RULES, title_field="f_name01")
        forms.save_draft(admin, form, document, revision=form.draft_revision)
        forms.publish(admin, form)
        return f"{live_server.url}/a/crm/{form.key}"


def test_fill_with_errors_fix_save_edit_and_see_history(page, live_server, make_account,
                                                         sign_in, customer_form):
    make_account("wang@example.com", "Wang Fang")
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(f"{customer_form}/new")

    # Choosing level C shows the reason field, now required; a bad phone is flagged live.
    reason = page.locator("#cell-f_reason")
    expect(reason).to_be_hidden()
    page.click("label.pill:has-text('C')")
    expect(reason).to_be_visible()
    expect(reason.locator(".req")).to_be_visible()
    page.fill("#fld-f_phone1", "12345")
    page.fill("#fld-f_notes1", "typed while the form refreshes")
    expect(page.locator("#fld-f_phone1-err")).to_contain_text("11-digit")
    expect(page.locator("#fld-f_notes1")).to_have_value("typed while the form refreshes")

    # Saving shows every problem beside its field and keeps what was typed.
    page.click("button[value=save]")
    expect(page.locator(".entry-summary")).to_contain_text("need fixing")
    expect(page.locator("#fld-f_name01-err")).to_have_text("Is required")
    expect(page.locator("#fld-f_reason-err")).to_have_text("Is required")
    expect(page.locator("#fld-f_phone1")).to_have_value("12345")
    expect(page.locator("#fld-f_name01")).to_have_attribute("aria-invalid", "true")

    # Fix and save: the record page shows the values.
    page.fill("#fld-f_name01", "杭州积木科技")
    page.fill("#fld-f_reason", "回款慢")
    page.fill("#fld-f_phone1", "13812345678")
    page.fill("#fld-f_amnt01", "12000")
    page.click("button[value=save]")
    expect(page).to_have_url(re.compile(r"/a/crm/form_\d+/\d+$"))
    expect(page.locator(".flash-success")).to_contain_text("Saved “杭州积木科技”.")
    expect(page.locator(".record-card")).to_contain_text("¥12,000.00")

    # Edit: change the amount and save.
    page.click("a:has-text('Edit')")
    page.fill("#fld-f_amnt01", "15000")
    page.click("button[value=save]")
    expect(page.locator(".flash-success")).to_contain_text("Changes saved.")
    expect(page.locator(".record-card")).to_contain_text("¥15,000.00")

    # History: who changed what, old → new.
    page.click("a.tab:has-text('History')")
    expect(page).to_have_url(re.compile(r"tab=history"))
    first = page.locator(".timeline-item").first
    expect(first).to_contain_text("Wang Fang changed")
    expect(first.locator(".change-old")).to_contain_text("¥12,000.00")
    expect(first.locator(".change-new")).to_contain_text("¥15,000.00")
