"""Auto-number patterns: config rules, rendering and the period a number counts in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from jsonschema import Draft202012Validator

from builder.fields.autonumber import CONFIG_SCHEMA, MAX_LENGTH, period_key, render

VALIDATOR = Draft202012Validator(CONFIG_SCHEMA)
HT = {"parts": [{"kind": "text", "text": "HT-"}, {"kind": "date", "format": "YYYYMMDD"},
                {"kind": "text", "text": "-"}, {"kind": "seq", "width": 4, "reset": "daily"}]}


def _seq(width: int = 4, reset: str = "never", *before) -> dict:
    return {"parts": [*before, {"kind": "seq", "width": width, "reset": reset}]}


@pytest.mark.parametrize(("config", "seq", "now", "expected"), [
    (HT, 7, date(2026, 3, 1), "HT-20260301-0007"),
    (HT, 12345, date(2026, 3, 1), "HT-20260301-12345"),  # outgrows its padding, never wraps
    (_seq(6), 42, date(2026, 1, 1), "000042"),
    (_seq(1), 42, date(2026, 1, 1), "42"),
    (_seq(3, "yearly", {"kind": "date", "format": "YYYY"}), 5, date(2026, 1, 1), "2026005"),
    (_seq(2, "monthly", {"kind": "text", "text": "报"}, {"kind": "date", "format": "YYYYMM"}),
     3, date(2026, 11, 30), "报20261103"),
    # 2026-03-01 17:00 UTC is already 2 March in Shanghai
    (HT, 1, datetime(2026, 3, 1, 17, 0, tzinfo=UTC), "HT-20260302-0001"),
])
def test_render(config, seq, now, expected):
    VALIDATOR.validate(config)
    assert render(config, seq, now) == expected


@pytest.mark.parametrize(("reset", "expected"), [
    ("never", "all"), ("yearly", "2026"), ("monthly", "202603"), ("daily", "20260301"),
])
def test_period_key(reset, expected):
    assert period_key(_seq(4, reset), date(2026, 3, 1)) == expected


def test_period_key_defaults_to_never_and_uses_local_time():
    assert period_key({"parts": [{"kind": "seq", "width": 4}]}, date(2026, 3, 1)) == "all"
    assert period_key(_seq(4, "daily"), datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) == "20260302"


@pytest.mark.parametrize("config", [
    {"parts": [{"kind": "text", "text": "HT-"}]},  # no sequence
    _seq(4, "never", {"kind": "seq", "width": 2}),  # two sequences
    _seq(0),
    _seq(13),
    _seq(4, "weekly"),
    _seq(4, "never", {"kind": "date", "format": "DD"}),
    _seq(4, "never", {"kind": "text", "text": "ELEVEN-CHAR"}),
    _seq(4, "never", {"kind": "text", "text": "a\nb"}),
    _seq(4, "never", *[{"kind": "text", "text": "x"}] * 5),
    {"parts": []},
])
def test_config_rules(config):
    assert not VALIDATOR.is_valid(config)


def test_the_longest_allowed_pattern_fits_the_column():
    longest = _seq(12, "never", *[{"kind": "text", "text": "长" * 10}] * 4)
    VALIDATOR.validate(longest)
    assert len(render(longest, 2**63 - 1, date(2026, 1, 1))) <= MAX_LENGTH
