"""Forms of the app pages. The JSON Schema is the one judge of values: these forms
only parse the request and carry the schema's errors back to their fields."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from builder.exceptions import ValidationFailed
from builder.metadata import MetadataInvalid

from . import domain


class Mandatory:
    """Marks a field as required on the page; the schema enforces it on save."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:  # noqa: D102 - nothing to check here
        return None


def _icon_field():
    choices = [SelectChoice(i, domain.ICON_LABELS[i]) for i in domain.ICONS]
    return RadioField(_l("Icon"), choices=choices, default=domain.DEFAULT_ICON,
                      validate_choice=False)


def _color_field():
    choices = [SelectChoice(c, domain.COLOR_LABELS[c]) for c in domain.COLORS]
    return RadioField(_l("Colour"), choices=choices, default=domain.DEFAULT_COLOR,
                      validate_choice=False)


class AppDetailsForm(FlaskForm):
    """What a builder may change on an app."""

    name = StringField(_l("App name"), validators=[Mandatory()])
    description = TextAreaField(_l("Description"))
    icon = _icon_field()
    color = _color_field()

    def changes(self) -> dict[str, str]:
        """The submitted values, leaving out fields the request did not send."""
        return {f: getattr(self, f).data for f in domain.EDITABLE
                if getattr(self, f).data is not None}


class NewAppForm(AppDetailsForm):
    """Create an app; the key is optional and generated from the name when empty."""

    key = StringField(_l("Key"), description=_l(
        "Optional: made from the name when left empty. Used in the app's address: lowercase "
        "letters, digits and _. Cannot be changed later."))


class EditAppForm(AppDetailsForm):
    """Change an app; ``version`` is the version the editor started from."""

    version = IntegerField(validators=[Optional()])


class PurgeForm(FlaskForm):
    """Confirm a permanent deletion by typing the app's key."""

    confirm = StringField(_l("Confirmation"), validators=[Mandatory()])


class ReorderForm(FlaskForm):
    """The new order of the apps, as comma-separated ids."""

    ids = HiddenField()


def show_errors(form: FlaskForm, error: ValidationFailed) -> None:
    """Put a service's errors beside the fields they name (others on top of the form)."""
    problems = (
        [(e.path.removeprefix("$."), e.path, e.message) for e in error.metadata_errors]
        if isinstance(error, MetadataInvalid)
        else [(k, k, m) for k, messages in error.errors.items() for m in messages]
    )
    for name, path, message in problems:
        field = form._fields.get(name) if name else None
        if field is not None:
            field.errors = [*field.errors, _("%(label)s: %(message)s.", label=field.label.text,
                                              message=message.rstrip("."))]
        else:
            label = domain.LABELS.get(name)
            text = (_("%(label)s: %(message)s.", label=label, message=message.rstrip("."))
                    if label else f"{path}: {message}" if path else message)
            form.form_errors.append(text)
