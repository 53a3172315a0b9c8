"""The table view: chosen columns with widths, grouping, and a totals row."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from flask_babel import gettext as _

from ..fields import Field
from ..metadata import MetadataError, json_path
from .base import SYSTEM_COLUMNS, ViewType

COLUMN_PATTERN = "^(f_[a-z0-9]{4,16}|created_at|updated_at)$"
AGGREGATES = ("count", "sum", "avg", "min", "max")
PAGE_SIZES = (25, 50, 100)
MIN_WIDTH, MAX_WIDTH = 60, 800
#: columns a new view shows (the title field counts as one)
DEFAULT_COLUMNS = 6
NUMBER_TYPES = frozenset({"integer", "decimal", "money", "percent"})
TIME_TYPES = frozenset({"date", "datetime", "time", "created_at", "updated_at"})
#: types whose values make sensible groups (one scalar value, few distinct values)
GROUPABLE = frozenset({"text", "single_select", "boolean", "member", "department", "date",
                       "integer", "decimal", "money", "percent", "region", "email", "phone",
                       "owner", "created_by", "updated_by", "auto_number", "url", "id_card"})

_COLUMN = {"type": "string", "pattern": COLUMN_PATTERN}


def column_type(column: str, fields: Mapping[str, Field]) -> str | None:
    """The field-type key behind a column (system columns are their own type)."""
    if column in SYSTEM_COLUMNS:
        return column
    found = fields.get(column)
    return found.type if found else None


def aggregates(column: str, fields: Mapping[str, Field]) -> tuple[str, ...]:
    """The totals a column offers: numbers all five, dates count/min/max, others count."""
    kind = column_type(column, fields)
    if kind in NUMBER_TYPES or (kind == "formula"
                                and fields[column].config.get("result") == "number"):
        return AGGREGATES
    if kind in TIME_TYPES:
        return ("count", "min", "max")
    return ("count",)


def groupable(column: str, fields: Mapping[str, Field]) -> bool:
    """Whether records can be grouped by this column."""
    return column_type(column, fields) in GROUPABLE


class TableViewType(ViewType):
    """Rows and columns: the default way to see a form's records."""

    type = "table"
    icon = "table"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["columns"],
        "properties": {
            "columns": {
                "description": "Shown columns in order, each with an optional width in pixels.",
                "type": "array", "maxItems": 100,
                "items": {"type": "object", "additionalProperties": False, "required": ["field"],
                          "properties": {"field": _COLUMN,
                                         "width": {"type": "integer", "minimum": MIN_WIDTH,
                                                   "maximum": MAX_WIDTH}}},
            },
            "group_by": {"description": "Group rows by this column, with a count per group.",
                         "anyOf": [_COLUMN, {"type": "null"}]},
            "totals": {"description": "Column → sum, avg, min, max or count (non-empty values).",
                       "type": "object", "maxProperties": 100, "propertyNames": _COLUMN,
                       "additionalProperties": {"enum": list(AGGREGATES)}},
            "page_size": {"enum": list(PAGE_SIZES)},
        },
    }

    def name(self) -> str:
        """Menu name."""
        return _("Table")

    def default_config(self, fields: Sequence[Field], title_field: str | None) -> dict[str, Any]:
        """The title field, the next fields in form order (six in all), then last changed."""
        ordered = [f.id for f in fields if f.id == title_field]
        ordered += [f.id for f in fields if f.id != title_field]
        columns = [{"field": fid} for fid in ordered[:DEFAULT_COLUMNS]]
        return {"columns": [*columns, {"field": "updated_at"}]}

    def sample_config(self) -> dict[str, Any]:
        """Two columns, one of them totalled."""
        return {"columns": [{"field": "f_name01", "width": 200}, {"field": "f_amnt01"}],
                "totals": {"f_amnt01": "sum"}, "group_by": None, "page_size": 50}

    def check(self, config: Mapping[str, Any], fields: Mapping[str, Field]
              ) -> Iterator[MetadataError]:
        """Columns exist and appear once; groups and totals suit their columns."""
        seen: set[str] = set()
        for index, column in enumerate(config.get("columns", [])):
            path = json_path(["config", "columns", index, "field"])
            if column_type(column["field"], fields) is None:
                yield MetadataError(path, "field", _("no such field in the form"))
            elif column["field"] in seen:
                yield MetadataError(path, "unique", _("the column is shown twice"))
            seen.add(column["field"])
        group = config.get("group_by")
        if group and not groupable(group, fields):
            yield MetadataError(json_path(["config", "group_by"]), "field",
                                _("records cannot be grouped by this field"))
        for column, aggregate in (config.get("totals") or {}).items():
            if aggregate not in aggregates(column, fields):
                yield MetadataError(json_path(["config", "totals", column]), "field",
                                    _("this total does not suit the field"))

    def field_ids(self, config: Mapping[str, Any]) -> set[str]:
        """Columns, the group and the totalled columns."""
        found = {c["field"] for c in config.get("columns", [])}
        found |= set(config.get("totals") or {})
        if config.get("group_by"):
            found.add(config["group_by"])
        return found

    def without(self, config: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
        """Drop columns, group and totals of fields that are gone."""
        out = dict(config)
        out["columns"] = [c for c in config.get("columns", []) if c["field"] in known]
        out["totals"] = {k: v for k, v in (config.get("totals") or {}).items() if k in known}
        if config.get("group_by") not in known:
            out["group_by"] = None
        return out
