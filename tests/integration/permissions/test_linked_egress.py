"""Links, lookups and rollups show a linked record only as its own form's rights allow.

A deal links to customers; the person reading the deal may see only some customers
(row scope) and not their hidden field. Neither the hidden values nor the names of
out-of-scope customers may appear in the deal's pages.
"""

from __future__ import annotations

import pytest

from tests.integration.permissions.conftest import sign_in

DEAL = "deal"


def _deal_form(world):
    from builder.forms import service as forms
    from runtime.records.schema import published as published_form

    customer = world.form.form_id
    fields = [
        {"id": "f_title1", "type": "text", "label": "Deal", "required": True, "config": {}},
        {"id": "f_custs1", "type": "link", "label": "Customers",
         "config": {"form": customer, "multiple": True, "display_field": "f_name01"}},
        {"id": "f_secrs1", "type": "lookup", "label": "Their terms",
         "config": {"link": "f_custs1", "field": "f_secret"}},
        {"id": "f_rates1", "type": "lookup", "label": "Their ratings",
         "config": {"link": "f_custs1", "field": "f_rate01"}},
        {"id": "f_count1", "type": "rollup", "label": "How many",
         "config": {"source": "f_custs1", "function": "count"}},
    ]
    row = forms.create_form(world.admin, world.app, "Deal", key=DEAL)
    document = dict(row.draft, fields=fields, rules=[], title_field="f_title1",
                    layout=[{"kind": "field", "field": f["id"]} for f in fields])
    forms.save_draft(world.admin, row, document, revision=row.draft_revision)
    version = forms.publish(world.admin, row)
    return published_form(row.id, version.version, version.document, row.created_at)


@pytest.fixture
def deal(world):
    """A deal linking Alice's and Carol's customers, made by the administrator."""
    from runtime.records import service as records

    form = _deal_form(world)
    record = records.create(world.admin, form, {
        "f_title1": "Big deal", "f_custs1": [world.records["CUST-ALICE"],
                                              world.records["CUST-CAROL"]]})
    return form, record.id


def test_the_page_shows_only_what_the_customer_form_allows(world, deal, client):
    world.everyone(operations=("view",), scope=({"kind": "own"},),
                   fields={"f_secret": "hidden"})
    world.everyone(operations=("view",), scope=({"kind": "all"},), form_key=DEAL)
    sign_in(client, world.users["alice"])
    _form, record_id = deal
    for path in (f"/a/crm/{DEAL}/{record_id}", f"/a/crm/{DEAL}"):
        response = client.get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Big deal" in html
        assert "SECRET-" not in html, path  # a hidden field, through a lookup
        assert "CUST-CAROL" not in html and "RATE-CUST-CAROL" not in html, path  # out of scope
        if path.endswith(str(record_id)):
            assert "CUST-ALICE" in html and "RATE-CUST-ALICE" in html


def test_rollups_count_only_records_in_scope(world, deal, app):
    from flask import g

    from runtime.records import service as records

    world.everyone(operations=("view",), scope=({"kind": "own"},))
    world.everyone(operations=("view",), scope=({"kind": "all"},), form_key=DEAL)
    form, record_id = deal
    with app.test_request_context():
        g.user = world.users["alice"]
        assert records.get(world.users["alice"], form, record_id).values["f_count1"] == 1
        g.user = world.admin
        assert records.get(world.admin, form, record_id).values["f_count1"] == 2


def test_no_view_right_on_the_customer_form_shows_no_names(world, deal, client):
    world.everyone(operations=(), scope=())
    world.everyone(operations=("view",), scope=({"kind": "all"},), form_key=DEAL)
    sign_in(client, world.users["alice"])
    _form, record_id = deal
    html = client.get(f"/a/crm/{DEAL}/{record_id}").get_data(as_text=True)
    assert "Big deal" in html and "CUST-" not in html and "RATE-" not in html
