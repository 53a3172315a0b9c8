"""The downloadable JSON Schema of a published form: valid records pass, bad ones fail, and
it agrees with the write path."""

from __future__ import annotations

import copy

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from builder.apps import service as apps
from builder.db import db
from builder.exceptions import ValidationFailed
from builder.forms import service as forms
from builder.forms.record_schema import file_name, record_schema
from runtime.records import schema
from runtime.records import service as records

FIELDS = [
    {"id": "f_name01", "type": "text", "label": "Name", "required": True, "help": "In full",
     "unique": {"steps": ["trim"]}, "config": {"max_length": 10}},
    {"id": "f_count1", "type": "integer", "label": "Staff", "config": {"min": 0},
     "default": {"kind": "static", "value": 1}},
    {"id": "f_level1", "type": "single_select", "label": "Level", "config": {"options": [
        {"id": "a", "label": "A"}, {"id": "c", "label": "C"}]}},
    {"id": "f_reason", "type": "text", "label": "Why C", "required": True, "config": {},
     "visible_if": {"field": "f_level1", "op": "eq", "value": "c"}},
    {"id": "f_tags01", "type": "multi_select", "label": "Tags", "config": {"options": [
        {"id": "crm", "label": "CRM"}, {"id": "erp", "label": "ERP"}]}},
    {"id": "f_start1", "type": "date", "label": "Start", "config": {}},
    {"id": "f_mail01", "type": "email", "label": "Mail", "config": {}},
    {"id": "f_vip001", "type": "boolean", "label": "VIP", "config": {}},
    {"id": "f_maker1", "type": "created_by", "label": "Created by", "config": {}},
    {"id": "f_gone01", "type": "text", "label": "Fax", "deleted": True, "config": {}},
]
RULES = [{"id": "r_vip001", "message": "VIPs need a mail address", "fields": ["f_mail01"],
          "condition": {"any": [{"field": "f_vip001", "op": "ne", "value": True},
                                {"field": "f_mail01", "op": "not_empty"}]}}]


@pytest.fixture
def published(app, make_user, drop_record_tables):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        admin = make_user(is_admin=True)
        app_row = apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")
        db.session.commit()
        form = forms.create_form(admin, app_row, "客户/Customers")
        doc = copy.deepcopy(form.draft)
        doc.update(fields=copy.deepcopy(FIELDS), rules=copy.deepcopy(RULES),
                   layout=[{"kind": "field", "field": f["id"]} for f in FIELDS
                           if not f.get("deleted")])
        forms.save_draft(admin, form, doc, revision=form.draft_revision)
        version = forms.publish(admin, form)
        yield admin, schema.published(form.id, version.version, version.document)


def _validator(document):
    found = record_schema(document, 1)
    Draft202012Validator.check_schema(found)
    return Draft202012Validator(found, format_checker=FormatChecker())


GOOD = [
    {"f_name01": "积木"},
    {"f_name01": "Acme", "f_count1": 12, "f_level1": "c", "f_reason": "slow payer",
     "f_tags01": ["crm", "erp"], "f_start1": "2026-03-01", "f_mail01": "a@acme.cn",
     "f_vip001": True},
    {"f_name01": "Acme", "f_count1": None, "f_level1": None, "f_tags01": None},
]
BAD = [
    ({}, "required"),
    ({"f_name01": None}, "not"),
    ({"f_name01": ""}, "not"),
    ({"f_name01": "x" * 11}, "maxLength"),
    ({"f_name01": "a", "f_count1": -1}, "minimum"),
    ({"f_name01": "a", "f_count1": 1.5}, "type"),
    ({"f_name01": "a", "f_level1": "b"}, "enum"),
    ({"f_name01": "a", "f_tags01": ["crm", "crm"]}, "uniqueItems"),
    ({"f_name01": "a", "f_start1": "2026-02-30"}, "format"),
    ({"f_name01": "a", "f_mail01": "nope"}, "format"),
    ({"f_name01": "a", "f_gone01": "x"}, "additionalProperties"),
    ({"f_name01": "a", "f_other": "x"}, "additionalProperties"),
]


def test_the_schema_accepts_good_records_and_refuses_bad_ones(published):
    _admin, form = published
    validator = _validator(form.document)
    for record in GOOD:
        assert not list(validator.iter_errors(record)), record
    for record, keyword in BAD:
        errors = list(validator.iter_errors(record))
        assert keyword in {e.validator for e in errors}, (record, errors)


def test_the_schema_describes_fields_and_carries_the_rules(published):
    _admin, form = published
    found = record_schema(form.document, 1)
    assert found["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert found["required"] == ["f_name01"]
    name = found["properties"]["f_name01"]
    assert (name["title"], name["description"], name["x-jimu-type"]) == ("Name", "In full", "text")
    assert found["properties"]["f_count1"]["default"] == 1
    assert found["properties"]["f_maker1"]["readOnly"] is True
    assert "f_gone01" not in found["properties"]
    rules = found["x-jimu-rules"]
    assert rules["rules"] == RULES
    assert rules["fields"]["f_reason"] == {"visible_if": FIELDS[3]["visible_if"], "required": True}
    assert rules["fields"]["f_name01"]["unique"] == {"steps": ["trim"]}
    assert found["x-jimu-form"]["version"] == 1
    assert file_name(form.document, 3) == "客户_Customers-v3.schema.json"


CASES = [
    ("f_count1", 5), ("f_count1", -1), ("f_count1", 2.5), ("f_count1", "many"),
    ("f_name01", "x" * 10), ("f_name01", "x" * 11),
    ("f_level1", "a"), ("f_level1", "zz"),
    ("f_tags01", ["erp"]), ("f_tags01", ["erp", "hr"]),
    ("f_start1", "2024-02-29"), ("f_start1", "2023-02-29"),
    ("f_mail01", "ada@example.com"), ("f_mail01", "ada@"),
    ("f_vip001", False), ("f_vip001", "perhaps"),
]


@pytest.mark.parametrize(("field_id", "value"), CASES)
def test_the_write_path_and_the_schema_agree(published, field_id, value):
    admin, form = published
    record = {"f_name01": "Agree", field_id: value}
    by_schema = _validator(form.document).is_valid(record)
    try:
        records.create(admin, form, record)
        by_write_path = True
    except ValidationFailed:
        by_write_path = False
    assert by_schema == by_write_path
