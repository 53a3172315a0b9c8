"""The accounts catalog translates every message its code and templates use."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "runtime/accounts/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
SOURCES = [
    *sorted((ROOT / "runtime/accounts").glob("*.py")),
    *sorted((ROOT / "templates/accounts").rglob("*.html")),
    *sorted((ROOT / "templates/accounts").rglob("*.txt")),
    *sorted((ROOT / "templates/admin").glob("users*.html")),
    ROOT / "templates/auth_base.html",
]


def _used_messages() -> set:
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = set()
    for path in SOURCES:
        method = "python" if path.suffix == ".py" else "jinja2"
        for _line, message, _comments, _context in extract_from_file(method, str(path),
                                                                      keywords=keywords):
            found.add(message)
    return found


def test_every_message_has_a_chinese_translation():
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and all(m.string if isinstance(m.string, tuple)
                                                         else [m.string])}
    used = _used_messages()
    assert len(used) > 100
    assert sorted(map(str, used - translated)) == []


def test_placeholders_survive_translation():
    import re

    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    for m in catalog:
        if not m.id:
            continue
        source = m.id[0] if isinstance(m.id, tuple) else m.id
        target = m.string[0] if isinstance(m.string, tuple) else m.string
        pattern = r"%\(\w+\)[sd]"
        assert sorted(re.findall(pattern, source)) == sorted(re.findall(pattern, target)), m.id
