"""Hostile input through the HTTP entry and edit pages: never a 500, always rendered escaped."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import fields as field_types
from tests.conftest import csrf_token

field_types.register_all()
TYPES = [t for t in field_types.all_types()]
FIELDS = [{"id": f"f_t{i:02d}ab", "type": t.type, "label": f"{t.type} <b>标签</b>",
           "config": t.sample_config()} for i, t in enumerate(TYPES)]
LINK_ID = next(f["id"] for f in FIELDS if f["type"] == "link")
for _field in FIELDS:  # lookups and rollups through the link (to this very form)
    if _field["type"] == "lookup":
        _field["config"] = {"link": LINK_ID, "field": FIELDS[0]["id"]}
    elif _field["type"] == "rollup":
        _field["config"] = {"source": LINK_ID, "function": "count"}
EDITABLE = [f for f, t in zip(FIELDS, TYPES, strict=True) if not t.readonly]
HOSTILE = [
    "<script>alert(1)</script>", "\"><script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>", "<svg onload=alert(1)>", "'; DROP TABLE rec_1; --",
    "1 OR 1=1", "a\x00b", "\x00", "\u202egnp.exe", "\u200f\u200e", "😀" * 40, "9" * 400,
    "-1e999", "1e400", "NaN", "Infinity", "2026-02-30", "0000-00-00", "9999-99-99T99:99",
    "0001-01-01T00:00", "25:61", "１３８１２３４５６７８", "330000", "999999", "${7*7}", "{{7*7}}",
    "%(x)s", "\\", "\r\n\r\n", "  ", "",
]
UNSAFE = re.compile(r"<script(?! src=\"/static/)|<iframe|<object|<embed|<svg[^>]*onload|"
                    r"<img[^>]*onerror|href=\"\s*(javascript|data):", re.I)
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200)
hostile = st.one_of(st.sampled_from(HOSTILE), text)


def _valid(field):
    """Values the type accepts, as a form would send them."""
    field_type = field_types.get(field["type"])
    f = field_types.Field.from_document(field)
    if field["type"] == "region":
        return st.sampled_from(["330106", "110101"]).map(
            lambda c: {"province": c[:2] + "0000", "city": c[:4] + "00", "district": c})
    samples = [field_type.to_json(f, v) for v in field_type.sample_values(f)]
    if field["type"] == "boolean":
        return st.sampled_from([["false"], ["false", "true"]])
    return st.sampled_from(samples).map(lambda v: v if isinstance(v, list) else str(v))


def _value(field):
    if field["type"] == "multi_select":
        bad = st.lists(hostile, max_size=4)
    elif field["type"] == "boolean":
        bad = st.lists(hostile, min_size=1, max_size=2)
    else:
        bad = hostile
    return st.one_of(bad, _valid(field))


def _blank(field):
    return {"multi_select": [], "boolean": ["false"]}.get(field["type"], "")


def _payload(draw_values: dict) -> dict:
    data: dict = {}
    for field in EDITABLE:
        value = draw_values[field["id"]]
        if field["type"] == "region" and isinstance(value, dict):
            data.update({f"{field['id']}__{level}": code for level, code in value.items()})
        elif field["type"] == "region":
            for level, part in zip(("province", "city", "district"), (value, value[:4], value),
                                   strict=True):
                data[f"{field['id']}__{level}"] = part
        else:
            data[field["id"]] = value
    return data


@st.composite
def payloads(draw):
    """One to three fields get hostile input, the rest stay blank, so many records save."""
    chosen = draw(st.sets(st.sampled_from([f["id"] for f in EDITABLE]), min_size=1,
                          max_size=3))
    return _payload({f["id"]: draw(_value(f)) if f["id"] in chosen else _blank(f)
                     for f in EDITABLE})


@pytest.fixture
def everything(app, publish_form, make_user, login_as, client):
    from builder.apps import service as apps
    from builder.forms import service as forms
    from runtime.accounts import service as accounts

    app_key, form_key = publish_form(fields=FIELDS, layout=[], rules=[],
                                     title_field=FIELDS[0]["id"], publish=False)
    with app.test_request_context():  # the link points at this very form
        admin = accounts.find_user_by_email("builder@example.com")
        form = forms.get_form(admin, apps.get_app_by_key(admin, app_key), form_key)
        fields = [dict(f, config={"form": form.id}) if f["id"] == LINK_ID else f
                  for f in FIELDS]
        forms.save_draft(admin, form, dict(form.draft, fields=fields),
                         revision=form.draft_revision)
        forms.publish(admin, form)
    login_as(make_user(email="staff@example.com", name="<i>Staff</i>"))
    return f"/a/{app_key}/{form_key}"


def _safe(response, *allowed: int) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code in allowed, html[:3000]
    found = UNSAFE.search(html)
    assert found is None, html[max(0, found.start() - 300):found.end() + 300]
    return html


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(first=payloads(), second=payloads())
def test_hostile_input_never_500_and_renders_escaped(client, everything, first, second):
    token = csrf_token(client, f"{everything}/new")
    _safe(client.post(f"{everything}/new/refresh", data={"csrf_token": token, **first},
                      headers={"HX-Request": "true"}), 200)
    response = client.post(f"{everything}/new", data={"csrf_token": token, **first})
    _safe(response, 303, 422)
    if response.status_code != 303:
        return
    record = response.headers["Location"]
    _safe(client.get(record), 200)
    _safe(client.post(f"{record}/edit", data={"csrf_token": token, "row_version": "1",
                                              **second}), 303, 422)
    _safe(client.get(f"{record}?tab=history"), 200)
    _safe(client.get(everything), 200)


def test_one_megabyte_strings_get_messages_and_come_back_escaped(client, everything):
    huge = "<script>" + "长" * 1_000_000
    data = {f["id"]: huge for f in EDITABLE
            if f["type"] in ("text", "textarea", "rich_text", "integer", "email", "id_card")}
    response = client.post(f"{everything}/new", data={
        "csrf_token": csrf_token(client, f"{everything}/new"), **data})
    html = _safe(response, 422)
    assert html.count("at most") >= 2 or html.count("最多") >= 2
    assert "No records yet" in client.get(everything, headers={"Accept-Language": "en"}
                                          ).get_data(as_text=True)


def test_forged_and_odd_versions_and_pages_are_not_errors(client, everything):
    token = csrf_token(client, f"{everything}/new")
    created = client.post(f"{everything}/new", data={"csrf_token": token,
                                                    FIELDS[0]["id"]: "<b>ok</b>"})
    assert created.status_code == 303
    record = created.headers["Location"]
    for version in ("²", "１", "-1", "9" * 40, "\x00"):
        response = client.post(f"{record}/edit", data={"csrf_token": token,
                                                      "row_version": version})
        _safe(response, 409)
    for query in ("?before=²", "?after=９", "?before=99999999999999999999999", "?trash=\x00"):
        _safe(client.get(everything + query), 200)
    _safe(client.get(f"{record}/history/²/restore"), 404)

