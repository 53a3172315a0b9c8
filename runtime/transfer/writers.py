"""Writing tables: XLSX through openpyxl's write-only mode, CSV as UTF-8 with a BOM.

Both stream: rows go to disk (or to the response) as they come, so memory stays
flat however many rows there are. Text that a spreadsheet would read as a formula
(starting with = + - @) gets an apostrophe in front, so opening an export never
runs anything (the importer takes the apostrophe off again).
"""

from __future__ import annotations

import csv
import functools
import io
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from .domain import FORMULA_START

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
MAX_CELL = 32_767


def escape(value: Any) -> Any:
    """Text that starts like a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@functools.cache
def _illegal_characters():
    """openpyxl's pattern of characters XML cannot hold (openpyxl loads on first export,
    not in every web process)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def xlsx_cell(value: Any) -> Any:
    """A value openpyxl can write: escaped text without control characters, numbers, dates."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | time):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        return value
    text = _illegal_characters().sub("", str(value))
    return escape(text[:MAX_CELL])


def write_xlsx(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               title: str = "Sheet1") -> int:
    """Write a one-sheet workbook; returns the number of data rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for name in headers:
        cell = WriteOnlyCell(sheet, value=xlsx_cell(name))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    try:
        for row in rows:
            sheet.append([xlsx_cell(v) for v in row])
            count += 1
    except BaseException:
        with suppress(Exception):  # close the sheet's temporary file before giving up
            sheet.close()
        raise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook.save(path)
    return count


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(c for c in title if c not in "[]:*?/\\").strip()
    return (cleaned or "Sheet1")[:31]


def csv_text(value: Any) -> str:
    """A value as CSV text (escaped like XLSX text)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(escape(value) if isinstance(value, str) else value)


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               every: int = 500) -> Iterator[bytes]:
    """CSV bytes in pieces: a UTF-8 BOM (so Excel reads Chinese right), then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in headers])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_text(v) for v in row])
        if count % every == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
