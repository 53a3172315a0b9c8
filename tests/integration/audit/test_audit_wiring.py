"""Each wired action writes an audit row in the same transaction; the database refuses edits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from builder.db import db
from runtime.audit import service as audit
from runtime.audit.models import AuditEntry

from .conftest import audit_rows, post


def test_sign_in_success_and_failure_with_ip(client, make_user):
    user = make_user(email="sam@example.com", name="Sam")
    post(client, "/sign-in", {"email": "sam@example.com", "password": "wrong"},
         token_from="/sign-in", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    post(client, "/sign-in", {"email": "nobody@example.com", "password": "x"},
         token_from="/sign-in")
    ok = post(client, "/sign-in", {"email": "sam@example.com",
                                   "password": "correct horse battery"},
              token_from="/sign-in", environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert ok.status_code == 303
    failed = audit_rows("auth.sign_in_failed")
    assert [(e.actor_id, e.actor_name, e.ip, e.target_id, e.summary["reason"])
            for e in failed] == [
        (None, "sam@example.com", "203.0.113.7", str(user.id), "password"),
        (None, "nobody@example.com", "127.0.0.1", None, "unknown_email")]
    [success] = audit_rows("auth.sign_in")
    assert (success.actor_id, success.actor_name, success.ip) == (user.id, "Sam",
                                                                  "198.51.100.2")


def test_user_administration_is_audited(client, login_as, admin, make_user):
    login_as(admin)
    post(client, "/admin/users/invite", {"name": "Bea", "email": "bea@example.com",
                                         "department_id": "", "language": ""},
         token_from="/admin/users/invite")
    bea = db.session.scalar(sa.select(AuditEntry.target_id).where(
        AuditEntry.action == "user.invited"))
    page = f"/admin/users/{bea}"
    post(client, page, {"name": "Bea Brown", "email": "bea@example.com",
                        "department_id": "", "language": "en"}, token_from=page)
    post(client, f"{page}/resend", token_from=page)
    post(client, f"{page}/disable", token_from=page)
    post(client, f"{page}/enable", token_from=page)
    rows = [e for e in audit_rows() if e.target_type == "user" and e.action.startswith("user.")]
    assert [e.action for e in rows] == ["user.invited", "user.updated",
                                        "user.invitation_resent", "user.disabled",
                                        "user.enabled"]
    assert rows[1].summary == {"name": ["Bea", "Bea Brown"], "language": [None, "en"]}
    assert all(e.actor_id == admin.id and e.ip == "127.0.0.1" for e in rows)


def test_form_publish_and_app_changes_are_audited(app, admin):
    from builder.apps import service as apps
    from builder.forms import service as forms

    crm = apps.create(admin, name="CRM", key="crm")
    apps.update(admin, crm, name="CRM 2")
    form = forms.create_form(admin, crm, "Customer", key="customer")
    forms.publish(admin, form, note="first")
    apps.trash(admin, crm)
    apps.restore(admin, crm.id)
    apps.trash(admin, crm)
    crm_id = crm.id
    apps.purge(admin, crm_id, "crm")
    rows = audit_rows()
    assert [e.action for e in rows] == ["app.created", "app.updated", "form.published",
                                        "app.trashed", "app.restored", "app.trashed",
                                        "app.purged"]
    assert rows[1].summary == {"name": ["CRM", "CRM 2"]}
    assert rows[2].summary["version"] == 1 and rows[2].summary["note"] == "first"
    assert rows[2].actor_id == admin.id and rows[2].target_type == "form"
    assert {e.target_id for e in rows if e.target_type == "app"} == {str(crm_id)}


def test_a_failed_publish_leaves_no_audit_row(app, admin, monkeypatch):
    from builder.apps import service as apps
    from builder.forms import service as forms
    from runtime.records import publishing

    crm = apps.create(admin, name="CRM", key="crm")
    form = forms.create_form(admin, crm, "Customer", key="customer")

    def broken(*args, **kwargs):
        raise RuntimeError("storage failed")

    monkeypatch.setattr(publishing.storage, "reconcile", broken)
    with pytest.raises(RuntimeError):
        forms.publish(admin, form)
    assert audit_rows("form.published") == []


def test_record_delete_and_restore_are_audited(admin, published):
    from runtime.records import service as records

    form = published()
    record = records.create(admin, form, {"f_name01": "Acme"})
    records.delete(admin, form, record.id)
    records.restore(admin, form, record.id)
    records.restore(admin, form, record.id)  # nothing to do: no row
    rows = [e for e in audit_rows() if e.action.startswith("record.")]
    assert [(e.action, e.target_type, e.target_id) for e in rows] == [
        ("record.deleted", "record", f"{form.form_id}:{record.id}"),
        ("record.restored", "record", f"{form.form_id}:{record.id}")]


def test_department_changes_are_audited(admin, make_dept, make_user):
    from runtime.org import service

    top = make_dept("Top")
    child = make_dept("Child", parent=top)
    sam = make_user(name="Sam")
    service.rename_department(admin, child.id, "Kid")
    service.move_department(admin, child.id, None)
    service.add_manager(admin, top.id, sam.id)
    service.add_member(admin, top.id, sam.id)
    service.remove_manager(admin, top.id, sam.id)
    service.remove_member(admin, top.id, sam.id)
    service.set_archived(admin, top.id, True)
    service.set_archived(admin, top.id, False)
    assert [e.action for e in audit_rows() if e.action.startswith("department.")] == [
        "department.created", "department.created", "department.renamed",
        "department.moved", "department.manager_added", "department.member_added",
        "department.primary_set", "department.manager_removed",
        "department.member_removed", "department.archived", "department.unarchived"]


def test_an_entry_rolls_back_with_its_transaction(admin):
    audit.record(admin, "user.updated", "user", admin.id, {"x": 1})
    db.session.rollback()
    assert audit_rows() == []
    with pytest.raises(ValueError):
        audit.record(admin, "Not A Key", "user", 1)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET action = 'user.enabled'",
    "UPDATE audit_entry SET summary = '{}' WHERE id = :id",
    "DELETE FROM audit_entry",
    "DELETE FROM audit_entry WHERE id = :id",
])
def test_the_database_refuses_to_change_or_delete_entries(admin, statement):
    entry = audit.record(admin, "user.disabled", "user", admin.id, {"name": "x"})
    db.session.commit()
    entry_id = entry.id
    with db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as exc:
        conn.execute(sa.text(statement), {"id": entry_id})
    assert "append-only" in str(exc.value)
    [row] = audit_rows()
    assert (row.id, row.action, row.summary) == (entry_id, "user.disabled", {"name": "x"})
