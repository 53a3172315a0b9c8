"""The demo CRM's saved views and sample records, made through the services people use.

Records are entered by the salespeople who own them (so their managers see them
through the department tree), and customers are graded by the sales manager (the
salesperson's role may not change a customer's level).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from builder.db import db
from builder.fields.dates import local_zone

ADMIN = "admin@jimu.local"
MANAGER = "wang.fang@jimu.local"
SALES = "li.lei@jimu.local"
#: the role whose customer list opens with "我负责的"
SALES_ROLE = "salesperson"

#: (form key, name, type, sharing, config, filter, sort, opens for: "everyone" or role keys)
VIEWS: list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None, list, Any]] = [
    ("customer", "我负责的", "table", {}, {"all": [{"field": "f_owner01", "op": "is_me"}]},
     [{"field": "f_cname01", "desc": False}], [SALES_ROLE]),
    ("opportunity", "商机看板", "kanban",
     {"group_field": "f_ostage1", "sum_field": "f_oamnt01",
      "card_fields": ["f_ocust01", "f_oamnt01", "f_oclose1", "f_oownr01"], "page_size": 20},
     None, [], "everyone"),
    ("opportunity", "本月预计成交", "calendar",
     {"date_field": "f_oclose1", "end_field": None, "card_fields": ["f_ocust01", "f_oamnt01"],
      "mode": "month"},
     {"all": [{"field": "f_ostage1", "op": "not_in", "value": ["won", "lost"]}]}, [], None),
    ("follow_up", "跟进日历", "calendar",
     {"date_field": "f_fdate01", "end_field": None, "card_fields": ["f_fcust01", "f_fmeth01"],
      "mode": "month"}, None, [], None),
    ("contract", "即将到期", "table", {},
     {"all": [{"field": "f_ctend01", "op": "within_next", "value": 90},
              {"field": "f_ctsta01", "op": "eq", "value": "active"}]},
     [{"field": "f_ctend01", "desc": False}], None),
]


def seed_views(crm) -> None:
    """Shared views of the CRM's forms, and for whom each opens the list."""
    from builder.roles import service as roles
    from builder.views import domain as view_domain
    from builder.views import service as views

    from .accounts import service as accounts
    from .records.forms_lookup import resolve

    admin = accounts.find_user_by_email(ADMIN)
    role_keys = [role.key for role in roles.list_roles(admin, crm)]
    for form_key, name, kind, config, condition, sort, opens in VIEWS:
        target = resolve(admin, crm.key, form_key)
        live = target.published
        document = view_domain.new_document(name, kind, live.fields, live.title_field,
                                            scope="everyone")
        document["config"].update(config)
        document["filter"], document["sort"] = condition, sort
        view = views.create_view(admin, target.form, document)
        if opens:
            views.set_opening(admin, target.form, view, everyone=opens == "everyone",
                              roles=[] if opens == "everyone" else opens,
                              known_roles=role_keys)


def today() -> date:
    """Today where the instance is (JIMU_TIMEZONE), as dates in records are."""
    return datetime.now(local_zone()).date()


def _this_month(day: int) -> date:
    """That day of the current month (the last day when the month is shorter)."""
    today_ = today()
    return today_.replace(day=min(day, calendar.monthrange(today_.year, today_.month)[1]))


def _days(n: int) -> str:
    return (today() + timedelta(n)).isoformat()


#: customers: (name, industry, level, source, owner, contacts (name, mobile, title, role),
#: follow-ups (days ago, method, content, next step))
CUSTOMERS = [
    ("北京星河数据有限公司", "it", "a", "expo", SALES,
     [("刘洋", "13911112222", "ceo", "maker"), ("赵敏", "13911113333", "cto", "influencer")],
     [(21, "visit", "首次拜访，介绍积木平台", "发送产品资料"),
      (9, "call", "电话沟通需求：销售管理与审批", "安排产品演示"),
      (2, "wechat", "演示后反馈良好，询问报价", "准备报价单")]),
    ("广州南风贸易有限公司", "retail", "b", "web", SALES,
     [("陈晨", "13922224444", "buyer", "user")],
     [(5, "email", "发送公司介绍与案例", "一周后电话回访")]),
    ("上海云帆智能制造有限公司", "mfg", "a", "referral", MANAGER,
     [("孙磊", "13633335555", "ceo", "maker")],
     [(12, "visit", "参观工厂，梳理生产工单流程", "出具数字化方案"),
      (3, "email", "方案初稿已发，客户关注实施周期", "约技术交流")]),
    ("成都启明教育科技有限公司", "edu", "c", "search", MANAGER,
     [("周婷", "13544446666", "staff", "user")],
     [(1, "call", "官网留资，电话确认招生管理需求", "发送试用账号")]),
]

#: opportunities: (customer index, name, stage, amount, expected close: ("month", day) for
#: that day of this month or ("days", n) for n days from today, competitor, win/loss reason)
OPPORTUNITIES = [
    (0, "星河数据 · 销售管理平台", "negotiation", "480000", ("month", 20), "纷享销客", None),
    (0, "星河数据 · 审批流程扩展", "needs", "120000", ("days", 45), None, None),
    (0, "星河数据 · 年度订阅续约", "won", "96000", ("days", -60), "钉钉宜搭",
     "实施周期短、价格有优势，客户 IT 认可表单自建"),
    (1, "南风贸易 · 门店巡检系统", "contact", "60000", ("month", 28), None, None),
    (1, "南风贸易 · 会员积分小程序", "lost", "35000", ("days", -10), "自研",
     "预算冻结，客户决定由内部 IT 自研"),
    (2, "云帆制造 · 生产工单数字化", "proposal", "260000", ("month", 12), "简道云", None),
    (2, "云帆制造 · 设备点检 App", "lead", "80000", ("days", 90), None, None),
    (3, "启明教育 · 招生线索管理", "lead", "50000", ("days", 75), None, None),
    (3, "启明教育 · 教务排课", "contact", "45000", ("days", 60), None, None),
]

PRODUCTS = [
    ("积木 CRM 专业版", "software", "1980", "user_year", True, "客户、商机、合同全流程管理"),
    ("积木 CRM 企业版", "software", "3680", "user_year", True, "含审批流、自动化与开放接口"),
    ("积木 CRM 标准版（旧）", "software", "980", "user_year", False, "2025 年起停售，老客户续费"),
    ("审批流程引擎", "software", "30000", "set", True, "条件分支、会签或签、超时升级"),
    ("实施服务", "service", "2400", "day", True, "需求调研、表单搭建、数据迁移"),
    ("数据迁移服务", "service", "15000", "time", True, "Excel 与旧系统数据清洗导入"),
    ("管理员培训", "training", "6000", "time", True, "一天现场培训，含课件"),
]

QUOTE_LINES = [("积木 CRM 专业版", "pro", 50, "1980"), ("审批流程引擎", None, 1, "30000"),
               ("实施服务", None, 20, "2400")]


def seed_records() -> None:
    """Customers, contacts, follow-ups, products, opportunities across the stages, a quote,
    a contract and its first payment."""
    from .accounts import service as accounts
    from .records import forms_lookup
    from .records import service as records

    people = {email: accounts.find_user_by_email(email) for email in (ADMIN, MANAGER, SALES)}
    live = {key: forms_lookup.resolve(people[ADMIN], "crm", key).published
            for key in ("customer", "contact", "follow_up", "product", "opportunity",
                        "quote", "contract", "payment")}
    customers = []
    for name, industry, level, source, owner, contacts, follow_ups in CUSTOMERS:
        seller = people[owner]
        customer = records.create(seller, live["customer"], {
            "f_cname01": name, "f_indus01": industry, "f_srce001": source,
            "f_owner01": str(seller.id)})
        records.update(people[MANAGER], live["customer"], customer.id, {"f_level01": level},
                       expected_version=customer.row_version)
        customers.append(customer)
        for person, mobile, title, role in contacts:
            records.create(seller, live["contact"], {
                "f_pname01": person, "f_cust001": str(customer.id), "f_mobil01": mobile,
                "f_title01": title, "f_role001": role})
        for days, method, content, step in follow_ups:
            records.create(seller, live["follow_up"], {
                "f_fcust01": str(customer.id), "f_fmeth01": method, "f_fcont01": content,
                "f_fnext01": step, "f_fdate01": _days(-days)})
    for name, category, price, unit, on_sale, text in PRODUCTS:
        records.create(people[MANAGER], live["product"], {
            "f_prnam01": name, "f_prcat01": category, "f_prprc01": price, "f_prunt01": unit,
            "f_prsal01": on_sale, "f_prdsc01": text})
    opportunities = _seed_opportunities(records, live, people, customers)
    _seed_deal(records, live, people[SALES], customers[0], opportunities)
    db.session.commit()


def _seed_opportunities(records, live, people, customers) -> list[Any]:
    made = []
    for customer, name, stage, amount, (kind, n), rival, reason in OPPORTUNITIES:
        owner = people[CUSTOMERS[customer][4]]  # the customer's salesperson enters it
        made.append(records.create(owner, live["opportunity"], {
            "f_oname01": name, "f_ocust01": str(customers[customer].id), "f_ostage1": stage,
            "f_oamnt01": amount, "f_ocomp01": rival, "f_oreasn1": reason,
            "f_oclose1": _this_month(n).isoformat() if kind == "month" else _days(n)}))
    return made


def _seed_deal(records, live, seller, customer, opportunities) -> None:
    """A quote for the deal in negotiation; the won renewal's contract and first payment."""
    records.create(seller, live["quote"], {
        "f_qtitle1": "星河数据 · 销售管理平台报价", "f_qoppt01": str(opportunities[0].id),
        "f_qdisc01": "5", "f_qdate01": _days(-1),
        "f_qitems1": [{"f_qprod01": product, "f_qedit01": edition, "f_qqty001": quantity,
                       "f_qprice1": price} for product, edition, quantity, price in QUOTE_LINES]})
    start = today() - timedelta(50)
    contract = records.create(seller, live["contract"], {
        "f_ctnam01": "星河数据年度订阅合同", "f_ctcus01": str(customer.id),
        "f_ctopp01": str(opportunities[2].id), "f_ctamt01": "96000",
        "f_ctsgn01": _days(-55), "f_ctstr01": start.isoformat(),
        "f_ctend01": (start + timedelta(364)).isoformat(), "f_ctsta01": "active",
        "f_ctnot01": "分两期付款：签约后 50%，上线验收后 50%"})
    records.create(seller, live["payment"], {
        "f_paycn01": str(contract.id), "f_payam01": "48000", "f_paydt01": _days(-40),
        "f_paymt01": "bank", "f_paynt01": "首期款 50%"})
