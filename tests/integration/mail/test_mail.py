"""E-mail: kept for the outgoing-mail page without SMTP, sent by SMTP when configured."""

from __future__ import annotations

import pytest

from builder.db import db
from runtime.jobs import runner
from runtime.jobs.models import JobRun
from runtime.mail.models import OutgoingMail
from runtime.mail.service import deliver, queue_mail
from tests.smtp_sink import SMTPSink

RESET_LINK = "http://jimu.test/reset/abc123"


def _queue(**kwargs) -> OutgoingMail:
    mail = queue_mail("ann@example.com", kwargs.pop("subject", "Reset your password"),
                      f"Hello Ann,\n\nOpen {RESET_LINK}.\n<script>x</script>", **kwargs)
    db.session.commit()
    return mail


def _run_for(mail: OutgoingMail) -> JobRun:
    return db.session.scalars(db.select(JobRun).where(JobRun.run_key == f"mail.send:{mail.id}")
                              ).one()


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the default language is Chinese


@pytest.fixture
def smtp(app, monkeypatch):
    with SMTPSink() as sink:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", sink.port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        yield sink


def test_queued_mail_is_a_job_in_the_same_transaction(app):
    queue_mail("ann@example.com", "Hi", "Hello")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(JobRun)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(OutgoingMail)) == 0


def test_without_smtp_mail_is_kept_and_listed_for_admins(app, client, make_user, login_as):
    login_as(make_user(is_admin=True))
    mail = _queue(html="<p onclick='x()'>Hello <b>Ann</b></p>")
    run = _run_for(mail)

    runner.execute(run.id)
    runner.execute(run.id)  # a second delivery changes nothing

    db.session.expire_all()
    assert db.session.get(OutgoingMail, mail.id).status == "kept"
    listing = client.get("/admin/mail/").get_data(as_text=True)
    assert "Reset your password" in listing and "ann@example.com" in listing
    page = client.get(f"/admin/mail/{mail.id}").get_data(as_text=True)
    assert f'<a href="{RESET_LINK}" rel="noopener noreferrer">{RESET_LINK}</a>.' in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "&lt;b&gt;Ann&lt;/b&gt;" in page and "<b>Ann</b>" not in page


def test_with_smtp_mail_is_sent_once(app, smtp):
    mail = _queue()
    run = _run_for(mail)

    runner.execute(run.id)
    deliver(mail.id)  # delivered twice by hand: still one message

    db.session.expire_all()
    assert db.session.get(OutgoingMail, mail.id).status == "sent"
    assert len(smtp.received) == 1
    envelope, message = smtp.received[0]
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "Reset your password"
    assert RESET_LINK in message.get_body(("plain",)).get_content()
    assert envelope["to"] == ["<ann@example.com>"]


def test_unreachable_smtp_retries_then_marks_the_mail_failed(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)  # nothing listens there
    mail = _queue()
    run = _run_for(mail)

    runner.execute(run.id)

    db.session.expire_all()
    run = db.session.get(JobRun, run.id)
    assert (run.status, run.attempts) == ("retrying", 1)
    assert db.session.get(OutgoingMail, mail.id).status == "queued"
    assert "ConnectionRefusedError" in db.session.get(OutgoingMail, mail.id).error

    run.attempts = run.max_attempts - 1  # fast-forward to the last attempt
    run.run_at = run.created_at
    db.session.commit()
    runner.execute(run.id)

    db.session.expire_all()
    assert db.session.get(JobRun, run.id).status == "failed"
    assert db.session.get(OutgoingMail, mail.id).status == "failed"


def test_mail_page_without_messages_says_so(client, make_user, login_as):
    login_as(make_user(is_admin=True))
    html = client.get("/admin/mail/").get_data(as_text=True)
    assert "No e-mail has been sent yet." in html
    assert client.get("/admin/mail/12345").status_code == 404
