"""Pure rules of the app block: keys, icons, differences, moves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.apps import domain

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("name", "taken", "expected"), [
    ("CRM", set(), "crm"),
    ("Purchase Orders", set(), "purchase_orders"),
    ("客户管理 CRM", set(), "crm"),
    ("Café & Bar!", set(), "cafe_bar"),
    ("ＨＲ", set(), "hr"),
    ("2024 Budget", set(), "budget"),
    ("客户管理", set(), "app_1"),
    ("客户管理", {"app_1", "app_2"}, "app_3"),
    ("X", set(), "app_1"),
    ("", set(), "app_1"),
    ("CRM", {"crm"}, "crm_2"),
    ("CRM", {"crm", "crm_2"}, "crm_3"),
    ("a" * 60, set(), "a" * 40),
    ("a" * 60, {"a" * 40}, "a" * 38 + "_2"),
])
def test_generate_key(name, taken, expected):
    key = domain.generate_key(name, taken)
    assert key == expected
    assert domain.KEY_PATTERN.fullmatch(key)


def test_every_icon_is_in_the_sprite_and_has_a_label():
    sprite = (ROOT / "static/vendor/lucide/sprite.svg").read_text()
    ids = set(re.findall(r'id="i-([a-z0-9-]+)"', sprite))
    assert set(domain.ICONS) <= ids
    assert 16 <= len(domain.ICONS) <= 30
    assert set(domain.ICON_LABELS) == set(domain.ICONS)
    assert domain.DEFAULT_ICON in domain.ICONS


def test_every_colour_has_a_css_class_and_a_label():
    css = (ROOT / "static/css/jimu.css").read_text()
    for color in domain.COLORS:
        assert f".c-{color} " in css
    assert set(domain.COLOR_LABELS) == set(domain.COLORS)


def test_diff_lists_what_changed_old_to_new():
    old = domain.new_document("crm", "CRM", "old", "users", "blue")
    new = {**old, "name": "客户", "color": "red"}
    changes = domain.diff(old, new)
    assert [(c.field, c.old, c.new) for c in changes] == [("name", "CRM", "客户"),
                                                           ("color", "blue", "red")]
    assert changes[0].label == "App name"
    assert domain.diff(old, old) == []


@pytest.mark.parametrize(("app_id", "step", "expected"), [
    (3, -1, [1, 3, 2]),
    (1, -1, [1, 2, 3]),
    (3, 1, [1, 2, 3]),
    (1, 1, [2, 1, 3]),
    (9, 1, [1, 2, 3]),
])
def test_moved(app_id, step, expected):
    assert domain.moved([1, 2, 3], app_id, step) == expected
