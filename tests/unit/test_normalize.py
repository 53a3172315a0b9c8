"""Unique-value normalisation."""

from __future__ import annotations

import pytest

from builder.fields.normalize import STEPS, normalize

ALL = list(STEPS)


@pytest.mark.parametrize(("a", "b"), [
    ("杭州积木科技有限公司", "杭州积木科技"),
    ("杭州积木科技股份有限公司", "杭州积木科技公司"),
    ("ＡＢＣ 科技", "abc 科技"),
    ("  Acme   Trading  ", "acme trading"),
])
def test_names_that_mean_the_same_company_normalise_equal(a, b):
    assert normalize(a, ALL) == normalize(b, ALL)


def test_a_name_that_is_only_a_suffix_is_kept():
    assert normalize("有限公司", ALL) == "有限公司"


def test_without_steps_nothing_changes():
    assert normalize(" Ａ公司 ", []) == " Ａ公司 "


def test_different_companies_stay_different():
    assert normalize("杭州积木", ALL) != normalize("上海积木", ALL)
