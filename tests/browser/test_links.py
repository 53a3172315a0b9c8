"""Linking a contact to its customer in Chromium: search as you type, pick, save, see it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.integration.records.relations.conftest import CUSTOMER_FIELDS, contact_fields


@pytest.fixture
def linked_forms(live_server, make_account):
    """Customers (two of them) and contacts linking to them, in the live app "links"."""
    from builder.apps import service as apps
    from builder.db import db
    from builder.forms import service as forms
    from runtime.accounts import service as accounts
    from runtime.records import forms_lookup
    from runtime.records import service as records

    make_account("builder@example.com", "Builder", is_admin=True)
    with live_server.app.app_context(), live_server.app.test_request_context():
        admin = accounts.find_user_by_email("builder@example.com")
        app_row = apps.seed_app("links", "客户关系", "", icon="handshake", color="blue")
        db.session.commit()
        keys = {}
        for name, title in (("客户", "f_cname1"), ("联系人", "f_pname1")):
            form = forms.create_form(admin, app_row, name)
            fields = CUSTOMER_FIELDS if name == "客户" else contact_fields(keys["客户"][1])
            forms.save_draft(admin, form, dict(form.draft, fields=fields, title_field=title),
                             revision=form.draft_revision)
            forms.publish(admin, form)
            keys[name] = (form.key, form.id)
        customers = forms_lookup.resolve(admin, "links", keys["客户"][0]).published
        for company, level in (("Acme Robotics", "a"), ("Globex", "b"), ("Acme Foods", "b")):
            records.create(admin, customers, {"f_cname1": company, "f_level1": level,
                                              "f_amnt01": "1000"})
        return f"{live_server.url}/a/links/{keys['联系人'][0]}"


def test_type_pick_save_and_see_the_link_and_the_lookup(page, make_account, sign_in,
                                                        linked_forms):
    make_account("wang@example.com", "Wang Fang")
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(f"{linked_forms}/new")
    page.fill("#fld-f_pname1", "张三")

    # Typing suggests matching customers; the keyboard picks one.
    page.locator("#fld-f_cust01").press_sequentially("acme", delay=30)
    options = page.locator("#fld-f_cust01-list .link-option")
    expect(options).to_have_count(2)
    expect(page.locator("#fld-f_cust01-list")).to_be_visible()
    expect(options.first).to_have_class(re.compile("is-active"))
    expect(options).to_have_text(["Acme Foods#3", "Acme Robotics#1"])  # by name
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_class(re.compile("is-active"))
    page.keyboard.press("Enter")
    chip = page.locator("[data-link-picker]").first.locator(".link-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("Acme Robotics")
    expect(page.locator("#fld-f_cust01-list")).to_be_hidden()
    # The form refreshed itself: the lookup shows the chosen customer's level.
    expect(page.locator("#cell-f_clevel .readonly-value")).not_to_have_class(re.compile("muted"))

    # Many links: two picked with the mouse, one removed again.
    others = page.locator("#fld-f_others")
    for name in ("Globex", "Foods"):
        page.wait_for_load_state("networkidle")  # the refresh after the last pick is in
        others.fill("")
        others.press_sequentially(name, delay=30)
        option = page.locator("#fld-f_others-list .link-option", has_text=name)
        expect(option).to_have_count(1)
        option.click()
    chips = page.locator("#cell-f_others .link-chip")
    expect(chips).to_have_count(2)
    chips.filter(has_text="Acme Foods").locator("[data-link-remove]").click()
    expect(chips).to_have_count(1)
    # After the form refreshed itself, only the chips carry the value (no stale fallback).
    page.wait_for_load_state("networkidle")
    expect(chips).to_have_count(1)
    posted = page.evaluate("""() => Array.from(new FormData(document.getElementById(
        'entry-form')).getAll('f_others')).filter(Boolean)""")
    assert len(posted) == 1
    assert page.locator("[data-link-picker] noscript").count() == 0

    page.click("button[value=save]")
    expect(page).to_have_url(re.compile(r"/a/links/form_\d+/\d+$"))
    card = page.locator(".record-card")
    expect(card.locator("a.record-ref")).to_have_count(2)
    link = card.locator("a.record-ref", has_text="Acme Robotics")
    expect(link).to_have_attribute("href", re.compile(r"/a/links/form_\d+/\d+$"))
    expect(card).to_contain_text("Globex")
    expect(card).not_to_contain_text("Acme Foods")
    expect(card.locator(".badge", has_text="A")).to_be_visible()  # the lookup's level
    link.click()
    expect(page.locator("h1.record-title")).to_have_text("Acme Robotics")
