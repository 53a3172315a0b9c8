"""Designing links, lookups and rollups: choices from the app's forms, publish problems."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from builder.db import db
from builder.forms.models import Form
from tests.conftest import csrf_token

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def admin(make_user, login_as):
    return login_as(make_user(email="ada@example.com", name="Ada Admin", is_admin=True))


@pytest.fixture
def forms(app, admin, drop_record_tables):
    """A published customer form and a draft contact form in one app; a form elsewhere."""
    from builder.apps import service as apps
    from builder.forms import service

    with app.test_request_context():
        crm = apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")
        other = apps.seed_app("hr", "HR", "", icon="users", color="green")
        customers = service.create_form(admin, crm, "Customers")
        service.save_draft(admin, customers, dict(customers.draft, fields=[
            {"id": "f_cname1", "type": "text", "label": "Company", "config": {}},
            {"id": "f_amnt01", "type": "money", "label": "Revenue", "config": {}},
            {"id": "f_note01", "type": "textarea", "label": "Notes", "config": {}}],
            title_field="f_cname1"), revision=customers.draft_revision)
        service.publish(admin, customers)
        staff = service.create_form(admin, other, "Staff")
        service.save_draft(admin, staff, dict(staff.draft, fields=[
            {"id": "f_sname1", "type": "text", "label": "Name", "config": {}}]),
            revision=staff.draft_revision)
        service.publish(admin, staff)
        service.create_form(admin, crm, "Contacts")
        db.session.commit()
        return customers.id, staff.id


def _draft() -> Form:
    db.session.expire_all()
    return db.session.scalar(sa.select(Form).where(Form.key == "contacts"))


def _url(suffix: str = "") -> str:
    return "/build/apps/crm/forms/contacts" + suffix


def _op(client, data: dict, *, htmx: bool = False):
    token = csrf_token(client, _url())
    return client.post(_url("/ops"), headers=HTMX if htmx else None, data={
        "csrf_token": token, "revision": _draft().draft_revision, **data})


def _add(client, type_key: str) -> str:
    response = _op(client, {"op": "add_field", "type": type_key})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return re.search(r"sel=(f_[a-z0-9]+)", response.headers["Location"]).group(1)


def _field(field_id: str) -> dict:
    return next(f for f in _draft().draft["fields"] if f["id"] == field_id)


def _publish(client):
    token = csrf_token(client, _url())
    return client.post(_url("/publish"), data={"csrf_token": token, "note": ""})


def test_palette_offers_the_relation_types(client, forms):
    html = client.get(_url()).get_data(as_text=True)
    for name in ("Link to records", "Lookup", "Rollup"):
        assert name in html


def test_link_panel_offers_the_apps_published_forms_then_their_fields(client, forms):
    customers, staff = forms
    link = _add(client, "link")
    html = client.get(_url(f"?sel={link}")).get_data(as_text=True)
    assert f'<option value="{customers}">Customers</option>' in html
    assert "Staff" not in html  # a form of another app
    assert 'name="config.display_field"' in html
    response = _op(client, {"op": "update", "id": link, "label": "Customer",
                            "config.form": str(customers), "changed": "config.form"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="props"' in html  # the panel is drawn again with the new choices
    assert '<option value="f_cname1">Company</option>' in html
    assert "Records that may be chosen" in html
    assert _field(link)["config"] == {"form": customers}


def test_the_links_filter_is_edited_over_the_target_forms_fields(client, forms):
    customers, _staff = forms
    link = _add(client, "link")
    data = {"op": "update", "id": link, "label": "Customer", "config.form": str(customers),
            "config.display_field": "f_cname1", "link_filter.count": "1",
            "link_filter.mode": "all", "link_filter.0.field": "f_amnt01",
            "link_filter.0.op": "gte", "link_filter.0.value": "1000"}
    assert _op(client, data).status_code == 303
    assert _field(link)["config"] == {
        "form": customers, "display_field": "f_cname1",
        "filter": {"all": [{"field": "f_amnt01", "op": "gte", "value": "1000"}]}}
    html = client.get(_url(f"?sel={link}")).get_data(as_text=True)
    assert 'name="link_filter.0.field"' in html and 'value="1000"' in html


def test_lookup_and_rollup_panels_offer_links_and_their_targets_fields(client, forms):
    customers, _staff = forms
    link = _add(client, "link")
    _op(client, {"op": "update", "id": link, "label": "Customer", "config.form": str(customers),
                 "config.multiple": "1"})
    lookup = _add(client, "lookup")
    _op(client, {"op": "update", "id": lookup, "label": "Company", "config.link": link})
    html = client.get(_url(f"?sel={lookup}")).get_data(as_text=True)
    assert f'<option value="{link}" selected>Customer</option>' in html
    assert '<option value="f_cname1">Company</option>' in html
    rollup = _add(client, "rollup")
    _op(client, {"op": "update", "id": rollup, "label": "Revenue", "config.source": link,
                 "config.function": "sum"})
    html = client.get(_url(f"?sel={rollup}")).get_data(as_text=True)
    assert '<option value="f_amnt01">Revenue</option>' in html
    assert '<option value="f_cname1">' not in html  # text cannot be summed
    assert "Required" not in html.split('id="props"')[1].split("Settings")[0]


def test_publish_lists_every_relation_problem(client, forms):
    customers, staff = forms
    draft = _draft()
    document = dict(draft.draft, fields=[
        {"id": "f_name001", "type": "text", "label": "Name", "config": {}},
        {"id": "f_nolink1", "type": "link", "label": "No form", "config": {}},
        {"id": "f_foreign", "type": "link", "label": "Foreign", "config": {"form": staff}},
        {"id": "f_cust001", "type": "link", "label": "Customer",
         "config": {"form": customers, "display_field": "f_nope001",
                    "filter": {"field": "f_gone001", "op": "empty"}}},
        {"id": "f_look001", "type": "lookup", "label": "Bad lookup",
         "config": {"link": "f_name001", "field": "f_cname1"}},
        {"id": "f_look002", "type": "lookup", "label": "Lookup of a lookup",
         "config": {"link": "f_cust001", "field": "f_look003"}},
        {"id": "f_roll001", "type": "rollup", "label": "Sum of names",
         "config": {"source": "f_cust001", "function": "sum", "field": "f_cname1"}},
        {"id": "f_roll002", "type": "rollup", "label": "Over text",
         "config": {"source": "f_name001", "function": "count"}},
    ])
    draft.draft = document
    db.session.commit()
    response = _publish(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("choose the form to link to",
                    "the form it links to is not a published form of this app",
                    "the field shown as the record&#39;s name is not a field of Customers",
                    "the condition on the records that may be chosen is not valid",
                    "choose a link field of this form",
                    "choose a field of Customers to show",
                    "sums and averages need a number field (Company is not one)",
                    "choose a link or sub-table field of this form"):
        assert message in html, message
    assert 'href="/build/apps/crm/forms/contacts?sel=f_roll001"' in html


def test_a_form_may_link_to_itself_and_publish(client, forms):
    draft = _draft()
    draft.draft = dict(draft.draft, fields=[
        {"id": "f_name001", "type": "text", "label": "Name", "config": {}},
        {"id": "f_parent1", "type": "link", "label": "Parent",
         "config": {"form": draft.id, "display_field": "f_name001"}}], title_field="f_name001")
    db.session.commit()
    assert _publish(client).status_code == 303


def test_one_link_cannot_become_many_after_publishing(client, forms):
    customers, _staff = forms
    draft = _draft()
    link = {"id": "f_cust001", "type": "link", "label": "Customer", "config": {"form": customers}}
    draft.draft = dict(draft.draft, fields=[link])
    db.session.commit()
    assert _publish(client).status_code == 303
    draft = _draft()
    draft.draft = dict(draft.draft, fields=[dict(link, config={"form": customers,
                                                               "multiple": True})])
    db.session.commit()
    html = _publish(client).get_data(as_text=True)
    assert "cannot switch between one and many records after publishing" in html
