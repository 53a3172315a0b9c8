"""Screenshot set-up for the designer's stored-data dialogs: a supplier form with records.

"规模 Size" is a text field holding numbers and words (the type-change preview);
"传真 Fax" was deleted and published so (the deleted fields and their purge).
"""

from __future__ import annotations

FORM_PATH = "/build/apps/crm/forms/supplier"
FIELDS = [
    {"id": "f_sname01", "type": "text", "label": "供应商 Supplier", "config": {}},
    {"id": "f_size0001", "type": "text", "label": "规模 Size", "config": {}},
    {"id": "f_fax00001", "type": "text", "label": "传真 Fax", "config": {}},
]
ROWS = [("杭州积木", "120", "0571-8888"), ("Acme Ltd", "约 50 人", "0571-6666"),
        ("上海一号", "2,000", None), ("Beta Co", "unknown", None), ("深圳二号", "35", None)]


def seed() -> None:
    """Create and publish the form with five records, then delete and publish "Fax"."""
    from flask import current_app

    from builder.apps import service as apps
    from builder.forms import service as forms
    from runtime.accounts import service as accounts
    from runtime.demo import USERS
    from runtime.records import schema
    from runtime.records import service as records

    admin = accounts.find_user_by_email(USERS[0][0])
    with current_app.test_request_context():
        crm = apps.get_app_by_key(admin, "crm")
        form = forms.create_form(admin, crm, "供应商 Suppliers", key="supplier")
        document = dict(form.draft, fields=FIELDS,
                        layout=[{"kind": "field", "field": f["id"]} for f in FIELDS])
        forms.save_draft(admin, form, document, revision=form.draft_revision)
        version = forms.publish(admin, form)
        live = schema.published(form.id, version.version, version.document)
        for name, size, fax in ROWS:
            records.create(admin, live, {"f_sname01": name, "f_size0001": size,
                                         "f_fax00001": fax})
        forms.apply_operation(admin, form, {"op": "delete", "id": "f_fax00001"},
                              revision=form.draft_revision)
        forms.publish(admin, form)


def open_retype(page) -> None:
    """The conversion preview of "Size" → integer."""
    page.select_option("#p-new-type", "integer")
    page.click("#type-panel button[type=submit]")
    page.wait_for_selector("#designer-dialog[open] [data-failed]")


def show_deleted(page) -> None:
    """The form tab scrolled to the deleted fields."""
    page.locator("#deleted-fields").scroll_into_view_if_needed()


def open_purge(page) -> None:
    """The purge confirmation of "Fax"."""
    page.click("[data-deleted-field=f_fax00001] a.btn-danger")
    page.wait_for_selector("#designer-dialog[open] [data-purge-count]")


INTERACTIVE = [
    ("designer-retype", FORM_PATH + "?sel=f_size0001", open_retype),
    ("designer-deleted", FORM_PATH + "?tab=form", show_deleted),
    ("designer-purge", FORM_PATH + "?tab=form", open_purge),
]
