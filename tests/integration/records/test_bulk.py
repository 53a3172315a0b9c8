"""Bulk writes (COPY on PostgreSQL): rows read back as single creates write them, the
database still enforces unique values, and new ids continue the table's sequence."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from builder.db import db, utcnow
from runtime.records import batch, bulk, service
from runtime.records.batch import RowInput
from runtime.records.models import RecordHistory

from .conftest import ENTRY_FIELDS

INPUT = {"f_name01": "甲公司", "f_level1": "b", "f_phone1": "13812345678",
         "f_start1": "2026-03-01", "f_amnt01": "1,200.5", "f_tags01": ["crm", "erp"],
         "f_notes1": "第一行\n第二行\t“引号” \\ 反斜杠", "f_area01": "330106", "f_vip001": True}


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def _changes(form, record_id: int) -> dict:
    return db.session.scalar(sa.select(RecordHistory.changes).where(
        RecordHistory.form_id == form.form_id, RecordHistory.record_id == record_id))


def test_batch_rows_read_back_as_a_single_create_writes_them(ctx, make_form, make_user):
    form, user = make_form(fields=ENTRY_FIELDS, rules=[]), make_user()
    single = service.create(user, form, INPUT)
    [result] = batch.write(user, form, [RowInput(2, {**INPUT, "f_name01": "乙公司"})])
    assert result.action == "create", result.errors
    copied = service.get(user, form, result.record_id)
    skip = {"f_name01", "f_serial"}
    assert {k: v for k, v in copied.values.items() if k not in skip} == {
        k: v for k, v in single.values.items() if k not in skip}
    assert copied.values["f_tags01"] == ["crm", "erp"] and copied.values["f_vip001"] is True
    assert copied.values["f_notes1"] == INPUT["f_notes1"]
    assert {k: v for k, v in _changes(form, result.record_id).items() if k not in skip} == {
        k: v for k, v in _changes(form, single.id).items() if k not in skip}


def test_the_database_refuses_a_taken_unique_value(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    service.create(user, form, {"f_name01": "甲公司"})
    now, table = utcnow(), form.table
    row = {"created_at": now, "updated_at": now, "row_version": 1, "f_name01": "甲公司",
           "f_name01__u": db.session.scalar(sa.select(table.c.f_name01__u))}
    with pytest.raises(sa.exc.IntegrityError):
        bulk.insert(table, [{**row, "id": i} for i in bulk.new_ids(table, 1)])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 1


def test_a_naive_timestamp_is_refused_as_by_an_insert(ctx, make_form):
    form = make_form()
    naive = datetime(2026, 1, 1, 12, 0)
    with pytest.raises((ValueError, sa.exc.StatementError)):
        bulk.insert(form.table, [{"created_at": naive, "updated_at": naive, "row_version": 1}])
    db.session.rollback()


def test_new_ids_continue_the_table_sequence(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    first = service.create(user, form, {"f_name01": "甲公司"}).id
    batch.write(user, form, [RowInput(2, {"f_name01": "乙公司"}),
                             RowInput(3, {"f_name01": "丙公司"})])
    ids = list(db.session.scalars(sa.select(form.table.c.id).order_by(form.table.c.id)))
    assert ids == [first, first + 1, first + 2]
    assert service.create(user, form, {"f_name01": "丁公司"}).id == first + 3


def test_one_of_matches_as_in_does(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    ids = [service.create(user, form, {"f_name01": name}).id for name in ("甲", "乙", "丙")]
    table = form.table
    found = db.session.scalars(sa.select(table.c.id).where(
        bulk.one_of(table.c.f_name01, ["甲", "丙", "丁"])).order_by(table.c.id))
    assert list(found) == [ids[0], ids[2]]
    assert list(db.session.scalars(sa.select(table.c.id).where(
        bulk.one_of(table.c.id, [])))) == []


def test_columns_left_out_get_their_python_defaults(ctx):
    from runtime.transfer.models import ImportRowError

    bulk.insert(ImportRowError.__table__, [{"run_id": 1, "row_number": 2, "message": "bad"}])
    assert db.session.scalar(sa.select(ImportRowError.cells)) == []
    db.session.rollback()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_chunk_of_unique_values_is_looked_up_in_the_unique_index(ctx, make_form):
    """Not one walk over every live record per chunk (SQLite's guess without statistics;
    PostgreSQL plans this with its statistics, so the test is SQLite's alone)."""
    table = make_form().table
    keys = [f"公司{i}" for i in range(1000)]
    stmt = sa.select(table.c.id).where(bulk.one_of(table.c.f_name01__u, keys), bulk.live(table))
    compiled = stmt.compile(db.engine, compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
    assert any("uq_" in row[-1] for row in plan), plan
