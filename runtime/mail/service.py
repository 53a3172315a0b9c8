"""Queue e-mail in the caller's transaction; deliver it from a job."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from builder.db import db, utcnow

from ..jobs.outbox import enqueue
from .models import MailStatus, OutgoingMail


def queue_mail(to: str, subject: str, text: str, html: str | None = None) -> OutgoingMail:
    """Add a message and its mail.send job to the current transaction (no commit)."""
    mail = OutgoingMail(to_address=to, subject=subject[:255], body_text=text, body_html=html)
    db.session.add(mail)
    db.session.flush()
    enqueue("mail.send", mail.id, run_key=f"mail.send:{mail.id}")
    return mail


def deliver(mail_id: int) -> None:
    """Send by SMTP when configured, otherwise keep it for the outgoing-mail page."""
    mail = db.session.get(OutgoingMail, mail_id, with_for_update=True)
    if mail is None or mail.status in (MailStatus.SENT.value, MailStatus.KEPT.value):
        return
    config = current_app.config
    if not config.get("SMTP_HOST"):
        mail.status = MailStatus.KEPT.value
        mail.sent_at = utcnow()
        db.session.commit()
        return
    _smtp_send(mail, config)
    mail.status = MailStatus.SENT.value
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
