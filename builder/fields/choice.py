"""Choice family: yes/no and single select. Options are stored by their stable id."""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .base import Field, FieldType, ValueInvalid

OPTION_COLORS = ("blue", "sky", "teal", "green", "amber", "orange", "red", "pink", "purple",
                 "slate")
_TRUE = {"1", "true", "yes", "y", "on", "是", "对", "✓", "√"}
_FALSE = {"0", "false", "no", "n", "off", "否", "不", "×", "✗"}


class BooleanType(FieldType):
    """Yes or no."""

    type = "boolean"
    family = "choice"
    icon = "check"
    operators = ("eq", "ne", "empty", "not_empty")
    widget = "fields/widgets/boolean.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"style": {"enum": ["checkbox", "switch"]}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Yes / no")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """BOOLEAN."""
        return sa.Boolean(create_constraint=False)

    def value_schema(self, field: Field) -> dict[str, Any]:
        """true, false or null."""
        return {"type": ["boolean", "null"]}

    def coerce(self, field: Field, raw: Any) -> bool | None:
        """Accept booleans and the usual words in Chinese and English."""
        if raw is None or isinstance(raw, bool):
            return raw
        text = unicodedata.normalize("NFKC", str(raw)).strip().lower()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueInvalid(_("choose yes or no"))

    def display(self, field: Field, value: Any) -> str:
        """是/否 or Yes/No."""
        return "" if value is None else (_("Yes") if value else _("No"))

    def sample_values(self, field: Field) -> list[Any]:
        """Both."""
        return [True, False]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Not a yes or no."""
        return ["maybe", "2"]


class SingleSelectType(FieldType):
    """One option out of a list (dropdown or radio buttons), each with a colour."""

    type = "single_select"
    family = "choice"
    icon = "list-checks"
    operators = ("eq", "ne", "in", "not_in", "empty", "not_empty")
    widget = "fields/widgets/select.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["options"],
        "properties": {
            "display": {"enum": ["dropdown", "radio"]},
            "options": {
                "type": "array",
                "minItems": 1,
                "maxItems": 500,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "label"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9_]{1,32}$"},
                        "label": {"type": "string", "minLength": 1, "maxLength": 100},
                        "color": {"enum": list(OPTION_COLORS)},
                    },
                },
            },
        },
    }

    def name(self) -> str:
        """Palette name."""
        return _("Single select")

    def options(self, field: Field) -> list[dict[str, Any]]:
        """The configured options in order."""
        return list(field.config.get("options", []))

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """The option id."""
        return sa.String(32)

    def value_schema(self, field: Field) -> dict[str, Any]:
        """One of the option ids, or null."""
        return {"enum": [o["id"] for o in self.options(field)] + [None]}

    def coerce(self, field: Field, raw: Any) -> str | None:
        """Accept an option id or, case-insensitively, its label."""
        if raw is None:
            return None
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not text:
            return None
        for option in self.options(field):
            if text == option["id"]:
                return option["id"]
        folded = text.casefold()
        for option in self.options(field):
            if unicodedata.normalize("NFKC", option["label"]).strip().casefold() == folded:
                return option["id"]
        allowed = "、".join(o["label"] for o in self.options(field)[:10])
        raise ValueInvalid(_("choose one of: %(options)s", options=allowed))

    def label_of(self, field: Field, value: Any) -> str:
        """The label of an option id (the id itself if the option was removed)."""
        for option in self.options(field):
            if option["id"] == value:
                return option["label"]
        return "" if value is None else str(value)

    def display(self, field: Field, value: Any) -> str:
        """The option's label."""
        return self.label_of(field, value)

    def sample_config(self) -> dict[str, Any]:
        """The CRM's opportunity stages."""
        return {"display": "dropdown", "options": [
            {"id": "new", "label": "新线索", "color": "slate"},
            {"id": "qualify", "label": "需求确认", "color": "blue"},
            {"id": "won", "label": "赢单", "color": "green"},
        ]}

    def sample_values(self, field: Field) -> list[Any]:
        """Option ids."""
        return [o["id"] for o in self.options(field)]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Not an option."""
        return ["lost-forever", "赢"]
