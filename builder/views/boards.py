"""Kanban, calendar and gallery views: cards of records laid out by a field.

Each type picks up to four card fields besides the record title, plus the field it
lays cards out by: the column of a kanban board (a single select or a member), the
day of a calendar (a date or moment, optionally an end), the cover of a gallery (an
image or attachment). Every setting is nullable so a view outlives its fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from flask_babel import gettext as _

from ..fields import Field
from ..metadata import MetadataError, json_path
from .base import SYSTEM_COLUMNS, ViewType

MAX_CARD_FIELDS = 4
COLUMN_PAGE_SIZES = (10, 20, 50)
GALLERY_PAGE_SIZES = (24, 48)
NUMBER_TYPES = frozenset({"integer", "decimal", "money", "percent"})
#: what a kanban board may be grouped by (one value, a known set of columns)
KANBAN_GROUPS = frozenset({"single_select", "member"})
#: what a calendar lays records out by (system columns are moments)
CALENDAR_DATES = frozenset({"date", "datetime", "created_at", "updated_at"})
COVER_TYPES = frozenset({"image", "attachment"})

_COLUMN = {"type": "string", "pattern": "^(f_[a-z0-9]{4,16}|created_at|updated_at)$"}
_FIELD = {"type": "string", "pattern": "^f_[a-z0-9]{4,16}$"}
_NULLABLE_COLUMN = {"anyOf": [_COLUMN, {"type": "null"}]}
_NULLABLE_FIELD = {"anyOf": [_FIELD, {"type": "null"}]}
_CARDS = {"description": "Fields shown on each card besides the record title.",
          "type": "array", "maxItems": MAX_CARD_FIELDS, "items": _COLUMN}


def kind_of(column: str | None, fields: Mapping[str, Field]) -> str | None:
    """The type key behind a column (system columns are their own type)."""
    if column in SYSTEM_COLUMNS:
        return column
    found = fields.get(column or "")
    return found.type if found else None


def _schema(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": ["card_fields"],
            "properties": {"card_fields": _CARDS, **properties}}


def _first(fields: Sequence[Field], kinds: frozenset[str]) -> str | None:
    return next((f.id for f in fields if f.type in kinds), None)


def _cards(fields: Sequence[Field], title_field: str | None, skip: set[str]) -> list[str]:
    return [f.id for f in fields if f.id != title_field and f.id not in skip
            and f.type not in COVER_TYPES][:2]


class _CardsView(ViewType):
    """What the three card views share: card fields and settings naming one field each."""

    #: config keys holding one column, with the field types each accepts
    slots: ClassVar[dict[str, frozenset[str]]] = {}

    def check(self, config: Mapping[str, Any], fields: Mapping[str, Field]
              ) -> Iterator[MetadataError]:
        """Card fields exist once each; every slot names a field of a type it accepts."""
        seen: set[str] = set()
        for index, column in enumerate(config.get("card_fields", [])):
            path = json_path(["config", "card_fields", index])
            if kind_of(column, fields) is None:
                yield MetadataError(path, "field", _("no such field in the form"))
            elif column in seen:
                yield MetadataError(path, "unique", _("the column is shown twice"))
            seen.add(column)
        for slot, kinds in self.slots.items():
            column = config.get(slot)
            if column and kind_of(column, fields) not in kinds:
                yield MetadataError(json_path(["config", slot]), "field",
                                    _("this field cannot be used here"))

    def field_ids(self, config: Mapping[str, Any]) -> set[str]:
        """Card fields and every slot."""
        found = set(config.get("card_fields", []))
        return found | {config[s] for s in self.slots if config.get(s)}

    def without(self, config: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
        """Drop card fields and empty the slots of fields that are gone."""
        out = dict(config)
        out["card_fields"] = [c for c in config.get("card_fields", []) if c in known]
        for slot in self.slots:
            if config.get(slot) not in known:
                out[slot] = None
        return out


class KanbanViewType(_CardsView):
    """Cards in columns, one per option (or person); drag a card to change its column."""

    type = "kanban"
    icon = "columns-3"
    slots: ClassVar[dict[str, frozenset[str]]] = {"group_field": KANBAN_GROUPS,
                                                  "sum_field": NUMBER_TYPES}
    config_schema: ClassVar[dict[str, Any]] = _schema(
        group_field={**_NULLABLE_FIELD, "description": "A single select or member field."},
        sum_field={**_NULLABLE_FIELD, "description": "A number summed per column."},
        page_size={"enum": list(COLUMN_PAGE_SIZES)})

    def name(self) -> str:
        """Menu name."""
        return _("Kanban")

    def default_config(self, fields: Sequence[Field], title_field: str | None) -> dict[str, Any]:
        """Grouped by the first single select (or member), the next two fields on cards."""
        group = _first(fields, frozenset({"single_select"})) or _first(fields, KANBAN_GROUPS)
        return {"group_field": group, "card_fields": _cards(fields, title_field, {group or ""}),
                "sum_field": None, "page_size": 20}

    def sample_config(self) -> dict[str, Any]:
        """Stages with amounts summed."""
        return {"group_field": "f_stage1", "card_fields": ["f_name01"], "sum_field": "f_amnt01",
                "page_size": 20}


class CalendarViewType(_CardsView):
    """Records on the days of a month or week, by a date (optionally to an end date)."""

    type = "calendar"
    icon = "calendar"
    slots: ClassVar[dict[str, frozenset[str]]] = {"date_field": CALENDAR_DATES,
                                                  "end_field": CALENDAR_DATES}
    config_schema: ClassVar[dict[str, Any]] = _schema(
        date_field={**_NULLABLE_COLUMN, "description": "The date or moment records fall on."},
        end_field={**_NULLABLE_COLUMN, "description": "Optional end: records span the days."},
        mode={"enum": ["month", "week"]})

    def name(self) -> str:
        """Menu name."""
        return _("Calendar")

    def check(self, config: Mapping[str, Any], fields: Mapping[str, Field]
              ) -> Iterator[MetadataError]:
        """The slots, and an end of the same kind as the start."""
        yield from super().check(config, fields)
        start, end = config.get("date_field"), config.get("end_field")
        if end and start and (kind_of(start, fields) == "date") != (kind_of(end, fields)
                                                                     == "date"):
            yield MetadataError(json_path(["config", "end_field"]), "field",
                                _("the end must be a date like the start"))

    def default_config(self, fields: Sequence[Field], title_field: str | None) -> dict[str, Any]:
        """By the first date or moment field (else the creation time), month view."""
        date = _first(fields, frozenset({"date", "datetime"})) or "created_at"
        return {"date_field": date, "end_field": None,
                "card_fields": _cards(fields, title_field, {date})[:1], "mode": "month"}

    def sample_config(self) -> dict[str, Any]:
        """By creation time."""
        return {"date_field": "created_at", "end_field": None, "card_fields": ["f_name01"],
                "mode": "month"}


class GalleryViewType(_CardsView):
    """A grid of cards with an image or attachment as the cover."""

    type = "gallery"
    icon = "layout-grid"
    slots: ClassVar[dict[str, frozenset[str]]] = {"cover_field": COVER_TYPES}
    config_schema: ClassVar[dict[str, Any]] = _schema(
        cover_field={**_NULLABLE_FIELD, "description": "An image or attachment field."},
        page_size={"enum": list(GALLERY_PAGE_SIZES)})

    def name(self) -> str:
        """Menu name."""
        return _("Gallery")

    def default_config(self, fields: Sequence[Field], title_field: str | None) -> dict[str, Any]:
        """The first image (else attachment) field as cover, two fields on cards."""
        cover = _first(fields, frozenset({"image"})) or _first(fields, COVER_TYPES)
        return {"cover_field": cover, "card_fields": _cards(fields, title_field, set()),
                "page_size": 24}

    def sample_config(self) -> dict[str, Any]:
        """No cover, the name on cards."""
        return {"cover_field": None, "card_fields": ["f_name01", "f_amnt01"], "page_size": 24}
