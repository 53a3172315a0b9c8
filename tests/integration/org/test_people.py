"""Memberships with one primary department, managers, and the manager chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from builder.db import db
from builder.exceptions import ValidationFailed
from runtime.accounts.models import User
from runtime.org import service, tree
from runtime.org.exceptions import MoveRefused
from runtime.org.models import DepartmentMember

from .conftest import audit_rows, post


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _memberships(user_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(DepartmentMember.department_id)
                                  .where(DepartmentMember.user_id == user_id)))


def test_members_have_one_primary_department(admin, make_dept, make_user):
    sales, service_dept = make_dept("Sales"), make_dept("Service")
    sam = make_user(name="Sam")
    sam_id = sam.id
    service.add_member(admin, sales.id, sam_id)
    assert _user(sam_id).department_id == sales.id  # the first one becomes primary
    service.add_member(admin, service_dept.id, sam_id)
    assert _user(sam_id).department_id == sales.id
    assert [d.name for d in tree.departments_of(sam_id)] == ["Sales", "Service"]
    service.set_primary(admin, sam_id, service_dept.id)
    assert _user(sam_id).department_id == service_dept.id
    assert [d.name for d in tree.departments_of(sam_id)] == ["Service", "Sales"]
    service.remove_member(admin, service_dept.id, sam_id)
    assert _user(sam_id).department_id == sales.id  # the remaining one takes over
    service.remove_member(admin, sales.id, sam_id)
    assert _user(sam_id).department_id is None and tree.departments_of(sam_id) == []
    assert [e.action for e in audit_rows() if e.action.startswith("department.")
            and e.action != "department.created"] == [
        "department.member_added", "department.primary_set", "department.member_added",
        "department.primary_set", "department.member_removed", "department.member_removed"]


def test_adding_twice_is_harmless_and_archived_or_disabled_refused(admin, make_dept,
                                                                     make_user):
    sales, old = make_dept("Sales"), make_dept("Old")
    sam, gone = make_user(name="Sam"), make_user(name="Gone")
    gone.is_active = False
    db.session.commit()
    service.add_member(admin, sales.id, sam.id)
    service.add_member(admin, sales.id, sam.id)
    assert len(audit_rows("department.member_added")) == 1
    with pytest.raises(ValidationFailed) as exc:
        service.add_member(admin, sales.id, gone.id)
    assert "choose an active user" in exc.value.errors["user_id"][0]
    service.set_archived(admin, old.id, True)
    with pytest.raises(MoveRefused):
        service.add_member(admin, old.id, sam.id)
    with pytest.raises(MoveRefused):
        service.add_manager(admin, old.id, sam.id)


def test_create_user_and_user_edit_keep_memberships_in_step(client, login_as, admin,
                                                            make_dept, make_user):
    sales, service_dept, extra = make_dept("Sales"), make_dept("Service"), make_dept("Extra")
    sam = make_user(name="Sam", email="sam@example.com", department=sales)
    sam_id = sam.id
    assert _memberships(sam_id) == {sales.id}
    service.add_member(admin, extra.id, sam_id)
    login_as(admin)
    response = post(client, f"/admin/users/{sam_id}", {
        "name": "Sam", "email": "sam@example.com", "department_id": str(service_dept.id),
        "language": ""}, token_from=f"/admin/users/{sam_id}")
    assert response.status_code == 303
    assert _user(sam_id).department_id == service_dept.id
    assert _memberships(sam_id) == {service_dept.id, extra.id}  # the primary moved
    entry = audit_rows("user.updated")[-1]
    assert entry.summary == {"department": ["Sales", "Service"]}
    page = client.get(f"/admin/users/{sam_id}").get_data(as_text=True)
    assert "Extra" in page and "Primary" in page


def test_user_form_offers_no_archived_department(client, login_as, admin, make_dept,
                                                 make_user):
    sales, old = make_dept("Sales"), make_dept("Old")
    service.set_archived(admin, old.id, True)
    sam = make_user(name="Sam", email="sam@example.com")
    login_as(admin)
    html = client.get(f"/admin/users/{sam.id}").get_data(as_text=True)
    assert f'value="{sales.id}"' in html and f'value="{old.id}"' not in html
    refused = post(client, f"/admin/users/{sam.id}", {
        "name": "Sam", "email": "sam@example.com", "department_id": str(old.id),
        "language": ""}, token_from=f"/admin/users/{sam.id}")
    assert refused.status_code == 422


@pytest.fixture
def org(admin, make_dept, make_user):
    """A four-level tree: Company > Sales > East > Shanghai, with managers at each level."""
    company = make_dept("Company")
    sales = make_dept("Sales", parent=company)
    east = make_dept("East", parent=sales)
    shanghai = make_dept("Shanghai", parent=east)
    people = {name: make_user(name=name) for name in
              ("ceo", "vp", "vp2", "east_lead", "rep", "lonely")}
    service.add_manager(admin, company.id, people["ceo"].id)
    service.add_manager(admin, sales.id, people["vp"].id)
    service.add_manager(admin, sales.id, people["vp2"].id)
    service.add_manager(admin, east.id, people["east_lead"].id)
    # Shanghai has no manager of its own
    service.add_member(admin, shanghai.id, people["rep"].id)
    service.add_member(admin, east.id, people["east_lead"].id)
    service.add_member(admin, sales.id, people["vp"].id)
    ids = {k: v.id for k, v in people.items()}
    ids.update(company=company.id, sales=sales.id, east=east.id, shanghai=shanghai.id)
    return ids


def _names(users) -> list[str]:
    return [u.name for u in users]


def test_manager_chain_goes_up_n_levels(org):
    rep = org["rep"]
    assert _names(tree.managers_of(rep)) == ["east_lead"]  # Shanghai has none: East's
    assert _names(tree.managers_of(rep, 2)) == ["east_lead", "vp", "vp2"]
    assert _names(tree.managers_of(rep, 3)) == ["east_lead", "vp", "vp2", "ceo"]
    assert _names(tree.managers_of(rep, 10)) == ["east_lead", "vp", "vp2", "ceo"]
    chain = tree.manager_chain(rep, 3)
    assert [(s.level, s.department_id) for s in chain] == [
        (1, org["east"]), (2, org["sales"]), (3, org["company"])]


def test_a_manager_is_managed_from_above(org):
    # east_lead manages East: their manager is Sales' (not themselves)
    assert _names(tree.managers_of(org["east_lead"])) == ["vp", "vp2"]
    # vp manages Sales with vp2; a co-manager is a peer, not a manager
    assert _names(tree.managers_of(org["vp"])) == ["ceo"]
    assert tree.managers_of(org["lonely"]) == []  # no department at all


def test_disabled_managers_are_passed_over(org):
    lead = db.session.get(User, org["east_lead"])
    lead.is_active = False
    db.session.commit()
    assert _names(tree.managers_of(org["rep"])) == ["vp", "vp2"]


def test_is_manager_of_looks_up_the_tree(org):
    assert tree.is_manager_of(org["east_lead"], org["rep"])
    assert tree.is_manager_of(org["ceo"], org["rep"])
    assert tree.is_manager_of(org["vp"], org["east_lead"])
    assert not tree.is_manager_of(org["rep"], org["east_lead"])
    assert not tree.is_manager_of(org["east_lead"], org["east_lead"])
    assert not tree.is_manager_of(org["east_lead"], org["lonely"])
    assert tree.managed_department_ids(org["vp"], with_subtrees=True) == {
        org["sales"], org["east"], org["shanghai"]}


def test_department_page_adds_and_removes_people(client, login_as, admin, make_dept,
                                                 make_user):
    sales = make_dept("Sales")
    sam, max_ = make_user(name="Sam Smith"), make_user(name="Max Manager")
    sam_id, max_id, sales_id = sam.id, max_.id, sales.id
    login_as(admin)
    base = f"/admin/org/{sales_id}"
    assert post(client, base + "/members", {"user_id": sam_id, "primary": "1"},
                token_from=base).status_code == 303
    assert post(client, base + "/managers", {"user_id": max_id},
                token_from=base).status_code == 303
    html = client.get(base).get_data(as_text=True)
    assert "Sam Smith" in html and "Max Manager" in html and "Primary" in html
    bad = post(client, base + "/members", {"user_id": "abc"}, token_from=base)
    assert bad.status_code == 422
    assert "choose an active user" in bad.get_data(as_text=True)
    assert post(client, f"{base}/managers/{max_id}/remove", token_from=base).status_code == 303
    assert post(client, f"{base}/members/{sam_id}/remove", token_from=base).status_code == 303
    html = client.get(base).get_data(as_text=True)
    assert "Nobody belongs to this department yet." in html
    assert "No manager yet." in html
    assert [e.action for e in audit_rows() if e.target_type == "department"][-4:] == [
        "department.member_added", "department.manager_added",
        "department.manager_removed", "department.member_removed"]
