"""Queue e-mail in the caller's transaction; deliver it from a job; list it for admins."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import func, select

from builder.db import db, utcnow
from builder.exceptions import NotFound
from builder.web import Actor

from ..jobs import domain as job_domain
from ..jobs.outbox import enqueue
from ..jobs.runner import current_attempt
from ..jobs.service import require_admin
from .domain import shorten
from .models import MailStatus, OutgoingMail

PER_PAGE = 50


def queue_mail(to: str, subject: str, text: str, html: str | None = None) -> OutgoingMail:
    """Add a message and its mail.send job to the current transaction (no commit)."""
    mail = OutgoingMail(to_address=to, subject=subject[:255], body_text=text, body_html=html)
    db.session.add(mail)
    db.session.flush()
    enqueue("mail.send", mail.id, run_key=f"mail.send:{mail.id}")
    return mail


def deliver(mail_id: int) -> None:
    """Send by SMTP when configured, otherwise keep it for the outgoing-mail page.

    Idempotent: a message already sent or kept is left alone. The row stays
    locked while sending, so two deliveries of the same message cannot overlap.
    """
    mail = db.session.get(OutgoingMail, mail_id, with_for_update=True, populate_existing=True)
    if mail is None or mail.status in (MailStatus.SENT.value, MailStatus.KEPT.value):
        db.session.rollback()
        return
    config = current_app.config
    if not config.get("SMTP_HOST"):
        _finish(mail, MailStatus.KEPT)
        return
    try:
        _smtp_send(mail, config)
    except Exception as error:
        attempt = current_attempt()
        mail.error = shorten(f"{type(error).__name__}: {error}")
        last = attempt is None or attempt.is_last
        mail.status = MailStatus.FAILED.value if last else MailStatus.QUEUED.value
        db.session.commit()
        raise
    _finish(mail, MailStatus.SENT)


def _finish(mail: OutgoingMail, status: MailStatus) -> None:
    mail.status = status.value
    mail.sent_at = utcnow()
    mail.error = None
    db.session.commit()


def _smtp_send(mail: OutgoingMail, config) -> None:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="jimu.local")
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    smtp_class = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
    with smtp_class(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)


@dataclass
class MailPage:
    """One page of outgoing mail, newest first."""

    messages: list[OutgoingMail]
    total: int
    page: int
    pages: int
    smtp_configured: bool


def list_mail(actor: Actor, *, page: int = 1) -> MailPage:
    """Outgoing messages for administrators, newest first."""
    require_admin(actor)
    total = db.session.scalar(select(func.count()).select_from(OutgoingMail)) or 0
    pages = job_domain.page_count(total, PER_PAGE)
    page = min(max(page, 1), pages)
    messages = list(db.session.scalars(
        select(OutgoingMail).order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    return MailPage(messages, total, page, pages, bool(current_app.config.get("SMTP_HOST")))


def get_mail(actor: Actor, mail_id: int) -> OutgoingMail:
    """One message, for administrators."""
    require_admin(actor)
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None:
        raise NotFound()
    return mail
