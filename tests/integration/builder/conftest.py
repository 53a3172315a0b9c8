"""Fixtures for the builder's pages: a signed-in admin or member and a form poster."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English unless a test switches (messages are asserted word for word)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def admin(make_user, login_as):
    """A signed-in platform administrator."""
    user = make_user(email="ada@example.com", name="Ada Admin", is_admin=True)
    login_as(user)
    return user


@pytest.fixture
def member(make_user, login_as):
    """A signed-in user who is not an administrator."""
    make_user(email="ada@example.com", name="Ada Admin", is_admin=True)
    user = make_user(email="max@example.com", name="Max Member")
    login_as(user)
    return user


@pytest.fixture
def post(client):
    """POST a form like a browser: with the CSRF token of the page the form is on."""

    def do(path: str, data: dict | None = None, *, page: str = "/", headers=None):
        token = csrf_token(client, page)
        return client.post(path, data={"csrf_token": token, **(data or {})}, headers=headers)

    return do


@pytest.fixture
def make_app(app):
    """Create apps through the service, as an administrator (``make_app(name=...)``)."""
    from builder.apps import service

    class _Builder:
        id = None
        is_admin = True

    def factory(name: str = "CRM", **kwargs):
        return service.create(_Builder(), name=name, **kwargs)

    return factory
