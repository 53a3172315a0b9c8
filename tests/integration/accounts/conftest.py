"""Helpers for the accounts tests: posting forms with a CSRF token, reading queued mail."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token

PASSWORD = "correct horse battery"


def post(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form like a browser: read the CSRF token from a page first."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def mails_to(address: str):
    """Queued OutgoingMail rows for one address, oldest first."""
    from builder.db import db
    from runtime.mail.models import OutgoingMail

    db.session.expire_all()
    return db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == address)
                              .order_by(OutgoingMail.id)).all()


def link_path(mail, kind: str) -> str:
    """The path of the /reset/ or /invite/ link in a mail's text body."""
    match = re.search(rf"https?://\S+/{kind}/[A-Za-z0-9_-]+", mail.body_text)
    assert match, mail.body_text
    return urlsplit(match.group(0)).path


def signed_in(client) -> bool:
    """Whether the client's session opens the home page."""
    return client.get("/").status_code == 200


@pytest.fixture
def admin(make_user):
    """An administrator."""
    return make_user(email="admin@example.com", name="Ada Admin", is_admin=True)


def _english_client(app):
    client = app.test_client()
    # Assertions read English text; the instance default is Chinese.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def client(app):
    """A browser that asks for English."""
    return _english_client(app)


@pytest.fixture
def new_client(app):
    """Another browser (English)."""
    return lambda: _english_client(app)
