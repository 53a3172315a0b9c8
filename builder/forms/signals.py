"""Signals the runtime listens to; the builder never imports the runtime."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent inside the publishing transaction with ``form`` and ``version`` (a FormVersion);
#: a receiver that raises aborts the publish (e.g. storage could not be reconciled)
form_publishing = _signals.signal("form-publishing")
