"""The builder's access pages: roles, members, app administrators, a form's grid, audit."""

from __future__ import annotations

import sqlalchemy as sa

from builder.db import db
from builder.roles.models import Role, RoleMember, RoleVersion
from runtime.audit.models import AuditEntry
from runtime.permissions import service as permissions

from .conftest import post, sign_in

ROLES = "/build/apps/crm/roles"


def _role(key: str) -> Role:
    db.session.expire_all()
    return db.session.scalar(sa.select(Role).where(Role.key == key))


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_builder_creates_a_role_adds_members_and_grants_it(world, client):
    sign_in(client, world.admin)
    page = client.get(ROLES).get_data(as_text=True)
    assert "Everyone" in page and "App administrators" in page
    response = post(client, ROLES + "/new", {"name": "Sales rep", "description": "Field sales"},
                    token_from=ROLES)
    assert response.status_code == 303 and response.location.endswith("/roles/sales_rep")
    path = ROLES + "/sales_rep"
    post(client, path + "/members", {"kind": "user", "user_id": world.users["alice"].id},
         token_from=path)
    post(client, path + "/members", {"kind": "department",
                                     "department_id": world.departments["west"].id,
                                     "with_subdepartments": "1"}, token_from=path)
    role = _role("sales_rep")
    members = list(db.session.scalars(sa.select(RoleMember).where(RoleMember.role_id == role.id)))
    assert {(m.user_id, m.department_id) for m in members} == {
        (world.users["alice"].id, None), (None, world.departments["west"].id)}
    grid = ROLES + "/forms/customer"
    assert "Field access" in client.get(grid).get_data(as_text=True)
    everyone = _role("everyone")
    data = {f"r{role.id}.op": ["view", "edit"], f"r{role.id}.scope": ["own", "member:f_rep001"],
            f"a.f_secret.{role.id}": "hidden", f"a.f_rate01.{role.id}": "read_only",
            f"r{everyone.id}.op": []}
    response = post(client, grid, data, token_from=grid)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    entry = _role("sales_rep").document["forms"]["customer"]
    assert entry == {"operations": ["view", "edit"],
                     "scope": [{"kind": "own"}, {"kind": "member_field", "field": "f_rep001"}],
                     "fields": {"f_rate01": "read_only", "f_secret": "hidden"}}
    assert _role("everyone").document["forms"]["customer"]["operations"] == []
    assert _role("sales_rep").version == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoleVersion).where(
        RoleVersion.role_id == role.id)) == 2
    assert {"role.created", "role.member_added", "permission.changed"} <= set(_actions())
    rights = permissions.rights(world.users["carol"], world.form)
    # the formula LEN(terms) goes with the hidden terms
    assert rights.operations == {"view", "edit"} and rights.hidden == {"f_secret", "f_tlen01"}


def test_an_invalid_filter_is_refused_naming_the_role(world, client):
    sign_in(client, world.admin)
    everyone = _role("everyone")
    grid = ROLES + "/forms/customer"
    response = post(client, grid, {f"r{everyone.id}.op": ["view"],
                                   f"r{everyone.id}.scope": ["filter"],
                                   f"r{everyone.id}.ff": "f_level1", f"r{everyone.id}.fo": "gt",
                                   f"r{everyone.id}.fv": "x"}, token_from=grid)
    assert response.status_code == 422
    assert "Everyone: the filter is not valid" in response.get_data(as_text=True)
    response = post(client, grid, {f"r{everyone.id}.op": ["view"],
                                   f"r{everyone.id}.scope": ["filter"],
                                   f"r{everyone.id}.ff": "f_level1", f"r{everyone.id}.fo": "eq",
                                   f"r{everyone.id}.fv": "a"}, token_from=grid)
    assert response.status_code == 303
    assert _role("everyone").document["forms"]["customer"]["scope"] == [
        {"kind": "filter", "condition": {"field": "f_level1", "op": "eq", "value": "a"}}]


def test_the_default_role_cannot_be_deleted_and_others_can(world, client):
    sign_in(client, world.admin)
    response = post(client, ROLES + "/everyone/delete", token_from=ROLES)
    assert response.status_code == 422 and _role("everyone") is not None
    world.grant("temp", users=["bob"])
    response = post(client, ROLES + "/temp/delete", token_from=ROLES)
    assert response.status_code == 303 and _role("temp") is None
    assert "role.deleted" in _actions()


def test_people_who_do_not_build_the_app_cannot_open_its_access_pages(world, client):
    sign_in(client, world.users["nora"])
    for path in (ROLES, ROLES + "/everyone", ROLES + "/forms/customer"):
        assert client.get(path).status_code == 403, path
    assert post(client, ROLES + "/new", {"name": "x"}).status_code == 403


def test_an_app_administrator_builds_the_app_but_not_the_platform(world, client):
    from builder.roles import service as roles

    roles.add_app_admin(world.admin, world.app, world.users["nora"].id)
    sign_in(client, world.users["nora"])
    assert client.get(ROLES).status_code == 200
    assert client.get("/build/apps/crm/forms/customer").status_code == 200
    assert client.get("/build/apps/crm/edit").status_code == 200
    assert post(client, "/build/apps/crm/trash").status_code == 403
    assert client.get("/build/apps/new").status_code == 403
    response = post(client, ROLES + f"/admins/{world.users['nora'].id}/remove", token_from=ROLES)
    assert response.status_code == 403  # would lock herself out
    assert "permission.admin_added" in _actions()


def test_pool_settings_go_to_the_draft(world, client):
    from builder.forms.models import Form

    sign_in(client, world.admin)
    grid = ROLES + "/forms/customer"
    response = post(client, grid + "/pool", {"enabled": "1", "limit": "abc"}, token_from=grid)
    assert response.status_code == 422
    response = post(client, grid + "/pool", {"enabled": "1", "limit": "5"}, token_from=grid)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Form, world.form.form_id).draft["pool"] == {"enabled": True,
                                                                      "limit": 5}
    assert "publish the form to apply" in client.get(grid).get_data(as_text=True)


def test_the_app_home_lists_only_forms_a_role_opens(world, client):
    world.everyone()
    sign_in(client, world.users["nora"])
    assert "/a/crm/customer" not in client.get("/a/crm").get_data(as_text=True)
    world.grant("viewers", users=["nora"])
    assert "/a/crm/customer" in client.get("/a/crm").get_data(as_text=True)
