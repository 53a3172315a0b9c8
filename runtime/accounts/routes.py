"""Sign in, sign out and the first-run page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from builder.db import db
from builder.web import public, render, safe_next

from . import service
from .exceptions import SignInFailed, SignInThrottled
from .forms import FirstRunForm, SignInForm

bp = Blueprint("accounts", __name__)


def _begin_session(user, remember: bool) -> None:
    """Rotate the session: a fresh cookie and a fresh server-side session id."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["sid"] = service.start_session(
        user, remember=remember, ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
    session.permanent = remember


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    """The sign-in page."""
    if g.user is not None:
        return redirect(url_for("shell.home"))
    if service.count_users() == 0:
        return redirect(url_for("accounts.first_run"))
    form = SignInForm()
    status = 200
    error = None
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data, request.remote_addr)
        except SignInFailed:
            error, status = _("The e-mail address or password is not correct."), 422
        except SignInThrottled as exc:
            minutes = max(1, round(exc.retry_after / 60))
            error = _("Too many failed attempts. Try again in %(n)d minute(s).", n=minutes)
            status = 429
        else:
            _begin_session(user, bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")), 303)
    elif form.errors:
        status = 422
    return render("accounts/sign_in.html", block="content", status=status, form=form, error=error)


@bp.post("/sign-out")
def sign_out():
    """End this browser's session."""
    service.end_session(session.get("sid"))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.sign_in"), 303)


@bp.route("/setup", methods=["GET", "POST"])
@public
def first_run():
    """Create the first administrator of an empty instance."""
    if service.count_users() > 0:
        abort(404)
    form = FirstRunForm()
    if form.validate_on_submit():
        user = service.create_user(form.email.data, form.name.data, form.password.data,
                                   is_admin=True, language=session.get("lang"))
        db.session.commit()
        _begin_session(user, remember=False)
        flash(_("Welcome to Jimu. Your administrator account is ready."), "success")
        return redirect(url_for("shell.home"), 303)
    status = 422 if form.errors else 200
    return render("accounts/first_run.html", block="content", status=status, form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change the signed-in user's password. (PLACEHOLDER — helper A implements.)"""
    abort(404)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    """Ask for a reset link. (PLACEHOLDER — helper A implements.)"""
    abort(404)
