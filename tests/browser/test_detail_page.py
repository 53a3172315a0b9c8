"""A customer's 360° page in Chromium: related contacts and follow-ups, a timeline, add related."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.fixture
def customer_360(live_server, make_account):
    """The CRM template's forms in the live app "p360": two customers, contacts and
    follow-ups (no opportunities or contracts: those sections stay empty)."""
    from builder.apps import service as apps
    from builder.db import db
    from runtime.accounts import service as accounts
    from runtime.demo import install_forms
    from runtime.records import forms_lookup
    from runtime.records import service as records

    make_account("builder@example.com", "Builder", is_admin=True)
    with live_server.app.app_context(), live_server.app.test_request_context():
        admin = accounts.find_user_by_email("builder@example.com")
        app_row = apps.seed_app("p360", "客户 360", "", icon="handshake", color="blue")
        db.session.commit()
        live = {key: forms_lookup.resolve(admin, "p360", key).published
                for key in install_forms(admin, app_row)}
        acme = records.create(admin, live["customer"], {"f_cname01": "星河数据"})
        other = records.create(admin, live["customer"], {"f_cname01": "南风贸易"})
        records.create(admin, live["contact"], {"f_pname01": "刘洋", "f_cust001": str(acme.id),
                                                "f_mobil01": "13911112222"})
        records.create(admin, live["contact"], {"f_pname01": "陈晨", "f_cust001": str(other.id),
                                                "f_mobil01": "13922224444"})
        for day, content in (("2026-01-05", "首次拜访"), ("2026-02-10", "电话回访")):
            records.create(admin, live["follow_up"], {
                "f_fcust01": str(acme.id), "f_fdate01": day, "f_fcont01": content,
                "f_fmeth01": "call"})
        db.session.commit()
        return f"{live_server.url}/a/p360/customer/{acme.id}"


def test_open_a_customers_360_page_and_add_a_related_contact(page, sign_in, customer_360):
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "builder@example.com")
    page.goto(customer_360)
    expect(page.locator("h1")).to_have_text("星河数据")

    # The sections load on their own: this customer's contacts and follow-ups only.
    sections = page.locator(".related-section")
    expect(sections).to_have_count(4)  # contacts, opportunities, follow-ups, contracts
    contacts, follow_ups = sections.nth(0), sections.nth(2)
    expect(contacts.locator(".records-table")).to_contain_text("刘洋")
    expect(contacts).not_to_contain_text("陈晨")
    expect(follow_ups.locator("tbody tr")).to_have_count(2)
    expect(follow_ups.locator("tbody tr").first).to_contain_text("电话回访")  # newest first

    # The timeline merges follow-ups and contacts by date, newest first.
    events = page.locator(".related-event")
    expect(events).to_have_count(3)
    expect(events.nth(0)).to_contain_text("刘洋")  # created today
    expect(events.nth(1)).to_contain_text("电话回访")
    expect(events.nth(2)).to_contain_text("首次拜访")

    # "Add related" opens the contact form with the customer already chosen.
    contacts.get_by_role("link", name="Add 联系人").click()
    expect(page).to_have_url(f"{customer_360.rsplit('/a/', 1)[0]}/a/p360/contact/new"
                             f"?f_cust001={customer_360.rsplit('/', 1)[1]}")
    expect(page.locator("[data-link-picker] .link-chip-text")).to_have_text(["星河数据"])
    page.fill("#fld-f_pname01", "赵敏")
    page.fill("#fld-f_mobil01", "13911113333")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.goto(customer_360)
    expect(page.locator(".related-section").nth(0).locator("tbody tr")).to_have_count(2)
