"""People family: a member (user) or a department, held by id.

The write path checks that the id exists (the builder cannot see accounts);
pages resolve ids to names in one query per page, as for system fields.
"""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .base import Field, FieldType, ValueInvalid

ID_OPERATORS = ("eq", "ne", "in", "not_in", "empty", "not_empty")


class _IdType(FieldType):
    """A positive integer id of something the runtime knows (users, departments)."""

    family = "people"
    operators = ID_OPERATORS
    #: what the id points at: "user" or "department" (checked by the write path)
    references: ClassVar[str] = "user"
    #: no settings: "the person filling in the form" is a default (``default.kind``)
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "properties": {},
    }

    def _message(self) -> str:
        raise NotImplementedError

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """INTEGER."""
        return sa.Integer()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """An id or null."""
        return {"type": ["integer", "null"], "minimum": 1}

    def coerce(self, field: Field, raw: Any) -> int | None:
        """An id from a form post, JSON or an import (digits only)."""
        if raw is None or isinstance(raw, bool):
            if isinstance(raw, bool):
                raise ValueInvalid(self._message())
            return None
        if isinstance(raw, int):
            value = raw
        else:
            text = unicodedata.normalize("NFKC", str(raw)).strip()
            if not text:
                return None
            if not text.isdigit() or len(text) > 12:
                raise ValueInvalid(self._message())
            value = int(text)
        if value < 1 or value > 2**31 - 1:
            raise ValueInvalid(self._message())
        return value

    def display(self, field: Field, value: Any) -> str:
        """The id; pages show the resolved name instead."""
        return "" if value is None else f"#{value}"

    def sample_values(self, field: Field) -> list[Any]:
        """Two ids."""
        return [1, 42]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Not ids."""
        return ["abc", "-3", "0", True]


class MemberType(_IdType):
    """One user of the instance (an owner, a sales rep, an assignee)."""

    type = "member"
    icon = "user"
    operators = (*ID_OPERATORS, "is_me")
    references = "user"
    widget = "fields/widgets/member.html"

    def name(self) -> str:
        """Palette name."""
        return _("Member")

    def _message(self) -> str:
        return _("choose a member")


class DepartmentType(_IdType):
    """One department of the organisation."""

    type = "department"
    icon = "building-2"
    operators = (*ID_OPERATORS, "my_department")
    references = "department"
    widget = "fields/widgets/department.html"

    def name(self) -> str:
        """Palette name."""
        return _("Department")

    def _message(self) -> str:
        return _("choose a department")
