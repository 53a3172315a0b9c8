"""Loading the signed-in user: one query, a real ORM user, sliding expiry, refusals."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import g

from builder.db import db, utcnow
from runtime.accounts import service
from runtime.accounts.models import User, UserSession

from .conftest import PASSWORD, post, signed_in


def _sign_in(client, user):
    response = post(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 303


def _statements(app, fn) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return seen


def test_a_signed_in_request_reads_session_and_user_in_one_query(app, client, make_user):
    _sign_in(client, make_user())
    db.session.expunge_all()  # nothing cached: the request must load the user itself
    seen = _statements(app, lambda: client.get("/healthz"))
    reads = [s for s in seen if "user_session" in s or "user_account" in s]
    assert len(reads) == 1, seen
    assert "JOIN user_account" in reads[0]


def test_the_loaded_user_is_an_ordinary_orm_object(app, client, make_user):
    user = make_user()
    user_id = user.id
    _sign_in(client, user)
    db.session.expunge_all()
    assert post(client, "/language", {"lang": "en", "next": "/"}, token_from="/"
                ).status_code == 303
    assert sa.inspect(g.user).persistent and g.user.department is None
    db.session.expunge_all()
    assert db.session.get(User, user_id).language == "en"


def test_expiry_slides_when_the_session_is_used_after_a_while(app, client, make_user):
    _sign_in(client, make_user())
    row = db.session.scalars(sa.select(UserSession)).one()
    row.last_seen_at = row.last_seen_at - service.TOUCH_EVERY - timedelta(seconds=1)
    row.expires_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    assert signed_in(client)
    db.session.expire_all()
    row = db.session.scalars(sa.select(UserSession)).one()
    assert row.expires_at > utcnow() + timedelta(hours=23)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_an_expired_session_signs_out(app, client, make_user):
    _sign_in(client, make_user())
    row = db.session.scalars(sa.select(UserSession)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not signed_in(client)


def test_a_new_secret_key_signs_everyone_out_unless_the_old_one_is_a_fallback(
        app, client, make_user):
    _sign_in(client, make_user())
    assert signed_in(client)  # shows (and so drops) the sign-in's flash: the cookie stays
    old = app.secret_key
    try:
        app.secret_key = "another key " * 4
        app.config["SECRET_KEY_FALLBACKS"] = [old]
        assert signed_in(client)
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert not signed_in(client)
    finally:
        app.secret_key = old
        app.config["SECRET_KEY_FALLBACKS"] = []
