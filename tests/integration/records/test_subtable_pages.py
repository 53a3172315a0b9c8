"""Sub-tables on the staff pages: entry with rows added and removed, cell errors beside
their cells, live formulas, record page table, list "N rows", history row by row."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.integration.records.test_subtable import LINES, ORDER

LAYOUT = [{"kind": "section", "id": "s_order1", "title": "报价", "columns": 2, "items": [
    {"kind": "field", "field": f["id"]} for f in ORDER]}]


@pytest.fixture
def staff(make_user, login_as, client):
    user = make_user(email="staff@example.com", name="王芳")
    login_as(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.fixture
def quote(publish_form):
    app_key, form_key = publish_form(fields=ORDER, layout=LAYOUT, rules=[],
                                     title_field="f_title1", name="报价单")
    return f"/a/{app_key}/{form_key}"


def _cells(*rows, table="f_lines01"):
    data = {table: "rows"}
    for index, row in enumerate(rows):
        data[f"{table}-{index}-f_row"] = "1"
        for column, value in row.items():
            data[f"{table}-{index}-{column}"] = value
    return data


def _post(client, path, data, token_path=None, **kwargs):
    payload = {"csrf_token": csrf_token(client, token_path or path)}
    payload.update(data)
    return client.post(path, data=payload, **kwargs)


def test_new_form_shows_the_columns_and_one_empty_row(client, staff, quote):
    html = client.get(f"{quote}/new").get_data(as_text=True)
    assert re.search(r'<th class="st-head" scope="col">产品<span class="req"', html)
    assert 'name="f_lines01-0-f_item01"' in html and 'name="f_lines01-1-f_item01"' not in html
    assert 'name="_rows" value="f_lines01:add"' in html
    assert 'hx-post="/a/crm/' in html and "data-rows" in html
    assert "1 to 5 rows" in html
    # Enter in a field presses the first submit button: a save, never a row button
    assert html.index('name="_action"') < html.index('name="_rows"')


def test_rows_are_added_removed_and_moved_without_saving(client, staff, quote):
    typed = _cells({"f_item01": "A <b>", "f_qty001": "2"}, {"f_item01": "B", "f_qty001": "x"})
    added = _post(client, f"{quote}/new/refresh", {**typed, "_rows": "f_lines01:add"},
                  token_path=f"{quote}/new", headers={"HX-Request": "true"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200
    assert 'name="f_lines01-2-f_item01"' in html and 'value="A &lt;b&gt;"' in html
    assert re.search(r'id="row-f_lines01-2" data-focus', html)
    assert 'value="x"' in html and "enter a number" not in html  # nothing touched yet
    moved = _post(client, f"{quote}/new/refresh", {**typed, "_rows": "f_lines01:up:1"},
                  token_path=f"{quote}/new").get_data(as_text=True)
    assert moved.index('value="B"') < moved.index('value="A &lt;b&gt;"')
    removed = _post(client, f"{quote}/new", {**typed, "_rows": "f_lines01:remove:0"},
                    token_path=f"{quote}/new")  # a plain post: the page comes back
    html = removed.get_data(as_text=True)
    assert removed.status_code == 200 and "<html" in html
    assert 'value="A &lt;b&gt;"' not in html and 'name="f_lines01-0-f_item01" value="B"' in html
    assert client.get(quote).get_data(as_text=True).count("record-link") == 0


def test_a_focused_row_button_sent_along_with_a_refresh_is_not_a_press(client, staff, quote):
    """htmx adds the focused submit button's value to the form's own refresh."""
    typed = _cells({"f_item01": "A"})
    html = _post(client, f"{quote}/new/refresh", {**typed, "_rows": "f_lines01:add"},
                 token_path=f"{quote}/new",
                 headers={"HX-Request": "true", "HX-Trigger": "entry-form"}).get_data(
                     as_text=True)
    assert 'name="f_lines01-1-f_item01"' not in html and "data-focus" not in html


def test_live_refresh_shows_row_and_total_formulas(client, staff, quote):
    typed = _cells({"f_item01": "A", "f_qty001": "2", "f_price1": "12.5"},
                   {"f_item01": "", "f_qty001": "", "f_price1": ""},
                   {"f_item01": "B", "f_qty001": "1", "f_price1": "10"})
    html = _post(client, f"{quote}/new/refresh", {**typed, "f_disc01": "", "_touched": ""},
                 token_path=f"{quote}/new").get_data(as_text=True)
    formulas = re.findall(r'<output class="st-formula"[^>]*>([^<]*)</output>', html)
    assert formulas == ["25.00", "—", "10.00"]
    assert re.search(r'readonly-value[^>]*>35\.00<', html)


def test_an_error_in_row_two_is_shown_beside_the_cell_with_everything_kept(client, staff,
                                                                          quote):
    typed = _cells({"f_item01": "A", "f_qty001": "2", "f_price1": "1"},
                   {"f_item01": "B", "f_qty001": "0", "f_price1": "<script>x</script>"})
    response = _post(client, f"{quote}/new", {**typed, "f_title1": "报价 1", "_action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="fld-f_lines01-1-f_qty001-err"[^>]*>Must be at least 1 \(got 0\)<',
                     html)
    assert 'aria-invalid="true" aria-describedby="fld-f_lines01-1-f_qty001-err"' in html
    assert re.search(r'id="fld-f_lines01-1-f_price1-err"[^>]*>Enter a number<', html)
    assert "明细: row 2 · 数量: must be at least 1 (got 0)" in html
    assert 'value="&lt;script&gt;x&lt;/script&gt;"' in html and "<script>x" not in html
    assert 'value="报价 1"' in html and 'name="f_lines01-0-f_qty001" value="2"' in html
    assert not re.search(r'id="fld-f_lines01-err"', html)  # cells say it; the table does not


def test_saved_rows_show_on_the_record_page_list_and_history(client, staff, quote):
    created = _post(client, f"{quote}/new", {
        **_cells({"f_item01": "<img src=x onerror=alert(1)>", "f_qty001": "2",
                  "f_price1": "12.5"}), "f_title1": "报价 1", "_action": "save"})
    assert created.status_code == 303, created.get_data(as_text=True)[:3000]
    record = created.headers["Location"]
    html = client.get(record).get_data(as_text=True)
    assert '<table class="st-table st-read">' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert "¥12.50" in html and "25.00" in html
    listing = client.get(quote).get_data(as_text=True)
    assert "1 row" in listing
    edit = client.get(f"{record}/edit").get_data(as_text=True)
    assert 'name="f_lines01-0-f_qty001" value="2"' in edit
    saved = _post(client, f"{record}/edit", {
        **_cells({"f_item01": "<img src=x onerror=alert(1)>", "f_qty001": "3",
                  "f_price1": "12.5"}, {"f_item01": "B", "f_qty001": "1", "f_price1": "1"}),
        "f_title1": "报价 1", "row_version": "1", "_action": "save"}, token_path=f"{record}/edit")
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    history = client.get(f"{record}?tab=history").get_data(as_text=True)
    assert "1 row" in history and "2 rows" in history
    assert "row 1 · 数量: 2 → 3" in history and "row 2 added: B、1、¥1.00" in history


def test_removing_every_row_of_an_optional_table_clears_it(client, staff, publish_form):
    loose = dict(LINES, config=dict(LINES["config"], min_rows=0))
    app_key, form_key = publish_form(fields=[ORDER[0], ORDER[1], loose], layout=[], rules=[],
                                     title_field="f_title1", name="订单")
    base = f"/a/{app_key}/{form_key}"
    created = _post(client, f"{base}/new", {**_cells({"f_item01": "A"}), "f_title1": "x"})
    record = created.headers["Location"]
    emptied = _post(client, f"{record}/edit", {"f_lines01": "rows", "f_title1": "x",
                                               "row_version": "1"}, token_path=f"{record}/edit")
    assert emptied.status_code == 303
    edit = client.get(f"{record}/edit").get_data(as_text=True)
    assert 'name="f_lines01-0-f_item01" value=""' in edit  # one empty row to start from
    # the list (the table view) shows no "1 row" for the emptied table
    assert not re.search(r"\d+ rows?\b", client.get(base).get_data(as_text=True)
                         .split("<tbody")[1])


def test_chinese_pages(client, staff, quote):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    html = client.get(f"{quote}/new").get_data(as_text=True)
    assert "添加一行" in html and "删除第 1 行" in html
    response = _post(client, f"{quote}/new", {**_cells({"f_item01": "", "f_qty001": "2"}),
                                              "_action": "save"})
    assert "第 1 行 · 产品：不能为空" in response.get_data(as_text=True)


def test_edit_conflicts_compare_rows_without_their_formula_cells(client, staff, quote, app,
                                                                make_user):
    from runtime.records import forms_lookup, service

    created = _post(client, f"{quote}/new", {
        **_cells({"f_item01": "A", "f_qty001": "2", "f_price1": "5"}), "f_title1": "x"})
    record = created.headers["Location"]
    record_id = int(record.rsplit("/", 1)[1])
    other = make_user(email="li@example.com", name="李雷")
    with app.test_request_context():
        target = forms_lookup.resolve(other, "crm", quote.rsplit("/", 1)[1])
        service.update(other, target.published, record_id, {"f_lines01": [
            {"f_item01": "B", "f_qty001": "1", "f_price1": "5"}]}, expected_version=1)
    untouched = _post(client, f"{record}/edit", {
        **_cells({"f_item01": "A", "f_qty001": "2", "f_price1": "5"}), "f_title1": "x",
        "f_disc01": "5", "row_version": "1"}, token_path=f"{record}/edit")
    html = untouched.get_data(as_text=True)
    assert untouched.status_code == 409
    assert not re.search(r'has-conflict" id="cell-f_lines01"', html)  # their rows taken over
    assert 'name="f_lines01-0-f_item01" value="B"' in html
    both = _post(client, f"{record}/edit", {
        **_cells({"f_item01": "C", "f_qty001": "2"}), "f_title1": "x",
        "row_version": "1"}, token_path=f"{record}/edit")
    assert re.search(r'has-conflict" id="cell-f_lines01"', both.get_data(as_text=True))
