"""Rights are the union of roles; scopes in SQL and in Python agree; admins see everything."""

from __future__ import annotations

import pytest

from builder.exceptions import PermissionDenied
from runtime.permissions import service as permissions
from runtime.records import query
from runtime.records import service as records
from runtime.records.exceptions import RecordNotFound

SCOPE_CASES = {
    "all": {"CUST-ALICE", "CUST-BOB", "CUST-CAROL", "CUST-MIKE", "CUST-REP", "CUST-POOL",
            "CUST-GOLD"},
    "own": {"CUST-ALICE"},
    "department": {"CUST-ALICE", "CUST-BOB", "CUST-REP"},
    "department_tree": {"CUST-ALICE", "CUST-BOB", "CUST-REP"},
    "pool": {"CUST-POOL"},
    "member_field": {"CUST-REP"},
    "filter": {"CUST-GOLD"},
}


def scope_item(kind: str) -> dict:
    """One scope item of each kind, for Alice's point of view."""
    if kind == "member_field":
        return {"kind": kind, "field": "f_rep001"}
    if kind == "filter":
        return {"kind": kind, "condition": {"field": "f_level1", "op": "eq", "value": "a"}}
    return {"kind": kind}


def names(page) -> set[str]:
    return {r.values["f_name01"] for r in page.records}


def test_a_new_app_gives_everyone_full_access(world):
    nora = world.users["nora"]
    assert names(query.query(nora, world.form)) == SCOPE_CASES["all"]
    assert permissions.rights(nora, world.form).unrestricted("edit")


@pytest.mark.parametrize("kind", sorted(SCOPE_CASES))
def test_each_scope_kind_gives_the_same_records_in_sql_and_in_python(world, kind):
    world.everyone()
    world.grant("sales", users=["alice"], scope=[scope_item(kind)])
    alice = world.users["alice"]
    assert names(query.query(alice, world.form)) == SCOPE_CASES[kind]
    for name, record_id in world.records.items():
        full = records._load(world.form, record_id)
        assert permissions.in_scope(alice, world.form, "view", full) == (
            name in SCOPE_CASES[kind]), name


def test_department_tree_reaches_sub_departments_for_a_manager(world):
    world.everyone()
    world.grant("manager", users=["mike"], scope=[{"kind": "department_tree"}])
    world.grant("dept", users=["bob"], scope=[{"kind": "department"}])
    mike = world.users["mike"]
    assert names(query.query(mike, world.form)) == {"CUST-ALICE", "CUST-BOB", "CUST-REP",
                                                    "CUST-MIKE"}
    assert names(query.query(world.users["bob"], world.form)) == {"CUST-ALICE", "CUST-BOB",
                                                                  "CUST-REP"}


def test_rights_are_the_union_of_roles(world):
    world.everyone()
    world.grant("own", users=["alice"], operations=["view", "edit"], scope=[{"kind": "own"}],
                fields={"f_secret": "hidden", "f_rate01": "hidden"})
    world.grant("pool", users=["alice"], operations=["view", "create"],
                scope=[{"kind": "pool"}], fields={"f_secret": "hidden", "f_rate01": "read_only"})
    found = permissions.rights(world.users["alice"], world.form)
    assert found.operations == {"view", "edit", "create"}
    assert {i["kind"] for i in found.scope("view")} == {"own", "pool"}
    assert [i["kind"] for i in found.scope("edit")] == ["own"]
    assert found.fields == {"f_secret": "hidden", "f_rate01": "read_only",
                            "f_tlen01": "hidden"}  # LEN(terms) goes with the terms


def test_all_dominates_and_no_role_means_no_access(world):
    world.everyone()
    world.grant("a", users=["alice"], scope=[{"kind": "own"}])
    world.grant("b", users=["alice"], scope=[{"kind": "all"}])
    assert permissions.rights(world.users["alice"], world.form).unrestricted("view")
    with pytest.raises(PermissionDenied):
        query.query(world.users["nora"], world.form)


def test_department_members_hold_a_role_with_or_without_sub_departments(world):
    world.everyone()
    world.grant("flat", departments=[("sales", False)], scope=[{"kind": "all"}])
    assert permissions.rights(world.users["mike"], world.form).allows("view")
    assert not permissions.rights(world.users["alice"], world.form).allows("view")
    world.grant("deep", departments=[("sales", True)], scope=[{"kind": "all"}])
    permissions.forget()
    assert permissions.rights(world.users["alice"], world.form).allows("view")
    assert not permissions.rights(world.users["carol"], world.form).allows("view")


def test_administrators_have_full_rights(world):
    from builder.roles import service as roles

    world.everyone()
    assert names(query.query(world.admin, world.form)) == SCOPE_CASES["all"]
    roles.add_app_admin(world.admin, world.app, world.users["nora"].id)
    assert permissions.rights(world.users["nora"], world.form).full


def test_a_record_outside_the_scope_is_not_found_and_one_outside_edit_is_refused(world):
    world.everyone()
    world.grant("sales", users=["alice"], operations=["view", "edit", "delete"],
                scope=[{"kind": "department"}])
    world.grant("own edit", users=["bob"], operations=["view"], scope=[{"kind": "department"}])
    world.grant("bob edits own", users=["bob"], operations=["edit"], scope=[{"kind": "own"}])
    alice, bob = world.users["alice"], world.users["bob"]
    with pytest.raises(RecordNotFound):
        records.get(alice, world.form, world.records["CUST-CAROL"])
    with pytest.raises(RecordNotFound):
        records.delete(alice, world.form, world.records["CUST-CAROL"])
    record = records.get(bob, world.form, world.records["CUST-ALICE"])
    with pytest.raises(PermissionDenied):
        records.update(bob, world.form, record.id, {"f_name01": "taken"},
                       expected_version=record.row_version)
    mine = records.get(bob, world.form, world.records["CUST-BOB"])
    records.update(bob, world.form, mine.id, {"f_name01": "CUST-BOB2"},
                   expected_version=mine.row_version)


def test_hidden_fields_are_not_read_and_cannot_be_filtered_or_sorted(world):
    from builder.conditions import ConditionInvalid

    world.everyone()
    world.grant("sales", users=["alice"], scope=[{"kind": "all"}],
                fields={"f_secret": "hidden"})
    alice = world.users["alice"]
    page = query.query(alice, world.form)
    assert all("f_secret" not in r.values for r in page.records)
    assert "f_secret" not in records.get(alice, world.form, world.records["CUST-ALICE"]).values
    with pytest.raises(ConditionInvalid):
        query.query(alice, world.form, {"field": "f_secret", "op": "eq", "value": "x"})
    with pytest.raises(ConditionInvalid):
        query.query(alice, world.form, sort=[("f_secret", False)])
    # the administrator may still filter on it
    assert len(query.query(world.admin, world.form, {
        "field": "f_secret", "op": "eq", "value": "SECRET-CUST-BOB"}).records) == 1


def test_where_scopes_a_projected_form_and_leaves_a_full_form_alone(world):
    import sqlalchemy as sa

    from builder.db import db

    world.everyone()
    world.grant("sales", users=["alice"], scope=[{"kind": "own"}])
    view = permissions.visible_form(world.users["alice"], world.form)
    count = lambda form, **kw: db.session.execute(  # noqa: E731
        sa.select(sa.func.count()).select_from(world.form.table)
        .where(query.where(form, None, **kw))).scalar_one()
    assert count(view) == 1
    assert count(world.form, actor=world.users["alice"]) == 1
    assert count(world.form) == len(SCOPE_CASES["all"])  # system access (jobs)
