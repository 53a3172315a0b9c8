"""The staff pages of records over HTTP: entry, refresh, record page, edit, history, list."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token


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


def _post(client, path, data, token_path=None, **kwargs):
    payload = {"csrf_token": csrf_token(client, token_path or path)}
    payload.update(data)
    return client.post(path, data=payload, **kwargs)


def test_entry_page_renders_layout(client, staff, crm):
    page = client.get(f"{crm}/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:2000]
    assert "基本信息" in html and "以下信息可稍后补充。" in html
    assert 'id="fld-f_name01"' in html
    assert re.search(r'id="cell-f_reason"[^>]*hidden', html)
    assert "Assigned on save" in html


def test_entry_page_renders_in_chinese(client, staff, crm):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    html = client.get(f"{crm}/new").get_data(as_text=True)
    assert "提交并继续填写" in html and "提交后自动生成" in html and "基本信息" in html


def test_errors_come_back_beside_fields_with_values_kept(client, staff, crm):
    response = _post(client, f"{crm}/new", {
        "f_name01": "", "f_phone1": "12345", "f_start1": "2026-03-01",
        "f_end001": "2026-02-01", "f_amnt01": "-3", "f_notes1": "<script>x</script>",
        "f_tags01": ["", "crm"], "_action": "save"}, token_path=f"{crm}/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="12345"' in html and 'value="-3"' in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    assert re.search(r'id="fld-f_name01-err"[^>]*>Is required<', html)
    assert 'aria-invalid="true" aria-describedby="fld-f_phone1-err"' in html
    assert "11-digit" in html and "at least 0" in html
    assert re.search(r'value="crm" id="fld-f_tags01-1" checked', html)
    assert "problems need fixing" in html


def test_saving_redirects_to_the_record_with_a_flash(client, staff, crm):
    response = _post(client, f"{crm}/new", {
        "f_name01": " 杭州积木 ", "f_level1": "a", "f_amnt01": "¥1,234.5",
        "f_area01__province": "330000", "f_area01__city": "330100",
        "f_area01__district": "330106", "f_vip001": ["false", "true"],
        "f_tags01": ["", "crm", "erp"], "_action": "save"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Saved “杭州积木”." in html
    assert "¥1,234.50" in html and "浙江省 杭州市 西湖区" in html
    assert 'badge opt opt-green">A<' in html and "客户管理" in html
    assert "KH-0001" in html and "王芳" in html


def test_save_and_add_another_returns_to_an_empty_form(client, staff, crm):
    response = _post(client, f"{crm}/new", {"f_name01": "甲公司", "_action": "save_new"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/new")
    html = client.get(f"{crm}/new").get_data(as_text=True)
    assert "Add the next one" in html and "甲公司" not in html.split("</header>")[-1]


def test_refresh_shows_conditional_fields_and_only_touched_errors(client, staff, crm):
    response = _post(client, f"{crm}/new/refresh", {
        "f_level1": "c", "f_phone1": "12", "f_name01": "", "_touched": "f_level1,f_phone1"},
        token_path=f"{crm}/new", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<form")
    assert re.search(r'id="cell-f_reason"[^>]*>', html).group(0).count("hidden") == 0
    assert re.search(r'for="fld-f_reason">\s*<span class="fw-label-text">降级原因</span>'
                     r'<span class="req"', html)
    assert "11-digit" in html
    assert "fld-f_name01-err" not in html  # not touched yet
    assert 'value="f_level1,f_phone1"' in html
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]


def test_refresh_never_saves(client, staff, crm):
    _post(client, f"{crm}/new/refresh", {"f_name01": "不保存"}, token_path=f"{crm}/new",
          headers={"HX-Request": "true"})
    assert "不保存" not in client.get(crm).get_data(as_text=True)


def test_forged_csrf_is_refused(client, staff, crm):
    response = client.post(f"{crm}/new", data={"csrf_token": "forged", "f_name01": "伪造公司"})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert "No records yet" in client.get(crm).get_data(as_text=True)


def _create(client, crm, **values):
    data = {"f_name01": "甲公司", "_action": "save"}
    data.update(values)
    response = _post(client, f"{crm}/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_edit_saves_changes_and_shows_them(client, staff, crm):
    record_id = _create(client, crm, f_phone1="13812345678")
    form = client.get(f"{crm}/{record_id}/edit").get_data(as_text=True)
    assert 'name="row_version" value="1"' in form and 'value="13812345678"' in form
    assert "KH-0001" in form  # the auto-number, read-only
    response = _post(client, f"{crm}/{record_id}/edit", {
        "row_version": "1", "f_name01": "甲公司", "f_phone1": "13900001111"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Changes saved." in html and "13900001111" in html


def test_edit_with_errors_is_422_and_keeps_the_version(client, staff, crm):
    record_id = _create(client, crm)
    response = _post(client, f"{crm}/{record_id}/edit",
                     {"row_version": "1", "f_name01": "", "f_phone1": "abc"},
                     token_path=f"{crm}/{record_id}/edit")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'name="row_version" value="1"' in html and 'value="abc"' in html


def test_stale_edit_shows_both_values_and_overwrites_nothing(client, staff, crm, make_user,
                                                              app):
    record_id = _create(client, crm, f_phone1="13812345678", f_notes1="原备注")
    token = csrf_token(client, f"{crm}/{record_id}/edit")
    # Someone else saves first: a new phone and notes.
    first = client.post(f"{crm}/{record_id}/edit", data={
        "csrf_token": token, "row_version": "1", "f_name01": "甲公司",
        "f_phone1": "13900001111", "f_notes1": "他们的备注"})
    assert first.status_code == 303
    # We still hold version 1 and change the phone too, notes untouched.
    response = client.post(f"{crm}/{record_id}/edit", data={
        "csrf_token": token, "row_version": "1", "f_name01": "甲公司",
        "f_phone1": "13700002222", "f_notes1": "原备注"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "while you were editing" in html
    assert "13700002222" in html and "13900001111" in html  # yours and theirs
    assert 'value="13700002222"' in html  # the form keeps yours
    assert ">他们的备注</textarea>" in html  # theirs taken where you changed nothing
    assert 'name="row_version" value="2"' in html
    record = client.get(f"{crm}/{record_id}").get_data(as_text=True)
    assert "13900001111" in record and "13700002222" not in record
    # Saving again applies our value on top of theirs.
    again = client.post(f"{crm}/{record_id}/edit", data={
        "csrf_token": token, "row_version": "2", "f_name01": "甲公司",
        "f_phone1": "13700002222", "f_notes1": "他们的备注"})
    assert again.status_code == 303
    record = client.get(f"{crm}/{record_id}").get_data(as_text=True)
    assert "13700002222" in record and "他们的备注" in record


def test_delete_moves_to_trash_and_restore_brings_back(client, staff, crm):
    record_id = _create(client, crm, f_name01="乙公司")
    response = _post(client, f"{crm}/{record_id}/delete", {}, token_path=f"{crm}/{record_id}")
    assert response.status_code == 303
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "to the trash" in listing and "乙公司" not in listing.split("</header>")[-1]
    trash = client.get(f"{crm}?trash=1").get_data(as_text=True)
    assert "乙公司" in trash
    assert "in the trash" in client.get(f"{crm}/{record_id}").get_data(as_text=True)
    assert client.get(f"{crm}/{record_id}/edit").status_code == 404
    response = _post(client, f"{crm}/{record_id}/restore", {"next": f"{crm}?trash=1"},
                     token_path=f"{crm}?trash=1")
    assert response.status_code == 303 and response.headers["Location"].endswith("trash=1")
    assert "乙公司" in client.get(crm).get_data(as_text=True)


def test_history_shows_changes_and_restores_a_version(client, staff, crm):
    record_id = _create(client, crm, f_level1="a", f_amnt01="100")
    _post(client, f"{crm}/{record_id}/edit",
          {"row_version": "1", "f_name01": "甲公司", "f_level1": "b", "f_amnt01": "250"})
    html = client.get(f"{crm}/{record_id}?tab=history").get_data(as_text=True)
    assert "王芳" in html and "created the record" in html
    assert re.search(r"金额</span>.*¥100.00.*→.*¥250.00", html, re.S)
    entry = re.search(r'/history/(\d+)/restore', html)
    assert entry, "a restore button for the first version"
    response = _post(client, f"{crm}/{record_id}/history/{entry.group(1)}/restore",
                     {"row_version": "2"}, token_path=f"{crm}/{record_id}?tab=history")
    assert response.status_code == 303
    page = client.get(f"{crm}/{record_id}").get_data(as_text=True)
    assert "earlier version was restored" in page and "¥100.00" in page
    history = client.get(f"{crm}/{record_id}?tab=history",
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in history and "version 3" in history


def test_list_pages_with_older_and_newer_links(client, staff, crm, app):

    from runtime.records import service
    from runtime.records.forms_lookup import resolve

    with app.test_request_context():
        target = resolve(staff, "crm", crm.rsplit("/", 1)[-1])
        for i in range(55):
            service.create(staff, target.published, {"f_name01": f"公司{i:02d}"})
    # The list is the form's table view: newest first, keyset-paged (next = older records).
    first = client.get(crm).get_data(as_text=True)
    assert "公司54" in first and "公司05" in first and "公司04" not in first
    older = re.search(r'rel="next" href="([^"]*after=[^"]*)"', first).group(1).replace(
        "&amp;", "&")
    assert 'rel="prev"' not in first
    second = client.get(older, headers={"HX-Request": "true"})
    html = second.get_data(as_text=True)
    assert "<html" not in html and "公司04" in html and "公司00" in html and "公司05" not in html
    assert "HX-Request" in second.headers["Vary"]
    newer = re.search(r'rel="prev" href="([^"]*before=[^"]*)"', html).group(1).replace(
        "&amp;", "&")
    assert 'rel="next"' not in html
    back = client.get(newer).get_data(as_text=True)
    assert "公司54" in back and "公司05" in back and "公司04" not in back


@pytest.mark.parametrize("path", ["/a/nope/form_1", "/a/crm/nope", "/a/crm/nope/new",
                                  "/a/crm/form_1/999", "/a/crm/form_1/999/edit"])
def test_unknown_apps_forms_and_records_are_404(client, staff, crm, path):
    assert client.get(path).status_code == 404


def test_record_ids_of_another_form_are_404(client, staff, crm, publish_form):
    record_id = _create(client, crm)
    _app, other = publish_form(name="联系人", fields=[
        {"id": "f_person", "type": "text", "label": "姓名", "config": {}}], layout=[], rules=[],
        title_field="f_person")
    assert client.get(f"/a/crm/{other}/{record_id}").status_code == 404


def test_unpublished_form_tells_builders_to_publish(client, make_user, login_as,
                                                    publish_form):
    _app, key = publish_form(publish=False)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_as(make_user(is_admin=True))
    response = client.get(f"/a/crm/{key}/new")
    assert response.status_code == 404
    assert "not published yet" in response.get_data(as_text=True)
    assert "Open the designer" in response.get_data(as_text=True)


def test_unpublished_form_tells_staff_to_ask_a_builder(client, staff, publish_form):
    _app, key = publish_form(publish=False)
    html = client.get(f"/a/crm/{key}").get_data(as_text=True)
    assert "ask the app's builder" in html and "Open the designer" not in html


def test_restoring_a_version_the_rules_now_refuse_opens_the_edit_form(client, staff, crm, app):
    from builder.db import db
    from builder.forms import service as forms
    from builder.forms.models import Form

    record_id = _create(client, crm)  # no phone
    _post(client, f"{crm}/{record_id}/edit",
          {"row_version": "1", "f_name01": "甲公司", "f_phone1": "13812345678"})
    with app.test_request_context():
        form = db.session.scalar(db.select(Form).where(Form.key == crm.rsplit("/", 1)[-1]))
        builder = next(u for u in _users() if u.is_admin)
        document = dict(form.draft, fields=[dict(f, required=True) if f["id"] == "f_phone1"
                                            else f for f in form.draft["fields"]])
        forms.save_draft(builder, form, document, revision=form.draft_revision)
        forms.publish(builder, form)
    history = client.get(f"{crm}/{record_id}?tab=history").get_data(as_text=True)
    first = re.findall(r"/history/(\d+)/restore", history)[-1]
    response = _post(client, f"{crm}/{record_id}/history/{first}/restore", {"row_version": "2"},
                     token_path=f"{crm}/{record_id}?tab=history")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot be saved as it was" in html
    assert re.search(r'id="fld-f_phone1-err"[^>]*>Is required<', html)
    assert 'name="row_version" value="2"' in html


def _users():
    from builder.db import db
    from runtime.accounts.models import User

    return db.session.scalars(db.select(User)).all()


def test_history_names_deleted_fields_by_their_label(client, staff, crm, app):
    from builder.db import db
    from builder.forms import service as forms
    from builder.forms.models import Form

    record_id = _create(client, crm, f_phone1="13812345678")
    with app.test_request_context():
        form = db.session.scalar(db.select(Form).where(Form.key == crm.rsplit("/", 1)[-1]))
        builder = next(u for u in _users() if u.is_admin)
        document = dict(form.draft, fields=[dict(f, deleted=True) if f["id"] == "f_phone1"
                                            else f for f in form.draft["fields"]],
                        layout=[item for item in form.draft["layout"] if item["kind"] != "section"
                                or all(i["field"] != "f_phone1" for i in item["items"])])
        forms.save_draft(builder, form, document, revision=form.draft_revision)
        forms.publish(builder, form)
    html = client.get(f"{crm}/{record_id}?tab=history").get_data(as_text=True)
    assert re.search(r'change-label">手机</span>.*13812345678', html, re.S)
    assert "手机" not in client.get(f"{crm}/{record_id}").get_data(as_text=True).split(
        'class="card record-card"')[-1].split("record-info")[0]


def test_member_fields_show_the_person_by_name_on_record_pages(app, make_form, make_user):
    from runtime.records import display, pages, service

    with app.test_request_context():
        _member_names(make_form, make_user, display, pages, service)


def _member_names(make_form, make_user, display, pages, service):
    fields = [{"id": "f_name01", "type": "text", "label": "公司名称", "config": {}},
              {"id": "f_owner1", "type": "member", "label": "负责人", "config": {}}]
    form = make_form(fields=fields, rules=[])
    user = make_user(name="Wang Fang")
    record = service.create(user, form, {"f_name01": "甲公司", "f_owner1": user.id})
    names = display.names_for(display.record_user_ids([record], form))
    assert display.as_text(display.show(form.field_map["f_owner1"], user.id, names)) == \
        "Wang Fang"
    assert pages.readonly_text(form, record).get("f_owner1") in (None, "Wang Fang")
