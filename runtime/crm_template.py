"""The sample CRM's forms, as form documents a builder could have made in the designer."""

from __future__ import annotations

from typing import Any


def _options(*pairs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"id": key, "label": label, "color": color} for key, label, color in pairs]


def _doc(key: str, name: str, fields: list[dict[str, Any]], title: str,
         columns: int = 2, sections: list[tuple[str, list[str]]] | None = None
         ) -> dict[str, Any]:
    """A form document; ``sections``: (title, field ids) each, else one section of all."""
    base = "s_" + key.replace("_", "")[:8]  # section ids have no underscores
    groups = sections or [(name, [f["id"] for f in fields])]
    return {"schema_version": 1, "key": key, "name": name, "description": "",
            "title_field": title, "fields": fields, "rules": [],
            "layout": [{"kind": "section", "id": f"{base}{n:02d}", "title": heading,
                        "columns": columns,
                        "items": [{"kind": "field", "field": field_id} for field_id in ids]}
                       for n, (heading, ids) in enumerate(groups, start=1)]}


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

PRODUCT = _doc("product", "产品", [
    {"id": "f_prnam01", "type": "text", "label": "产品名称", "required": True, "indexed": True,
     "unique": {"steps": ["trim", "collapse_spaces", "halfwidth", "casefold"]},
     "config": {"max_length": 100}},
    {"id": "f_prcat01", "type": "single_select", "label": "产品分类", "required": True,
     "config": {"options": _options(
        ("software", "软件订阅", "blue"), ("service", "实施服务", "teal"),
        ("training", "培训", "purple"), ("hardware", "硬件", "slate"))}},
    {"id": "f_prprc01", "type": "money", "label": "标准单价",
     "config": {"currency": "CNY", "scale": 2, "min": 0}},
    {"id": "f_prunt01", "type": "single_select", "label": "单位", "config": {"options": _options(
        ("user_year", "用户·年", "blue"), ("set", "套", "teal"), ("day", "人天", "amber"),
        ("time", "次", "purple"), ("unit", "台", "slate"))}},
    {"id": "f_prsal01", "type": "boolean", "label": "在售", "default": {"kind": "static",
                                                                      "value": True},
     "config": {"style": "switch"}},
    {"id": "f_prdsc01", "type": "textarea", "label": "产品说明", "config": {}},
], "f_prnam01")

#: the sales stages in pipeline order (the kanban's columns)
STAGES = (("lead", "新线索", "slate"), ("contact", "初步沟通", "sky"),
          ("needs", "需求确认", "blue"), ("proposal", "方案报价", "purple"),
          ("negotiation", "商务谈判", "amber"), ("won", "赢单", "green"),
          ("lost", "输单", "red"))

OPPORTUNITY = _doc("opportunity", "商机", [
    {"id": "f_oname01", "type": "text", "label": "商机名称", "required": True,
     "help": "例如：星河数据 · 销售管理平台", "config": {"max_length": 100}},
    {"id": "f_ocust01", "type": "link", "label": "客户", "required": True,
     "help": "输入公司名称搜索", "config": {"form": "customer", "display_field": "f_cname01"}},
    {"id": "f_oclvl01", "type": "lookup", "label": "客户级别",
     "config": {"link": "f_ocust01", "field": "f_level01"}},
    {"id": "f_ocind01", "type": "lookup", "label": "客户行业",
     "config": {"link": "f_ocust01", "field": "f_indus01"}},
    {"id": "f_ostage1", "type": "single_select", "label": "销售阶段", "required": True,
     "default": {"kind": "static", "value": "lead"}, "config": {"options": _options(*STAGES)}},
    {"id": "f_oamnt01", "type": "money", "label": "预计金额",
     "config": {"currency": "CNY", "scale": 2, "min": 0}},
    {"id": "f_oclose1", "type": "date", "label": "预计成交日期", "config": {}},
    {"id": "f_oreasn1", "type": "textarea", "label": "赢单/输单原因",
     "help": "赢在哪里、输给了谁，为以后的商机留下经验",
     "visible_if": {"field": "f_ostage1", "op": "in", "value": ["won", "lost"]},
     "config": {"max_length": 1000}},
    {"id": "f_ocomp01", "type": "text", "label": "竞争对手", "config": {"max_length": 100}},
    {"id": "f_oownr01", "type": "member", "label": "负责人",
     "default": {"kind": "current_user"}, "config": {}},
], "f_oname01", sections=[
    ("基本信息", ["f_oname01", "f_ocust01", "f_oclvl01", "f_ocind01", "f_oownr01"]),
    ("销售进展", ["f_ostage1", "f_oamnt01", "f_oclose1", "f_ocomp01", "f_oreasn1"])])

QUOTE = _doc("quote", "报价单", [
    {"id": "f_qtitle1", "type": "text", "label": "报价主题", "required": True,
     "config": {"max_length": 100}},
    # a lookup cannot reach through two links (quote → opportunity → customer): the
    # opportunity's name says whose it is, and its stage is looked up
    {"id": "f_qoppt01", "type": "link", "label": "关联商机",
     "help": "输入商机名称搜索", "config": {"form": "opportunity", "display_field": "f_oname01"}},
    {"id": "f_qostg01", "type": "lookup", "label": "商机阶段",
     "config": {"link": "f_qoppt01", "field": "f_ostage1"}},
    {"id": "f_qdate01", "type": "date", "label": "报价日期", "default": {"kind": "today"},
     "config": {}},
    {"id": "f_qdisc01", "type": "percent", "label": "整单折扣",
     "help": "例如 5 表示优惠 5%", "config": {"scale": 0, "min": 0, "max": 100}},
    {"id": "f_qitems1", "type": "subtable", "label": "产品明细", "required": True, "config": {
        "min_rows": 1, "max_rows": 50, "fields": [
            {"id": "f_qprod01", "type": "text", "label": "产品", "required": True,
             "help": "产品目录中的名称", "config": {"max_length": 100}},
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

CONTRACT = _doc("contract", "合同", [
    {"id": "f_ctno001", "type": "auto_number", "label": "合同编号", "config": {"parts": [
        {"kind": "text", "text": "HT-"}, {"kind": "date", "format": "YYYYMM"},
        {"kind": "text", "text": "-"}, {"kind": "seq", "width": 4, "reset": "monthly"}]}},
    {"id": "f_ctnam01", "type": "text", "label": "合同名称", "required": True,
     "config": {"max_length": 100}},
    {"id": "f_ctcus01", "type": "link", "label": "客户", "required": True,
     "help": "输入公司名称搜索", "config": {"form": "customer", "display_field": "f_cname01"}},
    {"id": "f_ctopp01", "type": "link", "label": "关联商机",
     "help": "输入商机名称搜索", "config": {"form": "opportunity", "display_field": "f_oname01"}},
    {"id": "f_ctamt01", "type": "money", "label": "合同金额", "required": True,
     "config": {"currency": "CNY", "scale": 2, "min": 0}},
    {"id": "f_ctsgn01", "type": "date", "label": "签订日期", "default": {"kind": "today"},
     "config": {}},
    {"id": "f_ctstr01", "type": "date", "label": "开始日期", "required": True, "config": {}},
    {"id": "f_ctend01", "type": "date", "label": "结束日期", "required": True, "config": {}},
    {"id": "f_ctsta01", "type": "single_select", "label": "合同状态", "required": True,
     "default": {"kind": "static", "value": "draft"}, "config": {"options": _options(
        ("draft", "草拟", "slate"), ("review", "审批中", "amber"), ("active", "执行中", "blue"),
        ("done", "已完成", "green"), ("void", "已作废", "red"))}},
    {"id": "f_ctfil01", "type": "attachment", "label": "合同附件",
     "help": "盖章扫描件、补充协议", "config": {
         "multiple": True, "max_files": 10, "max_size_mb": 20,
         "extensions": ["pdf", "doc", "docx", "jpg", "jpeg", "png"]}},
    {"id": "f_ctnot01", "type": "textarea", "label": "备注", "config": {}},
], "f_ctnam01", sections=[
    ("合同信息", ["f_ctno001", "f_ctnam01", "f_ctcus01", "f_ctopp01", "f_ctamt01",
                  "f_ctsta01"]),
    ("合同期限", ["f_ctsgn01", "f_ctstr01", "f_ctend01"]),
    ("附件与备注", ["f_ctfil01", "f_ctnot01"])])
CONTRACT["rules"] = [
    {"id": "r_ctdate1", "message": "结束日期不能早于开始日期", "fields": ["f_ctend01"],
     "condition": {"any": [{"field": "f_ctend01", "op": "empty"},
                           {"field": "f_ctstr01", "op": "empty"},
                           {"field": "f_ctend01", "op": "gte", "other_field": "f_ctstr01"}]}},
]

PAYMENT = _doc("payment", "回款", [
    {"id": "f_payno01", "type": "auto_number", "label": "回款编号", "config": {"parts": [
        {"kind": "text", "text": "HK-"}, {"kind": "date", "format": "YYYYMM"},
        {"kind": "text", "text": "-"}, {"kind": "seq", "width": 4, "reset": "monthly"}]}},
    {"id": "f_paycn01", "type": "link", "label": "合同", "required": True,
     "help": "输入合同名称搜索", "config": {"form": "contract", "display_field": "f_ctnam01"}},
    {"id": "f_payhn01", "type": "lookup", "label": "合同编号",
     "config": {"link": "f_paycn01", "field": "f_ctno001"}},
    {"id": "f_payam01", "type": "money", "label": "回款金额", "required": True,
     "config": {"currency": "CNY", "scale": 2, "min": 0}},
    {"id": "f_paydt01", "type": "date", "label": "回款日期", "required": True,
     "default": {"kind": "today"}, "config": {}},
    {"id": "f_paymt01", "type": "single_select", "label": "付款方式", "config": {
        "options": _options(("bank", "银行转账", "blue"), ("alipay", "支付宝", "sky"),
                            ("wechat", "微信支付", "green"), ("check", "支票", "slate"),
                            ("cash", "现金", "amber"))}},
    {"id": "f_paynt01", "type": "text", "label": "备注", "config": {"max_length": 200}},
], "f_payno01")

#: the customer's 360° page ("form" by key: link_forms() puts in the form's id)
CUSTOMER_DETAIL = {
    "sections": [
        {"form": "contact", "link": "f_cust001",
         "fields": ["f_pname01", "f_title01", "f_role001", "f_mobil01"],
         "sort": ["created_at", "asc"], "limit": 10},
        {"form": "opportunity", "link": "f_ocust01",
         "fields": ["f_oname01", "f_ostage1", "f_oamnt01", "f_oclose1", "f_oownr01"],
         "sort": ["f_oclose1", "asc"], "limit": 10},
        {"form": "follow_up", "link": "f_fcust01",
         "fields": ["f_fdate01", "f_fmeth01", "f_fcont01", "f_fnext01"],
         "sort": ["f_fdate01", "desc"], "limit": 5},
        {"form": "contract", "link": "f_ctcus01",
         "fields": ["f_ctno001", "f_ctnam01", "f_ctamt01", "f_ctend01", "f_ctsta01"],
         "sort": ["f_ctsgn01", "desc"], "limit": 10},
    ],
    "timeline": {"limit": 20, "sources": [
        {"form": "follow_up", "link": "f_fcust01", "date_field": "f_fdate01",
         "title_field": "f_fcont01", "fields": ["f_fmeth01", "f_fnext01"]},
        {"form": "opportunity", "link": "f_ocust01", "date_field": "created_at",
         "title_field": "f_oname01", "fields": ["f_ostage1", "f_oamnt01"]},
        {"form": "contract", "link": "f_ctcus01", "date_field": "f_ctsgn01",
         "title_field": "f_ctnam01", "fields": ["f_ctno001", "f_ctamt01"]},
        {"form": "contact", "link": "f_cust001", "date_field": "created_at",
         "title_field": "f_pname01", "fields": ["f_title01"]},
    ]},
}

#: the forms in the order of the app's menu (publish_order() says which goes live first)
FORMS = (CUSTOMER, CONTACT, OPPORTUNITY, FOLLOW_UP, QUOTE, CONTRACT, PAYMENT, PRODUCT)
#: settings naming forms made later, saved and published once every form exists
LATER = {"customer": {"detail": CUSTOMER_DETAIL}}


def link_targets(document: dict[str, Any]) -> set[str]:
    """Keys of the forms the document's links point at (other than itself)."""
    return {f["config"]["form"] for f in document["fields"] if f["type"] == "link"
            and isinstance(f.get("config", {}).get("form"), str)} - {document["key"]}


def publish_order(documents: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """The documents with every link's target before the forms linking to it."""
    done: list[dict[str, Any]] = []
    waiting = list(documents)
    while waiting:
        ready = [d for d in waiting
                 if link_targets(d) <= {k["key"] for k in done}]
        if not ready:
            raise ValueError("links between the template's forms go round in a circle")
        done.extend(ready)
        waiting = [d for d in waiting if d not in ready]
    return done


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
