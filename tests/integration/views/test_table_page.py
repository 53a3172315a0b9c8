"""The table view page over HTTP: the address holds the view, htmx gets fragments, and
edits from the table go through the one write path."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from builder.db import db
from builder.views.models import SavedView
from runtime.records import service
from runtime.records.forms_lookup import resolve
from runtime.views import reading
from tests.conftest import csrf_token

HTMX = {"HX-Request": "true", "HX-Target": "view-results"}


@pytest.fixture
def staff(make_user, login_as, client):
    user = make_user(email="staff@example.com", name="王芳")
    login_as(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.fixture
def crm(publish_form):
    app_key, form_key = publish_form()
    return f"/a/{app_key}/{form_key}"


@pytest.fixture
def target(app, staff, crm):
    with app.test_request_context():
        return resolve(staff, "crm", crm.rsplit("/", 1)[-1])


@pytest.fixture
def filled(app, staff, crm, target):
    with app.test_request_context():
        for i in range(30):
            service.create(staff, target.published, {
                "f_name01": f"公司{i:02d}", "f_level1": "ab"[i % 2],
                "f_amnt01": str(100 * i), "f_start1": f"2026-01-{i % 28 + 1:02d}"})
    return crm


def _names(html: str) -> list[str]:
    body = html.split('id="view-results"', 1)[-1]
    return re.findall(r'class="record-link"[^>]*><span>公司(\d\d)</span>', body)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url.replace("&amp;", "&")).query)


def _post(client, path, data, token_path):
    return client.post(path, data={"csrf_token": csrf_token(client, token_path), **data})


def test_the_list_opens_the_builtin_table_view(client, filled):
    response = client.get(filled)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "All records" in html and "30 records" in html
    assert _names(html)[:3] == ["29", "28", "27"]  # newest first
    assert 'class="w-' in html and "HX-Request" in response.headers["Vary"]


def test_sort_filter_and_columns_come_from_the_address(client, filled):
    cond = {"all": [{"field": "f_level1", "op": "eq", "value": "a"},
                    {"field": "f_amnt01", "op": "gte", "value": "1000"}]}
    html = client.get(f"{filled}?" + urlencode({
        "sort": "-f_amnt01", "filter": json.dumps(cond), "cols": "f_name01,f_amnt01"})
    ).get_data(as_text=True)
    assert _names(html) == ["28", "26", "24", "22", "20", "18", "16", "14", "12", "10"]
    assert "10 records" in html and "¥2,800.00" in html
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "金额" in head and "级别" not in head
    assert "changes that are not saved" in html


def test_a_filter_that_does_not_fit_is_set_aside_with_a_note(client, filled):
    for bad in ('{"field": "f_nope01", "op": "eq", "value": 1}', "not json", "[1]"):
        html = client.get(f"{filled}?" + urlencode({"filter": bad})).get_data(as_text=True)
        assert "does not fit this form" in html and "30 records" in html


def test_toolbar_forms_land_on_the_canonical_address(client, filled):
    response = client.get(f"{filled}?s=f_amnt01&d=desc&s=&d=asc&c_sent=1&c=f_amnt01&c=f_name01"
                          "&t.f_amnt01=sum&t.f_name01=")
    assert response.status_code == 303
    args = _query(response.headers["Location"])
    assert args == {"sort": ["-f_amnt01"], "cols": ["f_amnt01,f_name01"],
                    "totals": ["f_amnt01:sum"]}
    fragment = client.get(f"{filled}?s=f_amnt01&d=asc", headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert _query(fragment.headers["HX-Push-Url"]) == {"sort": ["f_amnt01"]}


def test_typing_a_search_replaces_the_address_and_refreshes_the_search_form(client, filled):
    response = client.get(f"{filled}?q=公司0", headers={**HTMX, "HX-Trigger-Name": "q"})
    html = response.get_data(as_text=True)
    assert _query(response.headers["HX-Replace-Url"]) == {"q": ["公司0"]}
    assert sorted(_names(html)) == [f"0{i}" for i in range(10)]
    assert 'id="search-state" hx-swap-oob="true"' in html


def test_switching_views_answers_the_whole_view(client, filled):
    html = client.get(f"{filled}?view=0", headers={"HX-Request": "true", "HX-Target": "view"}
                      ).get_data(as_text=True)
    assert 'id="view-q"' in html and "<html" not in html and "hx-swap-oob" not in html


def test_next_and_previous_pages_walk_the_records(client, filled):
    first = client.get(f"{filled}?size=25&sort=f_name01").get_data(as_text=True)
    assert _names(first) == [f"{i:02d}" for i in range(25)]
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(link, headers=HTMX)
    html = second.get_data(as_text=True)
    assert _names(html) == [f"{i:02d}" for i in range(25, 30)] and 'rel="next"' not in html
    back = re.search(r'rel="prev" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert _names(client.get(back).get_data(as_text=True)) == _names(first)


def test_counts_are_capped_and_exact_on_demand(client, filled, monkeypatch):
    monkeypatch.setattr(reading, "COUNT_CAP", 20)
    monkeypatch.setattr(reading.capped_count, "__defaults__", (20,))
    html = client.get(filled).get_data(as_text=True)
    assert "20+ records" in html
    url = re.search(r'hx-get="([^"]*/views/count[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "30 records" in client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)


def test_groups_show_their_counts_and_totals_load_separately(client, filled):
    html = client.get(f"{filled}?group=f_level1&totals=f_amnt01:sum&cols=f_name01,f_amnt01"
                      ).get_data(as_text=True)
    groups = re.findall(r'class="group-row".*?>([AB])</span>.*?count-pill">(\d+)<', html,
                        re.S)
    assert groups == [("A", "15"), ("B", "15")]
    url = re.search(r'hx-get="([^"]*/views/totals[^"]*)"', html).group(1).replace("&amp;", "&")
    row = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Sum" in row and "¥43,500.00" in row


# ---------------------------------------------------------------- filter builder


def test_the_filter_builder_adds_rows_and_applies(client, filled):
    base = f"{filled}/views/filter"
    html = client.get(f"{base}?_act=add", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="c0.field"' in html and 'name="c0.op"' in html
    args = {"join": "all", "c0.field": "f_level1", "c0.op": "eq", "c0.value": "b",
            "g1.join": "any", "g1.c0.field": "f_amnt01", "g1.c0.op": "lt", "g1.c0.value": "500",
            "g1.c1.field": "f_name01", "g1.c1.op": "contains", "g1.c1.value": "公司2",
            "sort": "f_name01", "_act": "apply"}
    response = client.get(f"{base}?{urlencode(args)}", headers={"HX-Request": "true"})
    location = json.loads(response.headers["HX-Location"])
    assert location["target"] == "#view-results"
    html = client.get(location["path"]).get_data(as_text=True)
    assert _names(html) == ["01", "03", "21", "23", "25", "27", "29"]
    assert _query(location["path"])["sort"] == ["f_name01"]
    plain = client.get(f"{base}?{urlencode(args)}")
    assert plain.status_code == 303 and "filter=" in plain.headers["Location"]


def test_a_bad_value_stays_in_the_builder_with_the_reason(client, filled):
    args = {"c0.field": "f_amnt01", "c0.op": "gt", "c0.value": "lots", "c1.field": "f_start1",
            "c1.op": "within_last", "c1.value": "0", "_act": "apply"}
    response = client.get(f"{filled}/views/filter?{urlencode(args)}",
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="lots"' in html
    assert "金额:" in html and "number of days from 1 to 3650" in html


def test_removing_and_changing_rows_rebuilds_the_builder(client, filled):
    args = {"c0.field": "f_name01", "c0.op": "contains", "c0.value": "x",
            "c1.field": "f_start1", "c1.op": "eq", "_act": "del:c0"}
    html = client.get(f"{filled}/views/filter?{urlencode(args)}",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'value="x"' not in html and 'type="date"' in html
    assert "within the last (days)" in html and "is before" in html


def test_relative_and_personal_filters_from_the_address(client, filled, app):
    mine = {"field": "f_owner1", "op": "is_me"}
    html = client.get(f"{filled}?" + urlencode({"filter": json.dumps(mine)})
                      ).get_data(as_text=True)
    assert "30 records" in html
    other = _signed_in(app, "builder@example.com")
    assert "No records match" in other.get(f"{filled}?" + urlencode(
        {"filter": json.dumps(mine)})).get_data(as_text=True)
    recent = {"field": "f_start1", "op": "within_next", "value": 3650}
    html = client.get(f"{filled}?" + urlencode({"filter": json.dumps(recent)})
                      ).get_data(as_text=True)
    assert "No records match" in html  # every start date is in the past


# ---------------------------------------------------------------- saved views


def test_save_as_a_personal_view_then_save_changes_into_it(client, filled, staff):
    state = urlencode({"sort": "-f_amnt01", "filter": json.dumps(
        {"field": "f_level1", "op": "eq", "value": "a"})})
    response = _post(client, f"{filled}/views/new", {"name": "A 级", "scope": "personal",
                                                     "state": state}, filled)
    assert response.status_code == 303
    view = db.session.query(SavedView).one()
    assert view.scope == "personal" and view.owner_id == staff.id
    assert _query(response.headers["Location"]) == {"view": [str(view.id)]}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "15 records" in html and _names(html)[0] == "28" and "not saved" not in html
    changed = urlencode({"view": view.id, "sort": "f_amnt01"})
    response = _post(client, f"{filled}/views/{view.id}/save",
                     {"state": changed, "version": str(view.version)}, filled)
    assert response.status_code == 303
    db.session.refresh(view)
    assert view.document["sort"] == [{"field": "f_amnt01", "desc": False}]
    assert _names(client.get(f"{filled}?view={view.id}").get_data(as_text=True))[0] == "00"


def _signed_in(app, email):
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = other.post("/sign-in", data={"csrf_token": csrf_token(other, "/sign-in"),
                                            "email": email, "password": "correct horse battery"})
    assert response.status_code == 303
    return other


def test_staff_cannot_share_and_builders_choose_the_default(client, filled, app):
    response = _post(client, f"{filled}/views/new", {"name": "全员", "scope": "everyone",
                                                     "state": ""}, filled)
    assert response.status_code == 403
    response = _post(client, f"{filled}/views/new", {"name": "", "state": ""}, filled)
    assert response.status_code == 422 and "must not be empty" in response.get_data(as_text=True)
    builder = _signed_in(app, "builder@example.com")
    state = urlencode({"sort": "f_name01"})
    _post(builder, f"{filled}/views/new", {"name": "按名称", "scope": "everyone",
                                           "state": state}, filled)
    view = db.session.query(SavedView).one()
    assert view.scope == "everyone"
    response = _post(builder, f"{filled}/views/default", {"view": str(view.id)}, filled)
    assert response.status_code == 303
    html = client.get(filled).get_data(as_text=True)
    assert _names(html)[:2] == ["00", "01"] and "按名称" in html
    assert "Open the list with this view" not in html and "View settings" not in html
    assert _post(client, f"{filled}/views/{view.id}/delete", {}, filled).status_code == 403
    html = builder.get(f"{filled}?view=0").get_data(as_text=True)
    assert "Open the list with this view" in html and _names(html)[0] == "29"


def test_rename_reorder_widths_and_delete(client, filled):
    for name in ("一", "二"):
        _post(client, f"{filled}/views/new", {"name": name, "state": ""}, filled)
    one, two = db.session.query(SavedView).order_by(SavedView.id).all()
    assert _post(client, f"{filled}/views/{one.id}/rename", {"name": "第一"},
                 filled).status_code == 303
    response = _post(client, f"{filled}/views/order", {"ids": [str(two.id), str(one.id)]},
                     filled)
    assert response.status_code == 303
    html = client.get(filled).get_data(as_text=True)
    assert html.index(">二<") < html.index(">第一<")
    token = csrf_token(client, filled)
    response = client.post(f"{filled}/views/{two.id}/widths",
                           data={"w.f_name01": "333"}, headers={"X-CSRFToken": token})
    assert response.status_code == 204
    db.session.refresh(two)
    assert two.document["config"]["columns"][0] == {"field": "f_name01", "width": 333}
    assert 'class="w-340"' in client.get(f"{filled}?view={two.id}").get_data(as_text=True)
    assert _post(client, f"{filled}/views/{two.id}/delete", {}, filled).status_code == 303
    assert db.session.query(SavedView).count() == 1
    html = client.get(f"{filled}?view={two.id}").get_data(as_text=True)
    assert "That view is gone" in html


# ---------------------------------------------------------------- editing from the table


def _record_id(target, name, app, staff):
    with app.test_request_context():
        page = reading.query.query(staff, target.published, {
            "field": "f_name01", "op": "eq", "value": name})
        return page.records[0].id, page.records[0].row_version


def test_a_cell_is_edited_in_place_through_the_write_path(client, filled, target, app, staff):
    record_id, version = _record_id(target, "公司05", app, staff)
    url = f"{filled}/views/cell/{record_id}/f_amnt01"
    editor = client.get(f"{url}?edit=1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="row_version" value="1"' in editor and 'value="500.00"' in editor
    refused = _post(client, url, {"f_amnt01": "-5", "row_version": str(version)}, filled)
    assert refused.status_code == 422 and "at least 0" in refused.get_data(as_text=True)
    saved = _post(client, url, {"f_amnt01": "650", "row_version": str(version)}, filled)
    assert saved.status_code == 200 and "¥650.00" in saved.get_data(as_text=True)
    stale = _post(client, url, {"f_amnt01": "700", "row_version": str(version)}, filled)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "changed this record meanwhile" in html
    assert 'name="row_version" value="2"' in html and "¥650.00" in html
    assert client.get(f"{filled}/views/cell/{record_id}/f_serial?edit=1").status_code == 404


def test_bulk_edit_and_delete_report_what_was_refused(client, filled, target, app, staff):
    first, v1 = _record_id(target, "公司01", app, staff)
    second, v2 = _record_id(target, "公司02", app, staff)
    with app.test_request_context():
        service.update(staff, target.published, second, {"f_amnt01": "1"}, expected_version=v2)
    data = {"_act": "edit", "field": "f_level1", "f_level1": "c", "ids": [str(first),
            str(second)], f"v{first}": str(v1), f"v{second}": str(v2), "state": "sort=f_name01"}
    response = client.post(f"{filled}/views/bulk", headers={"HX-Request": "true"},
                           data={"csrf_token": csrf_token(client, filled), **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "in 0 records" in html or "降级原因" in html
    assert "someone else changed it" in html and f"#{second}" in html
    data.update({"field": "f_amnt01", "f_amnt01": "99", f"v{second}": str(v2 + 1)})
    response = client.post(f"{filled}/views/bulk", headers={"HX-Request": "true"},
                           data={"csrf_token": csrf_token(client, filled), **data})
    assert response.status_code == 200 and "in 2 records" in response.get_data(as_text=True)
    data["_act"] = "delete"
    response = _post(client, f"{filled}/views/bulk", data, filled)
    assert response.status_code == 303
    assert "28 records" in client.get(filled).get_data(as_text=True)


def test_a_role_of_the_app_opens_its_own_default_view(client, filled, app, staff):
    """The builder shares a view with a role and lets it open that role's list: its holders
    land on it, everyone else on the built-in list; the settings show the choice."""
    from builder.apps.models import App
    from builder.forms.models import Form
    from builder.roles import service as roles
    from runtime.accounts.models import User

    builder = _signed_in(app, "builder@example.com")
    with app.test_request_context():
        owner = db.session.query(User).filter_by(email="builder@example.com").one()
        form = db.session.query(Form).filter_by(key=filled.rsplit("/", 1)[-1]).one()
        crm_app = db.session.get(App, form.app_id)
        sales = roles.create_role(owner, crm_app, name="Sales")
        roles.add_member(owner, crm_app, sales, user_id=staff.id)
        roles.set_access(owner, crm_app, form.key, {sales.id: {
            "operations": ["view", "create", "edit"], "scope": [{"kind": "all"}],
            "fields": {}}})
        key = sales.key
    _post(builder, f"{filled}/views/new", {"name": "按名称", "scope": "selected",
                                           "roles": key, "state": urlencode(
                                               {"sort": "f_name01"})}, filled)
    view = db.session.query(SavedView).one()
    response = _post(builder, f"{filled}/views/default",
                     {"view": str(view.id), "sent": "1", "roles": key}, filled)
    assert response.status_code == 303
    html = client.get(filled).get_data(as_text=True)
    assert _names(html)[:2] == ["00", "01"] and "tab-star" in html
    html = builder.get(filled).get_data(as_text=True)
    assert _names(html)[0] == "29"  # the builder holds no role: the built-in list
    html = builder.get(f"{filled}?view={view.id}").get_data(as_text=True)
    assert "Open the list with this view for" in html
    assert re.search(rf'name="roles" value="{key}" checked', html)
    # A role the view does not reach is refused with the reason, nothing changes.
    response = _post(builder, f"{filled}/views/default",
                     {"view": str(view.id), "sent": "1", "roles": "nobody"}, filled)
    assert response.status_code == 422 and "Choose roles of this app" in \
        response.get_data(as_text=True)
    assert _names(client.get(filled).get_data(as_text=True))[:1] == ["00"]
