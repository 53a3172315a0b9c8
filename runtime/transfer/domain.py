"""Pure steps of importing: matching columns to fields, tidying cells, duplicate keys.

No database here; the field types decide what a value means (``coerce``), this
module only turns spreadsheet cells into the text and numbers they accept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from builder import fields as field_types
from builder.fields import Field
from builder.fields.normalize import DEFAULT_SUFFIXES, normalize

from ..records.schema import PublishedForm

EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!"})
#: types whose values are text: numbers and dates in such cells are written as text
TEXT_TYPES = frozenset({"text", "textarea", "rich_text", "email", "phone", "url", "id_card"})
#: the characters a spreadsheet would read as the start of a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Full-width letters and digits (Ａ１) and the ideographic space; full-width punctuation
# such as ，（） is left alone: it belongs in Chinese text.
_WIDE = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
         for c in range(r[0], r[1] + 1)} | {0x3000: 0x20}
_HEADER_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】]|必填|required", re.IGNORECASE)


# ---------------------------------------------------------------- columns → fields


def importable(form: PublishedForm) -> list[Field]:
    """Fields a file can fill: live and typed by people (not system, formula, auto-number,
    lookup), holding values a cell can spell (not attachments or images)."""
    return [f for f in form.fields if not form.type_of(f.id).readonly
            and form.type_of(f.id).family != "media"]


def _header_key(text: str) -> str:
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _type_names(field: Field) -> set[str]:
    """The field type's name in Chinese and in English (a column called "E-mail")."""
    field_type = field_types.get(field.type)
    names = set()
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            names.add(_header_key(str(field_type.name())))
    return names


def auto_map(form: PublishedForm, headers: Sequence[str]) -> list[str | None]:
    """The field each column most likely fills: same label, same field id, or same type."""
    fields = importable(form)
    mapping: list[str | None] = [None] * len(headers)
    taken: set[str] = set()
    keys = [_header_key(h) for h in headers]
    passes = [
        lambda f, i: headers[i].strip() == f.label.strip(),
        lambda f, i: headers[i].strip() == f.id,
        lambda f, i: bool(keys[i]) and keys[i] == _header_key(f.label),
    ]
    for matches in passes:
        for index in range(len(headers)):
            if mapping[index] is not None:
                continue
            found = next((f for f in fields if f.id not in taken and matches(f, index)), None)
            if found is not None:
                mapping[index] = found.id
                taken.add(found.id)
    _map_by_type(fields, keys, mapping, taken)
    return mapping


def _map_by_type(fields: list[Field], keys: list[str], mapping: list[str | None],
                 taken: set[str]) -> None:
    """A column named after a type fills the only field of that type (if still free)."""
    by_type: dict[str, list[Field]] = {}
    for f in fields:
        by_type.setdefault(f.type, []).append(f)
    for index, key in enumerate(keys):
        if mapping[index] is not None or not key:
            continue
        for candidates in by_type.values():
            if len(candidates) == 1 and candidates[0].id not in taken \
                    and key in _type_names(candidates[0]):
                mapping[index] = candidates[0].id
                taken.add(candidates[0].id)
                break


def check_mapping(form: PublishedForm, headers: Sequence[str], mapping: Sequence[Any],
                  keys: Sequence[str]) -> dict[str, list[str]]:
    """Problems with a chosen mapping, by form input name ('' for the whole form)."""
    errors: dict[str, list[str]] = {}
    allowed = {f.id for f in importable(form)}
    seen: dict[str, int] = {}
    for index, field_id in enumerate(mapping):
        if not field_id:
            continue
        if field_id not in allowed:
            errors.setdefault(f"col_{index}", []).append(_("choose a field of this form"))
        elif field_id in seen:
            errors.setdefault(f"col_{index}", []).append(_(
                "“%(field)s” is already chosen for column %(column)s; choose each field once",
                field=form.field_map[field_id].label, column=column_name(seen[field_id])))
        else:
            seen[field_id] = index
    if not seen:
        errors.setdefault("", []).append(_("Choose a field for at least one column."))
    for key in keys:
        if key not in seen:
            errors.setdefault("keys", []).append(_("Only fields that are filled from a column "
                                                   "can identify duplicates."))
            break
    return errors


def column_name(index: int) -> str:
    """A, B, …, Z, AA, … as Excel names columns."""
    name, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


# ---------------------------------------------------------------- cells


def halfwidth(text: str) -> str:
    """Full-width letters, digits and spaces to their ordinary forms."""
    return text.translate(_WIDE)


def unescape(text: str) -> str:
    """Drop the apostrophe an export put before a formula-like text (“'=A1” → “=A1”)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def cell_value(cell: Any, field_type: str, *, tidy: bool) -> Any:
    """What a spreadsheet cell means for a field of ``field_type``, before coercion.

    Whole-number floats become integers (a phone number Excel stored as
    13812345678.0); dates, times and numbers become text for text fields; text
    is trimmed and, with ``tidy``, full-width letters and digits are made
    half-width.
    """
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**63:
        cell = int(cell)
    if isinstance(cell, str):
        text = unescape(cell.strip())
        return halfwidth(text) if tidy else text
    if field_type in TEXT_TYPES:
        return as_text(cell)
    return cell


def as_text(value: Any) -> str:
    """A cell value written the way a person would type it."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d" if value.time() == time(0) else "%Y-%m-%d %H:%M")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def excel_error(cell: Any) -> str | None:
    """The message for a cell that shows an Excel error such as #N/A, else None."""
    if isinstance(cell, str) and cell.lstrip()[:1] == "#" and cell.strip() in EXCEL_ERRORS:
        return _("the cell shows the Excel error %(error)s; fix the formula or type the value",
                 error=cell.strip())
    return None


# ---------------------------------------------------------------- duplicate keys


def key_part(form: PublishedForm, field_id: str, value: Any) -> Any:
    """One field's part of a duplicate key, normalised as its unique rule would.

    Fields with a normalised unique rule use its steps (the shadow column holds
    the same key); other text compares without case and surrounding spaces.
    """
    if value is None or value == "" or value == []:
        return None
    rule = form.raw_fields[field_id].get("unique") or {}
    if isinstance(value, str):
        if rule.get("steps"):
            return normalize(value, rule["steps"], rule.get("suffixes") or DEFAULT_SUFFIXES)
        return value.strip().lower()
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def row_key(form: PublishedForm, field_ids: Iterable[str], values: Mapping[str, Any]
            ) -> tuple[Any, ...] | None:
    """The key of a row: every key field's part, or None when one of them is empty."""
    parts = tuple(key_part(form, f, values.get(f)) for f in field_ids)
    return None if any(p is None for p in parts) else parts


# ---------------------------------------------------------------- stored cells


def cell_to_json(cell: Any) -> Any:
    """A cell as JSON that :func:`cell_from_json` turns back into the same cell."""
    if isinstance(cell, datetime):
        return {"dt": cell.isoformat()}
    if isinstance(cell, date):
        return {"d": cell.isoformat()}
    if isinstance(cell, time):
        return {"t": cell.isoformat()}
    if isinstance(cell, timedelta):
        return str(cell)
    if isinstance(cell, Decimal):
        return str(cell)
    if isinstance(cell, str) and len(cell) > 32_000:
        return cell[:32_000]  # an XLSX cell holds at most 32,767 characters
    return cell


def cell_from_json(data: Any) -> Any:
    """The cell :func:`cell_to_json` stored."""
    if isinstance(data, dict):
        if "dt" in data:
            return datetime.fromisoformat(data["dt"])
        if "d" in data:
            return date.fromisoformat(data["d"])
        if "t" in data:
            return time.fromisoformat(data["t"])
    return data
