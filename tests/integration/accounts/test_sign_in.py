"""Signing in and out through the real form."""

from __future__ import annotations

from tests.conftest import csrf_token


def test_empty_instance_shows_first_run(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/setup")


def test_sign_in_with_right_password_opens_home(client, make_user, login_as):
    make_user(email="ann@example.com", is_admin=True)
    user = make_user(email="bob@example.com")
    login_as(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "bob@example.com" in response.get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which(client, make_user):
    make_user(email="ann@example.com")
    token = csrf_token(client)
    wrong = client.post("/sign-in", data={"csrf_token": token, "email": "ann@example.com",
                                          "password": "nope nope"})
    unknown = client.post("/sign-in", data={"csrf_token": token, "email": "zed@example.com",
                                            "password": "nope nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "not correct" in wrong.get_data(as_text=True)
    assert "not correct" in unknown.get_data(as_text=True)


def test_forged_csrf_is_refused(client, make_user):
    make_user(email="ann@example.com")
    response = client.post("/sign-in", data={"csrf_token": "forged", "email": "ann@example.com",
                                             "password": "correct horse battery"})
    assert response.status_code == 400


def test_first_run_creates_the_administrator_and_signs_in(client):
    from .conftest import post

    response = post(client, "/setup", {"name": "Ada", "email": "ada@example.com",
                                       "password": "correct horse battery",
                                       "confirm": "correct horse battery"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert client.get("/setup").status_code == 404


def test_first_run_refuses_overlong_and_html_input_cleanly(client):
    from .conftest import post

    response = post(client, "/setup", {"name": "<b>" + "N" * 130, "email": "x" * 250 + "@a.com",
                                       "password": "short", "confirm": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Name: at most 120 characters (got 133)." in html
    assert "E-mail: at most 254 characters (got 256)." in html
    assert "Password: must be 8 to 128 characters long." in html
    assert "<b>NNN" not in html


def test_overlong_sign_in_input_is_a_field_error(client, make_user):
    from .conftest import post

    make_user()
    response = post(client, "/sign-in", {"email": "a@b.c", "password": "p" * 129})
    assert response.status_code == 422
    assert "Password: at most 128 characters (got 129)." in response.get_data(as_text=True)
