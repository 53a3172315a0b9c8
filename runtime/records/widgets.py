"""What the shared field widgets (templates/fields/) need: template helpers and the region endpoint.

The widgets render from (field, value, errors, readonly) alone, so the entry
pages and the designer's preview can both include them; the helpers below are
registered as app-wide template globals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, render_template, request

from builder import fields as field_types
from builder.fields import region

bp = Blueprint("fields", __name__, url_prefix="/fields")
_FIELD_ID = re.compile(r"^f_[a-z0-9]{4,16}$")
_CODE = re.compile(r"^\d{6}$")


@bp.app_template_global()
def field_widget(type_key: str) -> str:
    """The widget partial of a field type (a plain text input for unknown types)."""
    try:
        return field_types.get(type_key).widget
    except KeyError:
        return "fields/widgets/text.html"


@bp.app_template_global()
def region_children(code: str | None = None) -> list[dict[str, str]]:
    """Provinces (no code), or the divisions directly under ``code``."""
    if code is not None and not (isinstance(code, str) and _CODE.match(code)):
        return []
    return region.children(code)


@bp.app_template_global()
def region_depth(field: Any) -> int:
    """How many selects a region field shows: 1 (province) to 3 (district)."""
    config = _get(field, "config") or {}
    wanted = config.get("levels") if isinstance(config, dict) else None
    return region.LEVELS.index(wanted) + 1 if wanted in region.LEVELS else 3


@bp.app_template_global()
def region_levels(value: Any) -> dict[str, str]:
    """A region value (a code, or codes by level) as consistent codes by level.

    A level whose code is unknown or not inside the level above is dropped, with
    everything below it: after choosing another province, the old city goes.
    """
    if isinstance(value, str) and _CODE.match(value.strip()):
        return {r.level: r.code for r in region.path(value.strip())}
    chosen: dict[str, str] = {}
    if not isinstance(value, dict):
        return chosen
    parent = None
    for level in region.LEVELS:
        code = str(value.get(level) or "").strip()
        found = region.get(code) if _CODE.match(code) else None
        if found is None or found.level != level or found.parent != parent:
            break
        chosen[level] = parent = code
    return chosen


@bp.app_template_global()
def region_level_names() -> tuple[str, ...]:
    """province, city, district."""
    return region.LEVELS


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


@bp.get("/region", endpoint="region")
def region_selects():
    """The cascading selects of one region field, for the levels chosen so far."""
    name = request.args.get("name", "")
    if not _FIELD_ID.match(name):
        name = "f_region"
    levels = request.args.get("levels")
    field = {"id": name, "type": "region", "label": "",
             "required": request.args.get("required") == "1",
             "config": {"levels": levels if levels in region.LEVELS else "district"}}
    value = {level: request.args.get(f"{name}__{level}", "") for level in region.LEVELS}
    return render_template("fields/widgets/_region_selects.html", field=field, value=value,
                           errors=[], readonly=request.args.get("readonly") == "1")



@bp.app_template_global()
def member_choices() -> list[tuple[int, str]]:
    """Active users as (id, name) for member pickers, by name (read once per request:
    a sub-table shows a picker in every row)."""
    from builder.db import db

    from ..accounts.models import User

    if "_member_choices" not in g:
        g._member_choices = [(u.id, u.name) for u in db.session.scalars(
            sa.select(User).where(User.is_active.is_(True)).order_by(User.name))]
    return g._member_choices


@bp.app_template_global()
def department_choices() -> list[tuple[int, str]]:
    """Departments in use (not archived) as (id, name) for department pickers, by name.

    Read once per request (a sub-table repeats the picker in every row).
    """
    from builder.db import db

    from ..accounts.models import Department

    if "_department_choices" not in g:
        g._department_choices = [(d.id, d.name) for d in db.session.scalars(
            sa.select(Department).where(Department.archived_at.is_(None))
            .order_by(Department.position, Department.name))]
    return g._department_choices


@dataclass
class LinkPicker:
    """What the link widget shows: the chosen records, where to search, a no-script list."""

    chosen: list[Any] = field(default_factory=list)
    form_name: str = ""
    search_url: str | None = None
    options: list[Any] = field(default_factory=list)

    @property
    def chosen_ids(self) -> set[int]:
        """Ids of the chosen records."""
        return {item.id for item in self.chosen}


@bp.app_template_global()
def link_picker(doc: Any, value: Any) -> LinkPicker:
    """The link widget's records; searching only on record pages (not the designer)."""
    from flask import url_for

    from builder.fields import Field

    from . import links
    from .relations import Targets

    if not isinstance(doc, dict) or not _FIELD_ID.match(str(doc.get("id", ""))):
        return LinkPicker()
    link = Field.from_document(doc)
    targets = Targets()
    found = targets.get_target(link.config.get("form"))
    picker = LinkPicker(chosen=links.chosen(link, value, targets),
                        form_name=found.name if found else "")
    args = request.view_args or {}
    if request.blueprint != "records" or "app_key" not in args or getattr(g, "user", None) is None:
        return picker
    picker.search_url = url_for("records.link_search", app_key=args["app_key"],
                                form_key=args["form_key"], field_id=link.id)
    known = picker.chosen_ids
    picker.options = picker.chosen + [item for item in links.search(
        g.user, link, "", limit=links.MAX_FALLBACK, targets=targets) if item.id not in known]
    return picker
