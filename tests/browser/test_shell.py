"""Signing in, switching language and error pages, in a real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_bad_password_shows_the_error(page, live_server, make_account):
    make_account("admin@example.com", "Admin", is_admin=True)
    page.goto(f"{live_server.url}/sign-in")
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".alert-error")).to_be_visible()
    expect(page.locator("input[name=email]")).to_have_value("admin@example.com")


def test_sign_in_then_switch_language(page, live_server, make_account, sign_in):
    make_account("admin@example.com", "Admin", is_admin=True)
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "admin@example.com")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_have_text("Apps")
    page.click(".user-menu summary")
    page.click(".user-menu button[value=zh_CN]")
    expect(page.locator("h1")).to_have_text("应用")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_unknown_page_is_a_translated_404(page, live_server, make_account, sign_in):
    make_account("admin@example.com", "Admin", is_admin=True)
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    sign_in(page, "admin@example.com")
    response = page.goto(f"{live_server.url}/no/such/page")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
