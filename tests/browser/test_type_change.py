"""Changing a published field's type in Chromium: preview, convert and clear, publish."""

from __future__ import annotations

from playwright.sync_api import expect


def _published_form(live_server, email: str) -> tuple[str, int, list[int]]:
    """A published form whose text field "Size" holds numbers and words."""
    from builder.apps import service as apps
    from builder.forms import service as forms
    from runtime.accounts import service as accounts
    from runtime.records import schema
    from runtime.records import service as records

    with live_server.app.app_context(), live_server.app.test_request_context():
        admin = accounts.find_user_by_email(email)
        app = apps.create(admin, name="Type Change Browser Test")
        form = forms.create_form(admin, app, "Suppliers")
        fields = [{"id": "f_name01", "type": "text", "label": "Name", "config": {}},
                  {"id": "f_size01", "type": "text", "label": "Size", "config": {}}]
        document = dict(form.draft, fields=fields,
                        layout=[{"kind": "field", "field": f["id"]} for f in fields])
        forms.save_draft(admin, form, document, revision=form.draft_revision)
        version = forms.publish(admin, form)
        live = schema.published(form.id, version.version, version.document)
        ids = [records.create(admin, live, {"f_name01": name, "f_size01": size}).id
               for name, size in (("A", "12"), ("B", "about twenty"), ("C", "300"),
                                  ("D", "n/a"))]
        return f"/build/apps/{app.key}/forms/{form.key}", form.id, ids


def _sizes(live_server, form_id: int, email: str) -> list:
    from builder.db import db
    from builder.forms import service as forms
    from builder.forms.models import Form
    from runtime.accounts import service as accounts
    from runtime.records import schema
    from runtime.records import service as records

    with live_server.app.app_context():
        admin = accounts.find_user_by_email(email)
        form = db.session.get(Form, form_id)
        version = forms.published_version(form)
        live = schema.published(form.id, version.version, version.document)
        return [r.values["f_size01"] for r in reversed(records.page(admin, live))]


def test_preview_convert_and_clear_then_publish(page, live_server, make_account, sign_in):
    email = make_account("retype@example.com", "Rita Retype", is_admin=True)
    path, form_id, ids = _published_form(live_server, email)
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, email)
    page.goto(f"{live_server.url}{path}?sel=f_size01")

    page.select_option("#p-new-type", "integer")
    page.click("#type-panel button[type=submit]")
    dialog = page.locator("#designer-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Change “Size” to Integer")
    expect(dialog.locator("[data-converted]")).to_have_text("2")
    expect(dialog.locator("[data-failed]")).to_have_text("2")
    expect(dialog.locator("tbody tr")).to_have_count(2)
    expect(dialog.locator("tbody tr").first).to_contain_text(f"#{ids[1]}")
    expect(dialog.locator("tbody tr").first).to_contain_text("about twenty")

    # Cancel leaves everything as it was
    dialog.locator("a[data-close-dialog]", has_text="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-pending-type]")).to_have_count(0)

    page.select_option("#p-new-type", "integer")
    page.click("#type-panel button[type=submit]")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Convert and clear those").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-pending-type]")).to_contain_text(
        "Publishing converts the stored values to Integer")
    expect(page.locator("#props .type-chip")).to_contain_text("Integer")

    page.click(".publish-menu summary")
    page.click(".publish-panel button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Published version 2")
    assert _sizes(live_server, form_id, email) == [12, None, 300, None]
