"""The form designer in Chromium: drag fields onto the canvas, edit them, publish."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _form(live_server, email: str) -> str:
    """An app with an empty form, made through the services; returns the designer's path."""
    from builder.apps import service as apps
    from builder.forms import service as forms
    from runtime.accounts import service as accounts

    with live_server.app.app_context(), live_server.app.test_request_context():
        admin = accounts.find_user_by_email(email)
        app = apps.create(admin, name="Designer Browser Test")
        form = forms.create_form(admin, app, "Customers")
        return f"/build/apps/{app.key}/forms/{form.key}"


def _settled(page) -> None:
    """Wait until the designer has no request in flight (saves are queued one by one)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def _drag(page, type_key: str) -> None:
    before = page.locator("#canvas .cv-field").count()
    source = page.locator(f".palette-item[data-type='{type_key}'] .palette-btn")
    target = page.locator("#canvas .cv-root")
    box = target.bounding_box()
    source.drag_to(target, target_position={"x": box["width"] / 2, "y": box["height"] - 6})
    expect(page.locator("#canvas .cv-field")).to_have_count(before + 1)


def test_drag_fields_edit_them_and_publish(page, live_server, make_account, sign_in):
    email = make_account("designer@example.com", "Dana Designer", is_admin=True)
    path = _form(live_server, email)
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, email)
    page.goto(live_server.url + path)
    expect(page.locator(".canvas-empty")).to_be_visible()

    for type_key in ("text", "single_select", "integer", "date"):
        _drag(page, type_key)
    labels = page.locator("#canvas .cv-field .cv-label-text")
    expect(labels).to_have_text(["Single-line text", "Single select", "Integer", "Date"],
                                use_inner_text=True)

    page.locator("#canvas .cv-field").first.locator(".cv-hit").click()
    expect(page.locator("#props input[name=label]")).to_have_value("Single-line text")
    page.fill("#props input[name=label]", "Company name")
    page.locator("#props input[name=label]").press("Tab")
    expect(labels.first).to_have_text("Company name")
    page.check("#props input[name=required]")
    expect(page.locator("#canvas .cv-field").first.locator(".req")).to_be_visible()

    page.click(".publish-menu summary")
    page.fill("#publish-note", "first cut")
    page.click(".publish-panel button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Published version 1")
    expect(page.locator("#designer-status")).to_contain_text("version 1")

    page.click("text=Versions")
    expect(page.locator(".version-card")).to_have_count(1)
    expect(page.locator(".version-card")).to_contain_text(re.compile("Company name"))


def test_drag_link_and_sub_table_fields_configure_them_and_publish(page, live_server,
                                                                   make_account, sign_in):
    email = make_account("builder@example.com", "Bea Builder", is_admin=True)
    path = _form(live_server, email)
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, email)
    page.goto(live_server.url + path)
    for type_key in ("text", "link", "subtable"):
        _drag(page, type_key)
    fields = page.locator("#canvas .cv-field")

    # the link: to this very form (a parent company), shown by its first text field
    fields.nth(1).locator(".cv-hit").click()
    page.select_option("#props select[name='config.form']", label="Customers")
    expect(page.locator("#props select[name='config.display_field']")).to_be_visible()
    _settled(page)

    # the sub-table: one column, typed and labelled through the panel's buttons
    fields.nth(2).locator(".cv-hit").click()
    page.click("#props button[value=col_add]")
    _settled(page)
    label = page.locator("#props .column-row input[name$='.label']").first
    expect(label).to_be_visible()
    label.fill("Product")
    label.press("Tab")
    expect(fields.nth(2)).to_contain_text("Product")

    _settled(page)
    # the link's choice is in the saved draft before publishing
    fields.nth(1).locator(".cv-hit").click()
    expect(page.locator("#props select[name='config.form'] option:checked")).to_have_text(
        "Customers")
    _settled(page)
    page.click(".publish-menu summary")
    page.click(".publish-panel button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Published version 1")
    page.click("text=Versions")
    expect(page.locator(".version-card")).to_contain_text(re.compile("Link to record|Link"))
