"""Normalising values for uniqueness: "XX公司" and "ＸＸ 有限公司" can count as one name."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: the steps a unique rule may ask for, in the order they apply
STEPS = ("trim", "collapse_spaces", "halfwidth", "casefold", "suffixes")
DEFAULT_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")
NORMALIZE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "steps": {"type": "array", "uniqueItems": True, "items": {"enum": list(STEPS)}},
        "suffixes": {"type": "array", "maxItems": 50,
                     "items": {"type": "string", "minLength": 1, "maxLength": 40}},
    },
}
_SPACES = re.compile(r"\s+")


def normalize(value: str, steps: list[str] | tuple[str, ...],
              suffixes: list[str] | tuple[str, ...] = DEFAULT_SUFFIXES) -> str:
    """Apply the chosen steps; suffixes are removed longest first, once."""
    text = value
    if "halfwidth" in steps:
        text = unicodedata.normalize("NFKC", text)
    if "trim" in steps:
        text = text.strip()
    if "collapse_spaces" in steps:
        text = _SPACES.sub(" ", text)
    if "casefold" in steps:
        text = text.casefold()
    if "suffixes" in steps:
        for suffix in sorted(suffixes, key=len, reverse=True):
            folded = normalize(suffix, [s for s in steps if s != "suffixes"], ())
            if folded and text.endswith(folded):
                if len(text) > len(folded):
                    text = text[: -len(folded)].rstrip()
                break
    return text
