"""WTForms for accounts; messages name the field and the rule.

The forms check shape (required, lengths) so errors appear beside the fields;
the services check the rules again, because they are the only authority.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from .domain import EMAIL_MAX, NAME_MAX, looks_like_email, normalise_email
from .passwords import MAX_LENGTH, MIN_LENGTH

_TOO_LONG = _l("Password: at most %(max)d characters (got %(length)d).")


def _email_shape(form, field) -> None:
    if field.data and not looks_like_email(normalise_email(field.data)):
        raise ValidationError(_l("E-mail: enter an address like name@example.com."))


def email_field(label=None):
    """An e-mail address field: required, at most EMAIL_MAX characters, name@domain.tld."""
    return EmailField(label or _l("E-mail"), validators=[
        InputRequired(message=_l("Enter the e-mail address.")),
        Length(max=EMAIL_MAX, message=_l("E-mail: at most %(max)d characters (got %(length)d).")),
        _email_shape])


def name_field(label=None):
    """A person's name: required, at most NAME_MAX characters."""
    return StringField(label or _l("Name"), validators=[
        InputRequired(message=_l("Enter the name.")),
        Length(max=NAME_MAX, message=_l("Name: at most %(max)d characters (got %(length)d)."))])


def new_password_field(label=None):
    """A password field with the policy's length rule."""
    return PasswordField(
        label or _l("New password"),
        render_kw={"autocomplete": "new-password"},
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
        render_kw={"autocomplete": "new-password"},
        validators=[InputRequired(message=_l("Repeat the password.")),
                    EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class SignInForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), render_kw={"autocomplete": "username"}, validators=[
        InputRequired(message=_l("Enter your e-mail address.")),
        Length(max=EMAIL_MAX, message=_l("E-mail: at most %(max)d characters (got %(length)d)."))])
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"},
                             validators=[InputRequired(message=_l("Enter your password.")),
                                         Length(max=MAX_LENGTH, message=_TOO_LONG)])
    remember = BooleanField(_l("Keep me signed in for 30 days"))


class FirstRunForm(FlaskForm):
    """Create the first administrator of an empty instance."""

    name = name_field(_l("Your name"))
    email = email_field()
    password = new_password_field(_l("Password"))
    confirm = confirm_field()


class ChangePasswordForm(FlaskForm):
    """Current password, then the new one twice."""

    current_password = PasswordField(_l("Current password"),
                                     render_kw={"autocomplete": "current-password"}, validators=[
        InputRequired(message=_l("Enter your current password.")),
        Length(max=MAX_LENGTH, message=_TOO_LONG)])
    password = new_password_field()
    confirm = confirm_field()


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = email_field()


class SetPasswordForm(FlaskForm):
    """Choose a password from a reset or invitation link."""

    password = new_password_field()
    confirm = confirm_field()


class UserForm(FlaskForm):
    """An administrator's view of a user: invite and edit."""

    name = name_field()
    email = email_field()
    department_id = SelectField(_l("Department"), validate_choice=False)
    is_admin = BooleanField(_l("Administrator (can manage users and settings)"))
    language = SelectField(_l("Language"), validate_choice=False)

    def set_choices(self, departments, languages: dict[str, str]) -> None:
        """Fill the select boxes (departments come from the database)."""
        self.department_id.choices = [SelectChoice("", _l("No department"))] + [
            SelectChoice(str(d.id), d.name) for d in departments]
        self.language.choices = [SelectChoice("", _l("Default of this site"))] + [
            SelectChoice(code, label) for code, label in languages.items()]
