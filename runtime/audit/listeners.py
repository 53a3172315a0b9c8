"""Audit what the builder does, through its signals (the builder never imports the runtime)."""

from __future__ import annotations

from typing import Any

from builder.apps.signals import app_changed
from builder.forms.signals import form_publishing
from builder.web import current_actor

from . import service


def on_form_publishing(form, version, **_kwargs) -> None:
    """A form version goes live: audited in the publishing transaction."""
    from builder.db import db

    from ..accounts.models import User

    actor = db.session.get(User, version.published_by_id) if version.published_by_id else None
    service.record(actor, "form.published", "form", form.id, {
        "name": form.name, "app_id": form.app_id, "version": version.version,
        "note": version.note})


def on_app_changed(app, actor: Any = None, action: str = "updated",
                   details: dict[str, Any] | None = None) -> None:
    """An app was created, changed, trashed, restored or purged."""
    service.record(actor if actor is not None else _actor(), f"app.{action}", "app", app.id,
                   details or {})


def _actor() -> Any:
    """The signed-in user when there is a request (seeding and scripts have none)."""
    from flask import g, has_app_context

    return current_actor() if has_app_context() and "user" in g else None


def init_app() -> None:
    """Connect the listeners (blinker ignores a second connect of the same function)."""
    form_publishing.connect(on_form_publishing)
    app_changed.connect(on_app_changed)
