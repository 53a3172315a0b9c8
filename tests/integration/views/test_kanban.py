"""The kanban view over HTTP: columns counted and summed in SQL, cards moved through the
one write path, refusals explained and nothing changed."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from builder.db import db
from builder.views import service as view_service
from runtime.records import service
from runtime.records.forms_lookup import resolve
from runtime.views import kanban
from runtime.views.pages import load
from tests.conftest import csrf_token

FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def staff(make_user, login_as, client):
    user = make_user(email="staff@example.com", name="王芳", is_admin=True)
    login_as(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.fixture
def board(app, client, staff, publish_form):
    app_key, form_key = publish_form()
    with app.test_request_context():
        target = resolve(staff, app_key, form_key)
        for i in range(45):
            service.create(staff, target.published, {
                "f_name01": f"公司{i:02d}", "f_level1": "ab"[i % 2] if i % 9 else None,
                "f_amnt01": str(10 * i + 0.5), "f_start1": f"2026-01-{i % 28 + 1:02d}"})
    base = f"/a/{app_key}/{form_key}"
    response = client.post(f"{base}/boards/new", data={
        "csrf_token": csrf_token(client, base), "type": "kanban", "name": "看板",
        "scope": "personal"})
    assert response.status_code == 303
    view_id = int(re.search(r"view=(\d+)", response.headers["Location"]).group(1))
    with app.test_request_context():
        view = view_service.get_view(staff, target.form, view_id)
        document = dict(view.document, config={"group_field": "f_level1",
                                               "card_fields": ["f_amnt01"],
                                               "sum_field": "f_amnt01", "page_size": 10})
        view_service.save_view(staff, view, document, version=view.version,
                               fields=target.published.field_map)
    return {"base": base, "view": view_id, "app_key": app_key, "form_key": form_key}


def _records(app, staff, board):
    with app.test_request_context():
        target = resolve(staff, board["app_key"], board["form_key"])
        return target, service.page(staff, target.published, limit=500)


def test_columns_count_and_sum_like_a_python_recount(app, client, staff, board):
    target, records = _records(app, staff, board)
    expected = Counter(r.values["f_level1"] or "" for r in records)
    sums: dict[str, Decimal] = {}
    for r in records:
        key = r.values["f_level1"] or ""
        sums[key] = sums.get(key, Decimal(0)) + r.values["f_amnt01"]
    with app.test_request_context():
        _v, _c, state = load(staff, target, MultiDict({"view": str(board["view"])}))
        found = kanban.read(staff, target, state)
    got = {lane.key: (lane.count, Decimal(str(lane.total or 0))) for lane in found.lanes}
    assert {k: v[0] for k, v in got.items() if v[0]} == dict(expected)
    assert {k: v[1] for k, v in got.items() if v[0]} == sums
    assert [lane.key for lane in found.lanes] == ["a", "b", "c", ""]
    assert all(len(lane.cards) == min(10, lane.count) for lane in found.lanes)


def test_the_group_by_is_one_query(app, staff, board):
    import sqlalchemy as sa

    target, _records_ = _records(app, staff, board)
    seen = []
    sa.event.listen(db.engine, "before_cursor_execute",
                    lambda *a: seen.append(a[2]) if "GROUP BY" in a[2] else None)
    with app.test_request_context():
        _v, _c, state = load(staff, target, MultiDict({"view": str(board["view"])}))
        kanban.read(staff, target, state)
    assert len(seen) == 1


def test_the_board_page_and_load_more(client, board):
    html = client.get(f"{board['base']}?view={board['view']}").get_data(as_text=True)
    assert 'class="kanban"' in html and "公司" in html and "Move to…" in html
    more = re.search(r'hx-get="([^"]*/more\?[^"]*)"', html).group(1).replace("&amp;", "&")
    page = client.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-swap-oob" in page and page.count('class="kcard"') == 10


def test_moving_a_card_saves_the_record_with_history(app, client, staff, board):
    target, records = _records(app, staff, board)
    record = next(r for r in records if r.values["f_level1"] == "a")
    url = f"{board['base']}/boards/{board['view']}/move"
    response = client.post(url, headers=FETCH, data={
        "csrf_token": csrf_token(client, board["base"]), "record": record.id,
        "version": record.row_version, "to": "b"})
    assert response.status_code == 200 and f'data-id="{record.id}"' in response.text
    with app.test_request_context():
        now = service.get(staff, target.published, record.id)
        history = service.history(staff, target.published, record.id)
    assert now.values["f_level1"] == "b" and now.row_version == record.row_version + 1
    assert len(history) == 2


@pytest.mark.parametrize("case", ["invalid", "stale"])
def test_a_refused_move_says_why_and_changes_nothing(app, client, staff, board, case):
    target, records = _records(app, staff, board)
    record = next(r for r in records if r.values["f_level1"] == "a")
    data = {"csrf_token": csrf_token(client, board["base"]), "record": record.id,
            "version": record.row_version, "to": "c"}  # level C needs a reason
    if case == "stale":
        data.update(version=record.row_version - 1 or 99, to="b")
    response = client.post(f"{board['base']}/boards/{board['view']}/move", headers=FETCH,
                           data=data)
    assert response.status_code == (422 if case == "invalid" else 409)
    assert ("降级原因" in response.text) if case == "invalid" else "changed" in response.text
    with app.test_request_context():
        now = service.get(staff, target.published, record.id)
    assert now.values["f_level1"] == "a" and now.row_version == record.row_version


def test_a_move_without_script_redirects_with_a_message(client, board, app, staff):
    target, records = _records(app, staff, board)
    record = records[0]
    response = client.post(f"{board['base']}/boards/{board['view']}/move", data={
        "csrf_token": csrf_token(client, board["base"]), "record": record.id,
        "version": record.row_version, "to": "c"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "降级原因" in page


def test_the_board_has_the_filter_builder_and_applying_it_narrows_the_columns(client, board):
    """A card view filters like the table: the builder is on the page, applying it lands on
    the board's address with the filter, and the columns count only matching records."""
    base, view = board["base"], board["view"]
    html = client.get(f"{base}?view={view}").get_data(as_text=True)
    assert 'id="filter-editor"' in html and "Export" in html and "Save sharing" in html
    response = client.get(f"{base}/views/filter", query_string={
        "view": str(view), "_act": "apply", "c0.field": "f_amnt01", "c0.op": "gt",
        "c0.value": "300"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    location = response.headers["HX-Location"]
    assert '"target": "#view"' in location and f"view={view}" in location
    url = re.search(r'"path": "([^"]+)"', location).group(1)
    html = client.get(url).get_data(as_text=True)
    counts = [int(c.replace(",", "")) for c in re.findall(r"data-count>([\d,]+)<", html)]
    assert sum(counts) == sum(1 for i in range(45) if 10 * i + 0.5 > 300)
    assert "count-pill" in html  # the filter button says one condition is on
