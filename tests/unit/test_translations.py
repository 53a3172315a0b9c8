"""Every string the product shows has a Chinese translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_ids() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("builder", "runtime", "templates"):
        base = ROOT / folder
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            str(base), METHOD_MAP if folder != "templates" else [("**.html", "jinja2")],
            keywords=KEYWORDS,
        ):
            msgid = message if isinstance(message, str) else message[0]
            found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def _catalog() -> dict[str, str]:
    merged: dict[str, str] = {}
    for po in ROOT.glob("*/**/translations/zh_Hans_CN/LC_MESSAGES/messages.po"):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if not message.id or message.fuzzy:
                    continue
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                text = message.string if isinstance(message.string, str) else message.string[0]
                if text:
                    merged[msgid] = text
    return merged


def test_every_string_is_translated_to_chinese():
    catalog = _catalog()
    missing = {msgid: where for msgid, where in _source_ids().items() if msgid not in catalog}
    assert not missing, "untranslated strings:\n" + "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda i: i[1])
    )


def test_translations_keep_their_placeholders():
    wrong = {
        msgid: text
        for msgid, text in _catalog().items()
        if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(text))
    }
    assert not wrong, f"placeholders differ: {wrong}"


def test_catalogs_agree_on_shared_strings():
    seen: dict[str, dict[str, str]] = {}
    for po in ROOT.glob("*/**/translations/zh_Hans_CN/LC_MESSAGES/messages.po"):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and not message.fuzzy and isinstance(message.id, str):
                    seen.setdefault(message.id, {})[str(po.relative_to(ROOT))] = message.string
    conflicts = {msgid: where for msgid, where in seen.items() if len(set(where.values())) > 1}
    assert not conflicts, f"the same string is translated differently: {conflicts}"
