"""The e-mails accounts send: password reset and invitation, in the recipient's language."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..mail.service import queue_mail
from .models import TokenPurpose, User
from .tokens import LIFETIMES


def absolute_url(endpoint: str, **values: str) -> str:
    """A link for a mail: JIMU_BASE_URL plus the endpoint's path."""
    base = current_app.config["JIMU_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)


def _language(user: User) -> str:
    return user.language or current_app.config["JIMU_DEFAULT_LANGUAGE"]


def _render(name: str, **context: object) -> str:
    # The Jinja environment directly: a mail needs no page layout context.
    return current_app.jinja_env.get_template(name).render(**context)


def queue_reset_mail(user: User, token: str) -> None:
    """Queue the password-reset link in the caller's transaction (no commit)."""
    link = absolute_url("accounts.reset_password", token=token)
    hours = int(LIFETIMES[TokenPurpose.RESET].total_seconds() // 3600)
    with force_locale(_language(user)):
        subject = _("Reset your Jimu password")
        context = {"user": user, "link": link, "hours": hours, "subject": subject}
        text = _render("accounts/email/reset_password.txt", **context)
        html = _render("accounts/email/reset_password.html", **context)
    queue_mail(user.email, subject, text, html)


def queue_invitation_mail(user: User, token: str, inviter: User) -> None:
    """Queue the invitation link in the caller's transaction (no commit)."""
    link = absolute_url("accounts.accept_invitation", token=token)
    days = LIFETIMES[TokenPurpose.INVITE].days
    with force_locale(_language(user)):
        subject = _("%(name)s invited you to Jimu", name=inviter.name)
        context = {"user": user, "inviter": inviter, "link": link, "days": days,
                   "subject": subject}
        text = _render("accounts/email/invitation.txt", **context)
        html = _render("accounts/email/invitation.html", **context)
    queue_mail(user.email, subject, text, html)
