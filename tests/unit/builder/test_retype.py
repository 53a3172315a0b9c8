"""Changing a field's type in the draft and purging a deleted field (pure operations)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel

from builder import fields
from builder.forms import domain, operations, retype
from builder.forms.exceptions import OperationInvalid
from builder.forms.stored import TypeChange
from builder.metadata import validate

fields.register_all()


@pytest.fixture(autouse=True)
def _ctx():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def _doc():
    doc = domain.empty_document("customers", "Customers")
    doc["fields"] = [
        {"id": "f_name01", "type": "text", "label": "Name", "unique": {"steps": ["trim"]},
         "config": {"max_length": 50, "placeholder": "Acme"},
         "default": {"kind": "static", "value": "12"}},
        {"id": "f_fax001", "type": "text", "label": "Fax", "config": {}},
        {"id": "f_day001", "type": "date", "label": "Day", "config": {}},
    ]
    doc["layout"] = [{"kind": "field", "field": f["id"]} for f in doc["fields"]]
    doc["rules"] = [{"id": "r_rule01", "message": "m", "fields": ["f_fax001"],
                     "condition": {"all": []}}]
    doc["indexes"] = [{"id": "i_index1", "fields": ["f_fax001"]},
                      {"id": "i_index2", "fields": ["f_name01", "f_fax001"]}]
    # Fax was published, then deleted: its data is kept
    return operations.delete(doc, "f_fax001", published_ids={"f_fax001"})


def _field(doc, field_id):
    return next(f for f in doc["fields"] if f["id"] == field_id)


def test_an_unpublished_field_changes_without_a_mark_and_keeps_fitting_settings():
    doc = retype.change_type(_doc(), "f_name01", "textarea", stored_type=None)
    field = _field(doc, "f_name01")
    assert field["type"] == "textarea" and "type_change" not in field
    assert field["config"] == {"max_length": 50, "placeholder": "Acme"}
    assert "unique" not in field  # a multi-line text cannot be unique
    assert not validate("form", doc)


def test_a_published_field_remembers_its_stored_type_and_settings():
    doc = retype.change_type(_doc(), "f_name01", "integer", stored_type="text", clear=True)
    field = _field(doc, "f_name01")
    assert field["type_change"] == {"from": "text", "clear": True,
                                    "config": {"max_length": 50, "placeholder": "Acme"}}
    assert field["config"] == {} and field["unique"] == {"steps": ["trim"]}
    assert field["default"] == {"kind": "static", "value": 12}  # converted
    assert not validate("form", doc)
    changes, errors = retype.type_changes(doc, _doc())
    assert changes == [TypeChange("f_name01", "text", "integer", clear=True)] and not errors
    assert "type_change" not in _field(retype.without_marks(doc), "f_name01")


def test_a_default_that_does_not_convert_is_dropped():
    doc = _doc()
    _field(doc, "f_name01")["default"]["value"] = "twelve"
    doc = retype.change_type(doc, "f_name01", "integer", stored_type="text")
    assert "default" not in _field(doc, "f_name01")
    doc = retype.change_type(_doc(), "f_name01", "textarea", stored_type=None)
    assert retype.choices(_field(doc, "f_name01"), None)[0] == "text"


def test_refused_changes_name_the_field():
    with pytest.raises(OperationInvalid) as refused:
        retype.change_type(_doc(), "f_day001", "integer", stored_type="date")
    assert "“Day” cannot be changed to Integer" in refused.value.errors["type"][0]
    with pytest.raises(OperationInvalid):
        retype.change_type(_doc(), "f_fax001", "integer", stored_type="text")


def test_publishing_a_change_the_stored_values_cannot_take_is_an_error():
    doc = _doc()
    _field(doc, "f_day001")["type"] = "integer"
    changes, errors = retype.type_changes(doc, _doc())
    assert not changes and errors[0].path == "$.fields[2].type"


def test_deleting_and_purging_remove_the_field_from_rules_and_indexes():
    deleted = _doc()
    assert "fields" not in deleted["rules"][0]
    assert deleted["indexes"] == [{"id": "i_index2", "fields": ["f_name01"]}]
    assert not validate("form", deleted)
    doc = operations.purge(deleted, "f_fax001")
    assert [f["id"] for f in doc["fields"]] == ["f_name01", "f_day001"]
    assert not validate("form", doc)
    with pytest.raises(OperationInvalid):
        operations.purge(_doc(), "f_name01")  # a live field is deleted first


def test_the_diff_names_a_purged_field():
    changes = domain.diff(_doc(), operations.purge(_doc(), "f_fax001"))
    assert [(c.kind, c.subject) for c in changes] == [(domain.ChangeKind.FIELD_PURGED, "Fax")]
