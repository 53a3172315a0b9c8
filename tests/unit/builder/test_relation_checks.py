"""Publishing checks of links, lookups and rollups, and the designer's choices (pure)."""

from __future__ import annotations

from builder import fields
from builder.fields.relation import FormInfo, RelationContext
from builder.forms import relations

fields.register_all()

CUSTOMERS = FormInfo(7, "客户", [
    {"id": "f_cname1", "type": "text", "label": "公司名称", "config": {}},
    {"id": "f_amnt01", "type": "money", "label": "金额", "config": {}},
    {"id": "f_since1", "type": "date", "label": "签约日期", "config": {}},
    {"id": "f_parent", "type": "link", "label": "上级公司", "config": {"form": 7}},
    {"id": "f_plevel", "type": "lookup", "label": "上级级别",
     "config": {"link": "f_parent", "field": "f_cname1"}},
])
CONTEXT = RelationContext(8, {7: CUSTOMERS})
LINK = {"id": "f_cust001", "type": "link", "label": "客户", "config": {"form": 7}}


def _problems(*extra):
    return {e.path: e.message for e in relations.problems({"fields": [LINK, *extra]}, CONTEXT)}


def test_a_valid_link_lookup_and_rollups_have_no_problems():
    assert _problems(
        {"id": "f_look001", "type": "lookup", "label": "名称",
         "config": {"link": "f_cust001", "field": "f_cname1"}},
        {"id": "f_roll001", "type": "rollup", "label": "最早",
         "config": {"source": "f_cust001", "function": "min", "field": "f_since1"}},
        {"id": "f_roll002", "type": "rollup", "label": "数量",
         "config": {"source": "f_cust001"}}) == {}


def test_a_lookup_of_a_lookup_or_a_link_is_refused_so_lookups_never_go_round():
    found = _problems(
        {"id": "f_look001", "type": "lookup", "label": "级别",
         "config": {"link": "f_cust001", "field": "f_plevel"}},
        {"id": "f_look002", "type": "lookup", "label": "上级",
         "config": {"link": "f_cust001", "field": "f_parent"}})
    assert found["$.fields[1].config.field"].startswith(
        "级别: a lookup can show only a stored field, not 上级级别")
    assert "not 上级公司" in found["$.fields[2].config.field"]


def test_min_and_max_need_numbers_or_dates():
    found = _problems({"id": "f_roll001", "type": "rollup", "label": "最大",
                       "config": {"source": "f_cust001", "function": "max",
                                  "field": "f_cname1"}})
    assert found == {"$.fields[1].config.field": "最大: minimum and maximum need a number or "
                                                 "date field (公司名称 is not one)"}


def test_choices_follow_the_chosen_link():
    lookup = fields.get("lookup").config_choices(
        {"config": {"link": "f_cust001"}}, {"fields": [LINK]}, CONTEXT)
    assert lookup == {"link": [("f_cust001", "客户")],
                      "field": [("f_cname1", "公司名称"), ("f_amnt01", "金额"),
                                ("f_since1", "签约日期")]}
    rollup = fields.get("rollup").config_choices(
        {"config": {"source": "f_cust001"}}, {"fields": [LINK]}, CONTEXT)
    assert rollup["field"] == [("f_amnt01", "金额"), ("f_since1", "签约日期")]
    link = fields.get("link").config_choices(LINK, {"fields": [LINK]}, CONTEXT)
    assert link["form"] == [("7", "客户")]
