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
