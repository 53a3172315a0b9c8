"""System fields: who created, changed and owns a record, and when.

They have no column of their own: each maps to a system column of the record
table (``system_column``), which the write path fills. Users never type them, so
``coerce`` refuses any input; ``parse`` reads values for filters and exports.
"""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db import UTCDateTime
from .base import Field, FieldType, ValueInvalid
from .dates import DAY_OPERATORS, DateTimeType

_DATETIME = DateTimeType()


def refuse_input(raw: Any) -> None:
    """Blank input is no input; anything else is refused, since the system sets the value."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    raise ValueInvalid(_("is filled in automatically and cannot be entered"))


class SystemFieldType(FieldType):
    """Common ground: read-only, stored in a system column, no options."""

    family = "system"
    stored = False
    readonly = True
    widget = "fields/widgets/readonly.html"
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False,
                                               "properties": {}}

    def coerce(self, field: Field, raw: Any) -> Any:
        """Refuse user input."""
        return refuse_input(raw)

    def sample_invalid(self, field: Field) -> list[Any]:
        """Any real value: users cannot set it."""
        return [self.to_json(field, v) for v in self.sample_values(field)]


class UserColumnType(SystemFieldType):
    """A user held in a system column, by id; the read path shows the user's name."""

    icon = "user"
    operators = ("eq", "ne", "in", "not_in", "empty", "not_empty", "is_me")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """INTEGER (the user's id), like the system column."""
        return sa.Integer()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A user id or null."""
        return {"type": ["integer", "null"], "minimum": 1}

    def parse(self, field: Field, raw: Any) -> int | None:
        """A user id from JSON or text."""
        if raw is None or (isinstance(raw, int) and not isinstance(raw, bool)):
            value = raw
        else:
            text = unicodedata.normalize("NFKC", str(raw)).strip()
            if not text:
                return None
            if not text.isdigit() or len(text) > 18:
                raise ValueInvalid(_("choose a user"))
            value = int(text)
        if value is not None and value < 1:
            raise ValueInvalid(_("choose a user"))
        return value

    def sample_values(self, field: Field) -> list[Any]:
        """Two user ids."""
        return [1, 42]


class CreatedByType(UserColumnType):
    """The user who created the record."""

    type = "created_by"
    system_column = "created_by_id"

    def name(self) -> str:
        """Palette name."""
        return _("Created by")


class UpdatedByType(UserColumnType):
    """The user who last changed the record."""

    type = "updated_by"
    system_column = "updated_by_id"

    def name(self) -> str:
        """Palette name."""
        return _("Last modified by")


class OwnerType(UserColumnType):
    """The user who owns the record (permissions such as "own records" use it)."""

    type = "owner"
    icon = "user-check"
    system_column = "owner_id"

    def name(self) -> str:
        """Palette name."""
        return _("Owner")


class TimeColumnType(SystemFieldType):
    """A moment held in a system column, in UTC; shown in the instance's zone."""

    icon = "clock"
    operators = DAY_OPERATORS

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """Timestamp in UTC, like the system column."""
        return UTCDateTime()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """An RFC 3339 string or null."""
        return _DATETIME.value_schema(field)

    def parse(self, field: Field, raw: Any) -> Any:
        """Read a date and time as the date-time field does."""
        return _DATETIME.coerce(field, raw)

    def to_json(self, field: Field, value: Any) -> Any:
        """RFC 3339 in UTC."""
        return _DATETIME.to_json(field, value)

    def display(self, field: Field, value: Any) -> str:
        """Local time to the minute."""
        return _DATETIME.display(field, value)

    def day_bounds(self, field: Field, start: Any, end: Any, context: Any) -> tuple[Any, Any]:
        """Moments, as for date-and-time fields."""
        return _DATETIME.day_bounds(field, start, end, context)

    def sample_values(self, field: Field) -> list[Any]:
        """Two UTC moments."""
        return _DATETIME.sample_values(field)


class CreatedAtType(TimeColumnType):
    """When the record was created."""

    type = "created_at"
    system_column = "created_at"

    def name(self) -> str:
        """Palette name."""
        return _("Created at")


class UpdatedAtType(TimeColumnType):
    """When the record was last changed."""

    type = "updated_at"
    system_column = "updated_at"

    def name(self) -> str:
        """Palette name."""
        return _("Last modified at")
