"""Default values: the entry form opens with them, API and import creates get them for the
fields they leave out, the designer edits them, and publishing checks them."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from builder.db import db
from builder.fields.dates import local_zone
from builder.metadata import MetadataInvalid
from runtime.accounts.models import Department
from runtime.records import forms_lookup
from runtime.records import service as records
from tests.conftest import csrf_token

FIELDS = [
    {"id": "f_name01", "type": "text", "label": "Name", "required": True, "config": {}},
    {"id": "f_stage1", "type": "text", "label": "Stage", "config": {},
     "default": {"kind": "static", "value": "Lead"}},
    {"id": "f_count1", "type": "integer", "label": "Staff", "config": {"min": 0},
     "default": {"kind": "static", "value": 5}},
    {"id": "f_tags01", "type": "multi_select", "label": "Tags", "config": {"options": [
        {"id": "crm", "label": "CRM"}, {"id": "erp", "label": "ERP"}]},
     "default": {"kind": "static", "value": ["erp"]}},
    {"id": "f_day001", "type": "date", "label": "Day", "config": {},
     "default": {"kind": "today"}},
    {"id": "f_when01", "type": "datetime", "label": "When", "config": {},
     "default": {"kind": "now"}},
    {"id": "f_owner1", "type": "member", "label": "Sales rep", "config": {},
     "default": {"kind": "current_user"}},
    {"id": "f_dept01", "type": "department", "label": "Team", "config": {},
     "default": {"kind": "user_department"}},
]
LAYOUT = [{"kind": "field", "field": f["id"]} for f in FIELDS]


@pytest.fixture
def staff(make_user, login_as, client):
    sales = Department(name="Sales")
    db.session.add(sales)
    db.session.commit()
    user = make_user(email="staff@example.com", name="Wang Fang", department=sales)
    login_as(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.fixture
def crm(publish_form):
    return publish_form(fields=FIELDS, layout=LAYOUT, rules=[])


def _form(crm, actor):
    return forms_lookup.resolve(actor, *crm).published


def test_the_entry_form_opens_with_the_defaults(client, staff, crm):
    html = client.get(f"/a/{crm[0]}/{crm[1]}/new").get_data(as_text=True)
    today = datetime.now(local_zone()).date().isoformat()
    assert re.search(r'id="fld-f_stage1" name="f_stage1" value="Lead"', html)
    assert re.search(r'id="fld-f_count1" name="f_count1" value="5"', html)
    assert re.search(r'value="erp" id="fld-f_tags01-2" checked', html)
    assert re.search(rf'id="fld-f_day001" name="f_day001" value="{today}"', html)
    assert re.search(rf'id="fld-f_when01" name="f_when01" value="{today}T\d\d:\d\d"', html)
    assert re.search(rf'<option value="{staff.id}" selected>Wang Fang</option>', html)
    assert re.search(rf'<option value="{staff.department_id}" selected>Sales</option>', html)


def test_what_the_person_clears_in_the_form_stays_empty(client, staff, crm):
    path = f"/a/{crm[0]}/{crm[1]}/new"
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "f_name01": "Acme", "f_stage1": "", "f_count1": "",
                                       "f_tags01": "", "f_owner1": "", "_action": "save"})
    assert response.status_code == 303
    record = records.page(staff, _form(crm, staff))[0]
    assert record.values["f_stage1"] is None and record.values["f_count1"] is None
    assert record.values["f_tags01"] is None and record.values["f_owner1"] is None


def test_creates_that_leave_fields_out_get_their_defaults(app, staff, crm):
    form = _form(crm, staff)
    with app.test_request_context():
        record = records.create(staff, form, {"f_name01": "Acme", "f_count1": None})
    values = record.values
    assert values["f_stage1"] == "Lead" and values["f_tags01"] == ["erp"]
    assert values["f_count1"] is None  # sent empty on purpose
    assert values["f_day001"] == datetime.now(local_zone()).date()
    assert abs((datetime.now(local_zone()) - values["f_when01"]).total_seconds()) < 120
    assert values["f_owner1"] == staff.id and values["f_dept01"] == staff.department_id


def test_a_user_without_a_department_leaves_the_team_empty(app, make_user, crm):
    loner = make_user(email="loner@example.com")
    form = _form(crm, loner)
    with app.test_request_context():
        record = records.create(loner, form, {"f_name01": "Solo"})
    assert record.values["f_dept01"] is None and record.values["f_owner1"] == loner.id


def test_publishing_checks_a_fixed_default_against_the_field(app, publish_form, client):
    fields = [dict(FIELDS[2], default={"kind": "static", "value": -1}),
              dict(FIELDS[1], type="date", default={"kind": "static", "value": "soon"}),
              dict(FIELDS[6], default={"kind": "today"})]
    with pytest.raises(MetadataInvalid) as refused:
        publish_form(fields=fields, layout=[], rules=[])
    messages = {e.path: e.message for e in refused.value.metadata_errors}
    # (the fixture publishes in Chinese, the default language)
    assert messages["$.fields[0].default"] == "Staff：默认值无效：不能小于 0（当前为 -1）"
    assert messages["$.fields[1].default"].startswith("Stage：默认值无效：")
    assert messages["$.fields[2].default"].startswith("Sales rep：默认值无效：")


def test_the_designer_offers_and_saves_the_person_defaults(client, publish_form, make_user,
                                                          login_as):
    from builder.forms.models import Form

    app_key, form_key = publish_form(fields=FIELDS, layout=LAYOUT, rules=[])
    builder = db.session.scalar(sa.select(Form)).created_by_id
    from runtime.accounts.models import User

    login_as(db.session.get(User, builder))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/build/apps/{app_key}/forms/{form_key}"
    html = client.get(f"{url}?sel=f_owner1").get_data(as_text=True)
    assert '<option value="current_user" selected>The current user</option>' in html
    html = client.get(f"{url}?sel=f_dept01").get_data(as_text=True)
    assert '<option value="user_department" selected>' in html
    form = db.session.scalar(sa.select(Form))
    response = client.post(f"{url}/ops", data={
        "csrf_token": csrf_token(client, url), "revision": form.draft_revision, "op": "update",
        "id": "f_owner1", "label": "Sales rep", "default_kind": "static",
        "default_value": str(builder)})
    assert response.status_code == 303
    db.session.expire_all()
    field = next(f for f in db.session.scalar(sa.select(Form)).draft["fields"]
                 if f["id"] == "f_owner1")
    assert field["default"] == {"kind": "static", "value": builder}


def test_the_record_page_and_the_table_name_the_department(client, app, staff, crm):
    """A department value reads as the department's name, never as its number."""
    form = _form(crm, staff)
    with app.test_request_context():
        record = records.create(staff, form, {"f_name01": "Acme"})
    base = f"/a/{crm[0]}/{crm[1]}"
    page = client.get(f"{base}/{record.id}").get_data(as_text=True)
    team = page.split(">Team<", 1)[1][:300]
    assert "Sales" in team and f"#{staff.department_id}" not in team
    table = client.get(f"{base}?cols=f_name01,f_dept01").get_data(as_text=True)
    assert re.search(r">\s*Sales\s*<", table)
