"""Link, lookup and rollup columns in the table view: names in batch, values resolved."""

from __future__ import annotations

from runtime.records import service
from tests.integration.records.relations.conftest import crm, make_crm  # noqa: F401
from tests.integration.records.relations.test_batch_reads import counting

COLUMNS = "f_pname1,f_cust01,f_clevel,f_others,f_ocount,f_osum01"


def _contacts(forms, customers, count: int) -> None:
    for n in range(count):
        service.create(forms.user, forms.contacts, {
            "f_pname1": f"联系人{n:02d}", "f_cust01": customers[n % 3].id,
            "f_others": [customers[0].id, customers[1].id]})


def test_links_lookups_and_rollups_show_in_the_table_view(app, crm, client,  # noqa: F811
                                                          login_as):
    login_as(crm.user)
    with app.test_request_context():
        customers = [crm.customer(f"客户{n}", f_level1="a", f_amnt01=100 * (n + 1))
                     for n in range(3)]
        _contacts(crm, customers, 2)
    path = f"{crm.contact_path}?cols={COLUMNS}"
    html = client.get(path).get_data(as_text=True)
    assert "客户0" in html and "客户1" in html and "record-ref" in html
    assert 'opt-red' in html  # the lookup shows the linked level as its badge
    assert ">300<" in html.replace(" ", "") or "300" in html  # rollup: 100 + 200
    with counting() as few:
        assert client.get(path).status_code == 200
    with app.test_request_context():
        _contacts(crm, customers, 40)
    with counting() as many:
        html = client.get(path).get_data(as_text=True)
    assert html.count('class="record-ref"') >= 40
    assert len(few) == len(many), (len(few), len(many))  # one query per link field, any size


def test_links_and_lookups_show_names_on_cards(app, crm, client, login_as):  # noqa: F811
    from builder.views import domain as view_domain
    from builder.views import service as view_service
    from runtime.records.forms_lookup import resolve

    login_as(crm.user)
    with app.test_request_context():
        customer = crm.customer("星河数据", f_level1="a")
        service.create(crm.user, crm.contacts, {"f_pname1": "刘洋", "f_cust01": customer.id})
        app_key, form_key = crm.contact_path.split("/")[2:]
        form = resolve(crm.user, app_key, form_key).form
        document = view_domain.new_document("名片", "gallery", crm.contacts.fields, "f_pname1")
        # a personal gallery: cards show the linked customer's name and looked-up level
        document["config"] = {"cover_field": None, "card_fields": ["f_cust01", "f_clevel"],
                              "page_size": 24}
        view = view_service.create_view(crm.user, form, document)
    html = client.get(f"{crm.contact_path}?view={view.id}").get_data(as_text=True)
    assert "星河数据" in html and f"#{customer.id}<" not in html.replace(" ", "")
    assert "opt-red" in html  # the looked-up level as its badge
