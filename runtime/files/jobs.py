"""The files.clean_orphan job."""

from __future__ import annotations


def clean_orphan(file_id: int) -> None:
    """Remove an upload that no saved record took (see runtime/files/service.py)."""
    from .service import clean_orphan as clean

    clean(file_id)
