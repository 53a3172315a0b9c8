"""Administration of users: list, search, invite, edit, disable, protections."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from builder.db import db
from runtime.accounts.models import Department, User, UserSession

from .conftest import PASSWORD, link_path, mails_to, post, signed_in

BASE = "/admin/users/"


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _invite(client, **fields):
    data = {"name": "Bea Brown", "email": "bea@example.com", "department_id": "",
            "language": "", **fields}
    return post(client, BASE + "invite", data)


def _edit(client, user, **fields):
    data = {"name": user.name, "email": user.email, "department_id": "",
            "language": user.language or "", **fields}
    if data.pop("is_admin", user.is_admin):
        data["is_admin"] = "y"
    return post(client, f"{BASE}{user.id}", data)


def test_non_admins_get_403(client, make_user, login_as, admin):
    login_as(make_user())
    for path in (BASE, BASE + "invite", f"{BASE}{admin.id}"):
        assert client.get(path).status_code == 403, path
    response = post(client, f"{BASE}{admin.id}/disable", {}, token_from="/")
    assert response.status_code == 403
    assert _user(admin.id).is_active


def test_anonymous_visitors_are_sent_to_sign_in(client, admin):
    response = client.get(BASE)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_list_shows_users_with_status_and_search(client, make_user, login_as, admin):
    sales = Department(name="Sales")
    db.session.add(sales)
    db.session.flush()
    make_user(email="carl@example.com", name="Carl Cooper", department=sales)
    make_user(email="dora@example.com", name="Dora Diaz", password=None)
    login_as(admin)

    page = client.get(BASE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("Carl Cooper", "Dora Diaz", "Sales", "Admin", "Active", "Invited", "Never"):
        assert text in html
    found = client.get(BASE + "?q=COOP", headers={"HX-Request": "true"})
    body = found.get_data(as_text=True)
    assert "Carl Cooper" in body and "Dora Diaz" not in body
    assert "<html" not in body  # only the results fragment
    assert "HX-Request" in found.headers["Vary"]
    invited = client.get(BASE + "?status=invited").get_data(as_text=True)
    assert "Dora Diaz" in invited and "Carl Cooper" not in invited
    assert "No users match this search." in client.get(BASE + "?q=zzz").get_data(as_text=True)
    assert client.get(BASE + "?q=%25_&page=abc&status=nope").status_code == 200


def test_list_is_paginated_by_50(client, login_as, admin):
    db.session.add_all(User(email=f"p{n:03}@example.com", name=f"Person {n:03}",
                            password_hash="x") for n in range(60))
    db.session.commit()
    login_as(admin)
    first = client.get(BASE).get_data(as_text=True)
    second = client.get(BASE + "?page=2").get_data(as_text=True)
    assert first.count("/admin/users/") - second.count("/admin/users/") > 0
    assert "Person 048" in first and "Person 049" not in first
    assert "Person 049" in second and "Person 059" in second
    assert "61 users" in first and "page=2" in first


def test_invite_flow_end_to_end(client, login_as, admin, new_client):
    login_as(admin)
    response = _invite(client, language="en")
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "bea@example.com"))
    assert user.password_hash is None and user.invited_at is not None
    [mail] = mails_to("bea@example.com")
    assert mail.subject == "Ada Admin invited you to Jimu"
    path = link_path(mail, "invite")

    guest = new_client()
    page = guest.get(path)
    assert page.status_code == 200
    assert "Welcome, Bea Brown" in page.get_data(as_text=True)
    accepted = post(guest, path, {"password": "bea's new password",
                                  "confirm": "bea's new password"})
    assert accepted.status_code == 303
    assert signed_in(guest)
    assert _user(user.id).password_hash is not None
    assert new_client().get(path).status_code == 400
    fresh = new_client()
    assert post(fresh, "/sign-in", {"email": "bea@example.com",
                                    "password": "bea's new password"}).status_code == 303
    assert "Active" in client.get(BASE + "?q=bea").get_data(as_text=True)


def test_resend_replaces_the_invitation_link(client, login_as, admin, new_client):
    login_as(admin)
    _invite(client)
    user = db.session.scalar(select(User).where(User.email == "bea@example.com"))
    response = post(client, f"{BASE}{user.id}/resend", {}, token_from=f"{BASE}{user.id}")
    assert response.status_code == 303
    old, new = mails_to("bea@example.com")
    assert new_client().get(link_path(old, "invite")).status_code == 400
    assert new_client().get(link_path(new, "invite")).status_code == 200


def test_invite_refuses_a_taken_address_and_bad_input(client, login_as, admin):
    login_as(admin)
    taken = _invite(client, email="ADMIN@example.com")
    assert taken.status_code == 422
    assert "E-mail: another user already has this address." in taken.get_data(as_text=True)
    bad = _invite(client, email="not an address", department_id="999", language="fr")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "E-mail: enter an address like name@example.com." in html
    assert db.session.query(User).count() == 1
    assert mails_to("not an address") == []


def test_service_checks_department_and_language(client, login_as, admin):
    login_as(admin)
    response = _invite(client, department_id="999", language="fr")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Department: choose one from the list." in html
    assert "Language: choose one from the list." in html


def test_overlong_and_multiline_names_give_422_with_a_field_message(client, login_as, admin):
    login_as(admin)
    long = _invite(client, name="N" * 121)
    assert long.status_code == 422
    assert "Name: at most 120 characters (got 121)." in long.get_data(as_text=True)
    multiline = _invite(client, name="Bea\r\nBcc: x@example.com")
    assert multiline.status_code == 422
    assert "line breaks" in multiline.get_data(as_text=True)
    edit = _edit(client, admin, name="N" * 200)
    assert edit.status_code == 422
    assert "Name: at most 120 characters (got 200)." in edit.get_data(as_text=True)
    assert _user(admin.id).name == "Ada Admin"


def test_html_in_names_is_escaped(client, login_as, admin):
    login_as(admin)
    _invite(client, name="<script>alert(1)</script><b>Bea</b>")
    html = client.get(BASE).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Bea&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html and "<b>Bea</b>" not in html
    user = db.session.scalar(select(User).where(User.email == "bea@example.com"))
    assert "<script>alert(1)" not in client.get(f"{BASE}{user.id}").get_data(as_text=True)
    assert "<script>" not in (mails_to("bea@example.com")[0].body_html or "")


def test_edit_saves_profile_and_refuses_a_taken_address(client, make_user, login_as, admin):
    sales = Department(name="Sales")
    db.session.add(sales)
    db.session.commit()
    carl = make_user(email="carl@example.com", name="Carl")
    login_as(admin)
    response = _edit(client, carl, name="Carl Cooper", email="Carl.Cooper@Example.com",
                     department_id=str(sales.id), is_admin=True, language="en")
    assert response.status_code == 303
    carl = _user(carl.id)
    assert (carl.name, carl.email, carl.department_id, carl.is_admin, carl.language) == (
        "Carl Cooper", "carl.cooper@example.com", sales.id, True, "en")
    taken = _edit(client, carl, email="admin@example.com")
    assert taken.status_code == 422
    assert "E-mail: another user already has this address." in taken.get_data(as_text=True)
    assert _user(carl.id).email == "carl.cooper@example.com"


def test_disable_ends_sessions_at_once_and_enable_restores(client, make_user, login_as, admin,
                                                            new_client):
    carl = make_user(email="carl@example.com")
    browser = new_client()
    post(browser, "/sign-in", {"email": carl.email, "password": PASSWORD})
    assert signed_in(browser)
    login_as(admin)

    response = post(client, f"{BASE}{carl.id}/disable", {}, token_from=f"{BASE}{carl.id}")
    assert response.status_code == 303
    assert not _user(carl.id).is_active
    assert db.session.query(UserSession).filter_by(user_id=carl.id).count() == 0
    assert not signed_in(browser)
    assert post(browser, "/sign-in", {"email": carl.email,
                                      "password": PASSWORD}).status_code == 422
    assert "Disabled" in client.get(BASE).get_data(as_text=True)

    post(client, f"{BASE}{carl.id}/enable", {}, token_from=f"{BASE}{carl.id}")
    assert _user(carl.id).is_active
    assert post(browser, "/sign-in", {"email": carl.email,
                                      "password": PASSWORD}).status_code == 303


def test_you_cannot_disable_yourself(client, make_user, login_as, admin):
    make_user(email="second@example.com", is_admin=True)
    login_as(admin)
    response = post(client, f"{BASE}{admin.id}/disable", {}, token_from=f"{BASE}{admin.id}",
                    follow_redirects=True)
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    assert _user(admin.id).is_active
    assert signed_in(client)


def test_the_last_active_administrator_keeps_admin_rights(client, make_user, login_as, admin):
    make_user(email="pending@example.com", is_admin=True, password=None)
    login_as(admin)
    response = _edit(client, admin, is_admin=False)
    assert response.status_code == 422
    assert "is the last active administrator" in response.get_data(as_text=True)
    assert _user(admin.id).is_admin


def test_last_administrator_cannot_be_disabled(app, admin):
    from runtime.accounts import admin_service
    from runtime.accounts.exceptions import ActionRefused

    # Through the pages only reachable when a concurrent request disabled the actor.
    helper = User(email="helper@example.com", name="Helper", is_admin=True, password_hash="x")
    db.session.add(helper)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        admin_service.set_active(helper, admin.id, False)  # another admin remains: allowed
        assert not _user(admin.id).is_active
        with pytest.raises(ActionRefused, match="last active administrator"):
            admin_service.set_active(_user(admin.id), helper.id, False)
    assert _user(helper.id).is_active


def test_an_admin_may_drop_their_own_rights_when_another_admin_remains(client, make_user,
                                                                       login_as, admin):
    make_user(email="second@example.com", is_admin=True)
    login_as(admin)
    response = _edit(client, admin, is_admin=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/")
    assert not _user(admin.id).is_admin
    assert client.get(BASE).status_code == 403
