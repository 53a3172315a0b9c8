"""The view-type contract: one small class per type owns its settings.

A view document looks like::

    {"schema_version": 1, "name": "本月商机", "type": "table",
     "filter": {"all": [{"field": "f_close1", "op": "within_next", "value": 30}]},
     "sort": [{"field": "f_close1", "desc": false}],
     "sharing": {"scope": "everyone", "departments": [], "roles": []},
     "config": {...the type's own settings...}}

``type`` is the registry key and is never renamed; ``config`` is validated
against the type's ``config_schema``, then against the form's fields by
:meth:`ViewType.check`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from ..fields import Field
from ..metadata import MetadataError

#: columns every form has besides its fields (the record table's system columns)
SYSTEM_COLUMNS = ("created_at", "updated_at")


class ViewType:
    """Base class: subclasses set the class attributes and override the hooks they need."""

    #: persisted registry key; never renamed
    type: ClassVar[str]
    #: Lucide icon id shown in the views menu
    icon: ClassVar[str] = "table"
    #: JSON Schema (draft 2020-12) of this type's ``config`` object
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False}

    def name(self) -> str:
        """The translated name of the type for menus."""
        raise NotImplementedError

    def default_config(self, fields: Sequence[Field], title_field: str | None) -> dict[str, Any]:
        """The settings of a new view of this type over a form's live fields."""
        raise NotImplementedError

    def sample_config(self) -> dict[str, Any]:
        """A valid config used by the contract tests (fields f_name01, f_amnt01)."""
        raise NotImplementedError

    def check(self, config: Mapping[str, Any], fields: Mapping[str, Field]
              ) -> Iterator[MetadataError]:
        """Problems of a (schema-valid) config against the form's live fields."""
        return iter(())

    def field_ids(self, config: Mapping[str, Any]) -> set[str]:
        """Every column the config mentions (fields or system columns)."""
        return set()

    def without(self, config: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
        """The config with references to columns outside ``known`` left out.

        Views outlive fields: a field deleted later must not break the view.
        """
        return dict(config)
