"""Designer pages about stored data: the type-change preview, the publish that converts,
the deleted fields with their purge, and the JSON Schema download."""

from __future__ import annotations

import copy
import json
import re

import pytest
import sqlalchemy as sa

from builder.db import db
from builder.forms import service as forms
from builder.forms.models import Form
from runtime.records import schema
from runtime.records import service as records
from tests.conftest import csrf_token

HTMX = {"HX-Request": "true"}
FIELDS = [
    {"id": "f_name01", "type": "text", "label": "Name", "required": True, "config": {}},
    {"id": "f_size01", "type": "text", "label": "Size", "config": {}},
    {"id": "f_old001", "type": "text", "label": "Fax", "config": {}},
]


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def builder(make_user):
    return make_user(email="ada@example.com", name="Ada Admin", is_admin=True)


@pytest.fixture
def form(app, builder, login_as, drop_record_tables):
    """A published customer form with five records; "Fax" is deleted and published so."""
    from builder.apps import service as apps

    with app.test_request_context():
        app_row = apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")
        form = forms.create_form(builder, app_row, "Customers")
        doc = copy.deepcopy(form.draft)
        doc["fields"] = copy.deepcopy(FIELDS)
        doc["layout"] = [{"kind": "field", "field": f["id"]} for f in FIELDS]
        forms.save_draft(builder, form, doc, revision=form.draft_revision)
        forms.publish(builder, form)
        live = _live(form)
        for n, size in enumerate(["12", "many", "7", None, "3 or 4"]):
            records.create(builder, live, {"f_name01": f"C{n}", "f_size01": size,
                                           "f_old001": "0571" if n < 2 else None})
        forms.apply_operation(builder, form, {"op": "delete", "id": "f_old001"},
                              revision=form.draft_revision)
        forms.publish(builder, form)
    login_as(builder)
    return form.id


def _live(form):
    version = forms.published_version(form)
    return schema.published(form.id, version.version, version.document)


def _url(suffix: str = "") -> str:
    return "/build/apps/crm/forms/customers" + suffix


def _draft() -> Form:
    db.session.expire_all()
    return db.session.scalar(sa.select(Form).where(Form.key == "customers"))


def _columns(form_id: int) -> set[str]:
    db.session.remove()
    return {c["name"] for c in sa.inspect(db.engine).get_columns(f"rec_{form_id}")}


def test_the_panel_offers_compatible_types(client, form):
    html = client.get(_url("?sel=f_size01")).get_data(as_text=True)
    panel = html[html.index('id="type-panel"'):]
    options = re.findall(r'<option value="([a-z_]+)">', panel[:panel.index("</select>")])
    assert "integer" in options and "date" in options and "member" not in options
    assert "text" not in options  # its own type


def test_the_preview_dialog_counts_and_lists_what_will_not_convert(client, form):
    response = client.get(_url("/fields/f_size01/retype?type=integer"), headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html  # the dialog only
    assert "Change “Size” to Integer" in html
    assert re.search(r"data-converted>2<", html) and re.search(r"data-failed>2<", html)
    assert "many" in html and "3 or 4" in html and "enter a number" in html
    assert "Convert and clear those" in html and 'name="clear" value="1"' in html
    # without htmx the same thing is a page of its own
    page = client.get(_url("/fields/f_size01/retype?type=integer")).get_data(as_text=True)
    assert "<html" in page and "Convert and clear those" in page


def test_a_type_that_does_not_fit_is_refused(client, form):
    response = client.get(_url("/fields/f_size01/retype?type=member"))
    assert response.status_code == 422
    assert "cannot be changed to Member" in response.get_data(as_text=True)
    assert client.get(_url("/fields/f_nope01/retype?type=integer")).status_code == 404


def test_convert_and_clear_then_publish_converts_the_values(client, form):
    token = csrf_token(client, _url())
    response = client.post(_url("/ops"), data={
        "csrf_token": token, "revision": _draft().draft_revision, "op": "change_type",
        "id": "f_size01", "type": "integer", "clear": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert "Publishing converts the stored values to Integer" in response.get_data(as_text=True)
    response = client.post(_url("/publish"), data={"csrf_token": token})
    assert response.status_code == 303
    values = sorted((r.values["f_size01"] is None, r.values["f_size01"] or 0)
                    for r in records.page(_user(), _live(_draft())))
    assert values == [(False, 7), (False, 12), (True, 0), (True, 0), (True, 0)]


def _user():
    from runtime.accounts.models import User

    return db.session.scalar(sa.select(User).where(User.email == "ada@example.com"))


def test_publish_without_consent_names_the_field_and_keeps_the_data(client, form):
    token = csrf_token(client, _url())
    client.post(_url("/ops"), data={"csrf_token": token, "revision": _draft().draft_revision,
                                    "op": "change_type", "id": "f_size01", "type": "integer"})
    response = client.post(_url("/publish"), data={"csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "2 stored values do not convert to Integer" in html
    assert 'data-problem="f_size01"' in html
    assert _draft().published_version == 2


def test_deleted_fields_show_their_stored_values_and_a_purge(client, form):
    html = client.get(_url("?tab=form")).get_data(as_text=True)
    item = html[html.index('data-deleted-field="f_old001"'):]
    item = item[:item.index("</li>")]
    assert "Fax" in item and "2 records have a value" in item and "Purge data" in item
    dialog = client.get(_url("/fields/f_old001/purge"), headers=HTMX).get_data(as_text=True)
    assert "Purge the data of “Fax”?" in dialog
    assert "2 records have a value in this field." in dialog
    page = client.get(_url("/fields/f_old001/purge")).get_data(as_text=True)  # without JS
    assert "<html" in page and "Purge the data of “Fax”?" in page
    assert client.get(_url("/fields/f_size01/purge")).status_code == 404  # a live field


def test_purging_drops_the_column_and_the_field_for_good(client, form):
    assert "f_old001" in _columns(form)
    token = csrf_token(client, _url())
    response = client.post(_url("/fields/f_old001/purge"), data={"csrf_token": token})
    assert response.status_code == 303 and "tab=form" in response.headers["Location"]
    assert "f_old001" not in _columns(form)
    current = _draft()
    assert current.published_version == 3
    assert "f_old001" not in {f["id"] for f in current.draft["fields"]}
    assert "f_old001" not in {f["id"] for f in forms.published_version(current).document[
        "fields"]}
    history = client.get(_url("/history")).get_data(as_text=True)
    assert "Purged the data of field “Fax”" in history
    # the records are all there, and can still be written
    live = _live(current)
    assert len(records.page(_user(), live)) == 5
    records.create(_user(), live, {"f_name01": "New"})
    # reverting to a version that had the field leaves it out
    forms.revert_draft(_user(), current, 1)
    assert "f_old001" not in {f["id"] for f in _draft().draft["fields"]}
    assert client.post(_url("/fields/f_old001/purge"),
                       data={"csrf_token": token}).status_code == 404


def test_a_field_deleted_only_in_the_draft_cannot_be_purged_yet(client, form):
    token = csrf_token(client, _url())
    client.post(_url("/ops"), data={"csrf_token": token, "revision": _draft().draft_revision,
                                    "op": "delete", "id": "f_size01"})
    html = client.get(_url("?tab=form")).get_data(as_text=True)
    item = html[html.index('data-deleted-field="f_size01"'):]
    assert "Deleted in the draft" in item[:item.index("</li>")]
    assert "Purge data" not in item[:item.index("</li>")]
    assert client.post(_url("/fields/f_size01/purge"),
                       data={"csrf_token": token}).status_code == 404
    assert "f_size01" in _columns(form)


def test_a_field_restored_in_the_draft_is_not_purged(client, form):
    token = csrf_token(client, _url())
    client.post(_url("/ops"), data={"csrf_token": token, "revision": _draft().draft_revision,
                                    "op": "restore", "id": "f_old001"})
    response = client.post(_url("/fields/f_old001/purge"), data={"csrf_token": token})
    assert response.status_code == 404  # no longer listed as deleted
    assert "f_old001" in _columns(form)


def test_only_builders_see_previews_and_purge(app, form, make_user):
    staff = make_user(email="staff@example.com")
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"csrf_token": token, "email": staff.email,
                                  "password": "correct horse battery"})
    token = csrf_token(client, "/")
    assert client.get(_url("/fields/f_size01/retype?type=integer")).status_code == 403
    assert client.get(_url("/fields/f_old001/purge")).status_code == 403
    assert client.post(_url("/fields/f_old001/purge"),
                       data={"csrf_token": token}).status_code == 403
    assert client.get(_url("/schema.json")).status_code == 403
    assert "f_old001" in _columns(form)


def test_purge_needs_the_csrf_token(client, form):
    assert client.post(_url("/fields/f_old001/purge")).status_code == 400
    assert "f_old001" in _columns(form)


def test_the_schema_downloads_as_an_attachment(client, form):
    response = client.get(_url("/schema.json"))
    assert response.status_code == 200
    assert response.mimetype == "application/schema+json"
    assert 'filename=Customers-v2.schema.json' in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert set(document["properties"]) == {"f_name01", "f_size01"}
    # staff read it in the records area too
    same = client.get("/a/crm/customers/schema.json")
    assert json.loads(same.get_data(as_text=True)) == document
