"""Sign in and out, first run, change password, reset links and invitations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from builder.exceptions import ValidationFailed
from builder.web import public, render, safe_next

from . import service
from .exceptions import SignInFailed, SignInThrottled, TokenInvalid
from .forms import ChangePasswordForm, FirstRunForm, ForgotPasswordForm, SetPasswordForm, SignInForm
from .models import TokenPurpose

bp = Blueprint("accounts", __name__)


def _reset_session() -> None:
    """Empty the cookie session, keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    # Flask-WTF caches the token of the old session in g; drop it with the session.
    g.pop("csrf_token", None)


def _begin_session(user, remember: bool) -> None:
    """Rotate the session: a fresh cookie and a fresh server-side session id."""
    service.end_session(session.get("sid"))
    _reset_session()
    session["sid"] = service.start_session(
        user, remember=remember, ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
    # Permanent: a cookie that lasts PERMANENT_SESSION_LIFETIME (30 days);
    # otherwise a browser-session cookie without an expiry date.
    session.permanent = remember


def _throttled_message(exc: SignInThrottled) -> str:
    minutes = max(1, round(exc.retry_after / 60))
    return _("Too many failed attempts. Try again in %(n)d minute(s).", n=minutes)


def attach_errors(form, exc: ValidationFailed) -> list[str]:
    """Put a service's field errors beside the form's fields; return the rest."""
    rest: list[str] = []
    for key, messages in exc.errors.items():
        field = form._fields.get(key) if key else None
        if field is None:
            rest.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
    return rest


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
            error, status = _throttled_message(exc), 429
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
    _reset_session()
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
        try:
            user = service.create_first_admin(form.name.data, form.email.data,
                                              form.password.data, session.get("lang"))
        except ValidationFailed as exc:
            attach_errors(form, exc)
        else:
            _begin_session(user, remember=False)
            flash(_("Welcome to Jimu. Your administrator account is ready."), "success")
            return redirect(url_for("shell.home"), 303)
    status = 422 if form.errors else 200
    return render("accounts/first_run.html", block="content", status=status, form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change the signed-in user's password; other browsers are signed out."""
    form = ChangePasswordForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            service.change_password(g.user, form.current_password.data, form.password.data,
                                    keep_token=session.get("sid"), ip=request.remote_addr)
        except ValidationFailed as exc:
            error = " ".join(attach_errors(form, exc)) or None
        except SignInThrottled as exc:
            error, status = _throttled_message(exc), 429
        else:
            flash(_("Your password has been changed. Other browsers and devices have been "
                    "signed out."), "success")
            return redirect(url_for("accounts.change_password"), 303)
    if form.errors and status == 200:
        status = 422
    return render("accounts/change_password.html", block="content", status=status, form=form,
                  error=error)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    """Ask for a reset link; the answer never tells whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        return redirect(url_for("accounts.forgot_password", sent=1), 303)
    status = 422 if form.errors else 200
    return render("accounts/forgot_password.html", block="content", status=status, form=form,
                  sent=request.args.get("sent") == "1" and request.method == "GET")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Choose a new password from an e-mailed link (usable once, for one hour)."""
    return _redeem(token, TokenPurpose.RESET, "accounts/reset_password.html",
                   _("Your password has been changed and you are signed in."))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    """Accept an invitation by choosing a password (usable once, for seven days)."""
    return _redeem(token, TokenPurpose.INVITE, "accounts/accept_invitation.html",
                   _("Welcome to Jimu. Your account is ready."))


def _redeem(token: str, purpose: TokenPurpose, template: str, welcome: str):
    try:
        user = service.link_user(token, purpose)
    except TokenInvalid:
        return _link_invalid(purpose)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = service.redeem_link(token, purpose, form.password.data)
        except TokenInvalid:
            return _link_invalid(purpose)
        except ValidationFailed as exc:
            attach_errors(form, exc)
        else:
            _begin_session(user, remember=False)
            flash(welcome, "success")
            return redirect(url_for("shell.home"), 303)
    status = 422 if form.errors else 200
    return render(template, block="content", status=status, form=form, user=user)


def _link_invalid(purpose: TokenPurpose):
    return render("accounts/link_invalid.html", block="content", status=400,
                  purpose=purpose.value)
