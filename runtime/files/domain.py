"""Pure rules for uploads: what a file really is, whether a field takes it, a safe name.

The content type is read from the bytes (magic numbers; the entries of a zip for
Office and OpenDocument files), never from the client's Content-Type or the
file name. A file is accepted when its extension is one the field allows *and*
its content is what that extension promises.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

from flask_babel import gettext as _

from builder.fields import Field, ValueInvalid
from builder.fields.media import EXTENSIONS, MediaType, format_size

#: how many leading bytes sniffing looks at
HEAD_BYTES = 8192
ZIP = "application/zip"
OLE = "application/x-ole-storage"
TEXT = "text/plain"
#: raster images a browser may show inline; anything else is only ever downloaded
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
#: extension → the sniffed kinds its content may have
_KINDS: dict[str, frozenset[str]] = {
    ext: frozenset({mime}) for ext, mime in EXTENSIONS.items()
}
_KINDS.update({
    "doc": frozenset({OLE}), "xls": frozenset({OLE}), "ppt": frozenset({OLE}),
    "txt": frozenset({TEXT}), "csv": frozenset({TEXT}), "md": frozenset({TEXT}),
    # a zip may hold anything, Office documents included
    "zip": frozenset({ZIP, *(EXTENSIONS[e] for e in ("docx", "xlsx", "pptx", "odt", "ods",
                                                      "odp"))}),
    "mov": frozenset({"video/quicktime", "video/mp4"}),
    "mp4": frozenset({"video/mp4", "video/quicktime"}),
})
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
    (0, b"Rar!\x1a\x07", "application/vnd.rar"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\xff\xfb", "audio/mpeg"),
    (0, b"\xff\xf3", "audio/mpeg"),
    (4, b"ftypqt", "video/quicktime"),
    (4, b"ftyp", "video/mp4"),
)
#: programs are refused whatever their name says
_PROGRAMS = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
             b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_OFFICE_MARKERS = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))
_BIDI_AND_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_RESERVED = re.compile(r'[<>:"/\\|?*]')


def sniff(head: bytes, path: str | None = None) -> str:
    """The content type the bytes show (``application/octet-stream`` if unknown).

    ``head`` is the file's first bytes; ``path`` (the whole file) lets a zip be
    told apart from the Office and OpenDocument files built on it.
    """
    if head.startswith(_PROGRAMS):
        return "application/x-executable"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for offset, magic, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path) if path else ZIP
    if _looks_like_text(head):
        return TEXT
    return "application/octet-stream"


def _zip_kind(path: str) -> str:
    """docx, xlsx, pptx or OpenDocument by the archive's entries; a plain zip otherwise."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()[:2000]
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in EXTENSIONS.values():
                    return declared
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, NotImplementedError):
        return ZIP
    if "[Content_Types].xml" in names:
        for prefix, ext in _OFFICE_MARKERS:
            if any(name.startswith(prefix) for name in names):
                return EXTENSIONS[ext]
    return ZIP


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 (or GB 18030) text without NUL bytes; a cut multi-byte tail is fine."""
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:
                return True
    return False


def extension(name: str) -> str:
    """The lower-case extension of a file name, without the dot ('' if none)."""
    suffix = PurePosixPath(name).suffix
    return suffix[1:].lower() if suffix else ""


def safe_name(raw: str | None) -> str:
    """The file name to show and offer on download: no folders, controls or bidi tricks.

    ``../../etc/passwd`` → ``passwd``; ``a\\x00b.pdf`` → ``ab.pdf``; the
    right-to-left override that makes ``exe.pdf`` read backwards is dropped; very
    long names are cut, keeping the extension. The name is never used on disk.
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = _BIDI_AND_CONTROL.sub("", text)
    text = PureWindowsPath(PurePosixPath(text.replace("\\", "/")).name).name
    text = _RESERVED.sub("_", text).strip().strip(".")
    if not text:
        return _("file")
    if len(text) > 200:
        ext = extension(text)
        keep = 200 - (len(ext) + 1 if ext and len(ext) <= 10 else 0)
        text = text[:keep].rstrip() + (f".{ext}" if ext and len(ext) <= 10 else "")
    return text


def content_type(ext: str, sniffed: str) -> str:
    """The type the file is served as: the sniffed one, or the extension's for OLE/text."""
    if sniffed in (OLE, TEXT):
        return EXTENSIONS.get(ext, sniffed)
    return sniffed


def check(field_type: MediaType, field: Field, name: str, size: int, sniffed: str) -> None:
    """Refuse a file the field does not take, naming the field and what it allows."""
    ext = extension(name)
    allowed = field_type.extensions(field)
    limits = field_type.limits_text(field)
    if ext not in allowed:
        raise ValueInvalid(_("%(field)s: only %(limits)s are allowed (got %(got)s)",
                             field=field.label, limits=limits, got=ext or _("no extension")))
    if size > field_type.max_bytes(field):
        raise ValueInvalid(_("%(field)s: only %(limits)s are allowed (got %(got)s)",
                             field=field.label, limits=limits, got=format_size(size)))
    if size == 0:
        raise ValueInvalid(_("%(field)s: the file is empty", field=field.label))
    if sniffed not in _KINDS.get(ext, frozenset()):
        raise ValueInvalid(_("%(field)s: the content of %(name)s is not a %(ext)s file",
                             field=field.label, name=name, ext=ext))


