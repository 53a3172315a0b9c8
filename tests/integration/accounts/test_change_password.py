"""Changing the signed-in user's password."""

from __future__ import annotations

from builder.db import db
from runtime.accounts.models import User
from runtime.accounts.passwords import verify_password

from .conftest import PASSWORD, post, signed_in

PATH = "/account/password"
NEW = "a brand new passphrase"


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    return post(client, PATH, {"current_password": current, "password": new,
                               "confirm": new if confirm is None else confirm})


def _hash(user):
    db.session.expire_all()
    return db.session.get(User, user.id).password_hash


def test_page_needs_sign_in(client, make_user):
    make_user()
    response = client.get(PATH)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_wrong_current_password_is_refused(client, make_user, login_as):
    user = login_as(make_user())
    before = _hash(user)
    response = _change(client, current="not my password")
    assert response.status_code == 422
    assert "Current password: not correct." in response.get_data(as_text=True)
    assert _hash(user) == before


def test_repeat_must_match(client, make_user, login_as):
    user = login_as(make_user())
    before = _hash(user)
    response = _change(client, confirm="something else entirely")
    assert response.status_code == 422
    assert "The two passwords are not the same." in response.get_data(as_text=True)
    assert _hash(user) == before


def test_too_short_and_too_long_are_refused(client, make_user, login_as):
    user = login_as(make_user())
    before = _hash(user)
    for new in ("short", "x" * 129):
        response = _change(client, new=new)
        assert response.status_code == 422
        assert "Password: must be 8 to 128 characters long." in response.get_data(as_text=True)
    assert _hash(user) == before


def test_success_keeps_this_browser_and_ends_the_others(client, make_user, login_as, new_client):
    user = make_user()
    other = new_client()
    login_as(user)
    post(other, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert signed_in(other)

    response = _change(client)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(PATH)
    assert "Your password has been changed" in client.get(PATH).get_data(as_text=True)
    assert signed_in(client)
    assert not signed_in(other)
    assert verify_password(_hash(user), NEW)
    assert not verify_password(_hash(user), PASSWORD)


def test_guessing_the_current_password_hits_the_sign_in_backoff(client, make_user, login_as):
    user = login_as(make_user())
    for _ in range(5):
        assert _change(client, current="guess guess").status_code == 422
    response = _change(client)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert verify_password(_hash(user), PASSWORD)
