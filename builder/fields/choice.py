"""Choice family: yes/no, single and multiple select. Options are stored by their stable id."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import JSONB

from .base import Field, FieldType, ValueInvalid

OPTION_COLORS = ("blue", "sky", "teal", "green", "amber", "orange", "red", "pink", "purple",
                 "slate")
_TRUE = {"1", "true", "yes", "y", "on", "是", "对", "✓", "√"}
_FALSE = {"0", "false", "no", "n", "off", "否", "不", "×", "✗"}
OPTIONS_SCHEMA: dict[str, Any] = {
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
}
#: separators between labels when several options arrive as one text (import, paste)
_LIST_SEPARATORS = re.compile(r"[,，、;；\n]")


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
            "options": OPTIONS_SCHEMA,
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
        return self.resolve(field, text)

    def resolve(self, field: Field, text: str) -> str:
        """The id of the option whose id or (case-insensitively) label is ``text``."""
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


class MultiSelectType(SingleSelectType):
    """Several options out of a list, kept in the options' order; stored as a JSON array."""

    type = "multi_select"
    icon = "list-todo"
    operators = ("has_any", "has_all", "has_none", "empty", "not_empty")
    widget = "fields/widgets/multi_select.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["options"],
        "properties": {
            "display": {"enum": ["dropdown", "checkbox"]},
            "options": OPTIONS_SCHEMA,
            "min_selections": {"type": "integer", "minimum": 0, "maximum": 500},
            "max_selections": {"type": "integer", "minimum": 1, "maximum": 500},
        },
    }

    def name(self) -> str:
        """Palette name."""
        return _("Multiple select")

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """JSON (JSONB on PostgreSQL); no selection is SQL NULL, never ``[]``."""
        return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

    def to_db(self, field: Field, value: Any) -> Any:
        """The list, or NULL when nothing is chosen."""
        return list(value) if value else None

    def value_schema(self, field: Field) -> dict[str, Any]:
        """Distinct option ids, or null."""
        schema: dict[str, Any] = {
            "type": ["array", "null"], "uniqueItems": True,
            "minItems": max(1, field.config.get("min_selections") or 0),
            "items": {"enum": [o["id"] for o in self.options(field)]},
        }
        if field.config.get("max_selections"):
            schema["maxItems"] = field.config["max_selections"]
        return schema

    def _ids(self, field: Field, raw: Any) -> list[str]:
        """Resolve ids or labels (a list, or one text with separators) in option order."""
        items = raw if isinstance(raw, list | tuple | set) else _LIST_SEPARATORS.split(str(raw))
        if len(items) > 2 * len(self.options(field)) + 10:  # hostile input: do not resolve it
            raise ValueInvalid(_("choose at most %(max)d options (got %(n)d)",
                                 max=len(self.options(field)), n=len(items)))
        texts = (unicodedata.normalize("NFKC", str(i)).strip() for i in items if i is not None)
        chosen = {self.resolve(field, text) for text in texts if text}
        return [o["id"] for o in self.options(field) if o["id"] in chosen]

    def coerce(self, field: Field, raw: Any) -> list[str] | None:
        """Accept a list (or a separated text) of ids or labels and apply the count rules."""
        if raw is None:
            return None
        ids = self._ids(field, raw)
        if not ids:
            return None
        low, high = field.config.get("min_selections"), field.config.get("max_selections")
        if low and len(ids) < low:
            raise ValueInvalid(_("choose at least %(min)d options (got %(n)d)", min=low,
                                 n=len(ids)))
        if high and len(ids) > high:
            raise ValueInvalid(_("choose at most %(max)d options (got %(n)d)", max=high,
                                 n=len(ids)))
        return ids

    def filter_value(self, field: Field, op: str, raw: Any) -> Any:
        """Options to look for: ids or labels, at least one, no count rules."""
        if self.operator(op).arity == 0:
            return None
        ids = self._ids(field, [] if raw is None else raw)
        if not ids:
            raise ValueInvalid(_("choose at least one option"))
        return ids

    def display(self, field: Field, value: Any) -> str:
        """The labels, separated by 、."""
        return "、".join(self.label_of(field, v) for v in value or [])

    def sample_config(self) -> dict[str, Any]:
        """Product interests, at most three."""
        return {"display": "checkbox", "max_selections": 3, "options": [
            {"id": "crm", "label": "客户管理", "color": "blue"},
            {"id": "erp", "label": "进销存", "color": "green"},
            {"id": "hr", "label": "人事", "color": "amber"},
            {"id": "oa", "label": "办公审批", "color": "purple"},
        ]}

    def sample_values(self, field: Field) -> list[Any]:
        """One, two and three options."""
        return [["crm"], ["crm", "hr"], ["erp", "hr", "oa"]]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Unknown options and too many."""
        return [["crm", "finance"], "客户管理、财务", ["crm", "erp", "hr", "oa"]]
