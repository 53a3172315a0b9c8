"""Fill a new record's fields with their defaults (``builder.forms.defaults`` says which kinds).

The entry form opens with them; the API and the importer get them for the fields
their input leaves out (a field sent empty stays empty: someone chose that).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from builder.fields.dates import local_zone

from .schema import PublishedForm


def raw_values(form: PublishedForm, actor, now: datetime | None = None) -> dict[str, Any]:
    """Each defaulted field's value as input for its type's ``coerce`` (JSON or Python)."""
    now = now or datetime.now(local_zone())
    out: dict[str, Any] = {}
    for field_id, doc in form.raw_fields.items():
        default = doc.get("default") or {}
        if not default or form.type_of(field_id).readonly:
            continue
        value = _value(default, actor, now)
        if value is not None:
            out[field_id] = value
    return out


def _value(default: Mapping[str, Any], actor, now: datetime) -> Any:
    kind = default.get("kind")
    if kind == "static":
        return default.get("value")
    if kind == "today":
        return now.date().isoformat()
    if kind == "now":
        return now.replace(second=0, microsecond=0)
    if kind == "current_user":
        return getattr(actor, "id", None)
    if kind == "user_department":
        return getattr(actor, "department_id", None)
    return None


def fill(form: PublishedForm, actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` plus the defaults of the fields it does not mention."""
    return {**{k: v for k, v in raw_values(form, actor).items() if k not in data}, **data}
