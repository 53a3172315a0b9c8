"""Forgot password: e-mailed, expiring, single-use links."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import timedelta

from sqlalchemy import select

from builder.db import db, utcnow
from runtime.accounts.models import AuthToken, User
from runtime.accounts.passwords import verify_password
from runtime.jobs.models import JobRun

from .conftest import PASSWORD, link_path, mails_to, post, signed_in

NEW = "a brand new passphrase"


def _ask(client, email):
    return post(client, "/forgot-password", {"email": email}, follow_redirects=True)


def _set(client, path, password=NEW, confirm=None):
    return post(client, path, {"password": password,
                               "confirm": password if confirm is None else confirm})


def _without_csrf(page: str) -> str:
    """The page with its CSRF token blanked: the token is signed with the current
    second, so two answers a second apart differ only there."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return page.replace(token, "CSRF")


def _reset_link(client, user) -> str:
    assert _ask(client, user.email).status_code == 200
    return link_path(mails_to(user.email)[-1], "reset")


def test_known_and_unknown_addresses_get_the_same_answer(client, make_user):
    user = make_user(email="ann@example.com")
    known = _ask(client, "ANN@example.com ")
    unknown = _ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert "If an account exists for that address" in known.get_data(as_text=True)
    assert _without_csrf(known.get_data(as_text=True)) == _without_csrf(
        unknown.get_data(as_text=True))
    assert len(mails_to(user.email)) == 1
    assert mails_to("nobody@example.com") == []


def test_mail_has_an_absolute_link_and_only_the_hash_is_stored(app, client, make_user):
    user = make_user(email="ann@example.com", language="en")
    _ask(client, user.email)
    [mail] = mails_to(user.email)
    assert mail.subject == "Reset your Jimu password"
    assert f"{app.config['JIMU_BASE_URL']}/reset/" in mail.body_text
    assert "/reset/" in (mail.body_html or "")
    token = link_path(mail, "reset").rsplit("/", 1)[1]
    row = db.session.scalar(select(AuthToken).where(AuthToken.user_id == user.id))
    assert row.purpose == "reset"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)
    # The mail goes out through the outbox job, written in the same transaction.
    assert db.session.scalar(select(JobRun).where(JobRun.run_key == f"mail.send:{mail.id}"))


def test_disabled_and_invited_users_get_no_mail(client, make_user):
    make_user(email="off@example.com").is_active = False
    db.session.commit()
    make_user(email="new@example.com", password=None)
    assert "If an account exists" in _ask(client, "off@example.com").get_data(as_text=True)
    assert "If an account exists" in _ask(client, "new@example.com").get_data(as_text=True)
    assert mails_to("off@example.com") == mails_to("new@example.com") == []


def test_malformed_address_is_a_field_error(client, make_user):
    response = post(client, "/forgot-password", {"email": "not-an-address"})
    assert response.status_code == 422
    assert "E-mail: enter an address like name@example.com." in response.get_data(as_text=True)


def test_link_works_once_and_signs_in(client, make_user, new_client):
    user = make_user(email="ann@example.com")
    elsewhere = new_client()
    post(elsewhere, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert signed_in(elsewhere)
    path = _reset_link(client, user)

    page = client.get(path)
    assert page.status_code == 200
    assert "ann@example.com" in page.get_data(as_text=True)
    response = _set(client, path)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/")
    assert signed_in(client)
    assert not signed_in(elsewhere)
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, NEW)

    again = new_client()
    assert again.get(path).status_code == 400
    reused = _set(again, path, password="yet another passphrase")
    assert reused.status_code == 400
    assert "Request a new link" in reused.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, NEW)


def test_expired_link_is_refused(client, make_user):
    user = make_user()
    path = _reset_link(client, user)
    db.session.execute(AuthToken.__table__.update().values(
        expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    page = client.get(path)
    assert page.status_code == 400
    assert "expired" in page.get_data(as_text=True)
    assert _set(client, path).status_code == 400
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def test_unknown_link_is_refused(client):
    assert client.get("/reset/not-a-real-token").status_code == 400


def test_mismatched_passwords_keep_the_link_usable(client, make_user):
    user = make_user()
    path = _reset_link(client, user)
    response = _set(client, path, confirm="something different")
    assert response.status_code == 422
    assert "The two passwords are not the same." in response.get_data(as_text=True)
    assert _set(client, path).status_code == 303


def test_mail_is_in_the_recipients_language(client, make_user):
    zh = make_user(email="zh@example.com", language="zh_CN")
    en = make_user(email="en@example.com", language="en")
    _ask(client, zh.email)
    _ask(client, en.email)
    assert mails_to(en.email)[0].subject == "Reset your Jimu password"
    assert mails_to(zh.email)[0].subject == "重置积木密码"


def test_reset_mails_are_rate_limited_per_account(client, make_user):
    user = make_user()
    for _ in range(5):
        _ask(client, user.email)
    assert len(mails_to(user.email)) == 3


def test_two_simultaneous_uses_cannot_both_win(app, client, make_user):
    from runtime.accounts import service
    from runtime.accounts.exceptions import TokenInvalid
    from runtime.accounts.models import TokenPurpose

    user = make_user()
    token = _reset_link(client, user).rsplit("/", 1)[1]
    user_id = user.id
    db.session.remove()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def use(password: str) -> None:
        with app.app_context(), app.test_request_context():
            barrier.wait()
            try:
                service.redeem_link(token, TokenPurpose.RESET, password)
                results.append(password)
            except TokenInvalid:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use, args=(p,)) for p in ("first passphrase",
                                                                 "second passphrase")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    assert results.count("refused") == 1
    winner = next(r for r in results if r != "refused")
    assert verify_password(db.session.get(User, user_id).password_hash, winner)
