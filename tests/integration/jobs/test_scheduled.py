"""Scheduled jobs wait in the database until due, then fire once, even with two workers."""

from __future__ import annotations

import time
from datetime import timedelta

from builder.db import db
from runtime.jobs import outbox
from tests import jobs_support
from tests.integration.jobs.conftest import run_row, wait_status


def test_scheduled_jobs_fire_after_their_time_once_with_two_workers(job_app, fresh_workers):
    fresh_workers.start(job_app, count=2)  # embedded mode has one worker per process
    runs = [outbox.enqueue_in(timedelta(seconds=1), "test.record", f"at-{n}") for n in range(3)]
    runs.append(outbox.enqueue_at(runs[0].run_at + timedelta(seconds=0.5), "test.record", "at-x"))
    db.session.commit()
    assert {run_row(r.id).status for r in runs} <= {"pending", "queued"}

    rows = [wait_status(run.id, "succeeded") for run in runs]

    time.sleep(0.5)  # a second worker firing it too would show up now
    for run, row in zip(runs, rows, strict=True):
        tag = run.args[0]
        assert jobs_support.count(tag) == 1, tag
        done_at = jobs_support.rows(tag)[0].at
        assert done_at >= row.run_at, f"{tag} ran {row.run_at - done_at} early"
        assert row.attempts == 1


def test_a_scheduled_job_waits_in_the_database_not_in_redis(job_app):
    run = outbox.enqueue_in(timedelta(hours=1), "test.record", "much-later")
    db.session.commit()

    row = run_row(run.id)
    assert (row.status, row.dispatched_at) == ("pending", None)
