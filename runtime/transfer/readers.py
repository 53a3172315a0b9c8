"""Reading uploaded tables: XLSX (openpyxl, read-only streaming) and CSV in any encoding
Chinese Excel writes (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 "Unicode text").

:func:`inspect` reads a file once to learn its kind, encoding, header row and
size; :func:`rows` then streams its data rows as ``(row number, cells)`` with the
row numbers a person sees in Excel, skipping empty rows. Every problem with the
file itself is a :class:`SourceInvalid` with a message for the person uploading.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from builder import xlsx

from .exceptions import SourceInvalid
from .xlsx_scan import scan_sheet

#: rows inspected to find the header and show samples
SAMPLE_ROWS = 30
MAX_COLUMNS = 200
MAX_CELL_CHARS = 100_000
ENCODINGS = ("utf-8", "gb18030")
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


@dataclass
class Sheet:
    """What the importer knows about an uploaded table after one look at it."""

    kind: str  # xlsx or csv
    #: the row number (1-based, as Excel shows it) holding the column names
    header_row: int
    headers: list[str]
    #: data rows after the header (an estimate for XLSX: rows that exist in the file)
    total: int
    encoding: str | None = None
    delimiter: str = ","
    sheet_name: str = ""
    #: merged ranges as (min_row, min_col, max_row, max_col), 1-based
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: "B7"-style references of formula cells saved without a result
    formulas_without_value: list[str] = field(default_factory=list)
    samples: list[list[Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """What an import run stores about its file (samples excluded)."""
        return {"kind": self.kind, "header_row": self.header_row, "headers": self.headers,
                "total": self.total, "encoding": self.encoding, "delimiter": self.delimiter,
                "sheet_name": self.sheet_name, "merges": [list(m) for m in self.merges],
                "formulas_without_value": self.formulas_without_value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sheet:
        """The stored form back."""
        merges = [(a, b, c, d) for a, b, c, d in data.get("merges", [])]
        return cls(**{**data, "merges": merges})


def detect_kind(path: Path) -> str:
    """xlsx or csv, from the file's first bytes (names and extensions can lie)."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == _ZIP:
        return "xlsx"
    if head == _OLE:
        raise SourceInvalid(_("This is an Excel 97–2003 (.xls) file. Open it in Excel or WPS "
                              "and save it as .xlsx, then upload it again."))
    return "csv"


def inspect(path: Path) -> Sheet:
    """Read the file once: kind, encoding, header row, row count, samples."""
    kind = detect_kind(path)
    sheet = _inspect_xlsx(path) if kind == "xlsx" else _inspect_csv(path)
    if not sheet.headers:
        raise SourceInvalid(_("The file has no rows with data."))
    return sheet


def rows(path: Path, sheet: Sheet, *, background: bool = False
         ) -> Iterator[tuple[int, list[Any]]]:
    """Each non-empty row after the header: (row number, cells padded to the header).

    With ``background``, a large workbook is read by a separate process meanwhile.
    """
    width = len(sheet.headers)
    source = (_xlsx_rows(path, sheet, background) if sheet.kind == "xlsx"
              else _csv_rows(path, sheet))
    for number, cells in source:
        if number <= sheet.header_row:
            continue
        cells = list(cells[:width])
        if not any(_filled(c) for c in cells):
            continue
        cells.extend([None] * (width - len(cells)))
        yield number, cells


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _header(samples: list[tuple[int, list[Any]]]) -> tuple[int, list[str]]:
    """The first row at least half as full as the fullest one (skips a merged title row)."""
    counts = [sum(_filled(c) for c in cells) for _n, cells in samples]
    if not counts or max(counts) == 0:
        return 0, []
    needed = max(1, (max(counts) + 1) // 2)
    for (number, cells), count in zip(samples, counts, strict=True):
        if count >= needed:
            names = [_name(c) for c in cells[:MAX_COLUMNS]]
            while names and not names[-1]:
                names.pop()
            return number, names
    return 0, []


def _name(cell: Any) -> str:
    return re.sub(r"\s+", " ", str(cell)).strip()[:100] if _filled(cell) else ""


def _finish(sheet: Sheet, samples: list[tuple[int, list[Any]]]) -> Sheet:
    sheet.header_row, sheet.headers = _header(samples)
    sheet.samples = [cells for number, cells in samples
                     if number > sheet.header_row and any(_filled(c) for c in cells)][:5]
    return sheet


# ---------------------------------------------------------------- XLSX

#: above this many rows a separate process reads the workbook while rows are written
BACKGROUND_ROWS = 20_000


def _unreadable() -> str:
    return _("The file could not be read as an Excel workbook (.xlsx). Save it again from "
             "Excel or WPS, or save it as CSV.")


def _inspect_xlsx(path: Path) -> Sheet:
    try:
        with xlsx.open_workbook(path) as workbook:
            worksheet = xlsx.worksheet(workbook)
            scan = scan_sheet(path, worksheet._worksheet_path)
            sheet = Sheet(kind="xlsx", header_row=0, headers=[], total=0,
                          sheet_name=str(worksheet.title), merges=scan.merges,
                          formulas_without_value=scan.formulas_without_value)
            raw = list(islice(xlsx.numbered(worksheet), SAMPLE_ROWS))
    except xlsx.WorkbookUnreadable as exc:
        if str(exc) == "no worksheet":
            raise SourceInvalid(_("The workbook has no worksheet with rows.")) from exc
        raise SourceInvalid(_unreadable()) from exc
    except Exception as exc:  # noqa: BLE001 - a damaged part inside a readable zip
        raise SourceInvalid(_unreadable()) from exc
    # The header is found before merged ranges are filled in, so a title merged across
    # the top is not mistaken for it; the samples show the filled values.
    _finish(sheet, [(n, list(c)) for n, c in raw])
    filled = list(xlsx.merged(iter(raw), sheet.merges))
    sheet.samples = [cells for number, cells in filled
                     if number > sheet.header_row and any(_filled(c) for c in cells)][:5]
    sheet.total = max(0, scan.rows - sheet.header_row)
    return sheet


def _xlsx_rows(path: Path, sheet: Sheet, background: bool) -> Iterator[tuple[int, list[Any]]]:
    if background and sheet.total > BACKGROUND_ROWS:
        return xlsx.background_rows(path, sheet.merges)
    return xlsx.rows(path, sheet.merges)


# ---------------------------------------------------------------- CSV


def _text_stream(path: Path, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(path.open("rb"), encoding=encoding, errors="strict", newline="")


def _sniff_encoding(path: Path) -> list[str]:
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    return list(ENCODINGS)


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _inspect_csv(path: Path) -> Sheet:
    csv.field_size_limit(MAX_CELL_CHARS)
    failure: Exception | None = None
    for encoding in _sniff_encoding(path):
        try:
            return _read_csv_once(path, encoding)
        except UnicodeDecodeError as exc:
            failure = exc
    raise SourceInvalid(_("The file is not text in UTF-8 or GBK/GB18030, so its characters "
                          "cannot be read. In Excel or WPS choose Save as → “CSV UTF-8”, or "
                          "upload the .xlsx file instead.")) from failure


def _read_csv_once(path: Path, encoding: str) -> Sheet:
    with _text_stream(path, encoding) as stream:
        first = stream.readline()
        delimiter = _delimiter(first)
        stream.seek(0)
        reader = csv.reader(stream, delimiter=delimiter)
        samples: list[tuple[int, list[Any]]] = []
        count = 0
        try:
            for count, cells in enumerate(reader, start=1):  # noqa: B007 - count is kept
                if len(samples) < SAMPLE_ROWS:
                    samples.append((count, cells))
        except csv.Error as exc:
            raise SourceInvalid(_("Line %(line)s of the file cannot be read: %(problem)s",
                                  line=reader.line_num, problem=str(exc))) from exc
    sheet = Sheet(kind="csv", header_row=0, headers=[], total=0,
                  encoding="utf-8-sig" if encoding == "utf-8" else encoding,
                  delimiter=delimiter)
    _finish(sheet, samples)
    sheet.total = max(0, count - sheet.header_row)
    return sheet


def _csv_rows(path: Path, sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    csv.field_size_limit(MAX_CELL_CHARS)
    with _text_stream(path, sheet.encoding or "utf-8-sig") as stream:
        # Rows are numbered by record, as a spreadsheet shows the file, not by line.
        yield from enumerate(csv.reader(stream, delimiter=sheet.delimiter), start=1)

