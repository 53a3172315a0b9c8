"""Sub-tables in the designer: columns edited in the panel, checked at publish, a side table
created and grown, and the version diff naming column changes."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from builder.db import db
from builder.forms import domain
from builder.metadata import validate
from tests.integration.forms.test_designer_pages import _add, _draft, _fields, _op, _publish, _url


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def form(make_user, login_as, app):
    """The "customers" draft form of the CRM app, with its builder signed in."""
    from builder.apps import service as apps
    from builder.forms import service as forms

    builder = login_as(make_user(email="ada@example.com", name="Ada Admin", is_admin=True))
    crm = apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")
    with app.test_request_context():
        return forms.create_form(builder, crm, "Customers")


def _columns_form(field_id: str, columns: list[dict], **extra) -> dict:
    data = {"op": "update", "id": field_id, "label": "明细", "config.fields.count":
            str(len(columns)), **extra}
    for index, column in enumerate(columns):
        for key, value in column.items():
            data[f"config.fields.{index}.{key}"] = value
    return data


def test_a_new_sub_table_gets_two_columns_with_ids_free_in_the_form(client, form):
    field_id = _add(client, "subtable")
    columns = _fields()[field_id]["config"]["fields"]
    assert [c["type"] for c in columns] == ["text", "integer"]
    ids = {c["id"] for c in columns}
    assert len(ids) == 2 and field_id not in ids
    html = client.get(_url(f"?sel={field_id}")).get_data(as_text=True)
    assert 'class="pv-table"' in html and "Item" in html and "Quantity" in html
    assert 'name="config.fields.count" value="2"' in html
    assert 'name="action" value="col_add"' in html and 'name="required"' in html


def test_columns_are_added_renamed_retyped_moved_and_removed(client, form):
    field_id = _add(client, "subtable")
    first, second = _fields()[field_id]["config"]["fields"]
    columns = [{"id": first["id"], "label": "产品", "type": "text", "required": "1"},
               {"id": second["id"], "label": "数量", "type": "integer",
                "config.min": "1"}]
    assert _op(client, _columns_form(field_id, columns, action="col_add")).status_code == 303
    saved = _fields()[field_id]["config"]["fields"]
    assert [c["label"] for c in saved] == ["产品", "数量", "Column 3"]
    assert saved[0]["id"] == first["id"] and saved[0]["required"] is True
    assert saved[1]["config"] == {"min": 1}
    third = saved[2]["id"]
    columns.append({"id": third, "label": "单价", "type": "money"})
    assert _op(client, _columns_form(field_id, columns)).status_code == 303
    saved = _fields()[field_id]["config"]["fields"]
    assert saved[2]["type"] == "money" and saved[2]["id"] != third  # a new column
    columns[2] = {"id": saved[2]["id"], "label": "单价", "type": "money"}
    columns.append({"id": "", "label": "小计", "type": "formula"})
    assert _op(client, _columns_form(field_id, columns)).status_code == 303
    formula = _fields()[field_id]["config"]["fields"][3]
    assert formula["config"]["expression"] == f"{{{second['id']}}} * {{{saved[2]['id']}}}"
    columns[3] = {"id": formula["id"], "label": "小计", "type": "formula",
                  "config.expression": formula["config"]["expression"],
                  "config.result": "number"}
    _op(client, _columns_form(field_id, columns, action="col_up:3"))
    assert [c["label"] for c in _fields()[field_id]["config"]["fields"]] == [
        "产品", "数量", "小计", "单价"]
    _op(client, _columns_form(field_id, columns, action="col_remove:0"))
    assert [c["label"] for c in _fields()[field_id]["config"]["fields"]] == [
        "数量", "单价", "小计"]


def test_select_columns_keep_option_ids_when_renamed(client, form):
    field_id = _add(client, "subtable")
    first, second = _fields()[field_id]["config"]["fields"]
    columns = [{"id": first["id"], "label": "产品", "type": "text"},
               {"id": "", "label": "规格", "type": "single_select"}]
    _op(client, _columns_form(field_id, columns))
    spec = _fields()[field_id]["config"]["fields"][1]
    ids = [o["id"] for o in spec["config"]["options"]]
    assert len(ids) == 3
    columns[1] = {"id": spec["id"], "label": "规格", "type": "single_select",
                  "options": "大\n中\n小号", "option_ids": ",".join(ids)}
    assert _op(client, _columns_form(field_id, columns)).status_code == 303
    options = _fields()[field_id]["config"]["fields"][1]["config"]["options"]
    assert [(o["id"], o["label"]) for o in options] == list(zip(ids, ["大", "中", "小号"],
                                                              strict=True))


def test_bad_column_settings_are_refused_beside_the_column(client, form):
    field_id = _add(client, "subtable")
    first, second = _fields()[field_id]["config"]["fields"]
    columns = [{"id": first["id"], "label": "", "type": "text"},
               {"id": second["id"], "label": "数量", "type": "integer", "config.min": "lots"}]
    response = _op(client, _columns_form(field_id, columns, **{"config.min_rows": "3",
                                                               "config.max_rows": "2"}),
                   htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Minimum: enter a number (got lots)" in html
    assert _fields()[field_id]["config"]["fields"][0]["label"] == "Item"
    columns[1].pop("config.min")
    columns[0]["label"] = "产品"
    response = _op(client, _columns_form(field_id, columns, **{"config.min_rows": "3",
                                                               "config.max_rows": "2"}))
    assert response.status_code == 422
    assert "at least 3 rows cannot exceed at most 2 rows" in response.get_data(as_text=True)


def _document(fields):
    return {"schema_version": 1, "key": "quote", "name": "报价", "fields": fields,
            "layout": [{"kind": "field", "field": f["id"]} for f in fields], "rules": []}


LINES = {"id": "f_lines01", "type": "subtable", "label": "明细", "config": {"fields": [
    {"id": "f_qty001", "type": "integer", "label": "数量", "config": {}},
    {"id": "f_price1", "type": "money", "label": "单价", "config": {}},
    {"id": "f_line01", "type": "formula", "label": "小计",
     "config": {"expression": "{f_qty001} * {f_price1}", "result": "number"}}]}}


def _problems(fields) -> list[str]:
    with_errors = validate("form", _document(fields))
    return [f"{e.path} {e.message}" for e in with_errors]


@pytest.mark.parametrize(("expression", "expected"), [
    ("SUM({f_lines01.f_line01})", None),
    ("SUM({f_lines01})", "is the sub-table “明细”: use one of its columns"),
    ("{f_qty001} * 2", "is the column “数量” of the sub-table “明细”: write "
                       "{f_lines01.f_qty001}"),
    ("SUM({f_lines01.f_nope01})", "sub-table {f_lines01} has no column {f_nope01}"),
    ("{f_lines01.f_qty001} + 1", "expects a single value, not a list"),
    ("{f_title1.f_qty001}", "is not a sub-table, so it has no column"),
])
def test_form_formulas_over_columns_are_checked_clearly(app, expression, expected):
    total = {"id": "f_total1", "type": "formula", "label": "合计",
             "config": {"expression": expression, "result": "number"}}
    title = {"id": "f_title1", "type": "text", "label": "标题", "config": {}}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        problems = _problems([title, LINES, total])
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and expected in problems[0], problems
        assert problems[0].startswith("$.fields[2].config.expression 合计: ")


def test_column_formulas_ids_and_cycles_are_checked(app):
    bad = json.loads(json.dumps(LINES))
    bad["config"]["fields"][2]["config"]["expression"] = "{f_qty001} & {f_total1}"
    bad["config"]["fields"].append({"id": "f_total1", "type": "text", "label": "重复",
                                    "config": {}})
    loop = json.loads(json.dumps(LINES))
    loop["config"]["fields"][2]["config"]["expression"] = "{f_qty001} * {f_total1}"
    total = {"id": "f_total1", "type": "formula", "label": "合计",
             "config": {"expression": "SUM({f_lines01.f_line01})", "result": "number"}}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        dup = _problems([bad, total])
        cycle = _problems([loop, total])
        wrong_type = _problems([json.loads(json.dumps(LINES).replace('"integer"',
                                                                      '"region"'))])
    assert any("uses the id f_total1, which is already used in this form" in p for p in dup)
    assert any("$.fields[0].config.fields[2].config.expression 明细 · 小计: the formula "
               "gives text" in p for p in dup)
    assert any("formulas refer to each other in a loop" in p for p in cycle)
    assert any("$.fields[0].config.fields[0].type" in p for p in wrong_type)


def test_publishing_creates_the_side_table_and_the_diff_names_columns(client, form,
                                                                      drop_record_tables):
    field_id = _add(client, "subtable")
    assert _publish(client).status_code == 303
    first, second = _fields()[field_id]["config"]["fields"]
    table = f"rec_{_draft().id}_{field_id}"
    with db.engine.connect() as conn:
        assert {first["id"], second["id"]} <= {
            c["name"] for c in sa.inspect(conn).get_columns(table)}
    columns = [{"id": first["id"], "label": "产品", "type": "text"},
               {"id": second["id"], "label": "数量", "type": "integer", "required": "1"},
               {"id": "", "label": "备注", "type": "textarea"}]
    _op(client, _columns_form(field_id, columns))
    assert _publish(client).status_code == 303
    note = _fields()[field_id]["config"]["fields"][2]["id"]
    with db.engine.connect() as conn:
        assert note in {c["name"] for c in sa.inspect(conn).get_columns(table)}
    html = client.get(_url("/history")).get_data(as_text=True)
    assert "“明细”: columns changed" in html
    assert "added column “备注” (Multi-line text)" in html
    assert "“Item” → “产品”" in html and "“数量” is now required" in html
    old = {"type": "subtable", "config": {"fields": [first, second]}}
    assert domain.diff({"fields": [dict(old, id=field_id, label="明细")], "layout": []},
                       {"fields": [dict(old, id=field_id, label="明细")], "layout": []}) == []


def test_a_cleared_column_formula_is_refused_beside_its_input(client, form):
    field_id = _add(client, "subtable")
    first, second = _fields()[field_id]["config"]["fields"]
    columns = [{"id": first["id"], "label": "产品", "type": "text"},
               {"id": second["id"], "label": "数量", "type": "integer"},
               {"id": "", "label": "小计", "type": "formula"}]
    _op(client, _columns_form(field_id, columns))
    formula = _fields()[field_id]["config"]["fields"][2]
    columns[2] = {"id": formula["id"], "label": "小计", "type": "formula",
                  "config.expression": "", "config.result": "number"}
    response = _op(client, _columns_form(field_id, columns), htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="err-config-fields-2-config-expression">[^<]*小计 · Formula: is required',
                     html)
    assert _fields()[field_id]["config"]["fields"][2]["config"]["expression"] == (
        f"{{{second['id']}}}")
