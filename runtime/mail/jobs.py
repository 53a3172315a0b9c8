"""The mail.send job."""

from __future__ import annotations


def send_mail(mail_id: int) -> None:
    """Deliver one queued message (implemented in runtime/mail/service.py)."""
    from .service import deliver

    deliver(mail_id)
