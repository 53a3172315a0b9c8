"""The demo instance: people, departments and a CRM whose forms work."""

from __future__ import annotations

import json
from pathlib import Path

from builder.apps import service as apps
from builder.forms import service as forms
from runtime.accounts import service as accounts
from runtime.demo import seed_demo
from runtime.records import service as records
from runtime.records.exceptions import ValidationFailed
from runtime.records.schema import published


def test_demo_seeds_people_and_a_working_crm(app, drop_record_tables):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert seed_demo() is True
        assert seed_demo() is False  # only on an empty instance
        credentials = json.loads((Path(app.config["JIMU_DATA_DIR"])
                                  / "demo-credentials.json").read_text())
        admin = accounts.find_user_by_email(credentials[0]["email"])
        assert admin.is_admin and accounts.count_users() == 5
        crm = apps.get_app_by_key(admin, "crm")
        customer = forms.get_form(admin, crm, "customer")
        version = forms.published_version(customer)
        form = published(customer.id, version.version, version.document)
        record = records.create(admin, form, {"f_cname01": "杭州积木科技有限公司",
                                              "f_level01": "A", "f_owner01": str(admin.id)})
        assert record.values["f_level01"] == "a"
        try:
            records.create(admin, form, {"f_cname01": "杭州积木科技"})
        except ValidationFailed as refused:
            assert "f_cname01" in refused.errors
        else:
            raise AssertionError("a duplicate company name was accepted")


def test_demo_contacts_link_to_customers_and_look_up_their_level(app, drop_record_tables):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        seed_demo()
        admin = accounts.find_user_by_email("admin@jimu.local")
        crm = apps.get_app_by_key(admin, "crm")
        loaded = {}
        for key in ("customer", "contact"):
            form = forms.get_form(admin, crm, key)
            version = forms.published_version(form)
            loaded[key] = published(form.id, version.version, version.document)
        customer = records.create(admin, loaded["customer"], {
            "f_cname01": "杭州积木科技有限公司", "f_level01": "A", "f_indus01": "it"})
        contact = records.create(admin, loaded["contact"], {
            "f_pname01": "张三", "f_mobil01": "13800138000", "f_cust001": str(customer.id)})
        assert contact.values["f_cust001"] == customer.id
        assert contact.values["f_clevl01"] == "a" and contact.values["f_cindu01"] == "it"


def _credentials(app) -> dict[str, str]:
    rows = json.loads((Path(app.config["JIMU_DATA_DIR"]) / "demo-credentials.json").read_text())
    return {row["email"]: row["password"] for row in rows}


def _signed_in(app, email: str, password: str):
    """A client of its own, signed in as one of the demo people."""
    from tests.conftest import csrf_token

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data={"csrf_token": token, "email": email,
                                             "password": password})
    assert response.status_code == 303
    return client


def _live(admin, key: str):
    from runtime.records.forms_lookup import resolve

    return resolve(admin, "crm", key).published


def test_demo_customer_page_shows_contacts_opportunities_follow_ups_contracts_and_a_timeline(
        app, drop_record_tables):
    import re

    with app.test_request_context(headers={"Accept-Language": "en"}):
        seed_demo()
    client = _signed_in(app, "admin@jimu.local", _credentials(app)["admin@jimu.local"])
    html = client.get("/a/crm/customer/1").get_data(as_text=True)
    sections = re.findall(r'hx-get="(/a/crm/customer/1/related/\d+)"', html)
    assert len(sections) == 4 and "/a/crm/customer/1/timeline" in html
    contacts, opportunities, follow_ups, contracts = (
        client.get(url).get_data(as_text=True) for url in sections)
    assert "刘洋" in contacts and "赵敏" in contacts and "陈晨" not in contacts
    assert "星河数据 · 销售管理平台" in opportunities and "南风贸易" not in opportunities
    assert "¥480,000.00" in opportunities and "李雷 Li Lei" in opportunities
    assert follow_ups.index("演示后反馈良好") < follow_ups.index("首次拜访")
    assert "星河数据年度订阅合同" in contracts and re.search(r"HT-\d{6}-0001", contracts)
    timeline = client.get("/a/crm/customer/1/timeline").get_data(as_text=True)
    assert timeline.index("演示后反馈良好") < timeline.index("首次拜访")
    assert "刘洋" in timeline and "星河数据 · 审批流程扩展" in timeline
    assert "星河数据年度订阅合同" in timeline


def test_demo_sales_forms_work(app, drop_record_tables):
    from runtime.demo_data import today

    with app.test_request_context(headers={"Accept-Language": "en"}):
        seed_demo()
        admin = accounts.find_user_by_email("admin@jimu.local")
        live = {key: _live(admin, key) for key in
                ("customer", "product", "opportunity", "quote", "contract", "payment")}
        customer = records.page(admin, live["customer"], limit=10)[-1]  # 北京星河数据, id 1
        assert customer.values["f_cname01"] == "北京星河数据有限公司"

        try:
            records.create(admin, live["product"], {"f_prnam01": " 积木 crm 专业版",
                                                    "f_prcat01": "software"})
        except ValidationFailed as refused:
            assert "f_prnam01" in refused.errors
        else:
            raise AssertionError("a second product of the same name was accepted")

        won = records.create(admin, live["opportunity"], {
            "f_oname01": "星河数据 · 培训", "f_ocust01": str(customer.id), "f_ostage1": "赢单",
            "f_oamnt01": "6000", "f_oreasn1": "老客户加购"})
        assert won.values["f_ostage1"] == "won" and won.values["f_oreasn1"] == "老客户加购"
        assert won.values["f_oownr01"] == admin.id  # the owner defaults to who enters it
        assert (won.values["f_oclvl01"], won.values["f_ocind01"]) == ("a", "it")
        open_deal = records.create(admin, live["opportunity"], {
            "f_oname01": "星河数据 · 二期", "f_ocust01": str(customer.id),
            "f_oreasn1": "not shown while the deal is open"})
        assert open_deal.values["f_ostage1"] == "lead" and open_deal.values["f_oreasn1"] is None

        quote = records.page(admin, live["quote"], limit=5)[0]
        assert quote.values["f_qostg01"] == "negotiation"
        assert quote.values["f_qsum001"] == 177_000 and quote.values["f_qnet001"] == 168_150

        stamp = today().strftime("%Y%m")
        contract = records.create(admin, live["contract"], {
            "f_ctnam01": "星河数据培训合同", "f_ctcus01": str(customer.id), "f_ctamt01": "6000",
            "f_ctstr01": "2026-03-01", "f_ctend01": "2026-03-31"})
        assert contract.values["f_ctno001"] == f"HT-{stamp}-0002"
        assert contract.values["f_ctsta01"] == "draft"
        try:
            records.create(admin, live["contract"], {
                "f_ctnam01": "日期填反的合同", "f_ctcus01": str(customer.id),
                "f_ctamt01": "1", "f_ctstr01": "2026-03-31", "f_ctend01": "2026-03-01"})
        except ValidationFailed as refused:
            assert refused.errors["f_ctend01"] == ["结束日期不能早于开始日期"]
        else:
            raise AssertionError("a contract ending before it starts was accepted")
        payment = records.create(admin, live["payment"], {
            "f_paycn01": str(contract.id), "f_payam01": "6000", "f_paymt01": "微信支付"})
        assert payment.values["f_payhn01"] == f"HT-{stamp}-0002"
        assert payment.values["f_payno01"] == f"HK-{stamp}-0002"
        assert payment.values["f_paydt01"] == today()


def test_demo_roles_see_their_opportunities_contracts_and_payments(app, drop_record_tables):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        seed_demo()
        admin = accounts.find_user_by_email("admin@jimu.local")
        people = {email.split(".")[0]: accounts.find_user_by_email(email) for email in
                  ("li.lei@jimu.local", "wang.fang@jimu.local", "zhang.wei@jimu.local")}
        opportunities = _live(admin, "opportunity")

        def names(person, key: str, field: str) -> set[str]:
            return {r.values[field] for r in records.page(person, _live(admin, key), limit=50)}

        everyone = names(admin, "opportunity", "f_oname01")
        assert len(everyone) == 9
        mine = names(people["li"], "opportunity", "f_oname01")
        assert mine and all(n.startswith(("星河", "南风")) for n in mine)
        assert names(people["wang"], "opportunity", "f_oname01") == everyone  # her team's
        assert names(people["zhang"], "opportunity", "f_oname01") == everyone  # view only
        assert not records.can(people["zhang"], opportunities, "create")
        assert not records.can(people["li"], opportunities, "delete")
        contract = records.page(people["zhang"], _live(admin, "contract"), limit=5)[0]
        assert "f_ctamt01" not in contract.values  # service staff do not see amounts
        assert names(people["li"], "payment", "f_payam01") == {48000}
        assert names(people["li"], "product", "f_prnam01") >= {"积木 CRM 专业版"}
        assert not records.can(people["li"], _live(admin, "product"), "edit")


def test_demo_views_open_for_the_right_people_and_the_kanban_sums_amounts(
        app, drop_record_tables):
    import re
    from collections import defaultdict
    from decimal import Decimal

    from werkzeug.datastructures import MultiDict

    from builder.views import service as views
    from runtime.demo_data import OPPORTUNITIES
    from runtime.records.forms_lookup import resolve
    from runtime.views import kanban
    from runtime.views.pages import load

    with app.test_request_context(headers={"Accept-Language": "en"}):
        seed_demo()
        admin = accounts.find_user_by_email("admin@jimu.local")
        crm = apps.get_app_by_key(admin, "crm")
        named = {key: {v.name: v for v in views.list_views(admin, forms.get_form(admin, crm,
                                                                                 key))}
                 for key in ("customer", "opportunity", "follow_up")}
        assert set(named["customer"]) >= {"我负责的"}
        assert set(named["opportunity"]) >= {"商机看板", "本月预计成交"}
        assert named["follow_up"]["跟进日历"].type == "calendar"
        board_view = named["opportunity"]["商机看板"]
        assert board_view.type == "kanban" and board_view.is_default and board_view.shared

        target = resolve(admin, "crm", "opportunity")
        _v, current, state = load(admin, target, MultiDict())
        assert current.id == board_view.id  # the list opens with the board
        board = kanban.read(admin, target, state)
        expected: dict[str, Decimal] = defaultdict(Decimal)
        for _customer, _name, stage, amount, *_rest in OPPORTUNITIES:
            expected[stage] += Decimal(amount)
        got = {lane.key: Decimal(str(lane.total)) for lane in board.lanes if lane.count}
        assert got == expected
        assert [lane.key for lane in board.lanes][:7] == [
            "lead", "contact", "needs", "proposal", "negotiation", "won", "lost"]

    credentials = _credentials(app)
    seller = _signed_in(app, "li.lei@jimu.local", credentials["li.lei@jimu.local"])
    html = seller.get("/a/crm/customer").get_data(as_text=True)
    active = re.search(r'aria-current="page"[^>]*>.*?<span class="truncate">([^<]*)<', html)
    assert active and active.group(1) == "我负责的"
    assert "北京星河数据有限公司" in html and "上海云帆智能制造有限公司" not in html
    board = seller.get("/a/crm/opportunity").get_data(as_text=True)
    assert "klane" in board and "480,000" in board
    assert "北京星河数据有限公司" in board  # the card names the customer
    manager = _signed_in(app, "wang.fang@jimu.local", credentials["wang.fang@jimu.local"])
    html = manager.get("/a/crm/customer").get_data(as_text=True)
    active = re.search(r'aria-current="page"[^>]*>.*?<span class="truncate">([^<]*)<', html)
    assert active and active.group(1) == "All records"  # the view opens only for sales
    assert "北京星河数据有限公司" in html and "上海云帆智能制造有限公司" in html  # her team's
