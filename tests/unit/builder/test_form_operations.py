"""Designer operations on a form's draft, and the readable diff between versions."""

from __future__ import annotations

import copy

import pytest

from builder import fields
from builder.forms import domain, operations
from builder.forms.domain import ChangeKind
from builder.forms.exceptions import OperationInvalid
from builder.metadata import validate

fields.register_all()


def _doc():
    doc = domain.empty_document("customers", "客户")
    doc["fields"] = [
        {"id": "f_name01", "type": "text", "label": "公司名称", "config": {}},
        {"id": "f_level1", "type": "single_select", "label": "级别",
         "config": {"options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}},
        {"id": "f_phone1", "type": "phone", "label": "电话", "config": {}},
    ]
    doc["layout"] = [
        {"kind": "field", "field": "f_name01"},
        {"kind": "section", "id": "s_basic1", "title": "基本", "columns": 2, "items": [
            {"kind": "field", "field": "f_level1"}]},
        {"kind": "field", "field": "f_phone1"},
    ]
    return doc


def _order(doc):
    def walk(items):
        return [[operations.item_id(i), walk(i["items"])] if i["kind"] == "section"
                else operations.item_id(i) for i in items]
    return walk(doc["layout"])


def _op(doc, **op):
    return operations.apply(doc, op, published_ids={"f_name01"})


# ---------------------------------------------------------------- adding


def test_add_field_at_the_end_with_a_default_label_and_a_valid_document():
    doc = _doc()
    new, selected = _op(doc, op="add_field", type="integer")
    assert selected.startswith("f_") and _order(new)[-1] == selected
    field = operations.field_doc(new, selected)
    assert field["type"] == "integer" and field["label"] == "Integer" and field["config"] == {}
    assert validate("form", new) == []
    assert len(doc["fields"]) == 3  # the input is not modified


def test_adding_a_select_gives_it_three_options_and_labels_stay_distinct():
    doc = _doc()
    doc, first = _op(doc, op="add_field", type="single_select")
    doc, second = _op(doc, op="add_field", type="single_select")
    labels = [operations.field_doc(doc, i)["label"] for i in (first, second)]
    assert labels == ["Single select", "Single select 2"]
    assert [o["label"] for o in operations.field_doc(doc, first)["config"]["options"]] == [
        "Option 1", "Option 2", "Option 3"]
    assert validate("form", doc) == []


def test_add_field_at_a_position_inside_a_section_and_after_the_selection():
    doc, new = _op(_doc(), op="add_field", type="date", position="0", parent="s_basic1")
    assert _order(doc)[1] == ["s_basic1", [new, "f_level1"]]
    doc, after = _op(doc, op="add_field", type="text", after="f_name01")
    assert _order(doc)[:2] == ["f_name01", after]
    doc, inside = _op(doc, op="add_field", type="text", after="s_basic1")
    assert _order(doc)[2] == ["s_basic1", [new, "f_level1", inside]]


def test_add_layout_elements():
    doc, section = _op(_doc(), op="add_section")
    doc, divider = _op(doc, op="add_divider", position=0)
    doc, text = _op(doc, op="add_text", position=1, parent=section)
    assert _order(doc)[0] == divider and _order(doc)[-1] == [section, [text]]
    assert validate("form", doc) == []
    # A section added "after" something inside a section goes after that section instead.
    doc, outer = _op(doc, op="add_section", after="s_basic1")
    assert _order(doc)[2][0] == "s_basic1" and _order(doc)[3] == [outer, []]


@pytest.mark.parametrize(("op", "key"), [
    ({"op": "add_field", "type": "no_such_type"}, "type"),
    ({"op": "add_field"}, "type"),
    ({"op": "add_field", "type": "text", "parent": "s_nothere"}, "parent"),
    ({"op": "add_field", "type": "text", "position": "first"}, "position"),
    ({"op": "add_section", "parent": "s_basic1", "position": "x"}, "position"),
    ({"op": "move", "id": "f_ghost1", "position": 0}, "id"),
    ({"op": "move", "id": "s_basic1", "position": 0, "parent": "s_basic1"}, "parent"),
    ({"op": "move", "id": "<script>", "position": 0}, "id"),
    ({"op": "update", "id": "f_name01", "props": "label"}, "props"),
    ({"op": "update", "id": "f_name01", "props": {"label": ""}}, "label"),
    ({"op": "update", "id": "f_name01", "props": {"label": "x" * 101}}, "label"),
    ({"op": "update", "id": "f_name01", "props": {"colour": "red"}}, "colour"),
    ({"op": "update", "id": "f_level1", "props": {"unique": {"steps": ["trim"]}}}, "unique"),
    ({"op": "update", "id": "f_level1", "props": {"config": {"options": []}}}, "config.options"),
    ({"op": "update", "id": "f_name01", "props": {"config": {"max_length": "ten"}}},
     "config.max_length"),
    ({"op": "update", "id": "s_basic1", "props": {"columns": 5}}, "columns"),
    ({"op": "update_form", "props": {"name": ""}}, "name"),
    ({"op": "update_form", "props": {"title_field": "f_ghost1"}}, "title_field"),
    ({"op": "delete", "id": "f_ghost1"}, "id"),
    ({"op": "explode"}, "op"),
    ({"op": ["add_field"]}, "op"),
])
def test_bad_operations_are_refused_with_a_message_naming_the_property(op, key):
    with pytest.raises(OperationInvalid) as caught:
        operations.apply(_doc(), op)
    assert key in caught.value.errors
    assert all(m and isinstance(m, str) for m in caught.value.errors[key])


def test_an_operation_that_is_not_an_object_is_refused():
    with pytest.raises(OperationInvalid):
        operations.apply(_doc(), ["add_field", "text"])


def test_messages_name_the_property_and_the_limit():
    with pytest.raises(OperationInvalid) as caught:
        operations.apply(_doc(), {"op": "update", "id": "f_name01",
                                  "props": {"label": "x" * 101}})
    assert caught.value.errors["label"] == ["Label: at most 100 characters (got 101)"]


# ---------------------------------------------------------------- moving


def test_move_into_and_out_of_a_section():
    doc, _ = _op(_doc(), op="move", id="f_name01", position=1, parent="s_basic1")
    assert _order(doc) == [["s_basic1", ["f_level1", "f_name01"]], "f_phone1"]
    doc, _ = _op(doc, op="move", id="f_level1", position=99)
    assert _order(doc) == [["s_basic1", ["f_name01"]], "f_phone1", "f_level1"]


def test_sections_cannot_go_into_sections():
    doc, other = _op(_doc(), op="add_section")
    with pytest.raises(OperationInvalid):
        _op(doc, op="move", id=other, position=0, parent="s_basic1")


def test_move_up_and_down_step_out_of_sections_at_their_edges():
    doc, _ = _op(_doc(), op="move_up", id="f_phone1")
    assert _order(doc) == ["f_name01", "f_phone1", ["s_basic1", ["f_level1"]]]
    doc, _ = _op(_doc(), op="move_up", id="f_level1")
    assert _order(doc) == ["f_name01", "f_level1", ["s_basic1", []], "f_phone1"]
    doc, _ = _op(_doc(), op="move_down", id="f_level1")
    assert _order(doc) == ["f_name01", ["s_basic1", []], "f_level1", "f_phone1"]
    doc, _ = _op(_doc(), op="move_up", id="f_name01")
    assert _order(doc) == _order(_doc())


# ---------------------------------------------------------------- properties


def test_update_field_properties_and_remove_empty_ones():
    doc, selected = _op(_doc(), op="update", id="f_name01", props={
        "label": "客户全称", "help": "营业执照上的名称", "required": True,
        "unique": {"steps": ["trim", "suffixes"], "suffixes": ["有限公司"]},
        "visible_if": {"all": [{"field": "f_level1", "op": "eq", "value": "a"}]},
        "config": {"max_length": 100}})
    field = operations.field_doc(doc, "f_name01")
    assert selected == "f_name01" and field["label"] == "客户全称" and field["required"] is True
    assert validate("form", doc) == []
    doc, _ = _op(doc, op="update", id="f_name01", props={"help": "", "visible_if": None})
    field = operations.field_doc(doc, "f_name01")
    assert "help" not in field and "visible_if" not in field and field["label"] == "客户全称"


def test_update_span_sections_and_texts():
    doc, _ = _op(_doc(), op="update", id="f_level1", props={"span": 2})
    assert doc["layout"][1]["items"][0] == {"kind": "field", "field": "f_level1", "span": 2}
    doc, _ = _op(doc, op="update", id="f_level1", props={"span": 1})
    assert "span" not in doc["layout"][1]["items"][0]
    doc, _ = _op(doc, op="update", id="s_basic1", props={"title": "联系方式", "columns": 3})
    assert doc["layout"][1]["title"] == "联系方式" and doc["layout"][1]["columns"] == 3
    doc, text = _op(doc, op="add_text")
    doc, _ = _op(doc, op="update", id=text, props={"text": "<b>请填写</b>"})
    assert doc["layout"][-1]["text"] == "<b>请填写</b>"


def test_update_form_settings_and_rules():
    doc, _ = _op(_doc(), op="update_form", props={"name": "客户档案", "title_field": "f_name01",
                                                  "submit_label": "保存", "description": ""})
    assert doc["name"] == "客户档案" and doc["title_field"] == "f_name01"
    rule = {"condition": {"all": [{"field": "f_name01", "op": "not_empty"}]},
            "message": "请填写公司名称", "fields": ["f_name01"]}
    doc, _ = _op(doc, op="set_rules", rules=[rule])
    assert doc["rules"][0]["id"].startswith("r_") and doc["rules"][0]["message"] == "请填写公司名称"
    assert validate("form", doc) == []
    with pytest.raises(OperationInvalid):
        _op(doc, op="set_rules", rules=[{"condition": {}, "message": ""}])


# ---------------------------------------------------------------- deleting


def test_delete_marks_published_fields_and_removes_new_ones():
    doc, _ = _op(_doc(), op="update_form", props={"title_field": "f_name01"})
    doc, selected = _op(doc, op="delete", id="f_name01")
    assert selected is None
    assert operations.field_doc(doc, "f_name01")["deleted"] is True
    assert "title_field" not in doc and "f_name01" not in str(doc["layout"])
    doc, _ = _op(doc, op="delete", id="f_phone1")
    assert operations.field_doc(doc, "f_phone1") is None
    assert validate("form", doc) == []
    doc, _ = _op(doc, op="restore", id="f_name01")
    assert "deleted" not in operations.field_doc(doc, "f_name01")
    assert _order(doc)[-1] == "f_name01"


def test_deleting_a_section_keeps_its_fields_in_place():
    doc, _ = _op(_doc(), op="delete", id="s_basic1")
    assert _order(doc) == ["f_name01", "f_level1", "f_phone1"]


def test_rules_forget_a_deleted_field():
    doc = _doc()
    doc["rules"] = [{"id": "r_abcd12", "condition": {"field": "f_name01", "op": "not_empty"},
                     "message": "m", "fields": ["f_phone1"]}]
    doc, _ = _op(doc, op="delete", id="f_phone1")
    assert "fields" not in doc["rules"][0]


# ---------------------------------------------------------------- diff


def test_diff_of_the_first_version_lists_every_field():
    changes = domain.diff(None, _doc())
    kinds = [c.kind for c in changes]
    assert kinds == [ChangeKind.FIELD_ADDED] * 3


def test_diff_names_what_changed_field_by_field():
    old = _doc()
    new = copy.deepcopy(old)
    new["fields"][0].update(label="客户全称", required=True)
    new["fields"][1]["config"]["options"] = [{"id": "b", "label": "B 级"},
                                             {"id": "a", "label": "A", "color": "red"},
                                             {"id": "c", "label": "C"}]
    new["fields"][2]["type"] = "text"
    new["fields"][2]["config"] = {"max_length": 20}
    new["fields"].append({"id": "f_mail01", "type": "email", "label": "邮箱", "config": {}})
    new["layout"].append({"kind": "field", "field": "f_mail01"})
    changes = {(c.kind, c.subject): c for c in domain.diff(old, new)}
    assert changes[(ChangeKind.FIELD_RENAMED, "客户全称")].old == "公司名称"
    assert changes[(ChangeKind.REQUIRED, "客户全称")].new is True
    assert changes[(ChangeKind.TYPE_CHANGED, "电话")].old == "phone"
    assert changes[(ChangeKind.SETTINGS, "电话")].new == ["max_length"]
    assert (ChangeKind.FIELD_ADDED, "邮箱") in changes
    options = changes[(ChangeKind.OPTIONS, "级别")].new
    assert options == {"added": ["C"], "removed": [], "renamed": [("B", "B 级")],
                       "recoloured": ["A"], "reordered": True}
    assert ChangeKind.LAYOUT not in {k for k, _ in changes}  # an added field alone is not a move


def test_diff_sees_removal_restore_rules_and_moves():
    old = _doc()
    new, _ = _op(old, op="delete", id="f_name01")
    new, _ = _op(new, op="set_rules", rules=[{"condition": {"field": "f_level1", "op": "eq",
                                                           "value": "a"}, "message": "仅限 A"}])
    new, _ = _op(new, op="move", id="f_phone1", position=0)
    kinds = {c.kind for c in domain.diff(old, new)}
    assert {ChangeKind.FIELD_REMOVED, ChangeKind.RULE_ADDED, ChangeKind.LAYOUT} <= kinds
    back = domain.diff(new, operations.restore(new, "f_name01"))
    assert back[0].kind == ChangeKind.FIELD_RESTORED
    assert domain.diff(old, copy.deepcopy(old)) == []
