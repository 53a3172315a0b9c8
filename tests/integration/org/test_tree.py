"""The department tree: create, rename, move (refusing cycles), archive, subtree queries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from builder.db import db
from builder.exceptions import PermissionDenied, ValidationFailed
from runtime.accounts.models import Department
from runtime.org import service, tree
from runtime.org.exceptions import MoveRefused

from .conftest import audit_rows, post


def _dept(department_id: int) -> Department:
    db.session.expire_all()
    return db.session.get(Department, department_id)


def _children(parent_id):
    condition = (Department.parent_id.is_(None) if parent_id is None
                 else Department.parent_id == parent_id)
    return [d.name for d in db.session.scalars(
        sa.select(Department).where(condition).order_by(Department.position))]


def test_create_and_rename_with_sibling_names_unique(admin, make_dept):
    sales = make_dept("Sales")
    make_dept("East", parent=sales)
    with pytest.raises(ValidationFailed) as exc:
        make_dept("east", parent=sales)
    assert "already called east" in exc.value.errors["name"][0]
    make_dept("East")  # the same name elsewhere is fine
    with pytest.raises(ValidationFailed) as exc:
        service.rename_department(admin, sales.id, "  ")
    assert exc.value.errors["name"] == ["Department name: required."]
    service.rename_department(admin, sales.id, "Sales & Marketing")
    assert _dept(sales.id).name == "Sales & Marketing"
    assert [e.summary["name"] for e in audit_rows("department.renamed")] == [
        ["Sales", "Sales & Marketing"]]


def test_move_under_another_and_reorder(admin, make_dept):
    a, b, c = make_dept("A"), make_dept("B"), make_dept("C")
    service.move_department(admin, c.id, None, 0)
    assert _children(None) == ["C", "A", "B"]
    service.move_department(admin, a.id, b.id)
    assert _dept(a.id).parent_id == b.id
    assert _children(None) == ["C", "B"]
    entry = audit_rows("department.moved")[-1]
    assert entry.summary["parent_id"] == [None, b.id]
    assert entry.summary["parent"] == [None, "B"]


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
def test_moving_under_itself_or_a_descendant_is_refused(admin, make_dept, target):
    top = make_dept("Top")
    child = make_dept("Child", parent=top)
    grandchild = make_dept("Grandchild", parent=child)
    parent = {"itself": top, "child": child, "grandchild": grandchild}[target]
    with pytest.raises(MoveRefused) as exc:
        service.move_department(admin, top.id, parent.id)
    assert f"Top cannot be moved under {parent.name}" in exc.value.message
    assert _dept(top.id).parent_id is None
    assert not audit_rows("department.moved")


def test_drag_move_over_htmx_refuses_a_cycle_with_422(client, login_as, admin, make_dept):
    top = make_dept("Top")
    child = make_dept("Child", parent=top)
    login_as(admin)
    response = post(client, "/admin/org/move", {"department_id": top.id,
                                                "parent_id": child.id, "position": 0},
                    headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Top cannot be moved under Child" in html
    assert f'data-id="{top.id}"' in html and "<html" not in html
    ok = post(client, "/admin/org/move", {"department_id": child.id, "parent_id": "",
                                          "position": 0}, headers={"HX-Request": "true"})
    assert ok.status_code == 200
    assert _dept(child.id).parent_id is None
    assert _children(None) == ["Child", "Top"]


def test_keyboard_move_form_and_its_refusal(client, login_as, admin, make_dept):
    top, other = make_dept("Top"), make_dept("Other")
    child = make_dept("Child", parent=top)
    login_as(admin)
    refused = post(client, f"/admin/org/{top.id}/move", {"parent_id": child.id})
    assert refused.status_code == 422
    assert "Top cannot be moved under Child" in refused.get_data(as_text=True)
    moved = post(client, f"/admin/org/{top.id}/move", {"parent_id": other.id})
    assert moved.status_code == 303
    assert _dept(top.id).parent_id == other.id


def test_subtree_ids_is_one_recursive_query(admin, make_dept):
    a = make_dept("A")
    b = make_dept("B", parent=a)
    c = make_dept("C", parent=b)
    d = make_dept("D", parent=c)
    other = make_dept("Other")
    a_id, b_id, c_id, d_id = a.id, b.id, c.id, d.id
    statements = []

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        found = tree.subtree_ids(a_id)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert found == {a_id, b_id, c_id, d_id}
    assert len(statements) == 1 and "WITH RECURSIVE" in statements[0].upper()
    assert tree.subtree_ids(c.id) == {c.id, d.id}
    assert tree.subtree_ids(other.id) == {other.id}
    assert tree.ancestor_ids(d.id) == [d.id, c.id, b.id, a.id]
    assert tree.is_within(d.id, a.id) and not tree.is_within(a.id, d.id)


def test_archive_takes_the_subtree_and_unarchive_brings_it_back(admin, make_dept):
    top = make_dept("Top")
    child = make_dept("Child", parent=top)
    earlier = make_dept("Earlier", parent=top)
    service.set_archived(admin, earlier.id, True)
    service.set_archived(admin, top.id, True)
    assert _dept(top.id).is_archived and _dept(child.id).is_archived
    with pytest.raises(MoveRefused) as exc:
        service.set_archived(admin, child.id, False)
    assert "restore Top first" in exc.value.message
    with pytest.raises(ValidationFailed):
        service.create_department(admin, "New", top.id)
    with pytest.raises(MoveRefused):
        service.move_department(admin, top.id, None)
    service.set_archived(admin, top.id, False)
    assert not _dept(top.id).is_archived and not _dept(child.id).is_archived
    assert _dept(earlier.id).is_archived  # archived on its own before: stays archived
    assert [e.action for e in audit_rows() if e.action.startswith("department.")
            and "archived" in e.action] == ["department.archived", "department.archived",
                                             "department.unarchived"]


def test_moving_under_an_archived_department_is_refused(admin, make_dept):
    a, b = make_dept("A"), make_dept("B")
    service.set_archived(admin, b.id, True)
    with pytest.raises(ValidationFailed) as exc:
        service.move_department(admin, a.id, b.id)
    assert "B is archived" in exc.value.errors["parent_id"][0]


def test_archived_departments_cannot_be_chosen_in_department_fields(
        admin, make_dept, published):
    from runtime.records import service as records
    from runtime.records.exceptions import ValidationFailed as RecordInvalid

    form = published()
    live, gone = make_dept("Live"), make_dept("Gone")
    service.set_archived(admin, gone.id, True)
    records.create(admin, form, {"f_name01": "ok", "f_dept01": live.id})
    with pytest.raises(RecordInvalid) as exc:
        records.create(admin, form, {"f_name01": "no", "f_dept01": gone.id})
    assert "not archived" in exc.value.errors["f_dept01"][0]
    from runtime.records.widgets import department_choices

    assert [name for _id, name in department_choices()] == ["Live"]


def test_tree_page_shows_counts_and_archived_on_request(client, login_as, admin, make_dept,
                                                        make_user):
    sales = make_dept("Sales")
    make_dept("East", parent=sales)
    old = make_dept("Old")
    service.set_archived(admin, old.id, True)
    make_user(name="Sam", department=sales)
    login_as(admin)
    html = client.get("/admin/org/").get_data(as_text=True)
    assert "Sales" in html and "East" in html and "Old" not in html
    assert f'data-parent="{sales.id}"' in html
    assert "Old" in client.get("/admin/org/?archived=1").get_data(as_text=True)
    assert service.member_counts() == {sales.id: 1}


def test_create_page_keeps_input_on_error(client, login_as, admin, make_dept):
    make_dept("Sales")
    login_as(admin)
    response = post(client, "/admin/org/departments", {"name": "sales", "parent_id": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "already called sales" in html and 'value="sales"' in html
    created = post(client, "/admin/org/departments", {"name": "Service", "parent_id": ""})
    assert created.status_code == 303
    assert "department.created" in [e.action for e in audit_rows()]


def test_only_administrators(client, login_as, make_user, make_dept, admin):
    sales = make_dept("Sales")
    login_as(make_user())
    assert client.get("/admin/org/").status_code == 403
    assert client.get(f"/admin/org/{sales.id}").status_code == 403
    assert post(client, "/admin/org/departments", {"name": "X"}).status_code == 403
    assert post(client, f"/admin/org/{sales.id}/archive").status_code == 403
    assert not _dept(sales.id).is_archived
    with pytest.raises(PermissionDenied):
        service.create_department(None, "X")
