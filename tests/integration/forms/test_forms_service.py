"""Forms: draft, validate, publish (which creates storage), version history and revert."""

from __future__ import annotations

import copy

import pytest

from builder.apps import service as apps
from builder.db import db
from builder.exceptions import PermissionDenied, ValidationFailed
from builder.forms import service as forms
from builder.metadata import MetadataInvalid
from runtime.records import schema
from runtime.records import service as records


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def crm(ctx, make_user):
    admin = make_user(is_admin=True)
    app_row = apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")
    db.session.commit()
    return admin, app_row




def _customer_draft(form):
    doc = copy.deepcopy(form.draft)
    doc["fields"] = [
        {"id": "f_name01", "type": "text", "label": "公司名称", "required": True,
         "unique": {"steps": ["trim", "suffixes"]}, "config": {"max_length": 100}},
        {"id": "f_level1", "type": "single_select", "label": "级别", "config": {"options": [
            {"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}},
    ]
    doc["layout"] = [{"kind": "field", "field": "f_name01"}, {"kind": "field", "field": "f_level1"}]
    return doc


def test_publishing_creates_the_table_and_records_work(crm, drop_record_tables):
    admin, app_row = crm
    form = forms.create_form(admin, app_row, "客户")
    forms.save_draft(admin, form, _customer_draft(form), revision=form.draft_revision)
    version = forms.publish(admin, form, note="first")
    assert version.version == 1 and form.published_version == 1
    published = schema.published(form.id, version.version, version.document)
    record = records.create(admin, published, {"f_name01": "积木", "f_level1": "a"})
    assert records.get(admin, published, record.id).values["f_name01"] == "积木"


def test_publishing_an_invalid_draft_lists_every_problem_by_path(crm):
    admin, app_row = crm
    form = forms.create_form(admin, app_row, "客户")
    doc = _customer_draft(form)
    doc["fields"][1]["config"]["options"] = []
    doc["fields"].append({"id": "f_name01", "type": "nope", "label": "x"})
    doc["layout"].append({"kind": "field", "field": "f_ghost1"})
    forms.save_draft(admin, form, doc, revision=form.draft_revision)
    with pytest.raises(MetadataInvalid) as caught:
        forms.publish(admin, form)
    paths = {e.path for e in caught.value.metadata_errors}
    assert "$.fields[1].config.options" in paths
    assert "$.fields[2].id" in paths and "$.fields[2].type" in paths
    assert "$.layout" in paths
    assert form.published_version is None


def test_adding_a_field_and_republishing_keeps_records(crm, drop_record_tables):
    admin, app_row = crm
    form = forms.create_form(admin, app_row, "客户")
    forms.save_draft(admin, form, _customer_draft(form), revision=form.draft_revision)
    v1 = forms.publish(admin, form)
    record = records.create(admin, schema.published(form.id, 1, v1.document), {"f_name01": "甲"})
    doc = copy.deepcopy(form.draft)
    doc["fields"].append({"id": "f_phone1", "type": "phone", "label": "电话", "config": {}})
    doc["layout"].append({"kind": "field", "field": "f_phone1"})
    forms.save_draft(admin, form, doc, revision=form.draft_revision)
    v2 = forms.publish(admin, form)
    published = schema.published(form.id, 2, v2.document)
    assert records.get(admin, published, record.id).values == {
        "f_name01": "甲", "f_level1": None, "f_phone1": None}


def test_stale_draft_save_is_refused(crm):
    admin, app_row = crm
    form = forms.create_form(admin, app_row, "客户")
    old = form.draft_revision
    forms.save_draft(admin, form, _customer_draft(form), revision=old)
    with pytest.raises(ValidationFailed):
        forms.save_draft(admin, form, _customer_draft(form), revision=old)


def test_revert_brings_back_a_published_version_as_the_draft(crm, drop_record_tables):
    admin, app_row = crm
    form = forms.create_form(admin, app_row, "客户")
    forms.save_draft(admin, form, _customer_draft(form), revision=form.draft_revision)
    forms.publish(admin, form)
    changed = copy.deepcopy(form.draft)
    changed["fields"][0]["label"] = "客户全称"
    forms.save_draft(admin, form, changed, revision=form.draft_revision)
    forms.revert_draft(admin, form, 1)
    assert form.draft["fields"][0]["label"] == "公司名称"
    assert [v.version for v in forms.versions(admin, form)] == [1]


def test_only_builders_may_change_forms(crm, make_user):
    admin, app_row = crm
    staff = make_user()
    with pytest.raises(PermissionDenied):
        forms.create_form(staff, app_row, "客户")
    form = forms.create_form(admin, app_row, "客户")
    with pytest.raises(PermissionDenied):
        forms.publish(staff, form)


@pytest.mark.parametrize(("expression", "result", "fragment"), [
    ("{f_name01} * 2", "number", "expression"),
    ("{f_ghost1} + 1", "number", "expression"),
    ("SUM(1,", "number", "expression"),
    ('CONCAT({f_name01}, "有限公司")', "number", "expression"),
])
def test_publishing_checks_formulas(crm, expression, result, fragment):
    admin, app_row = crm
    form = forms.create_form(admin, app_row, "客户")
    doc = _customer_draft(form)
    doc["fields"].append({"id": "f_calc01", "type": "formula", "label": "计算",
                          "config": {"expression": expression, "result": result}})
    forms.save_draft(admin, form, doc, revision=form.draft_revision)
    with pytest.raises(MetadataInvalid) as caught:
        forms.publish(admin, form)
    assert any(e.path.endswith(fragment) and "计算" in e.message
               for e in caught.value.metadata_errors), caught.value.metadata_errors


def test_publishing_refuses_formulas_that_depend_on_each_other(crm):
    admin, app_row = crm
    form = forms.create_form(admin, app_row, "客户")
    doc = _customer_draft(form)
    doc["fields"] += [
        {"id": "f_calca1", "type": "formula", "label": "A",
         "config": {"expression": "{f_calcb1} + 1", "result": "number"}},
        {"id": "f_calcb1", "type": "formula", "label": "B",
         "config": {"expression": "{f_calca1} + 1", "result": "number"}},
    ]
    forms.save_draft(admin, form, doc, revision=form.draft_revision)
    with pytest.raises(MetadataInvalid) as caught:
        forms.publish(admin, form)
    assert any(e.rule == "formula" and e.path == "$.fields"
               for e in caught.value.metadata_errors)
