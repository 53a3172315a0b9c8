"""Region: province → city → district of mainland China, by GB/T 2260 code.

The value is the six-digit code of the deepest level chosen (``330106`` is 西湖区,
杭州市 ``330100``, 浙江省 ``330000``): the hierarchy is in the code itself, so one
VARCHAR column holds it and "everything in 浙江" is the prefix ``33``. The data
is vendored in ``data/pca-code.json`` (see ``data/README.md``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _

from .base import Field, FieldType, ValueInvalid
from .operators import code_prefix

DATA_FILE = Path(__file__).parent / "data" / "pca-code.json"
LEVELS = ("province", "city", "district")
#: city-level entries that only group counties; left out when a path is displayed
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_CODE = re.compile(r"^\d{6}$")
_NAME_SEPARATORS = re.compile(r"[\s/,，、>-]+")


@dataclass(frozen=True)
class Region:
    """One administrative division."""

    code: str
    name: str
    level: str
    parent: str | None


@cache
def _index() -> tuple[dict[str, Region], dict[str | None, list[str]]]:
    regions: dict[str, Region] = {}
    children: dict[str | None, list[str]] = {}

    def add(node: dict[str, Any], level: int, parent: str | None) -> None:
        code = node["code"].ljust(6, "0")
        if len(node["code"]) != 2 * (level + 1):
            return  # towns under cities without districts (东莞, 中山, …) are not regions here
        regions[code] = Region(code, node["name"], LEVELS[level], parent)
        children.setdefault(parent, []).append(code)
        for child in node.get("children", []) if level < 2 else []:
            add(child, level + 1, code)

    for province in json.loads(DATA_FILE.read_text(encoding="utf-8")):
        add(province, 0, None)
    return regions, children


def get(code: str) -> Region | None:
    """The region with this six-digit code, or None."""
    return _index()[0].get(code)


def children(code: str | None = None) -> list[dict[str, str]]:
    """The divisions directly under ``code`` (provinces when None), for cascading selects."""
    return [{"code": c, "name": _index()[0][c].name} for c in _index()[1].get(code, [])]


def path(code: str) -> list[Region]:
    """The region and its ancestors, province first (empty if the code is unknown)."""
    chain: list[Region] = []
    region = get(code)
    while region is not None:
        chain.insert(0, region)
        region = get(region.parent) if region.parent else None
    return chain


def full_name(code: str) -> str:
    """"浙江省 杭州市 西湖区" (grouping entries such as 市辖区 left out)."""
    chain = path(code)
    if not chain:
        return code
    return " ".join(r.name for r in chain if r.name not in PLACEHOLDER_NAMES or r is chain[-1])


def prefix(code: str) -> str:
    """The code prefix shared by everything under ``code``: 330000 → 33, 330100 → 3301."""
    return code_prefix(code)


def _named(candidates: list[str], part: str) -> str | None:
    names = {c: _index()[0][c].name for c in candidates}
    exact = [c for c, n in names.items() if n in (part, part + "省", part + "市")]
    loose = [c for c, n in names.items() if n.startswith(part)]
    found = exact or loose
    return found[0] if len(found) == 1 else None


def find_by_names(text: str) -> str | None:
    """Resolve "浙江省 杭州市 西湖区" (or 浙江/杭州/西湖) to the deepest code, or None."""
    parent: str | None = None
    for part in (p for p in _NAME_SEPARATORS.split(text) if p):
        below = _index()[1].get(parent, [])
        match = _named(below, part)
        if match is None and parent is not None:
            # "北京市 东城区": look through grouping entries such as 市辖区.
            grouped = [g for c in below if _index()[0][c].name in PLACEHOLDER_NAMES
                       for g in _index()[1].get(c, [])]
            match = _named(grouped, part)
            if match is None and _named([parent], part):
                continue  # "北京 北京市 …": the part repeats the level above
        if match is None:
            return None
        parent = match
    return parent


class RegionType(FieldType):
    """Province, city and district of mainland China, stored as the deepest code."""

    type = "region"
    family = "contact"
    icon = "map-pin"
    operators = ("eq", "in", "under", "empty", "not_empty")
    widget = "fields/widgets/region.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"levels": {"enum": list(LEVELS)}},
    }

    def name(self) -> str:
        """Palette name."""
        return _("Region")

    def depth(self, field: Field) -> str:
        """The level the field asks for: province, city or district (the default)."""
        return field.config.get("levels") or "district"

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """VARCHAR(6)."""
        return sa.String(6)

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A six-digit code or null."""
        return {"type": ["string", "null"], "pattern": r"^\d{6}$"}

    def coerce(self, field: Field, raw: Any) -> str | None:
        """Accept a code, {"province", "city", "district"} or names; check the level."""
        code = self.parse(field, raw)
        if code is None:
            return None
        wanted = LEVELS.index(self.depth(field))
        chain = path(code)
        if len(chain) > wanted + 1:
            return chain[wanted].code  # more detail than the field keeps
        last = chain[-1]
        if len(chain) < wanted + 1 and _index()[1].get(last.code):
            message = (_("choose a city in %(name)s", name=last.name) if last.level == "province"
                       else _("choose a district in %(name)s", name=full_name(last.code)))
            raise ValueInvalid(message)
        return last.code

    def parse(self, field: Field, raw: Any) -> str | None:
        """A known code at any level, from a code, a dict of levels or names."""
        if raw is None:
            return None
        if isinstance(raw, dict):
            return self._from_levels(raw)
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not text:
            return None
        if text.isdigit() and len(text) in (2, 4):
            text = text.ljust(6, "0")
        if _CODE.match(text):
            if get(text) is None:
                raise ValueInvalid(_("%(code)s is not a region code", code=text))
            return text
        code = find_by_names(text) if len(text) <= 100 else None
        if code is None:
            raise ValueInvalid(_("no region is called %(name)s; choose a province, city and "
                                 "district", name=text[:60]))
        return code

    def _from_levels(self, raw: dict[str, Any]) -> str | None:
        parent: str | None = None
        for level in LEVELS:
            value = raw.get(level)
            if value in (None, ""):
                break
            code = str(value).strip().ljust(6, "0")
            region = get(code) if _CODE.match(code) else None
            if region is None or region.level != level:
                raise ValueInvalid(_("%(code)s is not a region code", code=str(value)[:12]))
            if region.parent != parent:
                raise ValueInvalid(_("%(child)s is not in %(parent)s", child=full_name(code),
                                     parent=get(parent).name if parent else "—"))
            parent = code
        return parent

    def filter_value(self, field: Field, op: str, raw: Any) -> Any:
        """``under`` takes a region at any level; the others take values of this field."""
        if op == "under":
            code = self.parse(field, raw)
            if code is None:
                raise ValueInvalid(_("choose a region"))
            return code
        return super().filter_value(field, op, raw)

    def display(self, field: Field, value: Any) -> str:
        """"浙江省 杭州市 西湖区"."""
        return "" if value is None else full_name(value)

    def sample_config(self) -> dict[str, Any]:
        """Down to the district."""
        return {"levels": "district"}

    def sample_values(self, field: Field) -> list[Any]:
        """Two districts of 杭州, one of 北京, and 东莞 (a city without districts)."""
        return ["330106", "330102", "110101", "441900"]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Unknown codes and names, a province alone, a city outside its province."""
        return ["999999", "330000", {"province": "330000", "city": "110100"},
                "浙江省 杭州市 不存在区", "33010"]
