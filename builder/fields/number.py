"""Number family: integer, decimal, money, percent. Decimals never pass through float."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .base import Field, FieldType, ValueInvalid

NUMBER_OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "not_in",
                    "empty", "not_empty")
INT_LIMIT = 2**53 - 1  # exact in JSON and JavaScript
DECIMAL_DIGITS = 18  # total digits stored (NUMERIC(18, scale))
CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
_RANGE = {"type": "number"}
#: 1, 0.1, … 0.000001: the quantum of each scale, made once (list pages read many numbers)
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}


def _parse_number(raw: Any) -> Decimal | None:
    """Parse user input: full-width digits, thousands separators, currency signs."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueInvalid(_("enter a number"))
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueInvalid(_("enter a number"))
        return Decimal(repr(raw))
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    text = re.sub(r"[,\s¥$€£%]|RMB|CNY|元", "", text)
    if not text:
        return None
    if len(text) > 60 or not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?", text):
        raise ValueInvalid(_("enter a number"))
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueInvalid(_("enter a number")) from exc


def _check_range(field: Field, value: Decimal) -> None:
    low, high = field.config.get("min"), field.config.get("max")
    if low is not None and value < Decimal(str(low)):
        raise ValueInvalid(_("must be at least %(min)s (got %(n)s)", min=low, n=value))
    if high is not None and value > Decimal(str(high)):
        raise ValueInvalid(_("must be at most %(max)s (got %(n)s)", max=high, n=value))


class IntegerType(FieldType):
    """A whole number."""

    type = "integer"
    family = "number"
    icon = "chart-bar"
    operators = NUMBER_OPERATORS
    widget = "fields/widgets/number.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"min": _RANGE, "max": _RANGE, "unit": {"type": "string", "maxLength": 20},
                       "thousands": {"type": "boolean"}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Integer")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """BIGINT."""
        return sa.BigInteger()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """An integer within range, or null."""
        schema: dict[str, Any] = {"type": ["integer", "null"], "minimum": -INT_LIMIT,
                                  "maximum": INT_LIMIT}
        if field.config.get("min") is not None:
            schema["minimum"] = max(-INT_LIMIT, field.config["min"])
        if field.config.get("max") is not None:
            schema["maximum"] = min(INT_LIMIT, field.config["max"])
        return schema

    def coerce(self, field: Field, raw: Any) -> int | None:
        """Whole numbers only, within ±2^53 and the configured range."""
        number = _parse_number(raw)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueInvalid(_("enter a whole number"))
        if abs(number) > INT_LIMIT:
            raise ValueInvalid(_("must be between %(min)s and %(max)s", min=-INT_LIMIT,
                                 max=INT_LIMIT))
        _check_range(field, number)
        return int(number)

    def sample_config(self) -> dict[str, Any]:
        """Non-negative."""
        return {"min": 0}

    def sample_values(self, field: Field) -> list[Any]:
        """Small and large."""
        return [0, 42, 9_007_199_254_740_991]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Below minimum, fractional, text, huge."""
        return [-1, "1.5", "abc", "1e400"]


class DecimalType(FieldType):
    """A decimal number with a fixed number of places."""

    type = "decimal"
    family = "number"
    icon = "chart-bar"
    operators = NUMBER_OPERATORS
    widget = "fields/widgets/number.html"
    default_scale: ClassVar[int] = 2
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"scale": {"type": "integer", "minimum": 0, "maximum": 6},
                       "min": _RANGE, "max": _RANGE, "unit": {"type": "string", "maxLength": 20},
                       "thousands": {"type": "boolean"}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Decimal")

    def scale(self, field: Field) -> int:
        """Digits after the point."""
        return int(field.config.get("scale", self.default_scale))

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """NUMERIC(18, 6): changing the displayed scale needs no DDL."""
        return sa.Numeric(DECIMAL_DIGITS, 6, asdecimal=True)

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A number (or numeric string) within range, or null."""
        return {"type": ["number", "string", "null"], "pattern": r"^-?\d+(\.\d+)?$"}

    def coerce(self, field: Field, raw: Any) -> Decimal | None:
        """Round half-up to the scale; refuse more than 12 integer digits."""
        number = _parse_number(raw)
        if number is None:
            return None
        places = self.scale(field)
        try:
            number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        except InvalidOperation as exc:
            raise ValueInvalid(_("too large: at most %(n)d digits before the point",
                                 n=DECIMAL_DIGITS - 6)) from exc
        if abs(number) >= Decimal(10) ** (DECIMAL_DIGITS - 6):
            raise ValueInvalid(_("too large: at most %(n)d digits before the point",
                                 n=DECIMAL_DIGITS - 6))
        _check_range(field, number)
        return number

    def from_db(self, field: Field, value: Any) -> Any:
        """Normalise to the field's scale."""
        if value is None:
            return None
        places = self.scale(field)
        return Decimal(value).quantize(_QUANTA.get(places) or Decimal(1).scaleb(-places))

    def to_json(self, field: Field, value: Any) -> Any:
        """As a string, to keep every digit."""
        return None if value is None else str(value)

    def display(self, field: Field, value: Any) -> str:
        """With thousands separators when configured."""
        if value is None:
            return ""
        text = f"{value:,.{self.scale(field)}f}" if field.config.get("thousands", True) else str(
            value)
        unit = field.config.get("unit")
        return f"{text} {unit}" if unit else text

    def sample_config(self) -> dict[str, Any]:
        """Two places, non-negative."""
        return {"scale": 2, "min": 0}

    def sample_values(self, field: Field) -> list[Any]:
        """Exact decimals."""
        return [Decimal("0.00"), Decimal("1234.50"), Decimal("999999999.99")]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Negative, text, too large."""
        return ["-0.01", "12abc", "1e20"]


class MoneyType(DecimalType):
    """An amount of money in one currency."""

    type = "money"
    icon = "wallet"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"currency": {"enum": list(CURRENCIES)},
                       "scale": {"type": "integer", "minimum": 0, "maximum": 4},
                       "min": _RANGE, "max": _RANGE},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Money")

    def display(self, field: Field, value: Any) -> str:
        """Currency code and amount with separators."""
        if value is None:
            return ""
        symbol = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}
        currency = field.config.get("currency", "CNY")
        return f"{symbol.get(currency, currency)}{value:,.{self.scale(field)}f}"

    def sample_config(self) -> dict[str, Any]:
        """Yuan with two places."""
        return {"currency": "CNY", "scale": 2, "min": 0}


class PercentType(DecimalType):
    """A percentage, stored as the number shown (12.5 means 12.5 %)."""

    type = "percent"
    icon = "chart-pie"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"scale": {"type": "integer", "minimum": 0, "maximum": 4},
                       "min": _RANGE, "max": _RANGE},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Percent")

    def display(self, field: Field, value: Any) -> str:
        """With a percent sign."""
        return "" if value is None else f"{value:.{self.scale(field)}f}%"

    def sample_config(self) -> dict[str, Any]:
        """0–100 with one place."""
        return {"scale": 1, "min": 0, "max": 100}

    def sample_values(self, field: Field) -> list[Any]:
        """Percentages."""
        return [Decimal("0.0"), Decimal("12.5"), Decimal("100.0")]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Out of range."""
        return ["100.1", "-1", "half"]
