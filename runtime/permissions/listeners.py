"""Audit changes to roles, members, permissions and app administrators (builder signals)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from builder.roles.signals import access_changed

from ..audit import domain as audit_domain
from ..audit import service as audit

ACTIONS = {
    "role.created": _l("Created a role"),
    "role.updated": _l("Changed a role"),
    "role.deleted": _l("Deleted a role"),
    "role.member_added": _l("Added a role member"),
    "role.member_changed": _l("Changed a role member"),
    "role.member_removed": _l("Removed a role member"),
    "permission.changed": _l("Changed permissions"),
    "permission.admin_added": _l("Added an app administrator"),
    "permission.admin_removed": _l("Removed an app administrator"),
    "pool.claimed": _l("Claimed a record from the public pool"),
    "pool.released": _l("Released a record to the public pool"),
}


def on_access_changed(app, actor: Any = None, action: str = "", target_type: str | None = None,
                      target_id: Any = None, details: dict[str, Any] | None = None) -> None:
    """A role, its members, a permission grid or the app's administrators changed."""
    from . import service

    audit.record(actor, action, target_type, target_id, {"app": app.key, **(details or {})})
    service.forget()


def init_app() -> None:
    """Register the action labels and connect the listener."""
    for key, label in ACTIONS.items():
        audit_domain.register_action(key, label)
    access_changed.connect(on_access_changed)
