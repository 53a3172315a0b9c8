"""Streaming the rows of an XLSX worksheet with openpyxl's read-only mode.

No Flask and no database here, so that :func:`background_rows` can read a large
workbook in a separate process — importing this module in a fresh interpreter
takes a fraction of a second — while the caller checks and writes the rows it has
already received, on the machine's other core.
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Merge = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col (1-based)
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class WorkbookUnreadable(Exception):
    """The file is not a workbook openpyxl can read, or it has no worksheet with rows."""


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """The workbook, read-only with formulas' saved results; closed afterwards.

    openpyxl is handed an open file rather than the path: it judges paths by their
    extension, and stored uploads have none.
    """
    with path.open("rb") as handle:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # styles and extensions openpyxl cannot keep
                reader = _reader_class()(handle, read_only=True, data_only=True,
                                         keep_links=False)
                reader.read()
                workbook = reader.wb
        except Exception as exc:  # noqa: BLE001 - any parse error: not a workbook we can read
            raise WorkbookUnreadable(str(exc)) from exc
        try:
            yield workbook
        finally:
            workbook.close()


def _reader_class():
    """openpyxl's workbook reader with a faster, lazily read shared-strings table.

    openpyxl builds an object per shared string (about 50 µs each) and reads the
    whole table when the workbook opens; a sheet of 100,000 customers has several
    hundred thousand distinct strings. :class:`SharedStrings` reads the plain text
    (rich runs joined, phonetic guides left out, as openpyxl does) only as far as
    the rows read so far need: Excel stores strings in the order they first appear,
    so looking at the first rows reads only the start of the table.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class Reader(ExcelReader):
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                self.shared_strings = SharedStrings(self.archive.open(part.PartName[1:]))

    return Reader


class SharedStrings:
    """A workbook's shared strings, parsed on demand as indices are asked for."""

    def __init__(self, source):
        from openpyxl.xml.functions import iterparse  # what openpyxl itself parses with

        self._source = source
        self._events: Iterator[Any] | None = iterparse(source)
        self._items: list[str] = []

    def __getitem__(self, index: int) -> str:
        while index >= len(self._items) and self._events is not None:
            self._read(1024)
        return self._items[index]

    def __len__(self) -> int:
        while self._events is not None:
            self._read(65536)
        return len(self._items)

    def _read(self, count: int) -> None:
        item, text, run = _NS + "si", _NS + "t", _NS + "r"
        assert self._events is not None
        for _event, node in self._events:
            if node.tag != item:
                continue
            parts = [child.text or "" if child.tag == text else child.findtext(text) or ""
                     for child in node if child.tag in (text, run)]
            self._items.append("".join(parts).replace("x005F_", ""))
            node.clear()
            count -= 1
            if not count:
                return
        self._events = None
        self._source.close()


def shared_strings(source) -> list[str]:
    """The whole shared-strings table of a workbook, as plain text."""
    table = SharedStrings(source)
    return [table[i] for i in range(len(table))]


def worksheet(workbook) -> Any:
    """The sheet people see when they open the file (else the first with rows)."""
    sheet = workbook.active
    if sheet is None or not hasattr(sheet, "iter_rows"):
        sheet = next((ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")), None)
    if sheet is None:
        raise WorkbookUnreadable("no worksheet")
    sheet.reset_dimensions()  # some writers save a wrong size; read what is there
    return sheet


def numbered(sheet) -> Iterator[tuple[int, list[Any]]]:
    """Rows with the numbers Excel shows; rows that do not exist in the file are left out."""
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if cells:
            yield number, list(cells)


def merged(source: Iterator[tuple[int, list[Any]]], merges: list[Merge]
           ) -> Iterator[tuple[int, list[Any]]]:
    """Give every cell of a merged range the value of its top-left cell."""
    if not merges:
        yield from source
        return
    starts: dict[int, list[Merge]] = {}
    for merge in merges:
        starts.setdefault(merge[0], []).append(merge)
    active: list[tuple[Merge, Any]] = []
    for number, cells in source:
        active = [(m, v) for m, v in active if m[2] >= number]
        for merge in starts.pop(number, []):
            col = merge[1] - 1
            active.append((merge, cells[col] if col < len(cells) else None))
        for (_r1, c1, _r2, c2), value in active:
            if len(cells) < c2:
                cells.extend([None] * (c2 - len(cells)))
            for col in range(c1 - 1, c2):
                cells[col] = value
        yield number, cells


def rows(path: Path, merges: list[Merge]) -> Iterator[tuple[int, list[Any]]]:
    """Every row of the workbook's sheet, merged ranges filled in."""
    with open_workbook(path) as workbook:
        yield from merged(numbered(worksheet(workbook)), merges)


# ---------------------------------------------------------------- in another process


def background_rows(path: Path, merges: list[Merge], *, batch: int = 500
                    ) -> Iterator[tuple[int, list[Any]]]:
    """:func:`rows`, read by a separate process and handed over in batches.

    The pipe holds little, so the reader stays only a few batches ahead. Closing
    the iterator early stops the reader; a reader that fails raises here.
    """
    context = multiprocessing.get_context("spawn")  # never fork a threaded web process
    receiver, sender = context.Pipe(duplex=False)
    reader = context.Process(target=_produce, args=(str(path), merges, sender, batch),
                             daemon=True, name="jimu-xlsx-reader")
    reader.start()
    sender.close()
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise WorkbookUnreadable("the reader stopped unexpectedly") from None
            if message is None:
                return
            if isinstance(message, str):
                raise WorkbookUnreadable(message)
            yield from message
    finally:
        receiver.close()
        if reader.is_alive():
            reader.terminate()
        reader.join(5)


def _produce(path: str, merges: list[Merge], sender, batch: int) -> None:
    """The reading process: send batches of rows, then None (or an error text)."""
    try:
        chunk: list[tuple[int, list[Any]]] = []
        for row in rows(Path(path), merges):
            chunk.append(row)
            if len(chunk) >= batch:
                sender.send(chunk)
                chunk = []
        if chunk:
            sender.send(chunk)
        sender.send(None)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    except Exception as exc:  # noqa: BLE001 - reported to the reading side
        sender.send(f"{type(exc).__name__}: {exc}")
    finally:
        sender.close()
