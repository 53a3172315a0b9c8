"""Field access: hidden fields never leave the server, read-only ones cannot be changed."""

from __future__ import annotations

import sqlalchemy as sa

from builder.db import db
from runtime.records import service as records

from .conftest import post, sign_in

LIMITED = {"f_secret": "hidden", "f_rate01": "read_only"}


def _stored(world, name: str) -> dict:
    db.session.expire_all()
    row = db.session.execute(sa.select(world.form.table).where(
        world.form.table.c.id == world.records[name])).mappings().one()
    return dict(row)


def _sales(world, **kwargs):
    world.everyone()
    return world.grant("sales", users=["alice"], operations=["view", "create", "edit"],
                       scope=[{"kind": "own"}], fields=LIMITED, **kwargs)


def test_pages_never_show_a_hidden_field_and_show_read_only_ones_read_only(world, client):
    _sales(world)
    sign_in(client, world.users["alice"])
    for path in (world.url(), world.url("CUST-ALICE"), world.url("CUST-ALICE", "/edit"),
                 world.url("CUST-ALICE", "?tab=history"), world.url(suffix="/new")):
        body = client.get(path).get_data(as_text=True)
        assert "SECRET-" not in body and "Contract terms" not in body, path
    edit = client.get(world.url("CUST-ALICE", "/edit")).get_data(as_text=True)
    assert "RATE-CUST-ALICE" in edit
    assert 'name="f_rate01" value="RATE-CUST-ALICE" readonly' in edit


def test_a_crafted_post_to_locked_fields_is_ignored_and_formulas_use_the_stored_value(
        world, client):
    _sales(world)
    sign_in(client, world.users["alice"])
    before = _stored(world, "CUST-ALICE")
    response = post(client, world.url("CUST-ALICE", "/edit"), {
        "f_name01": "CUST-ALICE-2", "f_secret": "HACKED", "f_rate01": "HACKED",
        "f_level1": "b", "row_version": str(before["row_version"])},
        token_from=world.url("CUST-ALICE", "/edit"))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    after = _stored(world, "CUST-ALICE")
    assert after["f_name01"] == "CUST-ALICE-2"
    assert after["f_secret"] == "SECRET-CUST-ALICE" and after["f_rate01"] == "RATE-CUST-ALICE"
    assert after["f_tlen01"] == before["f_tlen01"] == len("SECRET-CUST-ALICE")


def test_a_crafted_create_cannot_fill_locked_fields(world, client):
    _sales(world)
    sign_in(client, world.users["alice"])
    response = post(client, world.url(suffix="/new"), {
        "f_name01": "CUST-NEW", "f_secret": "HACKED", "f_rate01": "HACKED"},
        token_from=world.url(suffix="/new"))
    assert response.status_code == 303
    row = db.session.execute(sa.select(world.form.table).where(
        world.form.table.c.f_name01 == "CUST-NEW")).mappings().one()
    assert row["f_secret"] is None and row["f_rate01"] is None


def test_history_hides_the_old_and_new_values_of_hidden_fields(world, client):
    current = records.get(world.admin, world.form, world.records["CUST-ALICE"])
    records.update(world.admin, world.form, current.id,
                   {"f_secret": "SECRET-CHANGED", "f_name01": "CUST-ALICE"},
                   expected_version=current.row_version)
    _sales(world)
    sign_in(client, world.users["alice"])
    body = client.get(world.url("CUST-ALICE", "?tab=history")).get_data(as_text=True)
    assert "SECRET" not in body
    entries = records.history(world.users["alice"], world.form, current.id)
    assert all("f_secret" not in e.changes for e in entries)
    assert any("f_secret" in e.changes
               for e in records.history(world.admin, world.form, current.id))


def test_a_restored_version_keeps_the_locked_fields_as_stored(world):
    alice = world.users["alice"]
    current = records.get(world.admin, world.form, world.records["CUST-ALICE"])
    records.update(world.admin, world.form, current.id, {"f_secret": "SECRET-V2",
                                                         "f_rate01": "RATE-V2"},
                   expected_version=current.row_version)
    _sales(world)
    first = records.history(alice, world.form, current.id)[-1]
    latest = records.get(alice, world.form, current.id)
    records.restore_version(alice, world.form, current.id, first.id,
                            expected_version=latest.row_version)
    row = _stored(world, "CUST-ALICE")
    assert (row["f_secret"], row["f_rate01"]) == ("SECRET-V2", "RATE-V2")


def test_a_required_field_the_person_cannot_fill_does_not_block_a_create(world):
    from builder.forms import service as forms

    # make "Rating" required: published again, it must still not stop Alice
    from builder.forms.models import Form

    form_row = db.session.get(Form, world.form.form_id)
    document = dict(form_row.draft, fields=[dict(f, required=True) if f["id"] == "f_rate01"
                                            else f for f in form_row.draft["fields"]])
    forms.save_draft(world.admin, form_row, document, revision=form_row.draft_revision)
    version = forms.publish(world.admin, form_row)
    from runtime.records.schema import published

    form = published(form_row.id, version.version, version.document, form_row.created_at)
    _sales(world)
    record = records.create(world.users["alice"], form, {"f_name01": "CUST-REQ"})
    assert record.values["f_rate01"] is None


def test_a_formula_reading_a_hidden_field_is_hidden_too(world, client):
    """"Terms length" is LEN(contract terms): showing it would tell what the hidden field
    holds, so it is hidden from whoever may not see the terms — on every page."""
    from runtime.permissions import service as permissions

    _sales(world)
    sign_in(client, world.users["alice"])
    rights = permissions.rights(world.users["alice"], world.form)
    assert rights.hidden == {"f_secret", "f_tlen01"}
    length = str(len("SECRET-CUST-ALICE"))
    for path in (world.url("CUST-ALICE"), world.url(suffix="?cols=f_name01,f_tlen01")):
        body = client.get(path).get_data(as_text=True)
        assert "Terms length" not in body, path
    detail = client.get(world.url("CUST-ALICE")).get_data(as_text=True)
    assert f">{length}<" not in detail
