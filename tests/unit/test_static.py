"""Static files: the stylesheet parses (braces balance, every section at top level)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "jimu.css"


def test_stylesheet_braces_balance_and_sections_start_at_top_level():
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), CSS.read_text(),
                  flags=re.S)
    original = CSS.read_text().split("\n")
    depth = 0
    for number, line in enumerate(text.split("\n"), 1):
        if original[number - 1].startswith("/* ----------"):
            assert depth == 0, f"section at line {number} starts inside a block"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"unbalanced '}}' at line {number}"
    assert depth == 0, "a block is never closed"
