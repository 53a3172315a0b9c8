"""Sessions: rotation at sign-in, sign-out, remember-me, tampering, disabled users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from builder.db import db
from runtime.accounts import service
from runtime.accounts.models import UserSession

from .conftest import PASSWORD, post, signed_in

COOKIE = "jimu_session"


def _cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE, domain="jimu.test")
    return cookie.value if cookie else None


def _set_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))


def _sign_in(client, user, **extra):
    return post(client, "/sign-in", {"email": user.email, "password": PASSWORD, **extra})


def test_session_cookie_changes_at_sign_in(client, make_user):
    user = make_user()
    client.get("/sign-in")
    before = _cookie(client)
    assert before
    assert _sign_in(client, user).status_code == 303
    first = _cookie(client)
    assert first != before
    post(client, "/sign-out", {}, token_from="/")
    _sign_in(client, user)
    assert _cookie(client) not in (before, first)
    assert db.session.query(UserSession).count() == 1


def test_old_session_cookie_is_worthless_after_sign_out(client, make_user):
    user = make_user()
    _sign_in(client, user)
    stolen = _cookie(client)
    response = post(client, "/sign-out", {}, token_from="/")
    assert response.status_code == 303
    assert not signed_in(client)
    client.set_cookie(COOKIE, stolen, domain="jimu.test")
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_tampered_cookie_is_treated_as_signed_out(client, make_user):
    user = make_user()
    _sign_in(client, user)
    good = _cookie(client)
    forged = [good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"), "garbage",
              "eyJzaWQiOiJ4In0.Zm9v.YmFy", "..", "ä" * 10, "x" * 4000]
    for value in forged:
        client.set_cookie(COOKIE, value, domain="jimu.test")
        response = client.get("/")
        assert response.status_code == 302, value
        assert "/sign-in" in response.headers["Location"]


def test_plain_sign_in_sets_a_browser_session_cookie(client, make_user):
    response = _sign_in(client, make_user())
    assert client.get_cookie(COOKIE, domain="jimu.test").expires is None
    header = _set_cookie_header(response)
    assert "Expires" not in header and "Max-Age" not in header
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_remember_me_keeps_the_cookie_for_30_days(app, client, make_user):
    response = _sign_in(client, make_user(), remember="y")
    assert "Expires=" in _set_cookie_header(response)
    expires = client.get_cookie(COOKIE, domain="jimu.test").expires
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=service.REMEMBER_DAYS)
    row = db.session.query(UserSession).one()
    assert row.remember and row.expires_at - row.created_at == timedelta(days=30)


def test_disabled_user_is_signed_out_at_the_next_request(client, make_user):
    make_user(is_admin=True)
    user = make_user()
    _sign_in(client, user)
    assert signed_in(client)
    user.is_active = False  # directly, without ending the sessions
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert db.session.query(UserSession).count() == 1
