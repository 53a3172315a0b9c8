"""The sample CRM's forms, as form documents a builder could have made in the designer."""

from __future__ import annotations

from typing import Any


def _options(*pairs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"id": key, "label": label, "color": color} for key, label, color in pairs]


def _doc(key: str, name: str, fields: list[dict[str, Any]], title: str,
         columns: int = 2) -> dict[str, Any]:
    return {"schema_version": 1, "key": key, "name": name, "description": "",
            "title_field": title, "fields": fields, "rules": [],
            "layout": [{"kind": "section", "id": f"s_{key[:8]}01", "title": name,
                        "columns": columns,
                        "items": [{"kind": "field", "field": f["id"]} for f in fields]}]}


CUSTOMER = _doc("customer", "客户", [
    {"id": "f_cname01", "type": "text", "label": "公司名称", "required": True,
     "help": "填写营业执照上的全称", "indexed": True,
     "unique": {"steps": ["trim", "collapse_spaces", "halfwidth", "casefold", "suffixes"]},
     "config": {"max_length": 100}},
    {"id": "f_indus01", "type": "single_select", "label": "行业", "config": {"options": _options(
        ("it", "互联网/IT", "blue"), ("mfg", "制造业", "slate"), ("retail", "零售", "amber"),
        ("finance", "金融", "green"), ("edu", "教育", "purple"))}},
    {"id": "f_level01", "type": "single_select", "label": "客户级别", "config": {
        "display": "radio", "options": _options(("a", "A", "red"), ("b", "B", "amber"),
                                                 ("c", "C", "slate"))}},
    {"id": "f_srce001", "type": "single_select", "label": "来源渠道",
     "config": {"options": _options(
        ("web", "官网", "blue"), ("expo", "展会", "teal"), ("search", "搜索引擎", "sky"),
        ("referral", "转介绍", "green"))}},
    {"id": "f_tags001", "type": "multi_select", "label": "标签",
     "config": {"options": _options(
        ("key", "重点客户", "red"), ("new", "新客户", "green"),
        ("partner", "合作伙伴", "purple"))}},
    {"id": "f_regn001", "type": "region", "label": "所在地区", "config": {}},
    {"id": "f_owner01", "type": "member", "label": "负责人", "config": {}},
    {"id": "f_phone01", "type": "phone", "label": "公司电话", "config": {"kind": "any"}},
    {"id": "f_site001", "type": "url", "label": "官网", "config": {}},
    {"id": "f_note001", "type": "textarea", "label": "备注", "config": {}},
], "f_cname01")

CONTACT = _doc("contact", "联系人", [
    {"id": "f_pname01", "type": "text", "label": "姓名", "required": True, "config": {}},
    {"id": "f_mobil01", "type": "phone", "label": "手机", "required": True,
     "unique": {}, "config": {"kind": "cn_mobile"}},
    {"id": "f_email01", "type": "email", "label": "邮箱", "config": {}},
    {"id": "f_title01", "type": "single_select", "label": "职务", "config": {"options": _options(
        ("ceo", "总经理", "red"), ("cto", "技术负责人", "blue"), ("buyer", "采购", "amber"),
        ("staff", "员工", "slate"))}},
    {"id": "f_role001", "type": "single_select", "label": "决策角色", "config": {
        "display": "radio", "options": _options(("maker", "决策者", "red"),
                                                 ("influencer", "影响者", "amber"),
                                                 ("user", "使用者", "slate"))}},
], "f_pname01")

FORMS = (CUSTOMER, CONTACT)
