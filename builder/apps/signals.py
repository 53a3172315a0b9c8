"""Signals the runtime listens to; the builder never imports the runtime."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent inside the transaction of an app change, before it commits, with ``actor``,
#: ``action`` ("created", "updated", "trashed", "restored", "purged") and ``details``
#: (for "updated": each changed key's [old, new]); the sender is the App
app_changed = _signals.signal("app-changed")
