"""Pure helpers for showing mail: find links in a plain-text body."""

from __future__ import annotations

import re

#: only web links become clickable (ASCII URL characters, so a link ends at Chinese text)
URL_PATTERN = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}>'\"，。；：！？）】」"


def text_segments(text: str) -> list[tuple[str, bool]]:
    """Split text into (piece, is_link) pairs; the template escapes every piece."""
    segments: list[tuple[str, bool]] = []
    position = 0
    for match in URL_PATTERN.finditer(text or ""):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        start, end = match.start(), match.start() + len(url)
        if start > position:
            segments.append((text[position:start], False))
        segments.append((url, True))
        position = end
    if position < len(text or ""):
        segments.append((text[position:], False))
    return segments


def shorten(text: str, limit: int = 2000) -> str:
    """Cut an SMTP error message to what the outgoing-mail page shows."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
