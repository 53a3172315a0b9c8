"""Regions: the vendored hierarchy, lookups for the cascading widget, levels and names."""

from __future__ import annotations

import pytest

from builder.fields import Field, ValueInvalid, region
from builder.fields.operators import OPERATORS
from builder.fields.region import RegionType

TYPE = RegionType()


def _field(levels: str = "district") -> Field:
    return Field(id="f_addr", type="region", label="Region", config={"levels": levels})


def test_the_dataset_has_every_province_and_consistent_codes():
    provinces = region.children()
    assert len(provinces) == 31 and {"code": "330000", "name": "浙江省"} in provinces
    for province in provinces:
        for city in region.children(province["code"]):
            assert city["code"].startswith(province["code"][:2]) and city["code"].endswith("00")
            for district in region.children(city["code"]):
                assert district["code"][:4] == city["code"][:4]
                assert region.get(district["code"]).level == "district"


def test_children_path_and_full_name():
    assert {"code": "330106", "name": "西湖区"} in region.children("330100")
    assert [r.code for r in region.path("330106")] == ["330000", "330100", "330106"]
    assert region.full_name("330106") == "浙江省 杭州市 西湖区"
    assert region.full_name("110101") == "北京市 东城区"  # 市辖区 left out
    assert region.full_name("441900") == "广东省 东莞市"
    assert region.children("441900") == []
    assert region.children("999999") == [] and region.path("999999") == []


@pytest.mark.parametrize(("code", "prefix"), [("330000", "33"), ("330100", "3301"),
                                              ("330106", "330106"), ("110000", "11")])
def test_prefix(code, prefix):
    assert region.prefix(code) == prefix


@pytest.mark.parametrize(("raw", "expected"), [
    ("330106", "330106"),
    ({"province": "330000", "city": "330100", "district": "330106"}, "330106"),
    ({"province": "33", "city": "3301", "district": "330106"}, "330106"),
    ("浙江省 杭州市 西湖区", "330106"),
    ("浙江/杭州/西湖", "330106"),
    ("北京市 东城区", "110101"),
    ("北京 北京市 东城区", "110101"),
    ("广东省 东莞市", "441900"),
    ({"province": "", "city": ""}, None),
    ("", None),
])
def test_coerce_accepts_codes_levels_and_names(raw, expected):
    assert TYPE.coerce(_field(), raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("330000", "choose a city in 浙江省"),
    ("330100", "choose a district in 浙江省 杭州市"),
    ("999999", "999999 is not a region code"),
    ({"province": "330000", "city": "110100"}, "北京市 市辖区 is not in 浙江省"),
    ({"province": "330100"}, "330100 is not a region code"),
    ("火星 奥林匹斯", "no region is called"),
])
def test_coerce_refuses_with_a_reason(raw, message):
    with pytest.raises(ValueInvalid) as caught:
        TYPE.coerce(_field(), raw)
    assert message in caught.value.message


def test_levels_cut_deeper_values_and_require_their_own_depth():
    assert TYPE.coerce(_field("province"), "330106") == "330000"
    assert TYPE.coerce(_field("city"), "浙江省 杭州市 西湖区") == "330100"
    assert TYPE.coerce(_field("city"), "330100") == "330100"
    with pytest.raises(ValueInvalid):
        TYPE.coerce(_field("city"), "330000")


def test_under_takes_any_level_and_matches_the_subtree():
    operand = TYPE.filter_value(_field(), "under", "浙江")
    assert operand == "330000"
    under = OPERATORS["under"].py
    assert under("330106", operand) and under("330100", operand)
    assert not under("110101", operand) and not under(None, operand)
    assert under("330106", "330106") and not under("330102", "330106")


def test_a_megabyte_of_names_is_refused_quickly():
    with pytest.raises(ValueInvalid):
        TYPE.coerce(_field(), "浙江 " * 200_000)
