"""Identity family: the Chinese resident identity card number (GB 11643-1999).

An 18-character number is six digits of the region where it was first issued,
the birth date (YYYYMMDD), a three-digit sequence (odd for men) and a check
character computed with ISO 7064 MOD 11-2, where 10 is written ``X``. Numbers
issued before 1999 had 15 digits (two-digit year, no check character).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .base import Field, FieldType, ValueInvalid
from .dates import local_zone

#: first two digits of GB/T 2260 provinces, plus 71 (Taiwan), 81 (Hong Kong), 82 (Macao)
#: and 83 (residence permits of Taiwan residents)
PROVINCE_PREFIXES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
})
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"  # index: weighted sum mod 11
_SEPARATORS = re.compile(r"[\s\-]")


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def upgrade_15(old: str) -> str:
    """Turn a 15-digit number into its 18-character form (19 before the year, check added)."""
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_character(first17)


def birth_date(number: str) -> date:
    """The birth date written in an 18-character number (ValueError if not a real date)."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate(raw: str, *, allow_15: bool = False) -> str:
    """The number in canonical form (18 characters, upper-case X) or ValueInvalid saying why."""
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if len(number) == 15 and number.isdigit():
        if not allow_15:
            raise ValueInvalid(_("old 15-digit numbers are not accepted; "
                                 "enter the 18-character number"))
        number = upgrade_15(number)
    if len(number) != 18:
        raise ValueInvalid(_("must be 18 characters: 17 digits and a last digit or X "
                             "(got %(n)d)", n=len(number)))
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        raise ValueInvalid(_("only digits are allowed, and X as the last character"))
    if number[:2] not in PROVINCE_PREFIXES:
        raise ValueInvalid(_("the first two digits %(code)s are not a province code",
                             code=number[:2]))
    _check_birth_date(number)
    expected = check_character(number[:17])
    if number[17] != expected:
        raise ValueInvalid(_("the check digit should be %(digit)s (got %(got)s); "
                             "check the number for a typing mistake",
                             digit=expected, got=number[17]))
    return number


def _check_birth_date(number: str) -> None:
    written = number[6:14]
    try:
        born = birth_date(number)
    except ValueError as exc:
        raise ValueInvalid(_("the birth date %(date)s is not a real date", date=written)) from exc
    if born > datetime.now(local_zone()).date():
        raise ValueInvalid(_("the birth date %(date)s is in the future", date=written))


class IdCardType(FieldType):
    """A Chinese resident identity card number, checked digit by digit."""

    type = "id_card"
    family = "contact"
    icon = "id-card"
    operators = ("eq", "ne", "contains", "empty", "not_empty")
    widget = "fields/widgets/id_card.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"allow_15": {"type": "boolean"}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("ID card number")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """VARCHAR(18)."""
        return sa.String(18)

    def value_schema(self, field: Field) -> dict[str, Any]:
        """18 characters or null (the check digit is verified by coercion)."""
        return {"type": ["string", "null"], "pattern": r"^\d{17}[\dX]$"}

    def coerce(self, field: Field, raw: Any) -> str | None:
        """Validate and return the canonical 18-character form."""
        if raw is None:
            return None
        text = str(raw).strip()
        if not text:
            return None
        return validate(text, allow_15=bool(field.config.get("allow_15")))

    def sample_config(self) -> dict[str, Any]:
        """Old numbers accepted."""
        return {"allow_15": True}

    def sample_values(self, field: Field) -> list[Any]:
        """The examples of GB 11643-1999 and one from Hangzhou."""
        return ["11010519491231002X", "440524188001010014", "330106199003071236"]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Wrong check digit, impossible date, wrong length, unknown province, letters."""
        return ["110105194912310021", "110105199902300013", "11010519491231002",
                "990105194912310024", "11010519491231002A"]
