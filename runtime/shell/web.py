"""Request hooks, security headers, template context and error pages."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, make_response, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from builder.exceptions import JimuError
from builder.web import render

from ..accounts import service as accounts
from ..i18n import LANGUAGE_NAMES, html_lang

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ERROR_TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You do not have access to this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("This action is not allowed here"),
    413: lambda: _("The upload is too large"),
    422: lambda: _("Some input could not be accepted"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Something went wrong on our side"),
}


def init_app(app: Flask) -> None:
    """Attach hooks, context processors and error handlers."""
    from .sessions import BoundedSessionInterface

    app.session_interface = BoundedSessionInterface()
    app.before_request(load_user)
    app.before_request(require_sign_in)
    app.after_request(security_headers)
    app.context_processor(layout_context)
    app.add_template_global(icon_sprite)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(JimuError, jimu_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def load_user() -> None:
    """Put the signed-in user (or None) into ``g.user``."""
    # Tests and CLI scripts may reuse one app context across requests: start clean.
    refresh_locale()
    g.user = None
    g.user_session = None
    if request.endpoint == "static":
        return
    row = accounts.load_session(session.get("sid"))
    if row is None:
        if "sid" in session:
            session.pop("sid", None)
        return
    g.user_session = row
    g.user = row.user
    # The locale reads the user's language: pick it now, while the user is loaded, rather
    # than after a commit has expired it (that would cost one more query).
    get_locale()


def require_sign_in():
    """Send anonymous visitors to sign-in (or first-run) unless the view is public."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "jimu_public", False) or g.user is not None:
        return None
    if accounts.count_users() == 0:
        return redirect(url_for("accounts.first_run"))
    target = request.full_path if request.method == "GET" else None
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("accounts.sign_in")
        return response
    return redirect(url_for("accounts.sign_in", next=target.rstrip("?") if target else None))


def security_headers(response):
    """Strict CSP and friends on every answer."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def icon_sprite() -> str:
    """The icon sprite's URL, built once per request (pages draw hundreds of icons)."""
    if "icon_sprite" not in g:
        g.icon_sprite = url_for("static", filename="vendor/lucide/sprite.svg")
    return g.icon_sprite


def layout_context() -> dict:
    """Variables every page's layout needs."""
    locale = str(get_locale() or "zh_CN")
    return {
        "current_user": g.get("user"),
        "locale": locale,
        "html_lang": html_lang(locale),
        "language_names": LANGUAGE_NAMES,
        "nav_apps": _nav_apps(),
    }


def _nav_apps():
    user = g.get("user")
    if user is None:
        return []
    if "apps" in g:  # the page already listed them (home)
        return g.apps
    from builder.apps import service as apps

    try:
        return apps.list_apps(user)
    except Exception:  # a broken app list must never take the error page down with it
        log.exception("app switcher failed")
        return []


def _error_page(status: int, message: str | None = None, errors=None):
    title_factory = ERROR_TITLES.get(status) or ERROR_TITLES[400]
    return render(
        "errors/error.html",
        block="content",
        status=status,
        code=status,
        title=title_factory(),
        message=message,
        errors=errors,
    )


def csrf_error(error: CSRFError):
    """A missing or forged CSRF token: 400 with a way forward."""
    return _error_page(400, _("The form has expired or was not sent by this site. "
                              "Reload the page and try again."))


def jimu_error(error: JimuError):
    """Expected domain errors raised out of a service."""
    errors = getattr(error, "errors", None)
    return _error_page(error.status if error.status >= 400 else 400, None, errors)


def http_error(error: HTTPException):
    """Werkzeug's HTTP errors, rendered in the user's language."""
    if error.code and error.code < 400:
        return error
    if error.code == 405:
        return _error_page(405)
    return _error_page(error.code or 500)


def unexpected_error(error: Exception):
    """Anything else is a bug: log it, answer 500 without details."""
    log.exception("unhandled error", exc_info=error)
    from builder.db import db

    db.session.rollback()
    return _error_page(500)
