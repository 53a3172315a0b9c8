"""Auto-number: a serial like ``HT-20260301-0007`` assigned when a record is created.

The pattern is a list of parts, for example::

    {"parts": [{"kind": "text", "text": "HT-"},
               {"kind": "date", "format": "YYYYMMDD"},
               {"kind": "text", "text": "-"},
               {"kind": "seq", "width": 4, "reset": "daily"}]}

Exactly one ``seq`` part; its ``reset`` says when counting starts again at 1. The
numbers themselves come from a counter row per form, field and period
(runtime/records/counters.py), allocated in the record's own transaction, so they
are unique and gap-free. The limits on parts keep every number within 64
characters: at most four other parts of at most 10 characters, and a sequence of
at most 19 digits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .base import Field, FieldType, ValueInvalid
from .dates import local_zone
from .system import refuse_input
from .text import TEXT_OPERATORS, clean_text

MAX_LENGTH = 64
DATE_FORMATS = {"YYYY": "%Y", "YYYYMM": "%Y%m", "YYYYMMDD": "%Y%m%d"}
PERIOD_FORMATS = {"never": None, "yearly": "%Y", "monthly": "%Y%m", "daily": "%Y%m%d"}
_SEQ_PART: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["kind", "width"],
    "properties": {"kind": {"const": "seq"},
                   "width": {"type": "integer", "minimum": 1, "maximum": 12},
                   "reset": {"enum": list(PERIOD_FORMATS)}},
}
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["parts"],
    "properties": {"parts": {
        "type": "array", "minItems": 1, "maxItems": 5,
        "items": {"oneOf": [
            {"type": "object", "additionalProperties": False, "required": ["kind", "text"],
             "properties": {"kind": {"const": "text"},
                            "text": {"type": "string", "minLength": 1, "maxLength": 10,
                                     "pattern": "^[^\\x00-\\x1f\\x7f]+$"}}},
            {"type": "object", "additionalProperties": False, "required": ["kind", "format"],
             "properties": {"kind": {"const": "date"}, "format": {"enum": list(DATE_FORMATS)}}},
            _SEQ_PART,
        ]},
        "contains": {"type": "object", "required": ["kind"],
                     "properties": {"kind": {"const": "seq"}}},
        "minContains": 1, "maxContains": 1,
    }},
}


def _local_date(now: datetime | date) -> date:
    if isinstance(now, datetime):
        return now.astimezone(local_zone()).date() if now.tzinfo else now.date()
    return now


def _seq_part(config: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in config["parts"] if p["kind"] == "seq")


def render(config: dict[str, Any], seq: int, now: datetime | date) -> str:
    """The number for sequence value ``seq`` at ``now`` (aware times count in local time)."""
    day = _local_date(now)
    out = []
    for part in config["parts"]:
        if part["kind"] == "text":
            out.append(part["text"])
        elif part["kind"] == "date":
            out.append(day.strftime(DATE_FORMATS[part["format"]]))
        else:
            out.append(str(seq).zfill(part["width"]))
    return "".join(out)


def period_key(config: dict[str, Any], now: datetime | date) -> str:
    """Which counter a number at ``now`` draws from: ``all``, ``2026``, ``202603``, ``20260301``."""
    fmt = PERIOD_FORMATS[_seq_part(config).get("reset", "never")]
    return "all" if fmt is None else _local_date(now).strftime(fmt)


class AutoNumberType(FieldType):
    """A serial number assigned on creation; unique and gap-free, never typed."""

    type = "auto_number"
    family = "system"
    icon = "hash"
    readonly = True
    operators = TEXT_OPERATORS
    widget = "fields/widgets/readonly.html"
    config_schema: ClassVar[dict[str, Any]] = CONFIG_SCHEMA

    def name(self) -> str:
        """Palette name."""
        return _("Auto number")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """VARCHAR(64)."""
        return sa.String(MAX_LENGTH)

    def value_schema(self, field: Field) -> dict[str, Any]:
        """The rendered number or null."""
        return {"type": ["string", "null"], "maxLength": MAX_LENGTH}

    def coerce(self, field: Field, raw: Any) -> Any:
        """Refuse user input: the number is assigned when the record is created."""
        return refuse_input(raw)

    def parse(self, field: Field, raw: Any) -> str | None:
        """A number as text, for filters and exports."""
        text = clean_text(raw)
        if text is not None and len(text) > MAX_LENGTH:
            raise ValueInvalid(_("at most %(max)d characters (got %(n)d)", max=MAX_LENGTH,
                                 n=len(text)))
        return text

    def sample_config(self) -> dict[str, Any]:
        """Contract numbers per day: HT-20260301-0001."""
        return {"parts": [{"kind": "text", "text": "HT-"}, {"kind": "date", "format": "YYYYMMDD"},
                          {"kind": "text", "text": "-"},
                          {"kind": "seq", "width": 4, "reset": "daily"}]}

    def sample_values(self, field: Field) -> list[Any]:
        """Two numbers of one day and one of the next."""
        return [render(field.config, n, d) for n, d in
                ((1, date(2026, 3, 1)), (2, date(2026, 3, 1)), (1, date(2026, 3, 2)))]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Any typed number."""
        return ["HT-20260301-0001", 7]
