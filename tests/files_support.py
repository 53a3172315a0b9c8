"""Small real files for upload tests: a PNG, a PDF, a docx, a program in disguise."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def png(width: int = 2, height: int = 2, gradient: bool = False) -> bytes:
    """A valid RGB PNG of one colour (or a blue-to-teal gradient, for screenshots)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    def row(y: int) -> bytes:
        if not gradient:
            return b"\x2a\x6e\xd8" * width
        return b"".join(bytes((40 + 60 * x // width, 110 + 100 * y // height,
                               216 - 80 * x // width)) for x in range(width))

    rows = b"".join(b"\x00" + row(y) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pdf(size: int = 600) -> bytes:
    """Something that starts and ends like a PDF."""
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
    return body + b"%" + b"x" * max(0, size - len(body) - 8) + b"\n%%EOF\n"


def office(kind: str = "docx") -> bytes:
    """A minimal OOXML package (docx or xlsx)."""
    buffer = io.BytesIO()
    folder = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(folder, "<doc/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    """A zip that is not an Office document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def program() -> bytes:
    """The start of a Windows program."""
    return b"MZ\x90\x00" + b"\x00" * 200
