"""Changing a field's type: which types a value can move to, and converting one value.

A stored value is handed to the new type's ``coerce`` in the form a person would
type it: numbers and dates as their JSON text, options, regions, yes/no and rich
text as the text people read when the new type is a text type. Whatever the new
type refuses does not convert, and its ``ValueInvalid`` message says why.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from . import all_types, get
from .base import Field, ValueInvalid
from .dates import local_zone

TEXTUAL = ("text", "textarea", "email", "phone", "url", "id_card")
NUMERIC = ("integer", "decimal", "money", "percent")
_PLAIN = ("text", "textarea")
_TARGETS: dict[str, tuple[str, ...]] = {
    **{key: TEXTUAL + NUMERIC + ("date", "datetime", "time", "boolean") for key in TEXTUAL},
    **{key: NUMERIC + _PLAIN for key in NUMERIC},
    "date": ("datetime", *_PLAIN),
    "datetime": ("date", *_PLAIN),
    "time": _PLAIN,
    "boolean": _PLAIN,
    "single_select": ("multi_select", *_PLAIN),
    "multi_select": _PLAIN,
    "rich_text": ("textarea", "text"),
    "region": _PLAIN,
}
#: types whose text for people (labels, names, local time) is what a text field should get
_READ_AS_TEXT = frozenset({"single_select", "multi_select", "region", "rich_text", "boolean",
                           "datetime"})


def targets(type_key: str) -> list[str]:
    """The registered types a field of ``type_key`` can be changed to, in palette order."""
    wanted = set(_TARGETS.get(type_key, ())) - {type_key}
    return [key for key in _registered() if key in wanted]


def allowed(old_type: str, new_type: str) -> bool:
    """Whether stored values of ``old_type`` can be converted to ``new_type``."""
    return old_type == new_type or new_type in targets(old_type)


def _registered() -> list[str]:
    return [t.type for t in all_types()]


def convert(old: Field, new: Field, value: Any) -> Any:
    """The stored value of ``old`` as a value of ``new``; raises ValueInvalid saying why not.

    ``value`` is the Python value ``old``'s type reads from its column; None stays None.
    """
    if value is None:
        return None
    old_type, new_type = get(old.type), get(new.type)
    if old.type == "datetime" and new.type == "date":
        raw: Any = value.astimezone(local_zone())
    elif new.type in TEXTUAL and old.type in _READ_AS_TEXT:
        raw = old_type.display(old, value)
    else:
        raw = old_type.to_json(old, value)
    converted = new_type.coerce(new, raw)
    if converted is None:
        raise ValueInvalid(_("nothing is left of it as the new type"))
    return converted


def shown(field: Field, value: Any) -> str:
    """A stored value as text for the conversion preview (never raises)."""
    try:
        return get(field.type).display(field, value)
    except (ValueError, TypeError, ArithmeticError, KeyError):
        return str(value)


__all__ = ["NUMERIC", "TEXTUAL", "ValueInvalid", "allowed", "convert", "shown", "targets"]
