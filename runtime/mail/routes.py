"""Admin pages listing outgoing mail (how a demo without SMTP reads its e-mail)."""

from __future__ import annotations

from flask import Blueprint, request

from builder.web import current_actor, render

from . import service
from .domain import text_segments

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")


def _page_arg() -> int:
    try:
        return int(request.args.get("page", "1"))
    except ValueError:
        return 1


@bp.get("/")
def index():
    """Outgoing messages, newest first."""
    result = service.list_mail(current_actor(), page=_page_arg())
    return render("admin/mail.html", block="messages", result=result)


@bp.get("/<int:mail_id>")
def show(mail_id: int):
    """One message: headers, the text body (links clickable), the HTML source escaped."""
    mail = service.get_mail(current_actor(), mail_id)
    return render("admin/mail_message.html", mail=mail, segments=text_segments(mail.body_text))
