"""Who a person is for shared views (``builder.views.service.Audience``), from their roles.

"Manage shared views" is an operation of the permission grid: it decides who shares
views and chooses a form's default view. A view shared with chosen roles is seen by
the holders of those roles; one shared with departments by their members.
"""

from __future__ import annotations

from typing import Any

from builder.forms import service as forms
from builder.forms.models import Form
from builder.views.service import Audience, register_audience

from ..org import tree
from ..permissions import service as permissions
from ..records.schema import PublishedForm, published


def audience(actor, form: Form) -> Audience:
    """The person's departments, the app roles they hold, and whether they manage views."""
    if actor is None or not getattr(actor, "is_active", False):
        return Audience()
    return Audience(manage=_manages(actor, form),
                    departments=frozenset(tree.member_department_ids(actor.id)),
                    roles=permissions.role_keys(actor, form.app_id))


def _manages(actor, form: Form) -> bool:
    live = _published(form)
    if live is None:  # not published yet: nobody works with its records but builders
        return forms.can_build(actor, form.app_id)
    return permissions.can(actor, live, "manage_views")


def _published(form: Form) -> PublishedForm | None:
    version = forms.published_version(form)
    if version is None:
        return None
    return published(form.id, version.version, version.document, form.created_at)


def init_app(app: Any) -> None:
    """Let builder.views ask the runtime who manages and sees shared views."""
    register_audience(app, audience)
