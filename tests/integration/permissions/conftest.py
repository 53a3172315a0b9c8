"""A small CRM world for permission tests: departments, people, roles, customers.

    sales (root, managed by Mike)        west (root)
      └── east: Alice, Bob                  └── Carol
    Nora belongs nowhere.

Customers (name → owner, department): CUST-ALICE (Alice, east), CUST-BOB (Bob, east),
CUST-CAROL (Carol, west), CUST-MIKE (Mike, sales), CUST-REP (Bob, east, sales rep
Alice), CUST-POOL (nobody, no department), CUST-GOLD (Carol, west, level "a").
Every customer's hidden field holds ``SECRET-<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from builder.db import db
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"
CUSTOMER_FIELDS = [
    {"id": "f_name01", "type": "text", "label": "Name", "required": True, "config": {}},
    {"id": "f_level1", "type": "single_select", "label": "Level", "config": {"options": [
        {"id": "a", "label": "Gold"}, {"id": "b", "label": "Silver"}]}},
    {"id": "f_secret", "type": "text", "label": "Contract terms", "config": {}},
    {"id": "f_rate01", "type": "text", "label": "Rating", "config": {}},
    {"id": "f_rep001", "type": "member", "label": "Sales rep", "config": {}},
    {"id": "f_tlen01", "type": "formula", "label": "Terms length",
     "config": {"expression": "LEN({f_secret})", "result": "number"}},
]
NAMES = ("CUST-ALICE", "CUST-BOB", "CUST-CAROL", "CUST-MIKE", "CUST-REP", "CUST-POOL",
         "CUST-GOLD")


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


@dataclass
class World:
    """Everything a permission test needs, by name."""

    app: Any
    form: Any
    admin: Any
    users: dict[str, Any]
    departments: dict[str, Any]
    records: dict[str, int] = field(default_factory=dict)

    def grant(self, key_name: str, *, users=(), departments=(), operations=("view",),
              scope=({"kind": "all"},), fields=None, form_key: str = "customer"):
        """Create a role with these members and this access to the customer form."""
        from builder.roles import service as roles

        role = roles.create_role(self.admin, self.app, name=key_name)
        for name in users:
            roles.add_member(self.admin, self.app, role, user_id=self.users[name].id)
        for name, with_sub in departments:
            roles.add_member(self.admin, self.app, role,
                             department_id=self.departments[name].id,
                             with_subdepartments=with_sub)
        roles.set_access(self.admin, self.app, form_key, {role.id: {
            "operations": list(operations), "scope": list(scope), "fields": fields or {}}})
        return role

    def everyone(self, operations=(), scope=(), fields=None, form_key: str = "customer"):
        """Set what the default role "Everyone" may do with the form."""
        from builder.roles import service as roles

        role = next(r for r in roles.list_roles(self.admin, self.app) if r.everyone)
        roles.set_access(self.admin, self.app, form_key, {role.id: {
            "operations": list(operations), "scope": list(scope), "fields": fields or {}}})
        return role

    def enable_pool(self, limit: int | None = None) -> None:
        """Publish the customer form again with its public pool on."""
        from builder.forms import service as forms
        from builder.forms.models import Form
        from runtime.records.schema import published

        row = db.session.get(Form, self.form.form_id)
        document = dict(row.draft, pool={"enabled": True, "limit": limit})
        forms.save_draft(self.admin, row, document, revision=row.draft_revision)
        version = forms.publish(self.admin, row)
        self.form = published(row.id, version.version, version.document, row.created_at)

    def url(self, name: str | None = None, suffix: str = "") -> str:
        """The address of the customer list, or of one customer."""
        base = "/a/crm/customer"
        return base + (f"/{self.records[name]}" if name else "") + suffix


def _set_owner(form, record_id: int, owner_id, department_id) -> None:
    db.session.execute(form.table.update().where(form.table.c.id == record_id)
                       .values(owner_id=owner_id, department_id=department_id))
    db.session.commit()


@pytest.fixture
def world(app, make_user, drop_record_tables) -> World:
    """The CRM world above, with the default role still giving everyone full access."""
    from builder.apps import service as apps
    from builder.forms import service as forms
    from runtime.org import service as org
    from runtime.records import service as records
    from runtime.records.schema import published as published_form

    admin = make_user(email="admin@example.com", name="Ada Admin", is_admin=True)
    sales = org.create_department(admin, "Sales")
    east = org.create_department(admin, "East", sales.id)
    west = org.create_department(admin, "West")
    users = {name: make_user(email=f"{name}@example.com", name=name.title())
             for name in ("alice", "bob", "carol", "mike", "nora")}
    for name, dept in (("alice", east), ("bob", east), ("carol", west), ("mike", sales)):
        org.add_member(admin, dept.id, users[name].id, primary=True)
    org.add_manager(admin, sales.id, users["mike"].id)
    crm = apps.create(admin, name="CRM", key="crm")
    form_row = forms.create_form(admin, crm, "Customer", key="customer")
    document = dict(form_row.draft, fields=CUSTOMER_FIELDS, rules=[], title_field="f_name01",
                    layout=[{"kind": "field", "field": f["id"]} for f in CUSTOMER_FIELDS])
    forms.save_draft(admin, form_row, document, revision=form_row.draft_revision)
    version = forms.publish(admin, form_row)
    form = published_form(form_row.id, version.version, version.document, form_row.created_at)
    world = World(crm, form, admin, users, {"sales": sales, "east": east, "west": west})
    owners = {"CUST-ALICE": "alice", "CUST-BOB": "bob", "CUST-CAROL": "carol",
              "CUST-MIKE": "mike", "CUST-REP": "bob", "CUST-POOL": None, "CUST-GOLD": "carol"}
    for name in NAMES:
        owner = users[owners[name]] if owners[name] else admin
        data = {"f_name01": name, "f_secret": f"SECRET-{name}", "f_rate01": f"RATE-{name}",
                "f_level1": "a" if name == "CUST-GOLD" else "b"}
        if name == "CUST-REP":
            data["f_rep001"] = users["alice"].id
        record = records.create(owner, form, data)
        world.records[name] = record.id
        if owners[name] is None:
            _set_owner(form, record.id, None, None)
    return world


def sign_in(client, user) -> None:
    """Sign a user in through the form."""
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data={"csrf_token": token, "email": user.email,
                                             "password": PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def live_names(form) -> set[str]:
    """Names of live customers, fresh from the table."""
    db.session.expire_all()
    return set(db.session.scalars(sa.select(form.table.c.f_name01)
                                  .where(form.table.c.deleted_at.is_(None))))
