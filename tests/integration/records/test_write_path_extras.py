"""The write path with read-only fields (system fields, auto-numbers), newer pages and
restoring a record to an earlier version."""

from __future__ import annotations

import pytest

from runtime.records import service
from runtime.records.exceptions import RecordNotFound, ValidationFailed

FIELDS = [
    {"id": "f_name01", "type": "text", "label": "名称", "required": True, "config": {}},
    {"id": "f_level1", "type": "single_select", "label": "级别", "config": {"options": [
        {"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}},
    {"id": "f_serial", "type": "auto_number", "label": "编号", "required": True, "config": {
        "parts": [{"kind": "text", "text": "KH-"}, {"kind": "seq", "width": 3}]}},
    {"id": "f_creby1", "type": "created_by", "label": "创建人", "config": {}},
    {"id": "f_updat1", "type": "updated_at", "label": "更新时间", "config": {}},
]


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_auto_numbers_and_system_fields_are_filled_by_the_write_path(ctx, make_form,
                                                                     make_user):
    form, user = make_form(fields=FIELDS, rules=[]), make_user()
    first = service.create(user, form, {"f_name01": "甲"})
    second = service.create(user, form, {"f_name01": "乙", "f_serial": ""})
    assert (first.values["f_serial"], second.values["f_serial"]) == ("KH-001", "KH-002")
    assert first.values["f_creby1"] == user.id
    assert first.values["f_updat1"] == first.system["updated_at"]
    updated = service.update(user, form, first.id, {"f_level1": "a", "f_serial": ""},
                             expected_version=1)
    assert updated.values["f_serial"] == "KH-001"


def test_typed_values_for_read_only_fields_are_refused(ctx, make_form, make_user):
    form, user = make_form(fields=FIELDS, rules=[]), make_user()
    with pytest.raises(ValidationFailed) as caught:
        service.create(user, form, {"f_name01": "甲", "f_serial": "KH-999", "f_creby1": "7"})
    assert set(caught.value.errors) == {"f_serial", "f_creby1"}


def test_newer_page_is_the_one_just_above_an_id(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    ids = [service.create(user, form, {"f_name01": f"公司{i}"}).id for i in range(5)]
    newer = service.page(user, form, limit=2, after_id=ids[1])
    assert [r.id for r in newer] == [ids[3], ids[2]]


def test_restore_version_applies_old_values_through_update(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    record = service.create(user, form, {"f_name01": "F公司", "f_level1": "a"})
    service.update(user, form, record.id, {"f_level1": "b", "f_phone1": "13812345678"},
                   expected_version=1)
    created = service.history(user, form, record.id)[-1]
    restored = service.restore_version(user, form, record.id, created.id, expected_version=2)
    assert restored.values["f_level1"] == "a" and restored.values["f_phone1"] is None
    assert restored.row_version == 3
    latest = service.history(user, form, record.id)[0]
    assert latest.changes == {"f_level1": ["b", "a"], "f_phone1": ["13812345678", None]}
    with pytest.raises(RecordNotFound):
        service.restore_version(user, form, record.id, latest.id + 100, expected_version=3)
