"""Roles in Chromium: an admin sets up departments, a salesperson and a manager role; each
sees what their role allows; a pooled customer is claimed and released."""

from __future__ import annotations

from playwright.sync_api import expect

SECRET = "TOP-SECRET-4711"


def _setup_app(live_server):
    """An app with a customer form (pool on) and three customers, built by the services."""
    import sqlalchemy as sa

    from builder.apps import service as apps
    from builder.db import db
    from builder.forms import service as forms
    from runtime.accounts import service as accounts
    from runtime.records import service as records
    from runtime.records.schema import published

    with live_server.app.test_request_context():
        admin = accounts.find_user_by_email("perm-admin@example.com")
        app = apps.create(admin, name="Perm CRM", key="permcrm")
        form = forms.create_form(admin, app, "Customer", key="customer")
        fields = [{"id": "f_name01", "type": "text", "label": "Company", "config": {}},
                  {"id": "f_value1", "type": "text", "label": "Contract value", "config": {}}]
        document = dict(form.draft, fields=fields, title_field="f_name01", rules=[],
                        layout=[{"kind": "field", "field": f["id"]} for f in fields],
                        pool={"enabled": True, "limit": 5})
        forms.save_draft(admin, form, document, revision=form.draft_revision)
        version = forms.publish(admin, form)
        customer = published(form.id, version.version, version.document, form.created_at)
        for name, email in (("Sam Co", "sam@example.com"), ("Wes Co", "wes@example.com"),
                            ("Pool Co", None)):
            owner = accounts.find_user_by_email(email) if email else admin
            record = records.create(owner, customer, {"f_name01": name, "f_value1": SECRET})
            if email is None:
                db.session.execute(customer.table.update().where(
                    customer.table.c.id == record.id).values(owner_id=None))
                db.session.commit()
        return db.session.scalar(sa.select(customer.table.c.id).where(
            customer.table.c.f_name01 == "Pool Co"))


def _department(page, base: str, name: str, member: str | None, manager: str | None) -> None:
    page.goto(f"{base}/admin/org/")
    page.fill("#dept-name", name)
    page.click("form[action$='/admin/org/departments'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(name)
    page.click(f"a.org-name:text('{name}')")
    if member:
        page.select_option("#member-user", label=member)
        page.click("form[action$='/members'] button[type=submit]")
        expect(page.locator(".flash-success")).to_have_text("Member added.")
    if manager:
        page.select_option("#manager-user", label=manager)
        page.click("form[action$='/managers'] button[type=submit]")
        expect(page.locator(".flash-success")).to_have_text("Manager added.")


def _role(page, base: str, name: str, *, department: str | None = None,
          person: str | None = None) -> None:
    page.goto(f"{base}/build/apps/permcrm/roles")
    page.fill("#role-name", name)
    page.click("form[action$='/roles/new'] button[type=submit]")
    expect(page.locator("h1")).to_have_text(name)
    if department:
        page.select_option("#member-department", label=department)
        page.click("form:has(#member-department) button[type=submit]")
        expect(page.locator(".flash-success")).to_have_text("Member added.")
    if person:
        page.select_option("#member-user", label=person)
        page.click("form:has(#member-user) button[type=submit]")
        expect(page.locator(".flash-success")).to_have_text("Member added.")


def _grid(page, base: str) -> None:
    page.goto(f"{base}/build/apps/permcrm/roles/forms/customer")
    rows = page.locator("section[aria-labelledby=ops-title] tbody tr")
    everyone = rows.filter(has_text="Everyone")
    for box in everyone.locator("input[type=checkbox]").all():
        box.uncheck()
    for role, ops in (("Salesperson", ("View", "Create", "Edit")),
                      ("Sales manager", ("View", "Edit", "Delete"))):
        for op in ops:
            page.check(f"input[aria-label='{role}: {op}']")
    scopes = page.locator("fieldset.scope-row")
    sales = scopes.filter(has=page.locator("legend", has_text="Salesperson")).first
    sales.get_by_label("Own records").check()
    sales.get_by_label("Unowned records (public pool)").check()
    manager = scopes.filter(has=page.locator("legend", has_text="Sales manager"))
    manager.get_by_label("Own department and sub-departments").check()
    page.select_option("select[aria-label='Contract value · Salesperson']", "hidden")
    page.click("form:has(#ops-title) button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Permissions saved.")


def _as(browser, live_server, sign_in, email: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  extra_http_headers={"Accept-Language": "en"})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, email)
    return context, page


def test_salesperson_and_manager_see_what_their_roles_allow(browser, page, live_server,
                                                             make_account, sign_in):
    base = live_server.url
    make_account("perm-admin@example.com", "Pia Admin", is_admin=True)
    for email, name in (("sam@example.com", "Sam Sales"), ("wes@example.com", "Wes West"),
                        ("mona@example.com", "Mona Manager")):
        make_account(email, name)
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "perm-admin@example.com")
    _department(page, base, "Perm East", "Sam Sales · sam@example.com",
                "Mona Manager · mona@example.com")
    _department(page, base, "Perm West", "Wes West · wes@example.com", None)
    pool_id = _setup_app(live_server)
    _role(page, base, "Salesperson", department="Perm East", person="Wes West · wes@example.com")
    _role(page, base, "Sales manager", person="Mona Manager · mona@example.com")
    _grid(page, base)

    context, sam = _as(browser, live_server, sign_in, "sam@example.com")
    sam.goto(f"{base}/a/permcrm/customer")
    table = sam.locator(".records-table")
    expect(table).to_contain_text("Sam Co")
    expect(table).to_contain_text("Pool Co")
    expect(table).not_to_contain_text("Wes Co")
    assert SECRET not in sam.content() and "Contract value" not in sam.content()
    sam.locator("a.record-link", has_text="Sam Co").click()
    expect(sam.locator("h1")).to_have_text("Sam Co")
    assert SECRET not in sam.content()

    sam.goto(f"{base}/a/permcrm/customer/{pool_id}")
    sam.click("button:has-text('Claim')")
    expect(sam.locator(".flash-success")).to_have_text("The record is yours now.")
    expect(sam.locator(".record-info")).to_contain_text("Sam Sales")
    sam.on("dialog", lambda dialog: dialog.accept())
    sam.click("button:has-text('Release to pool')")
    expect(sam.locator(".flash-success")).to_have_text("The record is back in the public pool.")
    sam.goto(f"{base}/a/permcrm/customer/pool")
    expect(sam.locator(".records-table")).to_contain_text("Pool Co")
    context.close()

    context, mona = _as(browser, live_server, sign_in, "mona@example.com")
    mona.goto(f"{base}/a/permcrm/customer")
    table = mona.locator(".records-table")
    expect(table).to_contain_text("Sam Co")
    expect(table).not_to_contain_text("Wes Co")
    # released by Sam, it stays in his department's books: his manager still sees it
    expect(table).to_contain_text("Pool Co")
    expect(mona.locator("thead")).to_contain_text("Contract value")
    expect(table).to_contain_text(SECRET)
    context.close()
