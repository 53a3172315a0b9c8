"""Find the published form behind a page address: /a/<app_key>/<form_key>/…"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.apps import service as apps
from builder.forms import service as forms
from builder.forms.models import Form

from .exceptions import FormNotPublished
from .schema import PublishedForm, cached, published


@dataclass(frozen=True)
class FormTarget:
    """An app, one of its forms and the version staff fill in."""

    app: Any
    form: Form
    published: PublishedForm

    @property
    def name(self) -> str:
        """The form's name as published."""
        return str(self.published.document.get("name") or self.form.name)


def resolve(actor, app_key: str, form_key: str) -> FormTarget:
    """The published form at this address; NotFound for unknown or unpublished forms."""
    app = apps.get_app_by_key(actor, app_key)
    form = forms.get_form(actor, app, form_key)
    if form.published_version is not None:
        # versions never change: skip the read
        known = cached(form.id, form.published_version, form.created_at)
        if known is not None:
            return FormTarget(app=app, form=form, published=known)
    version = forms.published_version(form)
    if version is None:
        raise FormNotPublished(app, form)
    return FormTarget(app=app, form=form,
                      published=published(form.id, version.version, version.document,
                                          form.created_at))
