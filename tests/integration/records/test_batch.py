"""The batch write path: the same rules as create/update, one transaction per chunk."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from builder.db import db
from runtime.records import batch, service
from runtime.records.batch import RowInput
from runtime.records.models import RecordHistory

from .conftest import CUSTOMER_FIELDS

SERIAL = {"id": "f_serial", "type": "auto_number", "label": "编号", "config": {
    "parts": [{"kind": "text", "text": "KH-"}, {"kind": "seq", "width": 4}]}}
OWNER = {"id": "f_rep001", "type": "member", "label": "负责人", "config": {}}


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def _history_count(form) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecordHistory).where(
        RecordHistory.form_id == form.form_id))


def test_valid_rows_are_created_with_numbers_history_and_coercion(ctx, make_form, make_user):
    form, user = make_form(fields=[*CUSTOMER_FIELDS, SERIAL]), make_user()
    results = batch.write(user, form, [
        RowInput(2, {"f_name01": " 甲公司 ", "f_amnt01": "1,200.5", "f_level1": "b"}),
        RowInput(3, {"f_name01": "乙公司", "f_phone1": "12345"}),
        RowInput(4, {"f_name01": "丙公司", "f_phone1": "+86 138 1234 5678"}),
    ])
    assert [r.action for r in results] == ["create", "error", "create"]
    assert "11-digit" in results[1].errors["f_phone1"][0]
    first = service.get(user, form, results[0].record_id)
    assert first.values["f_name01"] == "甲公司" and first.values["f_amnt01"] == Decimal("1200.50")
    assert first.values["f_serial"] == "KH-0001"
    third = service.get(user, form, results[2].record_id)
    assert third.values["f_serial"] == "KH-0002" and third.values["f_phone1"] == "13812345678"
    assert _history_count(form) == 2
    # the next single create continues the sequence without a gap
    assert service.create(user, form, {"f_name01": "丁公司"}).values["f_serial"] == "KH-0003"


def test_unique_against_records_and_within_the_chunk(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    service.create(user, form, {"f_name01": "杭州积木科技有限公司"})
    results = batch.write(user, form, [
        RowInput(2, {"f_name01": "杭州积木科技"}),
        RowInput(3, {"f_name01": "宁波海运"}),
        RowInput(4, {"f_name01": "宁波海运有限公司"}),
    ])
    assert [r.action for r in results] == ["error", "create", "error"]
    assert "already used" in results[0].errors["f_name01"][0]
    assert "row 3" in results[2].errors["f_name01"][0]


def test_updates_apply_rules_and_unchanged_rows_write_nothing(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    record = service.create(user, form, {"f_name01": "甲公司", "f_level1": "a"})
    before = _history_count(form)
    results = batch.write(user, form, [RowInput(2, {"f_level1": "A"}, record.id)])
    assert results[0].action == "unchanged" and _history_count(form) == before
    results = batch.write(user, form, [RowInput(2, {"f_level1": "c"}, record.id)])
    assert results[0].action == "error" and "f_reason" in results[0].errors
    results = batch.write(user, form, [RowInput(2, {"f_level1": "b"}, record.id)])
    assert results[0].action == "update"
    after = service.get(user, form, record.id)
    assert after.values["f_level1"] == "b" and after.row_version == 2
    entry = service.history(user, form, record.id)[0]
    assert entry.action == "update" and entry.changes == {"f_level1": ["a", "b"]}


def test_members_must_be_active_users(ctx, make_form, make_user):
    form = make_form(fields=[*CUSTOMER_FIELDS, OWNER])
    user, gone = make_user(), make_user()
    gone.is_active = False
    db.session.commit()
    results = batch.write(user, form, [RowInput(2, {"f_name01": "甲", "f_rep001": user.id}),
                                       RowInput(3, {"f_name01": "乙", "f_rep001": gone.id}),
                                       RowInput(4, {"f_name01": "丙", "f_rep001": 999})])
    assert [r.action for r in results] == ["create", "error", "error"]
    assert results[1].errors == {"f_rep001": ["choose an active member"]}


def test_a_failure_inside_the_chunk_leaves_nothing_of_it(ctx, make_form, make_user):
    form, user = make_form(fields=[*CUSTOMER_FIELDS, SERIAL]), make_user()

    def explode(results):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        batch.write(user, form, [RowInput(2, {"f_name01": "甲"}), RowInput(3, {"f_name01": "乙"})],
                    before_commit=explode)
    assert service.page(user, form) == [] and _history_count(form) == 0
    # the reserved numbers went back with the rollback
    results = batch.write(user, form, [RowInput(2, {"f_name01": "甲"})])
    assert results[0].values["f_serial"] == "KH-0001"


def test_dry_run_writes_nothing(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    results = batch.check(user, form, [RowInput(2, {"f_name01": "甲", "f_amnt01": "12"})])
    assert results[0].action == "create" and results[0].values["f_amnt01"] == Decimal("12.00")
    db.session.rollback()
    assert service.page(user, form) == []
