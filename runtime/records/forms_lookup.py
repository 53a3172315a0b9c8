"""Find the published form behind a page address: /a/<app_key>/<form_key>/…"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.forms import service as forms
from builder.forms.models import Form

from ..permissions import service as permissions
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

    @property
    def can(self) -> dict[str, bool]:
        """Which operations the person may use here (pages show only those actions)."""
        return permissions.operations(self.published)

    def allows(self, operation: str, record: Any = None) -> bool:
        """Whether the person may do ``operation`` on ``record`` (to show its button)."""
        return permissions.view_allows(self.published, operation, record)


def resolve(actor, app_key: str, form_key: str) -> FormTarget:
    """The published form at this address; NotFound for unknown or unpublished forms."""
    app, form = forms.get_app_and_form(actor, app_key, form_key)
    if form.published_version is not None:
        # versions never change: skip the read
        known = cached(form.id, form.published_version, form.created_at)
        if known is not None:
            return FormTarget(app=app, form=form,
                              published=permissions.visible_form(actor, known))
    version = forms.published_version(form)
    if version is None:
        raise FormNotPublished(app, form)
    full = published(form.id, version.version, version.document, form.created_at)
    # permissions: every page renders the form as this person may see it
    return FormTarget(app=app, form=form, published=permissions.visible_form(actor, full))
