"""Headers, error pages, the language switch and the sign-in gate."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token


def test_every_page_has_a_strict_csp_and_safe_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_do_not_contain_inline_script_or_style(client, make_user, login_as):
    login_as(make_user(is_admin=True))
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html


def test_fragment_routes_vary_on_hx_request(client, make_user, login_as):
    login_as(make_user(is_admin=True))
    assert "HX-Request" in client.get("/").headers.get("Vary", "")


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user()
    token = csrf_token(client)
    response = client.post("/sign-in", data={"csrf_token": token, "email": user.email,
                                             "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(("language", "title"), [("en", "Page not found"), ("zh-CN", "页面不存在")])
def test_404_page_follows_accept_language(client, make_user, login_as, language, title):
    login_as(make_user())
    response = client.get("/nowhere", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_sign_in_with_next(client, make_user):
    make_user()
    response = client.get("/?x=1")
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]


def test_anonymous_htmx_request_gets_hx_redirect(client, make_user):
    make_user()
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].endswith("/sign-in")


def test_language_switch_remembers_choice(client, make_user):
    make_user()
    token = csrf_token(client)
    response = client.post("/language",
                           data={"csrf_token": token, "lang": "en", "next": "/sign-in"})
    assert response.status_code == 303
    assert "Skip to content" in client.get("/sign-in").get_data(as_text=True)
    client.post("/language", data={"csrf_token": token, "lang": "zh_CN"})
    assert "跳到正文" in client.get("/sign-in").get_data(as_text=True)


def test_unknown_language_is_refused_with_a_message(client, make_user):
    make_user()
    token = csrf_token(client)
    response = client.post("/language", data={"csrf_token": token, "lang": "fr"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "must be one of" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_language_switch_never_redirects_off_site(client, make_user, target):
    make_user()
    token = csrf_token(client)
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": target})
    assert response.headers["Location"] in ("/", "http://jimu.test/")


def test_tampered_session_cookie_counts_as_signed_out(client, make_user):
    make_user()
    client.set_cookie("jimu_session", "eyJzaWQiOiJ4In0.forged.signature", domain="jimu.test")
    response = client.get("/")
    assert response.status_code == 302


def test_internal_error_is_a_translated_500(client, make_user, login_as, monkeypatch):
    from builder.apps import service

    def boom(actor):
        raise RuntimeError("kaboom")

    login_as(make_user())
    monkeypatch.setattr(service, "list_apps", boom)
    response = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "服务器出了点问题" in body and "kaboom" not in body
