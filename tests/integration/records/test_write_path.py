"""The one write path: coercion, rules, unique, history, optimistic locking, trash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from runtime.records import service
from runtime.records.exceptions import RecordNotFound, StaleRecord, ValidationFailed


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_create_coerces_and_stores_values(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    record = service.create(user, form, {"f_name01": "  杭州积木科技有限公司 ",
                                         "f_amnt01": "¥12,345.6", "f_level1": "A",
                                         "f_phone1": "138 1234 5678"})
    assert record.values["f_name01"] == "杭州积木科技有限公司"
    assert record.values["f_amnt01"] == Decimal("12345.60")
    assert record.values["f_level1"] == "a"
    assert record.values["f_phone1"] == "13812345678"
    assert record.system["owner_id"] == user.id and record.row_version == 1


def test_errors_name_each_field_and_nothing_is_stored(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    with pytest.raises(ValidationFailed) as caught:
        service.create(user, form, {"f_name01": "", "f_phone1": "12345", "f_amnt01": "-3"})
    errors = caught.value.errors
    assert set(errors) == {"f_name01", "f_phone1", "f_amnt01"}
    assert "11-digit" in errors["f_phone1"][0]
    assert "at least 0" in errors["f_amnt01"][0]
    assert service.page(user, form) == []


def test_conditional_field_is_required_only_when_visible(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    with pytest.raises(ValidationFailed) as caught:
        service.create(user, form, {"f_name01": "A公司", "f_level1": "c"})
    assert list(caught.value.errors) == ["f_reason"]
    record = service.create(user, form, {"f_name01": "A公司", "f_level1": "b",
                                         "f_reason": "should be dropped"})
    assert record.values["f_reason"] is None


def test_cross_field_rule_reports_its_message(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    with pytest.raises(ValidationFailed) as caught:
        service.create(user, form, {"f_name01": "B公司", "f_start1": "2026-03-01",
                                    "f_end001": "2026-02-01"})
    assert caught.value.errors == {"f_end001": ["结束日期不能早于开始日期"]}


def test_unique_after_normalising_company_suffixes(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    service.create(user, form, {"f_name01": "杭州积木科技有限公司"})
    with pytest.raises(ValidationFailed) as caught:
        service.create(user, form, {"f_name01": "杭州积木科技  公司"})
    assert "unique" in caught.value.errors["f_name01"][0]


def test_update_records_history_old_to_new(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    record = service.create(user, form, {"f_name01": "C公司", "f_level1": "a"})
    updated = service.update(user, form, record.id, {"f_level1": "b"}, expected_version=1)
    assert updated.row_version == 2 and updated.values["f_name01"] == "C公司"
    entries = service.history(user, form, record.id)
    assert [e.action for e in entries] == ["update", "create"]
    assert entries[0].changes == {"f_level1": ["a", "b"]}


def test_stale_update_is_refused_and_keeps_the_other_save(ctx, make_form, make_user):
    form, alice, bob = make_form(), make_user(), make_user()
    record = service.create(alice, form, {"f_name01": "D公司"})
    service.update(alice, form, record.id, {"f_level1": "a"}, expected_version=1)
    with pytest.raises(StaleRecord) as caught:
        service.update(bob, form, record.id, {"f_level1": "c", "f_reason": "x"},
                       expected_version=1)
    assert caught.value.current.values["f_level1"] == "a"
    assert service.get(alice, form, record.id).values["f_level1"] == "a"


def test_delete_to_trash_and_restore(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    record = service.create(user, form, {"f_name01": "E公司"})
    service.delete(user, form, record.id)
    with pytest.raises(RecordNotFound):
        service.get(user, form, record.id)
    assert [r.id for r in service.page(user, form, trashed=True)] == [record.id]
    service.create(user, form, {"f_name01": "E有限公司"})  # the name is free again
    with pytest.raises(ValidationFailed):
        service.restore(user, form, record.id)


def test_keyset_pages_are_newest_first(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    ids = [service.create(user, form, {"f_name01": f"公司{i}"}).id for i in range(5)]
    first = service.page(user, form, limit=2)
    second = service.page(user, form, limit=2, before_id=first[-1].id)
    assert [r.id for r in first + second] == ids[::-1][:4]
