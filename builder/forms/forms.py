"""WTForms of the form pages (the designer's panels are read by builder.forms.panel)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class NewFormForm(FlaskForm):
    """Name a new form; its key is made from the name."""

    name = StringField(_l("Form name"))


class PublishForm(FlaskForm):
    """Publish the draft with an optional note."""

    note = TextAreaField(_l("Note"))
