"""Every field type's widget renders from (field, value, errors, readonly) alone, accessibly."""

from __future__ import annotations

import re

import pytest
from flask import render_template

from builder import fields
from builder.fields import Field

fields.register_all()
TYPES = [t.type for t in fields.all_types()]


def _render(app, field, value=None, errors=(), readonly=False):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        return render_template("fields/_field.html", field=field, value=value,
                               errors=list(errors), readonly=readonly)


def _field(type_key, **extra):
    return {"id": "f_widget1", "type": type_key, "label": "Label <b>", "help": "Help <i>",
            "required": True, "config": fields.get(type_key).sample_config(), **extra}


@pytest.mark.parametrize("type_key", TYPES)
def test_widget_renders_label_help_and_no_error_state(app, type_key):
    html = _render(app, _field(type_key))
    assert "Label &lt;b&gt;" in html and "Help &lt;i&gt;" in html
    assert "aria-invalid" not in html and "fld-f_widget1-err" not in html
    for target in re.findall(r'<label[^>]* for="([^"]+)"', html):
        assert f'id="{target}"' in html, f"label for={target} points nowhere"


@pytest.mark.parametrize("type_key", TYPES)
def test_widget_shows_errors_beside_the_input(app, type_key):
    html = _render(app, _field(type_key), errors=["must be <1>"])
    assert re.search(r'id="fld-f_widget1-err"[^>]*>Must be &lt;1&gt;<', html)
    if not fields.get(type_key).readonly:
        assert 'aria-invalid="true"' in html
        assert 'aria-describedby="fld-f_widget1-err fld-f_widget1-help"' in html


@pytest.mark.parametrize("type_key", TYPES)
def test_widget_shows_a_sample_value_from_a_field_object(app, type_key):
    field_type = fields.get(type_key)
    field = Field(id="f_widget1", type=type_key, label="Label", config=field_type.sample_config())
    sample = field_type.sample_values(field)[0]
    value = field_type.to_json(field, sample)
    html = _render(app, field, value=value, readonly=field_type.readonly)
    assert "Label" in html
    if type_key in ("text", "email", "phone", "url", "id_card", "integer", "auto_number"):
        assert str(value) in html


def test_select_widgets_show_options_with_colours(app):
    html = _render(app, _field("single_select"), value="won")
    assert re.search(r'<option value="won" selected>赢单</option>', html)
    assert 'opt-swatch opt-green' in html
    radio = _render(app, _field("single_select", config={
        "display": "radio", "options": [{"id": "a", "label": "A", "color": "red"}]}), value="a")
    assert 'class="pill opt-red"' in radio and re.search(r'value="a"[^>]*checked', radio)
    multi = _render(app, _field("multi_select"), value=["crm", "hr"])
    assert len(re.findall(r'type="checkbox"[^>]*checked', multi)) == 2


def test_region_widget_cascades_from_a_code(app):
    html = _render(app, _field("region"), value="330106")
    assert re.search(r'<option value="330000" selected>浙江省', html)
    assert re.search(r'<option value="330100" selected>杭州市', html)
    assert re.search(r'<option value="330106" selected>西湖区', html)


def test_readonly_fields_say_they_are_assigned_on_save(app):
    assert "Assigned on save" in _render(app, _field("auto_number"), readonly=True)
    assert "HT-0007" in _render(app, _field("auto_number"), value="HT-0007", readonly=True)


def test_region_endpoint_answers_the_next_level(client, make_user, login_as):
    login_as(make_user())
    response = client.get("/fields/region?name=f_area01&levels=city"
                          "&f_area01__province=330000&f_area01__city=110100")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "杭州市" in html
    assert 'name="f_area01__city"' in html and "f_area01__district" not in html
    assert 'value="110100" selected' not in html  # a city of another province is dropped
    bad = client.get("/fields/region?name=<script>&f_x__province=\x00")
    assert bad.status_code == 200 and "<script>" not in bad.get_data(as_text=True)
