"""Signals the runtime listens to; the builder never imports the runtime."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent inside the publishing transaction with ``form`` and ``version`` (a FormVersion);
#: a receiver that raises aborts the publish (e.g. storage could not be reconciled).
#: Keyword arguments: ``previous`` (the document published before, or None) and
#: ``type_changes`` (a list of ``builder.forms.stored.TypeChange``)
form_publishing = _signals.signal("form-publishing")

#: sent inside the purging transaction with ``form``, ``field_id`` and ``document`` (the
#: published document that still has the field); receivers drop the field's stored data
field_purging = _signals.signal("field-purging")
