"""One quick pass over a worksheet's XML for what openpyxl's read-only mode does not tell:
merged ranges, formula cells saved without a result, and how many rows there are.

The XML is streamed out of the zip and searched with byte patterns, so even a
100,000-row sheet takes a fraction of a second and little memory.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1 << 20
MAX_MERGES = 20_000
MAX_REPORTED = 1_000
_P = rb"(?:\w+:)?"  # elements may carry a namespace prefix (x:c)
_MERGE = re.compile(rb"<" + _P + rb'mergeCell\b[^>]*\bref="([A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)"')
_NO_VALUE = re.compile(rb"<" + _P + rb"f\b[^>]*(?:/>|>[^<]*</" + _P + rb"f>)(?:<" + _P
                       + rb"v\s*/>|<" + _P + rb"v></" + _P + rb"v>)?</" + _P + rb"c>")
_ROW = re.compile(rb"<" + _P + rb"row\b")
_REF = re.compile(rb'\br="([A-Z]{1,3}\d+)"')


@dataclass
class Scan:
    """What the pass found."""

    rows: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas_without_value: list[str] = field(default_factory=list)


def scan_sheet(path: Path, member: str) -> Scan:
    """Scan worksheet ``member`` of the workbook at ``path``."""
    found = Scan()
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as stream:
        while True:
            chunk = stream.read(CHUNK)
            data = tail + chunk
            if not chunk:
                _search(data, found)
                break
            cut = _cut(data)
            _search(data[:cut], found)
            tail = data[cut:]
    return found


def _cut(data: bytes) -> int:
    """Where to stop this round: after the last complete cell, so no pattern is split."""
    cut = data.rfind(b"c>") + 2
    if cut < len(data) // 2:
        cut = max(data.rfind(b"<"), 1)
    return cut


def _search(data: bytes, found: Scan) -> None:
    from openpyxl.utils.cell import range_boundaries  # only imports load openpyxl

    found.rows += len(_ROW.findall(data))
    for match in _MERGE.finditer(data):
        if len(found.merges) < MAX_MERGES:
            min_col, min_row, max_col, max_row = range_boundaries(match.group(1).decode())
            found.merges.append((min_row, min_col, max_row, max_col))
    for match in _NO_VALUE.finditer(data):
        if len(found.formulas_without_value) >= MAX_REPORTED:
            break
        start = data.rfind(b"<", 0, match.start())
        ref = _REF.search(data, start, match.start())
        if ref:
            found.formulas_without_value.append(ref.group(1).decode())
