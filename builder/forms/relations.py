"""Publishing checks for links, lookups and rollups: they point at other forms' fields.

The form schema cannot see other forms, so these run at publish with a
:class:`RelationContext` (the app's published forms, this one as drafted). Each
problem names the field and what is allowed, at the JSON path of the setting, so
the designer's problem list points at the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _

from .. import conditions
from .. import fields as field_types
from ..fields import Field
from ..fields.relation import (
    NOT_LOOKED_UP,
    FormInfo,
    RelationContext,
    has_column,
    is_sub_table,
    sub_fields,
    value_kind,
)
from ..metadata import MetadataError, json_path

RELATION_TYPES = frozenset({"link", "lookup", "rollup"})


def uses_relations(document: dict[str, Any]) -> bool:
    """Whether a form has links, lookups or rollups (only then is a context needed)."""
    return any(f.get("type") in RELATION_TYPES for f in document.get("fields", [])
               if not f.get("deleted"))


def problems(document: dict[str, Any], context: RelationContext,
             previous: dict[str, Any] | None = None) -> list[MetadataError]:
    """Every problem of the form's relation fields (``previous``: the published version)."""
    live = {f["id"]: f for f in document.get("fields", []) if not f.get("deleted")}
    before = {f["id"]: f for f in (previous or {}).get("fields", [])}
    found: list[MetadataError] = []
    for index, doc in enumerate(document.get("fields", [])):
        if doc.get("deleted") or doc.get("type") not in RELATION_TYPES:
            continue
        check = {"link": _link, "lookup": _lookup, "rollup": _rollup}[doc["type"]]
        found.extend(check(doc, ["fields", index, "config"], live, context, before))
    return found


def _error(path: list[Any], key: str, message: str) -> MetadataError:
    return MetadataError(json_path([*path, key]), "relation", message)


def _target(doc: dict[str, Any], context: RelationContext) -> FormInfo | None:
    return context.forms.get((doc.get("config") or {}).get("form"))


def _link(doc, path, live, context, before) -> Iterator[MetadataError]:
    config, label = doc.get("config") or {}, doc["label"]
    if config.get("form") is None:
        yield _error(path, "form", _("%(label)s: choose the form to link to", label=label))
        return
    target = _target(doc, context)
    if target is None:
        yield _error(path, "form", _("%(label)s: the form it links to is not a published form "
                                     "of this app", label=label))
        return
    shown = config.get("display_field")
    if shown is not None:
        field = target.field(shown)
        if field is None or not has_column(field) or field["type"] in NOT_LOOKED_UP:
            yield _error(path, "display_field", _(
                "%(label)s: the field shown as the record's name is not a field of %(form)s "
                "that can be shown", label=label, form=target.name))
    yield from _filter(doc, path, target)
    old = before.get(doc["id"])
    if old is not None and old.get("type") == "link" and bool(
            (old.get("config") or {}).get("multiple")) != bool(config.get("multiple")):
        yield _error(path, "multiple", _(
            "%(label)s: cannot switch between one and many records after publishing; add "
            "another link field instead", label=label))


def _filter(doc, path, target: FormInfo) -> Iterator[MetadataError]:
    condition = (doc.get("config") or {}).get("filter")
    if not condition:
        return
    fields = {f["id"]: Field.from_document(f) for f in target.fields if _known(f["type"])}
    try:
        conditions.evaluate(condition, {}, fields)
    except conditions.ConditionInvalid as exc:
        yield _error(path, "filter", _(
            "%(label)s: the condition on the records that may be chosen is not valid "
            "(%(problem)s)", label=doc["label"], problem=str(exc)))


def _known(type_key: str) -> bool:
    try:
        field_types.get(type_key)
    except KeyError:
        return False
    return True


def _lookup(doc, path, live, context, before) -> Iterator[MetadataError]:
    config, label = doc.get("config") or {}, doc["label"]
    link = live.get(config.get("link"))
    if link is None or link.get("type") != "link":
        yield _error(path, "link", _("%(label)s: choose a link field of this form",
                                     label=label))
        return
    target = _target(link, context)
    if target is None:
        return  # the link itself reports it
    field = target.field(config.get("field"))
    if field is None:
        yield _error(path, "field", _("%(label)s: choose a field of %(form)s to show",
                                      label=label, form=target.name))
    elif field["type"] in NOT_LOOKED_UP or not has_column(field):
        # a lookup of a lookup could go round in circles: only stored values are shown
        yield _error(path, "field", _(
            "%(label)s: a lookup can show only a stored field, not %(field)s (a link, lookup, "
            "rollup or list of values)", label=label, field=field.get("label", "")))


def _rollup(doc, path, live, context, before) -> Iterator[MetadataError]:
    config, label = doc.get("config") or {}, doc["label"]
    source = live.get(config.get("source"))
    if source is None or not (source.get("type") == "link" or is_sub_table(source)):
        yield _error(path, "source", _("%(label)s: choose a link or sub-table field of this "
                                       "form", label=label))
        return
    function = config.get("function") or "count"
    if function == "count":
        return
    if source["type"] == "link":
        target = _target(source, context)
        if target is None:
            return
        columns = [f for f in target.fields if has_column(f)]
    else:
        columns = sub_fields(source)
    field = next((f for f in columns if f["id"] == config.get("field")), None)
    if field is None:
        yield _error(path, "field", _("%(label)s: choose the field to calculate with",
                                      label=label))
        return
    kind = value_kind(field)
    if function in ("sum", "avg") and kind != "number":
        yield _error(path, "field", _(
            "%(label)s: sums and averages need a number field (%(field)s is not one)",
            label=label, field=field.get("label", "")))
    elif kind is None:
        yield _error(path, "field", _(
            "%(label)s: minimum and maximum need a number or date field (%(field)s is not one)",
            label=label, field=field.get("label", "")))
