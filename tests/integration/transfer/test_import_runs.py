"""The import job: chunks commit whole or not at all, a retry resumes after the last one,
"update existing" is idempotent, and a cancel stops between chunks."""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builder.db import db, utcnow
from runtime.jobs import runner
from runtime.jobs.models import JobRun
from runtime.records import batch
from runtime.records.models import RecordHistory
from runtime.transfer import importer, service
from runtime.transfer.models import ImportRun, ImportStatus
from tests.transfer_files import csv_bytes

from .conftest import Upload, do_import, records_of, run_import_job

HEADER = ["公司名称", "级别", "金额"]


def _rows(n: int, level: str = "A"):
    return [[f"公司{i:02d}", level, str(i * 100)] for i in range(1, n + 1)]


def _history(target) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecordHistory).where(
        RecordHistory.form_id == target.published.form_id))


def _job(run_id: int) -> JobRun:
    return db.session.scalar(sa.select(JobRun).where(
        JobRun.run_key == f"transfer.import:{run_id}"))


def _started(target, user, data: bytes, **options) -> ImportRun:
    run = service.upload(user, target, Upload("c.csv", data))
    service.save_mapping(user, target, run, run.mapping, ["f_name01"],
                         options.get("duplicates", "skip"), True)
    return service.start(user, target, run)


def test_a_failing_chunk_leaves_earlier_chunks_and_nothing_of_itself(ctx, customers,
                                                                      monkeypatch):
    target, user = customers
    monkeypatch.setattr(importer, "CHUNK_SIZE", 3)
    real, calls = batch._history, []

    def fail_third(*args, **kwargs):
        calls.append(1)
        real(*args, **kwargs)  # the chunk's rows and history are written ...
        if len(calls) == 3:
            raise RuntimeError("disk full")  # ... and then the chunk fails before commit

    monkeypatch.setattr(batch, "_history", fail_third)
    run = _started(target, user, csv_bytes([HEADER, *_rows(10)]))
    run_import_job(run.id)
    run = db.session.get(ImportRun, run.id)
    assert [r["f_name01"] for r in records_of(target)] == [f"公司{i:02d}" for i in range(1, 7)]
    assert _history(target) == 6
    assert (run.rows_done, run.chunks_done, run.created, run.last_row) == (6, 2, 6, 7)
    assert run.status == ImportStatus.RUNNING and _job(run.id).status == "retrying"
    assert gc.get_freeze_count() == 0  # the job hands the heap back to the collector

    # The retry resumes after the last committed chunk: nothing is imported twice.
    monkeypatch.setattr(batch, "_history", real)
    db.session.execute(sa.update(JobRun).where(JobRun.id == _job(run.id).id)
                       .values(run_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    runner.execute(_job(run.id).id)
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    assert run.status == ImportStatus.DONE and (run.created, run.rows_done) == (10, 10)
    assert len(records_of(target)) == 10 and _history(target) == 10


def test_a_unique_value_taken_meanwhile_fails_that_row_only(ctx, customers, monkeypatch):
    target, user = customers
    real, calls = batch._check_unique, []

    def blind_once(form, results):
        calls.append(1)
        if len(calls) > 1:
            real(form, results)  # the first attempt misses a value another writer just took

    monkeypatch.setattr(batch, "_check_unique", blind_once)
    from runtime.records import service as records

    records.create(user, target.published, {"f_name01": "公司02"})
    run = do_import(target, user, "c.csv", csv_bytes([HEADER, *_rows(3)]), keys=[])
    assert (run.created, run.failed) == (2, 1) and len(calls) == 2
    assert len(records_of(target)) == 3


def test_updating_existing_records_is_idempotent(ctx, customers):
    target, user = customers
    data = csv_bytes([HEADER, *_rows(4)])
    first = do_import(target, user, "c.csv", data, duplicates="update")
    assert first.created == 4
    history, before = _history(target), records_of(target)

    again = do_import(target, user, "c.csv", data, duplicates="update")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert records_of(target) == before and _history(target) == history

    changed = [[r[0], "B" if r[0] == "公司03" else r[1], r[2]] for r in _rows(4)]
    third = do_import(target, user, "c.csv", csv_bytes([HEADER, *changed]), duplicates="update")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 3)
    rows = {r["f_name01"]: r for r in records_of(target)}
    assert rows["公司03"]["f_level1"] == "b" and rows["公司03"]["row_version"] == 2
    assert _history(target) == history + 1


def test_skip_and_create_anyway(ctx, customers):
    target, user = customers
    do_import(target, user, "c.csv", csv_bytes([HEADER, *_rows(2)]))
    skipped = do_import(target, user, "c.csv", csv_bytes([HEADER, *_rows(3)]))
    assert (skipped.created, skipped.skipped) == (1, 2)
    # "create anyway" still obeys the unique rule on the name
    anyway = do_import(target, user, "c.csv", csv_bytes([HEADER, *_rows(1)]),
                       duplicates="create")
    assert (anyway.created, anyway.failed) == (0, 1)


def test_cancel_stops_between_chunks_and_keeps_what_is_committed(ctx, customers, monkeypatch):
    target, user = customers
    monkeypatch.setattr(importer, "CHUNK_SIZE", 2)
    real = importer.commit_chunk

    def then_cancel(actor, settings, run_id, rows, seen):
        outcome = real(actor, settings, run_id, rows, seen)
        with db.engine.begin() as connection:  # the person clicks "Cancel" meanwhile
            connection.execute(sa.update(ImportRun.__table__).where(
                ImportRun.__table__.c.id == run_id).values(cancel_requested=True))
        return outcome

    monkeypatch.setattr(importer, "commit_chunk", then_cancel)
    rows = _rows(6)
    rows[1][1] = "Z"  # an error in the first chunk
    run = _started(target, user, csv_bytes([HEADER, *rows]))
    run_import_job(run.id)
    run = db.session.get(ImportRun, run.id)
    assert run.status == ImportStatus.CANCELLED and (run.created, run.failed) == (1, 1)
    assert len(records_of(target)) == 1 and run.error_file


def test_cancel_before_the_job_starts(ctx, customers):
    target, user = customers
    run = _started(target, user, csv_bytes([HEADER, *_rows(3)]))
    service.cancel(user, target, run)
    run_import_job(run.id)
    assert db.session.get(ImportRun, run.id).status == ImportStatus.CANCELLED
    assert records_of(target) == []


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_a_finished_run_is_not_run_again(ctx, customers, status):
    target, user = customers
    run = do_import(target, user, "c.csv", csv_bytes([HEADER, *_rows(2)]))
    if status == "cancelled":
        run.status = status
        db.session.commit()
    from runtime.transfer import jobs

    jobs.run_import(run.id)
    assert len(records_of(target)) == 2


def test_a_large_workbook_is_read_by_a_separate_process(ctx, customers, monkeypatch):
    from runtime.transfer import readers
    from tests.transfer_files import xlsx

    target, user = customers
    monkeypatch.setattr(readers, "BACKGROUND_ROWS", 0)
    monkeypatch.setattr(importer, "CHUNK_SIZE", 2)
    rows = [[f"公司{i:02d}", "A", None] for i in range(1, 8)]
    run = do_import(target, user, "c.xlsx", xlsx([HEADER, *rows], merges=["B2:B8"]))
    assert run.status == ImportStatus.DONE and run.created == 7
    assert {r["f_level1"] for r in records_of(target)} == {"a"}
