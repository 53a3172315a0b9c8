"""Bytes on disk: files/<2 hex>/<2 hex>/<32 hex> under JIMU_DATA_DIR, written atomically.

The name on disk is random and unrelated to the user's file name or the public
token, so neither a hostile name nor a leaked path can reach another file. A
shared volume works for several web processes: nothing is kept in memory.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app

from .domain import HEAD_BYTES

CHUNK = 256 * 1024
ROOT_NAME = "files"


class TooLarge(Exception):
    """The stream went past the allowed size; nothing was kept."""


@dataclass
class Written:
    """A stream saved to a temporary file, not yet in place."""

    temp: Path
    size: int
    sha256: str
    head: bytes


def data_dir() -> Path:
    """JIMU_DATA_DIR."""
    return Path(current_app.config["JIMU_DATA_DIR"])


def _root() -> Path:
    return data_dir() / ROOT_NAME


def write_temp(stream: IO[bytes], limit: int) -> Written:
    """Copy ``stream`` to a temporary file, hashing it; TooLarge past ``limit`` bytes."""
    temp_dir = _root() / "tmp"
    temp_dir.mkdir(parents=True, exist_ok=True)
    temp = temp_dir / f"{secrets.token_hex(16)}.part"
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with open(temp, "xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(size)
                if len(head) < HEAD_BYTES:
                    head += chunk[:HEAD_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Written(temp=temp, size=size, sha256=digest.hexdigest(), head=head)


def place(written: Written) -> str:
    """Move a temporary file to its sharded place; the path relative to the data dir."""
    name = secrets.token_hex(16)
    relative = Path(ROOT_NAME) / name[:2] / name[2:4] / name
    target = data_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(written.temp, target)
    return relative.as_posix()


def absolute(relative: str) -> Path:
    """The file's path on disk; refuses anything outside the files folder."""
    root = _root().resolve()
    target = (data_dir() / relative).resolve()
    if root not in target.parents:
        raise ValueError(f"stored path outside the files folder: {relative!r}")
    return target


def remove(relative: str) -> None:
    """Delete a stored file (gone already is fine)."""
    absolute(relative).unlink(missing_ok=True)
