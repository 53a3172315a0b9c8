"""Fixtures for the organisation and audit tests: an English admin browser, departments, forms."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from builder.db import db
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"


def post(client, path: str, data: dict | None = None, *, token_from: str = "/", **kwargs):
    """POST a form like a browser (CSRF token read from a page first)."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **(data or {})},
                       **kwargs)


@pytest.fixture(autouse=True)
def english(app):
    """Service calls outside a request speak English too (messages are asserted)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def client(app):
    """A browser that asks for English."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def admin(make_user):
    """An administrator."""
    return make_user(email="admin@example.com", name="Ada Admin", is_admin=True)


@pytest.fixture
def make_dept(admin):
    """Create a department through the service: ``make_dept("Sales", parent=other)``."""
    from runtime.org import service

    def factory(name: str, parent=None):
        return service.create_department(admin, name, parent.id if parent else None)

    return factory


@pytest.fixture
def published(app, admin, drop_record_tables):
    """Publish a small form through the builder: ``published(key="customer")`` → PublishedForm."""
    from builder.apps import service as apps
    from builder.forms import service as forms
    from runtime.records.schema import published as published_form

    def factory(key: str = "customer", name: str = "Customer"):
        with app.test_request_context():
            app_row = db.session.scalar(sa.select(apps.App).where(apps.App.key == "crm"))
            if app_row is None:
                app_row = apps.create(admin, name="CRM", key="crm")
            form = forms.create_form(admin, app_row, name, key=key)
            document = dict(form.draft, fields=[
                {"id": "f_name01", "type": "text", "label": "Name", "config": {}},
                {"id": "f_dept01", "type": "department", "label": "Department", "config": {}},
            ], layout=[{"kind": "field", "field": "f_name01"},
                       {"kind": "field", "field": "f_dept01"}], rules=[])
            forms.save_draft(admin, form, document, revision=form.draft_revision)
            version = forms.publish(admin, form)
            return published_form(form.id, version.version, version.document, form.created_at)

    return factory


def audit_rows(action: str | None = None):
    """Audit entries (optionally of one action), oldest first, fresh from the database."""
    from runtime.audit.models import AuditEntry

    db.session.expire_all()
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))
