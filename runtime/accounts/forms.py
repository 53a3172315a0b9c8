"""WTForms for sign-in and account set-up; messages name the field and the rule."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from .passwords import MAX_LENGTH, MIN_LENGTH


class SignInForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[
        InputRequired(message=_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"),
                             validators=[InputRequired(message=_l("Enter your password.")),
                                         Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Keep me signed in for 30 days"))


def new_password_field(label=None):
    """A password field with the policy's length rule."""
    return PasswordField(
        label or _l("New password"),
        validators=[
            InputRequired(message=_l("Enter a password.")),
            Length(min=MIN_LENGTH, max=MAX_LENGTH,
                   message=_l("Password: must be %(min)d to %(max)d characters long.",
                              min=MIN_LENGTH, max=MAX_LENGTH)),
        ],
    )


def confirm_field():
    """Repeat of the new password."""
    return PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(message=_l("Repeat the password.")),
                    EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class FirstRunForm(FlaskForm):
    """Create the first administrator of an empty instance."""

    name = StringField(_l("Your name"), validators=[
        InputRequired(message=_l("Enter your name.")),
        Length(max=120, message=_l("Name: at most %(max)d characters.", max=120))])
    email = EmailField(_l("E-mail"), validators=[
        InputRequired(message=_l("Enter your e-mail address.")),
        Email(message=_l("E-mail: enter an address like name@example.com.")),
        Length(max=254)])
    password = new_password_field(_l("Password"))
    confirm = confirm_field()
