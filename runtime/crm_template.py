"""The sample CRM's forms, as form documents a builder could have made in the designer."""

from __future__ import annotations

from typing import Any


def _options(*pairs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"id": key, "label": label, "color": color} for key, label, color in pairs]


def _doc(key: str, name: str, fields: list[dict[str, Any]], title: str,
         columns: int = 2) -> dict[str, Any]:
    section = "s_" + key.replace("_", "")[:8] + "01"  # section ids have no underscores
    return {"schema_version": 1, "key": key, "name": name, "description": "",
            "title_field": title, "fields": fields, "rules": [],
            "layout": [{"kind": "section", "id": section, "title": name,
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
CUSTOMER["pool"] = {"enabled": True, "limit": 20}

CONTACT = _doc("contact", "联系人", [
    {"id": "f_pname01", "type": "text", "label": "姓名", "required": True, "config": {}},
    # "form" names the target by key here; link_forms() puts in the form's id
    {"id": "f_cust001", "type": "link", "label": "所属客户", "required": True,
     "help": "输入公司名称搜索", "config": {"form": "customer", "display_field": "f_cname01"}},
    {"id": "f_cindu01", "type": "lookup", "label": "客户行业",
     "config": {"link": "f_cust001", "field": "f_indus01"}},
    {"id": "f_clevl01", "type": "lookup", "label": "客户级别",
     "config": {"link": "f_cust001", "field": "f_level01"}},
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

QUOTE = _doc("quote", "报价单", [
    {"id": "f_qtitle1", "type": "text", "label": "报价主题", "required": True,
     "config": {"max_length": 100}},
    {"id": "f_qcust01", "type": "text", "label": "客户名称", "config": {"max_length": 100}},
    {"id": "f_qdate01", "type": "date", "label": "报价日期", "default": {"kind": "today"},
     "config": {}},
    {"id": "f_qdisc01", "type": "percent", "label": "整单折扣",
     "help": "例如 5 表示优惠 5%", "config": {"scale": 0, "min": 0, "max": 100}},
    {"id": "f_qitems1", "type": "subtable", "label": "产品明细", "required": True, "config": {
        "min_rows": 1, "max_rows": 50, "fields": [
            {"id": "f_qprod01", "type": "text", "label": "产品", "required": True,
             "config": {"max_length": 100}},
            {"id": "f_qedit01", "type": "single_select", "label": "版本", "config": {
                "options": _options(("std", "标准版", "blue"), ("pro", "专业版", "purple"),
                                    ("ent", "企业版", "amber"))}},
            {"id": "f_qqty001", "type": "integer", "label": "数量", "required": True,
             "config": {"min": 1}},
            {"id": "f_qprice1", "type": "money", "label": "单价", "required": True,
             "config": {"currency": "CNY", "scale": 2, "min": 0}},
            {"id": "f_qline01", "type": "formula", "label": "小计", "config": {
                "expression": "{f_qqty001} * {f_qprice1}", "result": "number", "scale": 2}},
        ]}},
    {"id": "f_qsum001", "type": "formula", "label": "合计", "config": {
        "expression": "SUM({f_qitems1.f_qline01})", "result": "number", "scale": 2}},
    {"id": "f_qnet001", "type": "formula", "label": "折后金额", "config": {
        "expression": "ROUND({f_qsum001} * (1 - {f_qdisc01} / 100), 2)", "result": "number",
        "scale": 2}},
], "f_qtitle1")

FOLLOW_UP = _doc("follow_up", "跟进记录", [
    {"id": "f_fcust01", "type": "link", "label": "所属客户", "required": True,
     "help": "输入公司名称搜索", "config": {"form": "customer", "display_field": "f_cname01"}},
    {"id": "f_fdate01", "type": "date", "label": "跟进日期", "required": True,
     "default": {"kind": "today"}, "config": {}},
    {"id": "f_fmeth01", "type": "single_select", "label": "跟进方式", "config": {
        "display": "radio", "options": _options(
            ("call", "电话", "blue"), ("visit", "拜访", "green"), ("wechat", "微信", "teal"),
            ("email", "邮件", "slate"))}},
    {"id": "f_fcont01", "type": "text", "label": "跟进内容", "required": True,
     "config": {"max_length": 200}},
    {"id": "f_fnext01", "type": "text", "label": "下一步", "config": {"max_length": 200}},
], "f_fcont01")

#: the customer's 360° page ("form" by key: link_forms() puts in the form's id)
CUSTOMER_DETAIL = {
    "sections": [
        {"form": "contact", "link": "f_cust001",
         "fields": ["f_pname01", "f_title01", "f_role001", "f_mobil01"],
         "sort": ["created_at", "asc"], "limit": 10},
        {"form": "follow_up", "link": "f_fcust01",
         "fields": ["f_fdate01", "f_fmeth01", "f_fcont01", "f_fnext01"],
         "sort": ["f_fdate01", "desc"], "limit": 5},
    ],
    "timeline": {"limit": 20, "sources": [
        {"form": "follow_up", "link": "f_fcust01", "date_field": "f_fdate01",
         "title_field": "f_fcont01", "fields": ["f_fmeth01", "f_fnext01"]},
        {"form": "contact", "link": "f_cust001", "date_field": "created_at",
         "title_field": "f_pname01", "fields": ["f_title01"]},
    ]},
}

FORMS = (CUSTOMER, CONTACT, QUOTE, FOLLOW_UP)
#: settings naming forms made later, saved and published once every form exists
LATER = {"customer": {"detail": CUSTOMER_DETAIL}}


def link_forms(document: dict[str, Any], form_ids: dict[str, int]) -> dict[str, Any]:
    """The document with each link's target form key replaced by that form's id."""
    fields = []
    for field in document["fields"]:
        target = field.get("config", {}).get("form")
        if field["type"] == "link" and isinstance(target, str):
            field = {**field, "config": {**field["config"], "form": form_ids[target]}}
        fields.append(field)
    return {**document, "fields": fields}


def link_detail(detail: dict[str, Any], form_ids: dict[str, int]) -> dict[str, Any]:
    """A 360° page setting with each section's and source's form key replaced by its id."""
    def mapped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, "form": form_ids[item["form"]]} for item in items]

    out = {**detail, "sections": mapped(detail.get("sections", []))}
    if "timeline" in detail:
        out["timeline"] = {**detail["timeline"],
                           "sources": mapped(detail["timeline"]["sources"])}
    return out
