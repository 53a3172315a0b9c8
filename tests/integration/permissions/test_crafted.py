"""Crafted requests: what a person types into the address bar or posts by hand."""

from __future__ import annotations

import sqlalchemy as sa

from builder.db import db
from builder.roles.models import Role

from .conftest import post, sign_in

ROLES = "/build/apps/crm/roles"


def test_a_grid_post_naming_a_role_of_another_app_changes_nothing(world, client):
    from builder.apps import service as apps
    from builder.roles import service as roles

    other = apps.create(world.admin, name="Other", key="other")
    foreign = roles.create_role(world.admin, other, name="Foreign")
    sign_in(client, world.admin)
    grid = ROLES + "/forms/customer"
    response = post(client, grid, {f"r{foreign.id}.op": ["view"],
                                   f"r{foreign.id}.scope": ["all"]}, token_from=grid)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Role, foreign.id).document["forms"] == {}


def test_members_must_exist_and_be_active(world, client):
    from runtime.accounts.models import User

    world.grant("sales", users=["alice"])
    bob = db.session.get(User, world.users["bob"].id)
    bob.is_active = False
    db.session.commit()
    sign_in(client, world.admin)
    path = ROLES + "/sales"
    for data in ({"kind": "user", "user_id": "999999"}, {"kind": "user", "user_id": bob.id},
                 {"kind": "department", "department_id": "abc"}, {"kind": "nobody"}):
        assert post(client, path + "/members", data, token_from=path).status_code == 422, data


def test_a_trashed_record_outside_the_scope_cannot_be_restored_or_seen(world, client):
    from runtime.records import service as records

    records.delete(world.admin, world.form, world.records["CUST-CAROL"])
    world.everyone()
    world.grant("sales", users=["alice"], operations=["view", "delete"],
                scope=[{"kind": "department"}])
    sign_in(client, world.users["alice"])
    trash = client.get(world.url() + "?trash=1").get_data(as_text=True)
    assert "CUST-CAROL" not in trash
    response = post(client, world.url("CUST-CAROL", "/restore"), token_from=world.url())
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.scalar(sa.select(world.form.table.c.deleted_at).where(
        world.form.table.c.id == world.records["CUST-CAROL"])) is not None


def test_restoring_a_version_needs_edit_on_the_record(world, client):
    from runtime.records import service as records

    world.everyone()
    world.grant("readers", users=["alice"], operations=["view"], scope=[{"kind": "all"}])
    entry = records.history(world.admin, world.form, world.records["CUST-BOB"])[-1]
    sign_in(client, world.users["alice"])
    response = post(client, world.url("CUST-BOB", f"/history/{entry.id}/restore"),
                    {"row_version": "1"}, token_from=world.url())
    assert response.status_code == 403


def test_filtering_on_a_hidden_field_is_refused_without_revealing_it(world, client):
    from builder.conditions import ConditionInvalid
    from runtime.records import query

    world.everyone()
    world.grant("sales", users=["alice"], fields={"f_secret": "hidden"})
    alice = world.users["alice"]
    for condition in ({"field": "f_secret", "op": "contains", "value": "SECRET-CUST-BOB"},
                      {"any": [{"field": "f_name01", "op": "empty"},
                               {"field": "f_secret", "op": "not_empty"}]},
                      {"field": "f_name01", "op": "eq", "other_field": "f_secret"}):
        try:
            query.query(alice, world.form, condition)
        except ConditionInvalid as exc:
            assert "SECRET" not in str(exc)
        else:
            raise AssertionError(f"{condition} was answered")
