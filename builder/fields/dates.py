"""Date and time family: date, datetime (stored in UTC), time of day."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _

from ..db import UTCDateTime
from .base import Field, FieldType, ValueInvalid
from .operators import Context

DATE_OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "between", "empty", "not_empty")
#: dates and moments also answer relative questions ("today", "within the last 7 days")
DAY_OPERATORS = (*DATE_OPERATORS, "today", "within_last", "within_next")
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")


def local_zone() -> ZoneInfo:
    """The instance's time zone (JIMU_TIMEZONE, default Asia/Shanghai)."""
    name = "Asia/Shanghai"
    if has_app_context():
        name = current_app.config.get("JIMU_TIMEZONE", name)
    return ZoneInfo(name)


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    return text or None


def parse_date(raw: Any) -> date | None:
    """Accept 2026-03-01, 2026/3/1, 2026.3.1 and 2026年3月1日."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    if text is None:
        return None
    match = _CN_DATE.match(text)
    parts = match.groups() if match else re.split(r"[-/.]", text)
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueInvalid(_("enter a date like 2026-03-01"))
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError as exc:
        raise ValueInvalid(_("%(value)s is not a real date", value=text)) from exc


class DateType(FieldType):
    """A calendar date."""

    type = "date"
    family = "datetime"
    icon = "calendar"
    operators = DAY_OPERATORS
    widget = "fields/widgets/date.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"min": {"type": "string", "format": "date"},
                       "max": {"type": "string", "format": "date"}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Date")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """DATE."""
        return sa.Date()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """An ISO date string or null."""
        return {"type": ["string", "null"], "format": "date"}

    def coerce(self, field: Field, raw: Any) -> date | None:
        """Parse and check the configured range."""
        value = parse_date(raw)
        if value is None:
            return None
        low, high = field.config.get("min"), field.config.get("max")
        if low and value < date.fromisoformat(low):
            raise ValueInvalid(_("must be on or after %(min)s", min=low))
        if high and value > date.fromisoformat(high):
            raise ValueInvalid(_("must be on or before %(max)s", max=high))
        return value

    def to_json(self, field: Field, value: Any) -> Any:
        """ISO 8601."""
        return None if value is None else value.isoformat()

    def display(self, field: Field, value: Any) -> str:
        """ISO 8601."""
        return "" if value is None else value.isoformat()

    def sample_values(self, field: Field) -> list[Any]:
        """Two dates."""
        return [date(2026, 3, 1), date(2024, 2, 29)]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Impossible and malformed dates."""
        return ["2026-02-30", "2026-13-01", "tomorrow", "26-1-1"]


class DateTimeType(FieldType):
    """A moment in time; entered in the instance's zone, stored in UTC."""

    type = "datetime"
    family = "datetime"
    icon = "clock"
    operators = DAY_OPERATORS
    widget = "fields/widgets/datetime.html"
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False,
                                               "properties": {}}

    def name(self) -> str:
        """Palette name."""
        return _("Date and time")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """TIMESTAMP WITH TIME ZONE (UTC)."""
        return UTCDateTime()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """An RFC 3339 string or null."""
        return {"type": ["string", "null"], "format": "date-time"}

    def coerce(self, field: Field, raw: Any) -> datetime | None:
        """Accept ISO forms with or without seconds and zone; naive means local time."""
        if isinstance(raw, datetime):
            value = raw
        else:
            text = _text(raw)
            if text is None:
                return None
            text = text.replace("/", "-").replace("T", " ").replace("Z", "+00:00")
            try:
                value = datetime.fromisoformat(text)
            except ValueError as exc:
                raise ValueInvalid(_("enter a date and time like 2026-03-01 14:30")) from exc
        if value.tzinfo is None:
            value = value.replace(tzinfo=local_zone())
        try:
            value = value.astimezone(UTC).replace(microsecond=0)
        except OverflowError as exc:  # 0001-01-01 in a zone east of UTC
            raise ValueInvalid(_("enter a date and time like 2026-03-01 14:30")) from exc
        if not 1 < value.year < 9999:  # keep room to show it in any time zone
            raise ValueInvalid(_("enter a date and time like 2026-03-01 14:30"))
        return value

    def to_json(self, field: Field, value: Any) -> Any:
        """RFC 3339 in UTC."""
        return None if value is None else value.astimezone(UTC).isoformat()

    def display(self, field: Field, value: Any) -> str:
        """Local time to the minute."""
        return "" if value is None else value.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")

    def day_bounds(self, field: Field, start: date, end: date, context: Context
                   ) -> tuple[Any, Any]:
        """The moments the local days [start, end) begin and end, in UTC."""
        return context.day_start(start), context.day_start(end)

    def sample_values(self, field: Field) -> list[Any]:
        """Two UTC moments."""
        return [datetime(2026, 3, 1, 6, 30, tzinfo=UTC), datetime(2025, 12, 31, 23, 59, tzinfo=UTC)]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Malformed."""
        return ["2026-02-30 10:00", "noon", "2026-03-01 25:00"]


class TimeType(FieldType):
    """A time of day."""

    type = "time"
    family = "datetime"
    icon = "clock"
    operators = DATE_OPERATORS
    widget = "fields/widgets/time.html"
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False,
                                               "properties": {}}

    def name(self) -> str:
        """Palette name."""
        return _("Time")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """TIME."""
        return sa.Time()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """HH:MM[:SS] or null."""
        return {"type": ["string", "null"], "pattern": r"^\d{2}:\d{2}(:\d{2})?$"}

    def coerce(self, field: Field, raw: Any) -> time | None:
        """Accept 9:05, 09:05 and 09:05:30."""
        if isinstance(raw, time):
            return raw.replace(microsecond=0)
        text = _text(raw)
        if text is None:
            return None
        match = re.fullmatch(r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?", text)
        if not match:
            raise ValueInvalid(_("enter a time like 14:30"))
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueInvalid(_("enter a time like 14:30"))
        return time(hour, minute, second)

    def to_json(self, field: Field, value: Any) -> Any:
        """HH:MM:SS."""
        return None if value is None else value.isoformat()

    def display(self, field: Field, value: Any) -> str:
        """HH:MM."""
        return "" if value is None else value.strftime("%H:%M")

    def sample_values(self, field: Field) -> list[Any]:
        """Two times."""
        return [time(9, 0), time(17, 30, 15)]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Out of range."""
        return ["24:00", "9.30", "soon"]
