"""Default values of fields: which kinds fit a field type, and checking them at publish.

A field's ``default`` is ``{"kind": "static", "value": <JSON value>}`` or one of the
kinds filled in when a record is created: ``current_user`` (member fields),
``user_department`` (department fields), ``today`` (dates) and ``now`` (date and time).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import gettext as _

from .. import fields as field_types
from ..fields import Field, ValueInvalid
from ..metadata import MetadataError, json_path, register_check

#: the kinds besides a fixed value that each type offers
TYPE_KINDS = {"date": ("today",), "datetime": ("now",), "member": ("current_user",),
              "department": ("user_department",)}


def default_kinds(field: Mapping[str, Any]) -> list[str]:
    """Which kinds of default value make sense for this field (none for read-only types)."""
    try:
        field_type = field_types.get(field["type"])
    except KeyError:
        return []
    if field_type.readonly or not field_type.stored or field_type.family == "relation":
        return []
    return ["static", *TYPE_KINDS.get(field["type"], ())]


def problem(field: Mapping[str, Any]) -> str | None:
    """What is wrong with the field's default, or None."""
    default = field.get("default")
    if not default:
        return None
    if default["kind"] not in default_kinds(field):
        return _("this field cannot be filled with that default")
    if default["kind"] != "static":
        return None
    try:
        value = field_types.get(field["type"]).coerce(Field.from_document(dict(field)),
                                                      default.get("value"))
    except ValueInvalid as exc:
        return exc.message
    except (TypeError, ValueError, ArithmeticError):
        return _("not a value this field can hold")
    return None if value is not None else _("enter a value or choose no default")


@register_check("form")
def check_defaults(document: dict[str, Any]) -> Iterator[MetadataError]:
    """A static default must pass the field's own rules (``Amount: the default …``)."""
    for index, field in enumerate(document["fields"]):
        if field.get("deleted"):
            continue
        found = problem(field)
        if found:
            yield MetadataError(json_path(["fields", index, "default"]), "default",
                                _("%(label)s: the default value is not valid: %(problem)s",
                                  label=field["label"], problem=found))
