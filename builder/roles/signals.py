"""Signals the runtime listens to (the audit log); the builder never imports the runtime."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent inside the transaction of a change to roles, members, permissions or app
#: administrators, before it commits, with ``actor``, ``action`` (an audit key such as
#: "role.created" or "permission.changed"), ``target_type``, ``target_id`` and
#: ``details``; the sender is the App
access_changed = _signals.signal("access-changed")
