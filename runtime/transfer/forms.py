"""The published form behind an import or export run (jobs know only its id)."""

from __future__ import annotations

from builder.db import db
from builder.forms import service as forms
from builder.forms.models import Form

from ..records.schema import PublishedForm, published


def published_form(form_id: int) -> PublishedForm | None:
    """The version of form ``form_id`` staff use now; None if gone or unpublished."""
    form = db.session.get(Form, form_id)
    if form is None or form.deleted_at is not None:
        return None
    version = forms.published_version(form)
    if version is None:
        return None
    return published(form.id, version.version, version.document, form.created_at)
