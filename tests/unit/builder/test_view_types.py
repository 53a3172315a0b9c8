"""One contract, checked the same way for every registered view type."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from builder import metadata, views
from builder.fields import Field
from builder.views import domain
from builder.views.base import ViewType

views.register_all()
TYPES = [t.type for t in views.all_types()]
FIELDS = {
    "f_name01": Field("f_name01", "text", "名称", {}),
    "f_amnt01": Field("f_amnt01", "money", "金额", {"scale": 2}),
    "f_stage1": Field("f_stage1", "single_select", "阶段",
                      {"options": [{"id": "a", "label": "A"}]}),
    "f_tags01": Field("f_tags01", "multi_select", "标签", {"options": [{"id": "a", "label": "A"}]}),
}


@pytest.mark.parametrize("type_key", TYPES)
def test_config_schema_and_sample_validate(type_key):
    view_type = views.get(type_key)
    Draft202012Validator.check_schema(view_type.config_schema)
    Draft202012Validator(view_type.config_schema, format_checker=FormatChecker()).validate(
        view_type.sample_config())
    assert list(view_type.check(view_type.sample_config(), FIELDS)) == []


@pytest.mark.parametrize("type_key", TYPES)
def test_a_new_view_of_any_form_is_valid(type_key):
    document = domain.new_document("全部", type_key, list(FIELDS.values()), "f_name01")
    assert metadata.validate("view", document) == []
    assert domain.check_fields(document, FIELDS) == []


@pytest.mark.parametrize("type_key", TYPES)
def test_views_outlive_their_fields(type_key):
    view_type = views.get(type_key)
    config = view_type.sample_config()
    assert view_type.field_ids(config) >= {"f_name01"}
    left = view_type.without(config, {"f_amnt01"})
    assert "f_name01" not in view_type.field_ids(left)
    assert list(view_type.check(left, {"f_amnt01": FIELDS["f_amnt01"]})) == []


def test_a_type_registered_twice_is_refused():
    with pytest.raises(ValueError):
        views.register(views.get("table"))


def test_table_checks_columns_groups_and_totals():
    table = views.get("table")
    config = {"columns": [{"field": "f_name01"}, {"field": "f_name01"}, {"field": "f_gone01"}],
              "group_by": "f_tags01", "totals": {"f_name01": "sum", "f_amnt01": "avg",
                                                 "created_at": "max"}}
    problems = {(e.path, e.rule) for e in table.check(config, FIELDS)}
    assert problems == {("$.config.columns[1].field", "unique"),
                        ("$.config.columns[2].field", "field"), ("$.config.group_by", "field"),
                        ("$.config.totals.f_name01", "field")}


def test_cleaned_drops_what_the_form_lost():
    document = domain.new_document("全部", "table", list(FIELDS.values()), "f_name01")
    document["sort"] = [{"field": "f_gone01"}, {"field": "f_amnt01", "desc": True}]
    document["filter"] = {"all": [{"field": "f_gone01", "op": "eq", "value": "x"}]}
    left = domain.cleaned(document, {"f_amnt01": FIELDS["f_amnt01"]})
    assert left["sort"] == [{"field": "f_amnt01", "desc": True}]
    assert left["filter"] is None and left["filter_dropped"]
    assert [c["field"] for c in left["config"]["columns"]] == ["f_amnt01", "updated_at"]


def test_the_base_type_names_its_hooks():
    with pytest.raises(NotImplementedError):
        ViewType().name()
