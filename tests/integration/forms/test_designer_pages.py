"""The designer pages: render, operations by plain POST and htmx, stale drafts, publish,
history and revert, and refusals (403 for non-builders, 4xx for bad input)."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from builder.db import db
from builder.forms.models import Form, FormVersion
from tests.conftest import csrf_token

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"




@pytest.fixture
def builder(make_user):
    return make_user(email="ada@example.com", name="Ada Admin", is_admin=True)


@pytest.fixture
def admin(builder, login_as):
    login_as(builder)
    return builder


@pytest.fixture
def crm(app):
    from builder.apps import service as apps

    return apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")


@pytest.fixture
def draft_form(builder, crm, app):
    from builder.forms import service as forms

    with app.test_request_context():
        return forms.create_form(builder, crm, "Customers")


@pytest.fixture
def form(draft_form, admin):
    return draft_form


def _url(suffix: str = "") -> str:
    return "/build/apps/crm/forms/customers" + suffix


def _draft() -> Form:
    db.session.expire_all()
    return db.session.scalar(sa.select(Form).where(Form.key == "customers"))


def _op(client, data: dict, *, htmx: bool = False, revision: int | None = None):
    token = csrf_token(client, _url())
    current = _draft().draft_revision if revision is None else revision
    return client.post(_url("/ops"), data={"csrf_token": token, "revision": current, **data},
                       headers=HTMX if htmx else None)


def _add(client, type_key: str, **extra) -> str:
    response = _op(client, {"op": "add_field", "type": type_key, **extra})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return re.search(r"sel=(f_[a-z0-9]+)", response.headers["Location"]).group(1)


def _fields():
    return {f["id"]: f for f in _draft().draft["fields"]}


# ---------------------------------------------------------------- pages and permissions


def test_designer_renders_three_panes_in_english(client, form):
    html = client.get(_url()).get_data(as_text=True)
    assert 'id="canvas"' in html and 'id="props"' in html and "data-palette" in html
    for text in ("Single-line text", "Single select", "Section", "Publish", "Not published yet",
                 "This form has no fields yet"):
        assert text in html


def test_designer_renders_in_chinese(client, form):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    html = client.get(_url()).get_data(as_text=True)
    for text in ("单行文本", "发布", "尚未发布", "表单设置"):
        assert text in html


def test_app_home_lists_forms_with_state_and_links(client, form):
    html = client.get("/a/crm").get_data(as_text=True)
    assert "Customers" in html and "Draft" in html and "0 fields" in html
    assert 'href="/build/apps/crm/forms/customers"' in html
    assert 'href="/a/crm/customers"' not in html  # not published: nothing to open


def test_non_builders_get_403_everywhere(client, crm, draft_form, make_user, login_as):
    login_as(make_user(email="max@example.com", name="Max"))
    assert client.get(_url()).status_code == 403
    assert client.get(_url("/history")).status_code == 403
    assert client.get("/build/apps/crm/forms/new").status_code == 403
    token = csrf_token(client, "/")
    for path in (_url("/ops"), _url("/publish"), _url("/versions/1/revert"),
                 "/build/apps/crm/forms/new"):
        response = client.post(path, data={"csrf_token": token, "op": "add_field",
                                           "type": "text", "revision": 1, "name": "X"})
        assert response.status_code == 403, path
    assert _draft().draft["fields"] == []
    html = client.get("/a/crm").get_data(as_text=True)
    assert "Customers" not in html  # drafts are not shown to staff


def test_unknown_app_or_form_is_404(client, admin, crm):
    assert client.get("/build/apps/crm/forms/nope").status_code == 404
    assert client.get("/build/apps/nope/forms/nope").status_code == 404


def test_create_a_form_from_its_name(client, admin, crm):
    token = csrf_token(client, "/build/apps/crm/forms/new")
    response = client.post("/build/apps/crm/forms/new", data={"csrf_token": token,
                                                              "name": "Purchase Orders"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/build/apps/crm/forms/purchase_orders"
    response = client.post("/build/apps/crm/forms/new", data={"csrf_token": token, "name": "订单"})
    assert response.headers["Location"] == "/build/apps/crm/forms/form_2"
    response = client.post("/build/apps/crm/forms/new", data={"csrf_token": token,
                                                              "name": "A\x00B <i>"})
    assert response.status_code == 303
    html = client.get("/a/crm").get_data(as_text=True)
    assert "Purchase Orders" in html and "订单" in html and "New form" in html
    assert "A B &lt;i&gt;" in html
    assert 'href="/build/apps/crm/forms/new"' in client.get("/build/apps/crm/edit").get_data(
        as_text=True)


@pytest.mark.parametrize(("name", "message"), [
    ("", "Name: 1 to 80 characters (got 0)."),
    ("x" * 81, "Name: 1 to 80 characters (got 81)."),
])
def test_create_form_refuses_bad_names(client, admin, crm, name, message):
    token = csrf_token(client, "/build/apps/crm/forms/new")
    response = client.post("/build/apps/crm/forms/new", data={"csrf_token": token, "name": name})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Form)) == 0


def test_forged_csrf_is_refused(client, form):
    response = client.post(_url("/ops"), data={"csrf_token": "forged", "op": "add_field",
                                               "type": "text", "revision": 1})
    assert response.status_code == 400
    assert _draft().draft["fields"] == []


# ---------------------------------------------------------------- operations


def test_add_by_plain_post_redirects_to_the_new_field(client, form):
    field_id = _add(client, "text")
    assert _fields()[field_id]["label"] == "Single-line text"
    html = client.get(_url(f"?sel={field_id}")).get_data(as_text=True)
    assert 'name="label" value="Single-line text"' in html
    assert "is-selected" in html


def test_add_by_htmx_answers_the_canvas_and_panel_out_of_band(client, form):
    response = _op(client, {"op": "add_field", "type": "single_select"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div id="canvas"')
    assert 'id="props" class="props" hx-swap-oob="true"' in html
    assert 'id="designer-status"' in html and "<html" not in html
    field_id = re.search(r"sel=(f_[a-z0-9]+)", response.headers["HX-Replace-Url"]).group(1)
    assert [o["label"] for o in _fields()[field_id]["config"]["options"]] == [
        "Option 1", "Option 2", "Option 3"]


def test_add_after_the_selection_and_layout_elements(client, form):
    first = _add(client, "text")
    _add(client, "integer")
    middle = _add(client, "date", after=first)
    _op(client, {"op": "add_section"})
    layout = _draft().draft["layout"]
    order = [i.get("field", i.get("kind")) for i in layout]
    assert order[:2] == [first, middle] and len(order) == 4
    assert layout[-1]["kind"] == "section"


def test_move_by_position_into_a_section_and_step_by_step(client, form):
    a, b = _add(client, "text"), _add(client, "integer")
    _op(client, {"op": "add_section"})
    section = _draft().draft["layout"][-1]["id"]
    response = _op(client, {"op": "move", "id": a, "position": "0", "parent": section})
    assert response.status_code == 303
    layout = _draft().draft["layout"]
    assert layout == [{"kind": "field", "field": b},
                      {"kind": "section", "id": section, "title": "New section", "columns": 2,
                       "items": [{"kind": "field", "field": a}]}]
    _op(client, {"op": "move_up", "id": a})
    assert _draft().draft["layout"][1] == {"kind": "field", "field": a}


def test_update_field_from_the_panel(client, form):
    field_id = _add(client, "single_select")
    data = {"op": "update", "id": field_id, "label": "Level", "help": "Pick one",
            "required": "1", "config.display": "radio", "config.options.count": "2",
            "config.options.0.id": "o1", "config.options.0.label": "Gold",
            "config.options.0.color": "amber", "config.options.1.id": "o2",
            "config.options.1.label": "Silver"}
    assert _op(client, data).status_code == 303
    field = _fields()[field_id]
    assert field["label"] == "Level" and field["required"] is True and field["help"] == "Pick one"
    assert field["config"] == {"display": "radio", "options": [
        {"id": "o1", "label": "Gold", "color": "amber"}, {"id": "o2", "label": "Silver"}]}
    _op(client, {**data, "action": "opt_add"})
    assert [o["label"] for o in _fields()[field_id]["config"]["options"]] == [
        "Gold", "Silver", "Option 3"]
    _op(client, {**data, "action": "opt_up:1"})
    assert [o["label"] for o in _fields()[field_id]["config"]["options"]] == ["Silver", "Gold"]


def test_update_conditions_unique_and_default(client, form):
    level = _add(client, "single_select")
    name = _add(client, "text")
    data = {"op": "update", "id": name, "label": "Company", "unique": "1",
            "unique_steps": ["trim", "suffixes"], "unique_suffixes": "有限公司\n公司",
            "default_kind": "static", "default_value": "ACME",
            "visible_if.count": "1", "visible_if.mode": "all",
            "visible_if.0.field": level, "visible_if.0.op": "eq", "visible_if.0.value": "o1"}
    response = _op(client, data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    field = _fields()[name]
    assert field["unique"] == {"steps": ["trim", "suffixes"], "suffixes": ["有限公司", "公司"]}
    assert field["default"] == {"kind": "static", "value": "ACME"}
    assert field["visible_if"] == {"all": [{"field": level, "op": "eq", "value": "o1"}]}


def test_panel_errors_come_back_beside_their_inputs_with_what_was_typed(client, form):
    field_id = _add(client, "text")
    response = _op(client, {"op": "update", "id": field_id, "label": "x" * 101,
                            "config.max_length": "ten"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Maximum length: enter a whole number (got ten)" in html
    assert 'value="ten"' in html
    assert _fields()[field_id]["label"] == "Single-line text"
    response = _op(client, {"op": "update", "id": field_id, "label": "x" * 101})
    assert response.status_code == 422
    assert "Label: at most 100 characters (got 101)" in response.get_data(as_text=True)


def test_labels_with_html_are_escaped_on_the_canvas(client, form):
    field_id = _add(client, "text")
    _op(client, {"op": "update", "id": field_id, "label": "<script>alert(1)</script>"})
    html = client.get(_url()).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("data", [
    {"op": "explode"},
    {"op": "add_field", "type": "no_such_type"},
    {"op": "add_field", "type": "text", "position": "first"},
    {"op": "move", "id": "f_ghost1", "position": "0"},
    {"op": "delete", "id": "<b>x</b>"},
    {"op": "update", "id": "f_ghost1", "label": "x"},
])
def test_bad_operations_are_refused_with_a_message(client, form, data):
    response = _op(client, data, htmx=True)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert "alert-error" in response.get_data(as_text=True)
    assert _draft().draft_revision == 1


def test_bad_revision_json_and_huge_input_are_4xx(client, form):
    token = csrf_token(client, _url())
    response = client.post(_url("/ops"), data={"csrf_token": token, "op": "add_field",
                                               "type": "text", "revision": "latest"})
    assert response.status_code == 422
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    assert client.post(_url("/ops"), data="{not json", headers=headers).status_code == 422
    assert client.post(_url("/ops"), data="[1, 2]", headers=headers).status_code == 422
    response = client.post(_url("/ops"), headers=headers, data=json.dumps(
        {"op": "add_field", "type": "text", "revision": 1, "label": "y" * 1_000_000}))
    assert response.status_code == 422
    assert _draft().draft["fields"] == []


def test_deeply_nested_json_is_refused(client, form):
    token = csrf_token(client, _url())
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    deep = '{"op": "set_rules", "revision": 1, "rules": ' + "[" * 5000 + "]" * 5000 + "}"
    assert client.post(_url("/ops"), data=deep, headers=headers).status_code == 422
    nested = {"all": []}
    for _ in range(40):
        nested = {"all": [nested]}
    response = client.post(_url("/ops"), headers={"X-CSRFToken": token}, json={
        "op": "set_rules", "revision": 1, "rules": [{"condition": nested, "message": "m"}]})
    assert response.status_code == 422
    assert "nested more than 24 levels" in response.get_data(as_text=True)


def test_control_characters_and_huge_labels_are_handled(client, form):
    field_id = _add(client, "text")
    response = _op(client, {"op": "update", "id": field_id, "label": "A\x00B\u202e\nC"})
    assert response.status_code == 303
    assert _fields()[field_id]["label"] == "AB\u202e C"
    response = _op(client, {"op": "update", "id": field_id, "label": "长" * 300_000})
    assert response.status_code in (413, 422)
    assert _fields()[field_id]["label"] == "AB\u202e C"


def test_nul_characters_from_json_never_reach_the_database_as_500(client, form):
    token = csrf_token(client, _url())
    response = client.post(_url("/ops"), headers={"X-CSRFToken": token},
                           json={"op": "update_form", "revision": 1,
                                 "props": {"name": "A\u0000B", "description": "x\u0000"}})
    assert response.status_code in (303, 422)
    response = client.post(_url("/ops"), headers={"X-CSRFToken": token}, json={
        "op": "add_field", "type": "text", "label": "L\u0000", "revision": _draft().draft_revision})
    assert response.status_code in (303, 422)
    assert "\x00" not in _draft().name
    assert client.get(_url()).status_code == 200


def test_json_operations_work_too(client, form):
    token = csrf_token(client, _url())
    response = client.post(_url("/ops"), headers={"X-CSRFToken": token},
                           json={"op": "add_field", "type": "email", "revision": 1})
    assert response.status_code == 303
    assert [f["type"] for f in _draft().draft["fields"]] == ["email"]


def test_a_stale_revision_is_refused_with_a_reload_message(client, form):
    _add(client, "text")
    response = _op(client, {"op": "add_field", "type": "integer"}, revision=1)
    assert response.status_code == 409
    assert "Someone else changed this form" in response.get_data(as_text=True)
    response = _op(client, {"op": "add_field", "type": "integer"}, revision=1, htmx=True)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#designer-alert"
    assert "Reload" in response.get_data(as_text=True)
    assert len(_draft().draft["fields"]) == 1


def test_delete_removes_new_fields_and_hides_published_ones(client, form, drop_record_tables):
    kept, gone = _add(client, "text"), _add(client, "integer")
    _publish(client)
    _op(client, {"op": "delete", "id": kept})
    late = _add(client, "date")
    _op(client, {"op": "delete", "id": late})
    fields = _fields()
    assert fields[kept]["deleted"] is True and late not in fields and gone in fields
    html = client.get(_url("?tab=form")).get_data(as_text=True)
    assert "Deleted fields" in html and "Restore" in html
    _op(client, {"op": "restore", "id": kept})
    assert "deleted" not in _fields()[kept]


# ---------------------------------------------------------------- publish, history, revert


def _publish(client, note: str = ""):
    token = csrf_token(client, _url())
    return client.post(_url("/publish"), data={"csrf_token": token, "note": note})


def test_publish_problems_are_listed_with_links_to_their_fields(client, form):
    field_id = _add(client, "single_select")
    draft = _draft()
    doc = json.loads(json.dumps(draft.draft))
    doc["fields"][0]["config"]["options"] = []
    draft.draft = doc
    db.session.commit()
    response = _publish(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The form was not published: 1 problem to fix" in html
    assert f'href="/build/apps/crm/forms/customers?sel={field_id}"' in html
    assert "at least 1 items (got 0)" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormVersion)) == 0


def test_publish_creates_a_version_and_the_header_says_so(client, form, drop_record_tables):
    _add(client, "text")
    response = _publish(client, note="first cut")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Published version 1." in html and "Published · version 1" in html
    version = db.session.scalar(sa.select(FormVersion))
    assert version.version == 1 and version.note == "first cut"
    _add(client, "integer")
    assert "Unpublished changes" in client.get(_url()).get_data(as_text=True)
    home = client.get("/a/crm").get_data(as_text=True)
    assert 'href="/a/crm/customers"' in home and "Unpublished changes" in home


def test_history_shows_a_readable_diff_and_revert_restores_the_draft(client, form,
                                                                      drop_record_tables):
    name = _add(client, "text")
    _publish(client, note="v1")
    _op(client, {"op": "update", "id": name, "label": "Company", "required": "1"})
    _add(client, "integer")
    _publish(client, note="v2")
    html = client.get(_url("/history")).get_data(as_text=True)
    assert "Version 2" in html and "Version 1" in html and "v2" in html and "Ada Admin" in html
    assert "Renamed field “Single-line text” to “Company”" in html
    assert "“Company” is now required" in html
    assert "Added field “Integer” (Integer)" in html
    token = csrf_token(client, _url("/history"))
    response = client.post(_url("/versions/1/revert"), data={"csrf_token": token})
    assert response.status_code == 303
    assert [f["label"] for f in _draft().draft["fields"]] == ["Single-line text"]
    assert "Unpublished changes" in client.get(_url()).get_data(as_text=True)
    assert client.post(_url("/versions/9/revert"), data={"csrf_token": token}).status_code == 404


def test_attachment_and_image_fields_are_in_the_palette_with_their_settings(client, form):
    html = client.get(_url()).get_data(as_text=True)
    assert "Files and media" in html and "Attachment" in html and "Image" in html
    assert "#i-paperclip" in html and "#i-image" in html
    field_id = _add(client, "attachment")
    panel = client.get(_url(f"?sel={field_id}")).get_data(as_text=True)
    assert 'name="config.extensions" value=""' in panel and "Separate with commas" in panel
    for label in ("Allow several", "At most this many files", "Largest file (MB)",
                  "Allowed file types"):
        assert label in panel
    data = {"op": "update", "id": field_id, "label": "Contract", "config.multiple": "1",
            "config.max_files": "4", "config.max_size_mb": "30",
            "config.extensions": ".PDF，docx  pdf"}
    assert _op(client, data).status_code == 303
    assert _fields()[field_id]["config"] == {"multiple": True, "max_files": 4,
                                             "max_size_mb": 30, "extensions": ["pdf", "docx"]}
    refused = _op(client, {**data, "config.extensions": "pdf, exe", "config.max_size_mb": "900"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Allowed file types" in html
    assert "Largest file (MB)" in html
    picture = _add(client, "image")
    bad = _op(client, {"op": "update", "id": picture, "config.extensions": "pdf"})
    assert bad.status_code == 422
