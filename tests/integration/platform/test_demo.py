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


def test_demo_customer_page_shows_contacts_follow_ups_and_a_timeline(app, client,
                                                                      drop_record_tables):
    import re

    from tests.conftest import csrf_token

    with app.test_request_context(headers={"Accept-Language": "en"}):
        seed_demo()
        credentials = json.loads((Path(app.config["JIMU_DATA_DIR"])
                                  / "demo-credentials.json").read_text())
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"csrf_token": token, "email": credentials[0]["email"],
                                  "password": credentials[0]["password"]})
    html = client.get("/a/crm/customer/1").get_data(as_text=True)
    sections = re.findall(r'hx-get="(/a/crm/customer/1/related/\d+)"', html)
    assert len(sections) == 2 and "/a/crm/customer/1/timeline" in html
    contacts = client.get(sections[0]).get_data(as_text=True)
    assert "刘洋" in contacts and "赵敏" in contacts and "陈晨" not in contacts
    follow_ups = client.get(sections[1]).get_data(as_text=True)
    assert follow_ups.index("演示后反馈良好") < follow_ups.index("首次拜访")
    timeline = client.get("/a/crm/customer/1/timeline").get_data(as_text=True)
    assert timeline.index("演示后反馈良好") < timeline.index("首次拜访")
    assert "刘洋" in timeline
