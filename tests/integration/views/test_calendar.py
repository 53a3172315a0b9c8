"""The calendar view: the visible range only, across month boundaries and time zones;
rescheduling through the write path; a day's link prefills the entry page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from builder.views import service as view_service
from runtime.records import service
from runtime.records.forms_lookup import resolve
from runtime.views import calendar
from runtime.views.pages import load
from tests.conftest import csrf_token
from tests.integration.records.conftest import ENTRY_FIELDS

FETCH = {"X-Requested-With": "fetch"}
FIELDS = [*ENTRY_FIELDS, {"id": "f_meet01", "type": "datetime", "label": "会面", "config": {}}]


@pytest.fixture
def staff(make_user, login_as, client):
    user = make_user(email="staff@example.com", name="王芳", is_admin=True)
    login_as(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


def _make_view(app, client, staff, base, target, config):
    response = client.post(f"{base}/boards/new", data={
        "csrf_token": csrf_token(client, base), "type": "calendar", "name": "日历",
        "scope": "personal"})
    view_id = int(re.search(r"view=(\d+)", response.headers["Location"]).group(1))
    with app.test_request_context():
        view = view_service.get_view(staff, target.form, view_id)
        view_service.save_view(staff, view, dict(view.document, config=config),
                               version=view.version, fields=target.published.field_map)
    return view_id


@pytest.fixture
def cal(app, client, staff, publish_form):
    app_key, form_key = publish_form(fields=FIELDS)
    base = f"/a/{app_key}/{form_key}"
    with app.test_request_context():
        target = resolve(staff, app_key, form_key)
        made = {}
        for name, start, end, meet in [
                ("三月底", "2026-03-31", None, "2026-03-31T20:00:00+00:00"),
                ("四月初", "2026-04-01", None, "2026-04-01T01:00:00+00:00"),
                ("跨月", "2026-03-30", "2026-04-02", None),
                ("五月", "2026-05-02", None, None)]:
            made[name] = service.create(staff, target.published, {
                "f_name01": name, "f_start1": start, "f_end001": end, "f_meet01": meet})
    return {"base": base, "target": target, "made": made, "app_key": app_key,
            "form_key": form_key}


def _names(app, staff, cal, view_id, mode, anchor):
    with app.test_request_context():
        target = resolve(staff, cal["app_key"], cal["form_key"])
        _v, _c, state = load(staff, target, MultiDict({"view": str(view_id)}))
        p = calendar.read(staff, target, state, calendar.period(mode, anchor))
        return {d.day.isoformat(): sorted(c.title for c in d.cards)
                for week in p.weeks for d in week if d.cards}


def test_dates_with_an_end_span_days_across_the_month_boundary(app, client, staff, cal):
    view = _make_view(app, client, staff, cal["base"], cal["target"], {
        "date_field": "f_start1", "end_field": "f_end001", "card_fields": [], "mode": "month"})
    april = _names(app, staff, cal, view, "month", date(2026, 4, 15))
    assert april["2026-03-30"] == ["跨月"] and april["2026-04-02"] == ["跨月"]
    assert april["2026-03-31"] == ["三月底", "跨月"] and "2026-05-02" in april  # to Sun 3 May
    week = _names(app, staff, cal, view, "week", date(2026, 4, 3))
    assert set(week) == {"2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02"}
    may = _names(app, staff, cal, view, "month", date(2026, 5, 20))
    assert may == {"2026-05-02": ["五月"]}


@pytest.mark.parametrize("zone,day", [("Asia/Shanghai", "2026-04-01"), ("UTC", "2026-03-31")])
def test_moments_fall_on_their_local_day(app, client, staff, cal, zone, day):
    view = _make_view(app, client, staff, cal["base"], cal["target"], {
        "date_field": "f_meet01", "end_field": None, "card_fields": [], "mode": "month"})
    app.config["JIMU_TIMEZONE"] = zone
    try:
        march = _names(app, staff, cal, view, "week", date(2026, 4, 1))
        april_only = _names(app, staff, cal, view, "month", date(2026, 4, 10))
    finally:
        app.config.pop("JIMU_TIMEZONE", None)
    assert "三月底" in march[day]
    # the April month grid starts Monday 30 March either way; in UTC 四月初 is on 1 April
    assert "四月初" in april_only["2026-04-01"]


def test_the_page_navigates_in_the_address_and_links_days_to_new_records(app, client, cal, staff):
    view = _make_view(app, client, staff, cal["base"], cal["target"], {
        "date_field": "f_start1", "end_field": None, "card_fields": ["f_amnt01"],
        "mode": "month"})
    html = client.get(f"{cal['base']}?view={view}&on=2026-04-10").get_data(as_text=True)
    assert "April 2026" in html and "三月底" in html
    assert "on=2026-05-01" in html and "on=2026-03-01" in html
    assert "/new?f_start1=2026-04-15" in html
    week = client.get(f"{cal['base']}?view={view}&on=2026-04-10&mode=week").get_data(as_text=True)
    assert "cal-week" in week


def test_entry_page_prefill_is_checked_like_input(client, cal):
    good = client.get(f"{cal['base']}/new?f_start1=2026-04-15").get_data(as_text=True)
    assert 'value="2026-04-15"' in good
    bad = client.get(f"{cal['base']}/new?f_start1=not-a-date").get_data(as_text=True)
    assert "not-a-date" in bad and "2026" in bad  # the message shows the expected form


def test_reschedule_through_the_write_path_and_refusals(app, client, staff, cal):
    view = _make_view(app, client, staff, cal["base"], cal["target"], {
        "date_field": "f_start1", "end_field": "f_end001", "card_fields": [], "mode": "month"})
    record = cal["made"]["跨月"]
    url = f"{cal['base']}/boards/{view}/reschedule"
    token = csrf_token(client, cal["base"])
    stale = client.post(url, headers=FETCH, data={"csrf_token": token, "record": record.id,
                                                  "version": 99, "day": "2026-04-06"})
    assert stale.status_code == 409
    moved = client.post(url, headers=FETCH, data={"csrf_token": token, "record": record.id,
                                                  "version": record.row_version,
                                                  "day": "2026-04-06"})
    assert moved.status_code == 200
    with app.test_request_context():
        now = service.get(staff, cal["target"].published, record.id)
        assert len(service.history(staff, cal["target"].published, record.id)) == 2
    assert now.values["f_start1"] == date(2026, 4, 6) and now.values["f_end001"] == \
        date(2026, 4, 9)



def test_a_filter_applied_on_the_calendar_keeps_its_period(app, client, cal, staff):
    """The filter builder sits on the calendar too; applying it stays on the month shown."""
    view = _make_view(app, client, staff, cal["base"], cal["target"], {
        "date_field": "f_start1", "end_field": None, "card_fields": [], "mode": "month"})
    html = client.get(f"{cal['base']}?view={view}&on=2026-04-10").get_data(as_text=True)
    assert 'id="filter-editor"' in html and 'name="on" value="2026-04-10"' in html
    response = client.get(f"{cal['base']}/views/filter", query_string={
        "view": str(view), "on": "2026-04-10", "_act": "apply", "c0.field": "f_name01",
        "c0.op": "contains", "c0.value": "四月"})
    assert response.status_code == 303 and "on=2026-04-10" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "April 2026" in html and "四月初" in html and "三月底" not in html
