"""Links, lookups and rollups on the staff pages: entry, search, record page, list, history."""

from __future__ import annotations

import re

import pytest

from runtime.records import service
from tests.conftest import csrf_token


@pytest.fixture
def staff(crm, login_as, client):
    login_as(crm.user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return crm


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def _search(client, crm, text, field="f_cust01"):
    return client.get(f"{crm.contact_path}/links/{field}", query_string={f"_find_{field}": text})


def _options(response) -> list[str]:
    return re.findall(r'data-text="([^"]*)"', response.get_data(as_text=True))


def test_the_entry_page_has_a_search_box_for_each_link(client, staff):
    html = client.get(f"{staff.contact_path}/new").get_data(as_text=True)
    assert html.count("data-link-picker") == 2
    assert f'hx-get="{staff.contact_path}/links/f_cust01"' in html
    assert 'hx-trigger="input changed delay:250ms, focus"' in html
    assert "Type to search 客户…" in html
    assert 'role="combobox"' in html and "js/link.js" in html
    assert "<noscript>" in html  # a plain select without JavaScript


def test_search_suggests_matching_records_by_their_name(client, staff):
    with client.application.test_request_context():
        staff.customer("Acme Robotics"), staff.customer("Globex"), staff.customer("acme foods")
    response = _search(client, staff, "ACME")
    assert response.status_code == 200
    assert sorted(_options(response)) == ["Acme Robotics", "acme foods"]
    assert "No matching records" in _search(client, staff, "zzz").get_data(as_text=True)


def test_search_is_escaped_limited_and_leaves_out_the_trash(client, staff):
    with client.application.test_request_context():
        hostile = staff.customer('<script>alert("x")</script>')
        for n in range(25):
            staff.customer(f"公司{n:02d}")
        gone = staff.customer("公司已删")
        service.delete(staff.user, staff.customers, gone.id)
    html = _search(client, staff, "script").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)" in html
    assert f'data-id="{hostile.id}"' in html
    found = _options(_search(client, staff, "公司"))
    assert len(found) == 20 and "公司已删" not in found


def test_search_respects_the_links_filter(client, make_crm, login_as):
    crm = make_crm(filter={"field": "f_level1", "op": "eq", "value": "a"})
    login_as(crm.user)
    with client.application.test_request_context():
        crm.customer("Acme", f_level1="a"), crm.customer("Avon", f_level1="b")
    assert _options(_search(client, crm, "A")) == ["Acme"]
    assert _options(_search(client, crm, "")) == ["Acme"]


def test_search_of_a_field_that_is_not_a_link_is_404(client, staff):
    assert _search(client, staff, "a", field="f_pname1").status_code == 404
    assert _search(client, staff, "a", field="f_nope001").status_code == 404


def test_save_a_contact_then_see_the_linked_customer_and_lookups(client, staff):
    with client.application.test_request_context():
        acme = staff.customer("Acme", f_level1="a", f_amnt01="100")
        globex = staff.customer("Globex", f_level1="b", f_amnt01="50")
    response = _post(client, f"{staff.contact_path}/new", {
        "f_pname1": "张三", "f_cust01": str(acme.id), "f_others": [str(acme.id), str(globex.id)],
        "_action": "save"})
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    customer_url = f"{staff.customer_path}/{acme.id}"
    assert f'<a class="record-ref" href="{customer_url}">Acme</a>' in html
    assert f'href="{staff.customer_path}/{globex.id}">Globex</a>' in html
    assert 'opt-red">A</span>' in html  # the lookup shows the level as its badge
    assert "150.00" in html  # the rollup over the many links
    listing = client.get(staff.contact_path).get_data(as_text=True)
    assert f'href="{customer_url}">Acme</a>' in listing


def test_a_missing_customer_is_refused_beside_the_field_and_kept(client, staff):
    response = _post(client, f"{staff.contact_path}/new", {
        "f_pname1": "张三", "f_cust01": "424242", "_action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="fld-f_cust01-err"[^>]*>Choose a record of 客户 that exists<', html)
    assert 'value="424242"' in html


def test_the_entry_form_shows_lookups_for_the_customer_chosen_so_far(client, staff):
    with client.application.test_request_context():
        acme = staff.customer("Acme", f_level1="b")
    response = _post(client, f"{staff.contact_path}/new/refresh",
                     {"f_pname1": "张三", "f_cust01": str(acme.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'aria-labelledby="fld-f_clevel-label">B<', html)
    assert '<span class="link-chip-text">Acme</span>' in html


def test_history_names_the_old_and_new_customer_and_trashed_ones_read_deleted(client, staff):
    with client.application.test_request_context():
        acme, globex = staff.customer("Acme"), staff.customer("Globex")
        contact = service.create(staff.user, staff.contacts,
                                 {"f_pname1": "张三", "f_cust01": acme.id})
        service.update(staff.user, staff.contacts, contact.id, {"f_cust01": globex.id},
                       expected_version=1)
    page = f"{staff.contact_path}/{contact.id}"
    history = client.get(f"{page}?tab=history").get_data(as_text=True)
    assert re.search(r'change-old"><span>Acme</span>.*change-new"><span>Globex</span>', history,
                     re.S)
    with client.application.test_request_context():
        service.delete(staff.user, staff.customers, globex.id)
    html = client.get(page).get_data(as_text=True)
    assert '<span class="record-ref is-gone">(deleted)</span>' in html


def test_the_edit_page_shows_the_chosen_customers_as_chips(client, staff):
    with client.application.test_request_context():
        acme = staff.customer("Acme")
        contact = service.create(staff.user, staff.contacts,
                                 {"f_pname1": "张三", "f_others": [acme.id]})
    html = client.get(f"{staff.contact_path}/{contact.id}/edit").get_data(as_text=True)
    assert f'name="f_others" value="{acme.id}" disabled data-link-value' in html
    assert '<span class="link-chip-text">Acme</span>' in html
    response = _post(client, f"{staff.contact_path}/{contact.id}/edit",
                     {"f_pname1": "张三", "f_others": "", "row_version": "1"})
    assert response.status_code == 303
    with client.application.test_request_context():
        assert service.get(staff.user, staff.contacts, contact.id).values["f_others"] is None
