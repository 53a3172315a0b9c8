"""Media family: attachments and images, held as references to uploaded files.

A value is a JSON array of file references, in the order they were added::

    [{"id": "<public token>", "name": "合同.pdf", "size": 48213, "type": "application/pdf"}]

``id`` is the file's random public token (43 URL-safe characters, never guessable);
``name``, ``size`` and ``type`` are copies of what the server recorded when the
file was uploaded, kept in the value so lists, history and exports need no
extra query. The builder cannot see uploads: ``coerce`` checks only the shape
(input may also be bare tokens), and the runtime's write path replaces every
reference by the server's own record of the file and refuses files this user
may not attach (``runtime/files/service.py``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import JSONB

from .base import Field, FieldType, ValueInvalid

DEFAULT_MAX_MB = 20
HARD_MAX_MB = 200
MAX_FILES = 50
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_NAME = 255
#: every extension we can verify by content, with the content type files of it are served as
EXTENSIONS: dict[str, str] = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain", "csv": "text/csv", "md": "text/markdown",
    "zip": "application/zip", "rar": "application/vnd.rar", "7z": "application/x-7z-compressed",
    "mp3": "audio/mpeg", "mp4": "video/mp4", "mov": "video/quicktime",
}
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp")
#: what an attachment field accepts when the builder lists no extensions
DEFAULT_ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt",
                                 "ods", "odp", "txt", "csv", "jpg", "jpeg", "png", "gif",
                                 "webp", "zip", "rar", "7z")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _config_schema(extensions: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "multiple": {"type": "boolean"},
            "max_files": {"type": "integer", "minimum": 1, "maximum": MAX_FILES},
            "max_size_mb": {"type": "integer", "minimum": 1, "maximum": HARD_MAX_MB},
            "extensions": {"type": "array", "minItems": 1, "uniqueItems": True,
                           "maxItems": len(extensions), "items": {"enum": list(extensions)}},
        },
    }


def format_size(size: int) -> str:
    """A byte count as people read it: 812 B, 48 KB, 3.2 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


class MediaType(FieldType):
    """Files uploaded into a field: their references are the value."""

    family = "media"
    operators = ("empty", "not_empty")
    #: the write path checks these references against the uploads (see module docstring)
    references: ClassVar[str] = "file"
    #: the extensions this type may ever accept
    allowed: ClassVar[tuple[str, ...]] = tuple(EXTENSIONS)
    #: the extensions accepted when the builder lists none
    default_extensions: ClassVar[tuple[str, ...]] = DEFAULT_ATTACHMENT_EXTENSIONS

    # ---- limits -------------------------------------------------------------
    def extensions(self, field: Field) -> list[str]:
        """The extensions this field accepts (lower case, no dot)."""
        chosen = field.config.get("extensions") or self.default_extensions
        return [e for e in chosen if e in self.allowed]

    def max_bytes(self, field: Field) -> int:
        """The largest file this field accepts, in bytes."""
        mb = int(field.config.get("max_size_mb") or DEFAULT_MAX_MB)
        return min(max(mb, 1), HARD_MAX_MB) * 1024 * 1024

    def max_files(self, field: Field) -> int:
        """How many files the field holds at most."""
        if not field.config.get("multiple"):
            return 1
        return int(field.config.get("max_files") or 10)

    def limits_text(self, field: Field) -> str:
        """``pdf, docx up to 20 MB`` for hints and messages."""
        return _("%(types)s up to %(size)s", types=", ".join(self.extensions(field)),
                 size=format_size(self.max_bytes(field)))

    # ---- storage ------------------------------------------------------------
    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """JSON (JSONB on PostgreSQL); no file is SQL NULL, never ``[]``."""
        return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

    def to_db(self, field: Field, value: Any) -> Any:
        """The list, or NULL when there is no file."""
        return [dict(item) for item in value] if value else None

    def value_schema(self, field: Field) -> dict[str, Any]:
        """A list of file references, or null."""
        return {
            "type": ["array", "null"], "minItems": 1, "maxItems": self.max_files(field),
            "items": {
                "type": "object", "additionalProperties": False, "required": ["id"],
                "properties": {
                    "id": {"type": "string", "pattern": TOKEN.pattern},
                    "name": {"type": "string", "maxLength": MAX_NAME},
                    "size": {"type": "integer", "minimum": 0},
                    "type": {"type": "string", "maxLength": 100},
                },
            },
        }

    # ---- values -------------------------------------------------------------
    def coerce(self, field: Field, raw: Any) -> list[dict[str, Any]] | None:
        """File references from a form (tokens), JSON or an import; shape checks only."""
        items = self._items(raw)
        if items is None:
            return None
        refs: dict[str, dict[str, Any]] = {}
        for item in items:
            ref = self._reference(item)
            refs.setdefault(ref["id"], ref)
        if not refs:
            return None
        limit = self.max_files(field)
        if len(refs) > limit:
            raise ValueInvalid(_("attach at most %(max)d files (got %(n)d)", max=limit,
                                 n=len(refs)))
        return list(refs.values())

    def _items(self, raw: Any) -> list[Any] | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            text = raw.strip()
            if not text:
                return None
            if text.startswith("["):
                try:
                    raw = json.loads(text)
                except (ValueError, RecursionError):
                    raise ValueInvalid(self._bad()) from None
            else:
                return [t for t in _SEPARATORS.split(text) if t]
        if isinstance(raw, dict):
            return [raw]
        if not isinstance(raw, list | tuple):
            raise ValueInvalid(self._bad())
        if len(raw) > 2 * MAX_FILES:  # hostile input: do not look at each item
            raise ValueInvalid(_("attach at most %(max)d files (got %(n)d)", max=MAX_FILES,
                                 n=len(raw)))
        return [item for item in raw if item not in (None, "")]

    def _reference(self, item: Any) -> dict[str, Any]:
        """One reference: a token, or an object with the token and what is known of the file."""
        if isinstance(item, str):
            item = {"id": item.strip()}
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) \
                or not TOKEN.match(item["id"]) or set(item) - {"id", "name", "size", "type"}:
            raise ValueInvalid(self._bad())
        ref: dict[str, Any] = {"id": item["id"]}
        name, size, kind = item.get("name"), item.get("size"), item.get("type")
        if name is not None:
            if not isinstance(name, str) or len(name) > MAX_NAME or "\x00" in name:
                raise ValueInvalid(self._bad())
            ref["name"] = unicodedata.normalize("NFC", name)
        if size is not None:
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise ValueInvalid(self._bad())
            ref["size"] = size
        if kind is not None:
            if not isinstance(kind, str) or len(kind) > 100:
                raise ValueInvalid(self._bad())
            ref["type"] = kind
        return ref

    def _bad(self) -> str:
        return _("upload the file again (the reference to it is not valid)")

    def display(self, field: Field, value: Any) -> str:
        """The file names, separated by 、."""
        return "、".join(str(item.get("name") or item.get("id")) for item in value or []
                        if isinstance(item, dict))

    # ---- builder and tests --------------------------------------------------
    def sample_values(self, field: Field) -> list[Any]:
        """One file, and two."""
        first, second = self._samples()
        return [[first], [first, second]]

    def _samples(self) -> tuple[dict[str, Any], dict[str, Any]]:
        raise NotImplementedError

    def sample_invalid(self, field: Field) -> list[Any]:
        """Not tokens, paths, odd objects and too many files."""
        too_many = [{"id": f"tok{i:02d}" + "x" * 30} for i in range(self.max_files(field) + 1)]
        return ["../../etc/passwd", ["a\x00b"], [{"id": "short"}],
                [{"id": "A" * 40, "size": -1}], [{"id": "A" * 40, "path": "/etc"}], 42,
                too_many]


class AttachmentType(MediaType):
    """Files of the types the builder allows (contracts, invoices, scans)."""

    type = "attachment"
    icon = "paperclip"
    widget = "fields/widgets/attachment.html"
    config_schema: ClassVar[dict[str, Any]] = _config_schema(tuple(EXTENSIONS))

    def name(self) -> str:
        """Palette name."""
        return _("Attachment")

    def sample_config(self) -> dict[str, Any]:
        """Up to five contracts or spreadsheets of 10 MB each."""
        return {"multiple": True, "max_files": 5, "max_size_mb": 10,
                "extensions": ["pdf", "docx", "xlsx"]}

    def _samples(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({"id": "Zk3x9qaPw2Lm7Nb4Vc8Xr1Ty5Ud6Ie0Of", "name": "合同.pdf", "size": 48213,
                 "type": "application/pdf"},
                {"id": "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc", "name": "报价单 v2.xlsx",
                 "size": 10240, "type": EXTENSIONS["xlsx"]})


class ImageType(MediaType):
    """Pictures (jpg, png, gif, webp), shown as thumbnails."""

    type = "image"
    icon = "image"
    widget = "fields/widgets/image.html"
    allowed = IMAGE_EXTENSIONS
    default_extensions = IMAGE_EXTENSIONS
    config_schema: ClassVar[dict[str, Any]] = _config_schema(IMAGE_EXTENSIONS)

    def name(self) -> str:
        """Palette name."""
        return _("Image")

    def sample_config(self) -> dict[str, Any]:
        """Up to three photos of 5 MB each."""
        return {"multiple": True, "max_files": 3, "max_size_mb": 5}

    def _samples(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({"id": "Ph0to1xxAbCdEfGhIjKlMnOpQrStUvWx", "name": "门店.jpg", "size": 204800,
                 "type": "image/jpeg"},
                {"id": "Ph0to2yyAbCdEfGhIjKlMnOpQrStUvWx", "name": "logo.png", "size": 3072,
                 "type": "image/png"})
