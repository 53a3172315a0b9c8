"""Two forms of one app, published through the builder: customers, and contacts linking to them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

CUSTOMER_FIELDS = [
    {"id": "f_cname1", "type": "text", "label": "公司名称", "required": True, "config": {}},
    {"id": "f_level1", "type": "single_select", "label": "级别", "config": {"options": [
        {"id": "a", "label": "A", "color": "red"}, {"id": "b", "label": "B", "color": "blue"}]}},
    {"id": "f_amnt01", "type": "money", "label": "年采购额", "config": {"currency": "CNY"}},
    {"id": "f_since1", "type": "date", "label": "签约日期", "config": {}},
]


def contact_fields(customer_form: int, **link_config) -> list[dict]:
    """A contact: name, one customer (with a lookup of its level), many customers (rollups)."""
    return [
        {"id": "f_pname1", "type": "text", "label": "姓名", "required": True, "config": {}},
        {"id": "f_cust01", "type": "link", "label": "客户",
         "config": {"form": customer_form, "display_field": "f_cname1", **link_config}},
        {"id": "f_clevel", "type": "lookup", "label": "客户级别",
         "config": {"link": "f_cust01", "field": "f_level1"}},
        {"id": "f_others", "type": "link", "label": "关联客户",
         "config": {"form": customer_form, "multiple": True}},
        {"id": "f_onames", "type": "lookup", "label": "关联客户名称",
         "config": {"link": "f_others", "field": "f_cname1"}},
        {"id": "f_ocount", "type": "rollup", "label": "关联客户数",
         "config": {"source": "f_others", "function": "count"}},
        {"id": "f_osum01", "type": "rollup", "label": "采购额合计",
         "config": {"source": "f_others", "function": "sum", "field": "f_amnt01"}},
        {"id": "f_omax01", "type": "rollup", "label": "最早签约",
         "config": {"source": "f_others", "function": "min", "field": "f_since1"}},
        {"id": "f_oavg01", "type": "rollup", "label": "平均采购额",
         "config": {"source": "f_others", "function": "avg", "field": "f_amnt01"}},
        {"id": "f_csum01", "type": "rollup", "label": "客户采购额",
         "config": {"source": "f_cust01", "function": "sum", "field": "f_amnt01"}},
    ]


@dataclass
class Crm:
    """The two published forms, their addresses and a user who may fill them."""

    customers: object
    contacts: object
    customer_path: str
    contact_path: str
    user: object

    def customer(self, name: str, **values):
        """Create a customer through the write path."""
        from runtime.records import service

        return service.create(self.user, self.customers, {"f_cname1": name, **values})


def published(app_key: str, form_key: str):
    """The PublishedForm behind an address."""
    from runtime.records import forms_lookup

    return forms_lookup.resolve(None, app_key, form_key).published


@pytest.fixture
def make_crm(app, publish_form, make_user):
    """``make_crm(**link_config)``: customers and contacts linked to them."""

    def factory(**link_config) -> Crm:
        user = make_user(email="staff@example.com", name="王芳")
        customers = publish_form(fields=CUSTOMER_FIELDS, layout=[], rules=[], name="客户",
                                 title_field="f_cname1")
        customer_form = published(*customers)
        contacts = publish_form(fields=contact_fields(customer_form.form_id, **link_config),
                                layout=[], rules=[], name="联系人", title_field="f_pname1")
        return Crm(customer_form, published(*contacts), "/a/{}/{}".format(*customers),
                   "/a/{}/{}".format(*contacts), user)

    return factory


@pytest.fixture
def crm(make_crm):
    """Customers and contacts with no filter on the link."""
    return make_crm()


@pytest.fixture
def ctx(app):
    """A request context in English."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield
