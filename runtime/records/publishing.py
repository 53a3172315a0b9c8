"""Reconcile a form's record table when the builder publishes a version."""

from __future__ import annotations

import logging

from builder.db import db
from builder.forms.signals import form_publishing

from . import storage
from .schema import published

log = logging.getLogger(__name__)


def on_publishing(form, version) -> None:
    """Create or grow the table in the publishing transaction (a failure aborts it)."""
    spec = published(form.id, version.version, version.document).spec
    done = storage.reconcile(db.session.connection(), spec)
    if done:
        log.info("form %s v%s storage: %s", form.id, version.version, "; ".join(done))


def init_app() -> None:
    """Listen to the builder's publish signal (blinker ignores a second connect)."""
    form_publishing.connect(on_publishing)
