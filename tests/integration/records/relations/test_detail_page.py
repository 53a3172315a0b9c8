"""The 360° record page: related sections, the timeline, "add related" with a prefilled link."""

from __future__ import annotations

import re
from datetime import date

import pytest

from builder.db import db
from runtime.records import service

from .conftest import published
from .test_batch_reads import counting

FOLLOW_UP_FIELDS = [
    {"id": "f_fdate01", "type": "date", "label": "跟进日期", "config": {}},
    {"id": "f_fnote01", "type": "text", "label": "跟进内容", "required": True, "config": {}},
]


@pytest.fixture
def staff(crm, login_as, client):
    login_as(crm.user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return crm


@pytest.fixture
def follow_ups(app, crm, publish_form):
    """A third form linking to customers: dated follow-ups."""
    fields = [*FOLLOW_UP_FIELDS, {"id": "f_fcust01", "type": "link", "label": "客户",
                                   "config": {"form": crm.customers.form_id}}]
    keys = publish_form(fields=fields, layout=[], rules=[], name="跟进记录",
                        title_field="f_fnote01")
    return published(*keys)


def configure(app, crm, detail: dict) -> None:
    """Publish the customer form again with this 360° page setting."""
    from builder.forms import service as forms
    from builder.forms.models import Form
    from runtime.accounts import service as accounts

    with app.test_request_context():
        admin = accounts.find_user_by_email("builder@example.com")
        row = db.session.get(Form, crm.customers.form_id)
        forms.save_draft(admin, row, dict(row.draft, detail=detail),
                         revision=row.draft_revision)
        forms.publish(admin, row)
        db.session.commit()
        crm.customers = published("crm", row.key)


def _contact(crm, name: str, customer, *others, **values):
    return service.create(crm.user, crm.contacts, {
        "f_pname1": name, "f_cust01": customer.id if customer else None,
        "f_others": [o.id for o in others], **values})


def _world(app, crm):
    with app.test_request_context():
        acme, globex = crm.customer("Acme"), crm.customer("Globex")
        for name in ("Ann", "Bob", "Cid"):
            _contact(crm, name, acme)
        _contact(crm, "Gus", globex, acme)
    return acme, globex


def _order(text: str, *names: str) -> list[str]:
    """The names found in the text, in the order they appear."""
    return sorted((n for n in names if n in text), key=text.index)


def _sections(html: str) -> list[str]:
    return re.findall(r'hx-get="([^"]*/related/\d+)"', html)


def test_by_default_each_linking_form_gets_a_section_that_loads_on_its_own(app, client,
                                                                           staff):
    acme, _globex = _world(app, staff)
    page = client.get(f"{staff.customer_path}/{acme.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _sections(html) == [f"{staff.customer_path}/{acme.id}/related/0"]
    assert 'hx-trigger="load"' in html and "Ann" not in html  # rows come with the fragment
    fragment = client.get(_sections(html)[0], headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text
    assert _order(text, "Ann", "Bob", "Cid", "Gus") == ["Cid", "Bob", "Ann"]  # newest first
    headers = re.findall(r'<th scope="col">([^<]*)</th>', text)
    assert headers == ["姓名", "客户级别", "关联客户", "关联客户名称"]  # first 4, link left out
    assert f'href="{staff.contact_path}/new?f_cust01={acme.id}"' in text
    assert "No timeline" not in html and "related_timeline" not in html


def test_a_many_link_section_lists_records_holding_this_record_among_others(app, client,
                                                                            staff):
    acme, _globex = _world(app, staff)
    configure(app, staff, {"sections": [{"form": staff.contacts.form_id, "link": "f_others"}]})
    text = client.get(f"{staff.customer_path}/{acme.id}/related/0").get_data(as_text=True)
    assert "Gus" in text and "Ann" not in text


def test_configured_sections_choose_columns_sort_and_limit(app, client, staff):
    acme, _globex = _world(app, staff)
    configure(app, staff, {"sections": [{"form": staff.contacts.form_id, "link": "f_cust01",
                                         "fields": ["f_pname1", "f_cust01"],
                                         "sort": ["f_pname1", "asc"], "limit": 2}]})
    text = client.get(f"{staff.customer_path}/{acme.id}/related/0").get_data(as_text=True)
    assert re.findall(r'<th scope="col">([^<]*)</th>', text) == ["姓名", "客户"]
    assert _order(text, "Ann", "Bob", "Cid") == ["Ann", "Bob"]
    assert "Showing 2 of 3." in text


def test_a_section_whose_form_or_link_is_gone_is_left_out(app, client, staff):
    acme, _globex = _world(app, staff)
    configure(app, staff, {"sections": [{"form": 99999, "link": "f_cust01"},
                                        {"form": staff.contacts.form_id, "link": "f_nothere"}]})
    html = client.get(f"{staff.customer_path}/{acme.id}").get_data(as_text=True)
    assert _sections(html) == []
    assert client.get(f"{staff.customer_path}/{acme.id}/related/0").status_code == 404


def test_no_configured_sections_means_none(app, client, staff):
    acme, _globex = _world(app, staff)
    configure(app, staff, {"sections": []})
    assert _sections(client.get(f"{staff.customer_path}/{acme.id}").get_data(as_text=True)) == []


def test_sections_cost_the_same_queries_for_few_and_many_rows(app, client, staff):
    with app.test_request_context():
        few, many = staff.customer("Few"), staff.customer("Many")
        _contact(staff, "Solo", few, many)  # same shape of values: only the row count differs
        for n in range(30):
            _contact(staff, f"P{n:02d}", many, few)
    counts = {}
    for customer in (few, many):
        db.session.remove()
        url = f"{staff.customer_path}/{customer.id}/related/0"
        client.get(url)  # warm the caches the first request fills
        with counting() as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts[customer.id] = len(statements)
    assert counts[few.id] == counts[many.id], counts


def test_the_timeline_merges_sources_newest_first(app, client, staff, follow_ups):
    acme, _globex = _world(app, staff)
    with app.test_request_context():
        for day, note in ((3, "Call"), (20, "Visit"), (9, "Demo")):
            service.create(staff.user, follow_ups, {"f_fdate01": date(2026, 1, day).isoformat(),
                                                    "f_fnote01": note, "f_fcust01": acme.id})
        service.create(staff.user, follow_ups, {"f_fnote01": "Undated", "f_fcust01": acme.id})
    configure(app, staff, {"timeline": {"limit": 5, "sources": [
        {"form": follow_ups.form_id, "link": "f_fcust01", "date_field": "f_fdate01",
         "title_field": "f_fnote01", "fields": ["f_fdate01"]},
        {"form": staff.contacts.form_id, "link": "f_cust01", "date_field": "created_at"}]}})
    html = client.get(f"{staff.customer_path}/{acme.id}").get_data(as_text=True)
    assert f"{staff.customer_path}/{acme.id}/timeline" in html
    text = client.get(f"{staff.customer_path}/{acme.id}/timeline").get_data(as_text=True)
    titles = re.findall(r'related-event-title"><a href="[^"]*">([^<]*)</a>', text)
    # contacts were created today, after the January follow-ups; limit 5 of 6
    assert titles == ["Cid", "Bob", "Ann", "Visit", "Demo"], titles
    assert "2026-01-20" in text and "跟进记录" in text and "Undated" not in text


def test_add_related_prefills_the_link(app, client, staff):
    acme, _globex = _world(app, staff)
    page = client.get(f"{staff.contact_path}/new?f_cust01={acme.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="{acme.id}"' in html and "Acme" in html


@pytest.mark.parametrize("raw", ["99999", "abc", "-1", "1" * 30])
def test_a_bad_prefilled_link_is_named_not_a_crash(app, client, staff, raw):
    _world(app, staff)
    page = client.get(f"{staff.contact_path}/new", query_string={"f_cust01": raw})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert ("choose a record of 客户 that exists" in html
            or "choose a record by its number" in html), html[:2000]


def test_a_trashed_record_cannot_be_prefilled(app, client, staff):
    acme, _globex = _world(app, staff)
    with app.test_request_context():
        service.delete(staff.user, staff.customers, acme.id)
    page = client.get(f"{staff.contact_path}/new?f_cust01={acme.id}")
    assert page.status_code == 422
    assert "choose a record of 客户 that exists" in page.get_data(as_text=True)


def test_without_view_on_the_related_form_there_is_no_section(app, client, staff):
    from builder.apps.models import App
    from builder.roles import service as roles
    from runtime.accounts import service as accounts

    acme, _globex = _world(app, staff)
    with app.test_request_context():
        admin = accounts.find_user_by_email("builder@example.com")
        crm_app = db.session.query(App).filter_by(key="crm").one()
        everyone = next(r for r in roles.list_roles(admin, crm_app) if r.everyone)
        contact_key = staff.contact_path.rsplit("/", 1)[1]
        roles.set_access(admin, crm_app, contact_key, {everyone.id: {
            "operations": [], "scope": [], "fields": {}}})
        db.session.commit()
    html = client.get(f"{staff.customer_path}/{acme.id}").get_data(as_text=True)
    assert _sections(html) == [] and "联系人" not in html
    assert client.get(f"{staff.customer_path}/{acme.id}/related/0").status_code == 404


def test_sections_of_a_record_out_of_scope_are_not_found(app, client, staff):
    _world(app, staff)
    assert client.get(f"{staff.customer_path}/99999/related/0").status_code == 404
    assert client.get(f"{staff.customer_path}/99999/timeline").status_code == 404


# ---------------------------------------------------------------- the builder's settings page


def _builder(client, login_as):
    from runtime.accounts import service as accounts

    login_as(accounts.find_user_by_email("builder@example.com"))


def _settings_post(client, url, data):
    from tests.conftest import csrf_token

    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_the_builder_adds_orders_and_removes_sections_into_the_draft(app, client, crm,
                                                                     login_as, follow_ups):
    from builder.forms.models import Form

    _builder(client, login_as)
    key = crm.customer_path.rsplit("/", 1)[1]
    url = f"/build/apps/crm/forms/{key}/detail"
    html = client.get(url).get_data(as_text=True)
    assert "联系人 · 客户" in html and "联系人 · 关联客户" in html and "跟进记录 · 客户" in html

    def draft():
        db.session.expire_all()
        return db.session.get(Form, crm.customers.form_id)

    contacts, visits = f"{crm.contacts.form_id}:f_cust01", f"{follow_ups.form_id}:f_fcust01"
    response = _settings_post(client, url, {"revision": draft().draft_revision,
                                            "action": "add_section", "add_section": contacts})
    assert response.status_code == 303
    sections = draft().draft["detail"]["sections"]
    assert sections[0]["fields"] == ["f_pname1", "f_clevel", "f_others", "f_onames"]
    page = client.get(url).get_data(as_text=True)  # the row posts its settings back
    assert f'name="s0.pair" value="{contacts}"' in page and 'value="f_clevel" checked' in page
    response = _settings_post(client, url, {"revision": draft().draft_revision,
                                            "action": "add_section", "add_section": visits,
                                            "s0.pair": contacts, "s0.fields": "f_pname1"})
    sections = draft().draft["detail"]["sections"]
    assert [s["form"] for s in sections] == [crm.contacts.form_id, follow_ups.form_id]
    response = _settings_post(client, url, {
        "revision": draft().draft_revision, "action": "s1.up",
        "s0.pair": contacts, "s0.fields": ["f_pname1", "f_nothere"], "s0.sort": "f_pname1",
        "s0.order": "asc", "s0.limit": "500",
        "s1.pair": visits, "s1.fields": "f_fnote01", "s1.sort": "bogus", "s1.limit": "3",
        "t0.pair": visits, "t0.date": "f_fdate01", "t0.title": "f_fnote01",
        "timeline_limit": "7"})
    assert response.status_code == 303
    detail = draft().draft["detail"]
    assert detail["sections"] == [
        {"form": follow_ups.form_id, "link": "f_fcust01", "fields": ["f_fnote01"], "limit": 3},
        {"form": crm.contacts.form_id, "link": "f_cust01", "fields": ["f_pname1"],
         "limit": 50, "sort": ["f_pname1", "asc"]}]
    assert detail["timeline"] == {"limit": 7, "sources": [{
        "form": follow_ups.form_id, "link": "f_fcust01", "date_field": "f_fdate01",
        "fields": [], "title_field": "f_fnote01"}]}
    response = _settings_post(client, url, {"revision": draft().draft_revision,
                                            "action": "use_default"})
    assert "sections" not in draft().draft["detail"]
    assert client.get(f"/build/apps/crm/forms/{key}?tab=form").get_data(as_text=True).count(
        url) == 1


def test_a_stale_revision_changes_nothing(app, client, crm, login_as):
    from builder.forms.models import Form

    _builder(client, login_as)
    key = crm.customer_path.rsplit("/", 1)[1]
    url = f"/build/apps/crm/forms/{key}/detail"
    response = _settings_post(client, url, {"revision": "0", "action": "add_section",
                                            "add_section": f"{crm.contacts.form_id}:f_cust01"})
    assert response.status_code == 303
    assert "detail" not in db.session.get(Form, crm.customers.form_id).draft


def test_member_fields_show_the_persons_name_in_sections_and_the_timeline(app, client, staff,
                                                                          publish_form):
    fields = [*FOLLOW_UP_FIELDS,
              {"id": "f_fcust01", "type": "link", "label": "客户",
               "config": {"form": staff.customers.form_id}},
              {"id": "f_fowner1", "type": "member", "label": "负责人", "config": {}}]
    visits = published(*publish_form(fields=fields, layout=[], rules=[], name="拜访",
                                     title_field="f_fnote01"))
    with app.test_request_context():
        acme = staff.customer("Acme")
        service.create(staff.user, visits, {"f_fnote01": "Met the buyer", "f_fdate01":
                                            "2026-01-05", "f_fcust01": acme.id,
                                            "f_fowner1": staff.user.id})
    configure(app, staff, {
        "sections": [{"form": visits.form_id, "link": "f_fcust01",
                      "fields": ["f_fnote01", "f_fowner1"]}],
        "timeline": {"sources": [{"form": visits.form_id, "link": "f_fcust01",
                                  "date_field": "f_fdate01", "fields": ["f_fowner1"]}]}})
    base = f"{staff.customer_path}/{acme.id}"
    for part in ("related/0", "timeline"):
        text = client.get(f"{base}/{part}").get_data(as_text=True)
        assert "王芳" in text and f"#{staff.user.id}<" not in text.replace(" ", ""), part
