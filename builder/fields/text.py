"""Text family: single-line, multi-line, e-mail, phone, URL."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from .base import Field, FieldType, ValueInvalid

TEXT_OPERATORS = ("eq", "ne", "contains", "not_contains", "in", "not_in", "empty", "not_empty")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(raw: Any, *, multiline: bool = False) -> str | None:
    """Strip, drop control characters (keeping newlines if multiline); blank → None."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raw = str(raw)
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ")
    text = _CONTROL.sub("", text).strip()
    return text or None


class TextType(FieldType):
    """Single-line text."""

    type = "text"
    family = "text"
    icon = "pencil"
    default_max: ClassVar[int] = 200
    hard_max: ClassVar[int] = 2000
    multiline: ClassVar[bool] = False
    operators = TEXT_OPERATORS
    widget = "fields/widgets/text.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min_length": {"type": "integer", "minimum": 0, "maximum": 2000},
            "max_length": {"type": "integer", "minimum": 1, "maximum": 2000},
            "pattern": {"type": "string", "maxLength": 500},
            "pattern_message": {"type": "string", "maxLength": 200},
            "placeholder": {"type": "string", "maxLength": 200},
        },
    }

    def name(self) -> str:
        """Palette name."""
        return _("Single-line text")

    def _max(self, field: Field) -> int:
        return int(field.config.get("max_length") or self.default_max)

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """VARCHAR sized to the hard limit, so raising max_length needs no DDL."""
        return sa.String(self.hard_max) if not self.multiline else sa.Text()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A string within the configured lengths, or null."""
        schema: dict[str, Any] = {"type": ["string", "null"], "maxLength": self._max(field)}
        if field.config.get("min_length"):
            schema["minLength"] = field.config["min_length"]
        return schema

    def coerce(self, field: Field, raw: Any) -> str | None:
        """Clean the text and apply length and pattern rules."""
        text = clean_text(raw, multiline=self.multiline)
        if text is None:
            return None
        limit = self._max(field)
        if len(text) > limit:
            raise ValueInvalid(_("at most %(max)d characters (got %(n)d)", max=limit, n=len(text)))
        minimum = field.config.get("min_length") or 0
        if len(text) < minimum:
            raise ValueInvalid(_("at least %(min)d characters (got %(n)d)", min=minimum,
                                 n=len(text)))
        pattern = field.config.get("pattern")
        if pattern and not re.fullmatch(pattern, text):
            raise ValueInvalid(field.config.get("pattern_message")
                               or _("does not match the required format"))
        return text

    def sample_config(self) -> dict[str, Any]:
        """A 50-character limit."""
        return {"max_length": 50}

    def sample_values(self, field: Field) -> list[Any]:
        """Chinese, Latin and mixed text."""
        return ["杭州积木科技有限公司", "Acme Ltd", "A&B <公司>"]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Longer than the limit."""
        return ["x" * (self._max(field) + 1)]


class TextareaType(TextType):
    """Multi-line text."""

    type = "textarea"
    icon = "file-text"
    default_max = 5000
    hard_max = 100_000
    multiline = True
    operators = ("contains", "not_contains", "empty", "not_empty")
    widget = "fields/widgets/textarea.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min_length": {"type": "integer", "minimum": 0, "maximum": 100_000},
            "max_length": {"type": "integer", "minimum": 1, "maximum": 100_000},
            "placeholder": {"type": "string", "maxLength": 200},
            "rows": {"type": "integer", "minimum": 2, "maximum": 30},
        },
    }

    def name(self) -> str:
        """Palette name."""
        return _("Multi-line text")

    def sample_config(self) -> dict[str, Any]:
        """Room for a paragraph."""
        return {"max_length": 2000, "rows": 4}

    def sample_values(self, field: Field) -> list[Any]:
        """Lines of text."""
        return ["第一行\n第二行", "Met the buyer.\nNext: send the quote."]


_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                    r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


class EmailType(TextType):
    """An e-mail address, stored lower-cased in its domain part."""

    type = "email"
    family = "contact"
    icon = "mail"
    default_max = 254
    hard_max = 254
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"placeholder": {"type": "string", "maxLength": 200}},
    }
    widget = "fields/widgets/email.html"

    def name(self) -> str:
        """Palette name."""
        return _("E-mail")

    def value_schema(self, field: Field) -> dict[str, Any]:
        """An e-mail string or null (the pattern is the one ``coerce`` checks: jsonschema's
        own ``email`` format only looks for an @)."""
        return {"type": ["string", "null"], "maxLength": 254, "format": "email",
                "pattern": _EMAIL.pattern}

    def coerce(self, field: Field, raw: Any) -> str | None:
        """Check the shape of the address and lower-case its domain."""
        text = clean_text(raw)
        if text is None:
            return None
        text = unicodedata.normalize("NFKC", text)
        if len(text) > 254 or not _EMAIL.match(text):
            raise ValueInvalid(_("enter an e-mail address like name@example.com"))
        local, domain = text.rsplit("@", 1)
        return f"{local}@{domain.lower()}"

    def sample_config(self) -> dict[str, Any]:
        """No options needed."""
        return {}

    def sample_values(self, field: Field) -> list[Any]:
        """Two addresses."""
        return ["wang.fang@example.com", "sales@jimu.cn"]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Not addresses."""
        return ["not-an-email", "a@b", "x@@example.com"]


class PhoneType(TextType):
    """A phone number: China mobile (11 digits), landline or international."""

    type = "phone"
    family = "contact"
    icon = "headphones"
    default_max = 32
    hard_max = 32
    widget = "fields/widgets/phone.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"kind": {"enum": ["cn_mobile", "cn_landline", "international", "any"]}},
    }
    _PATTERNS: ClassVar[dict[str, re.Pattern[str]]] = {
        "cn_mobile": re.compile(r"^1[3-9]\d{9}$"),
        "cn_landline": re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$"),
        "international": re.compile(r"^\+[1-9]\d{6,14}$"),
    }

    def name(self) -> str:
        """Palette name."""
        return _("Phone")

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A phone string or null."""
        return {"type": ["string", "null"], "maxLength": 32}

    def coerce(self, field: Field, raw: Any) -> str | None:
        """Normalise separators, then check against the configured kind."""
        text = clean_text(raw)
        if text is None:
            return None
        text = unicodedata.normalize("NFKC", text)
        compact = re.sub(r"[\s()（）.]", "", text)
        if compact.startswith("+86") and len(compact) == 14:
            compact = compact[3:]
        kind = field.config.get("kind", "cn_mobile")
        kinds = list(self._PATTERNS) if kind == "any" else [kind]
        for candidate in kinds:
            value = compact if candidate != "cn_mobile" else compact.replace("-", "")
            if self._PATTERNS[candidate].match(value):
                return value
        raise ValueInvalid(self._message(kind))

    def _message(self, kind: str) -> str:
        return {
            "cn_mobile": _("enter an 11-digit mobile number starting with 1, e.g. 13812345678"),
            "cn_landline": _("enter a landline number with area code, e.g. 010-12345678"),
            "international": _("enter an international number starting with +, "
                               "e.g. +8613812345678"),
        }.get(kind, _("enter a mobile, landline or international number"))

    def sample_config(self) -> dict[str, Any]:
        """China mobile preset."""
        return {"kind": "cn_mobile"}

    def sample_values(self, field: Field) -> list[Any]:
        """Two mobile numbers."""
        return ["13812345678", "19900001111"]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Wrong lengths and letters."""
        return ["1381234567", "23812345678", "phone"]


class UrlType(TextType):
    """A web address (http or https)."""

    type = "url"
    family = "contact"
    icon = "globe"
    default_max = 2000
    hard_max = 2000
    widget = "fields/widgets/url.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"placeholder": {"type": "string", "maxLength": 200}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("URL")

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A URI string or null."""
        return {"type": ["string", "null"], "maxLength": 2000, "format": "uri"}

    def coerce(self, field: Field, raw: Any) -> str | None:
        """Accept http(s) addresses; add https:// when the scheme is missing."""
        text = clean_text(raw)
        if text is None:
            return None
        if "://" not in text:
            text = "https://" + text
        try:
            parts = urlsplit(text)
        except ValueError as exc:  # e.g. an unbalanced "[" (IPv6 syntax)
            raise ValueInvalid(_("enter a web address like https://example.com")) from exc
        if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in text:
            raise ValueInvalid(_("enter a web address like https://example.com"))
        if len(text) > 2000:
            raise ValueInvalid(_("at most %(max)d characters (got %(n)d)", max=2000, n=len(text)))
        return text

    def sample_config(self) -> dict[str, Any]:
        """No options needed."""
        return {}

    def sample_values(self, field: Field) -> list[Any]:
        """Two addresses."""
        return ["https://jimu.example.com", "http://example.org/a?b=c"]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Unsafe or malformed."""
        return ["javascript:alert(1)", "ftp://example.com", "http://nodot", "http://[::1"]

