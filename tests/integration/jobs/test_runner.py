"""The runner by hand: claims make a second run a no-op; enqueue checks its input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from builder.db import db
from runtime.jobs import outbox, runner
from runtime.jobs.models import JobRun
from tests import jobs_support
from tests.integration.jobs.conftest import run_row


def test_each_job_run_twice_by_hand_runs_once(app, test_jobs):
    jobs_support.metadata.create_all(db.engine)
    run = outbox.enqueue("test.record", "by-hand")
    db.session.commit()

    runner.execute(run.id)
    runner.execute(run.id)

    assert jobs_support.count("by-hand") == 1
    row = run_row(run.id)
    assert (row.status, row.attempts) == ("succeeded", 1)


def test_same_run_key_is_recorded_once(app, test_jobs):
    first = outbox.enqueue("test.record", "keyed", run_key="test.record:keyed")
    second = outbox.enqueue("test.record", "keyed", run_key="test.record:keyed")
    db.session.commit()
    again = outbox.enqueue("test.record", "keyed", run_key="test.record:keyed")
    db.session.commit()

    assert first.id == second.id == again.id
    assert db.session.scalar(db.select(db.func.count()).select_from(JobRun)) == 1


def test_a_run_held_by_a_live_worker_is_not_run_again(app, test_jobs):
    jobs_support.metadata.create_all(db.engine)
    run = outbox.enqueue("test.record", "leased")
    db.session.commit()
    claimed = runner._claim(run.id, "another-worker", 60)  # a worker holds the lease

    runner.execute(run.id)

    assert claimed is not None
    assert jobs_support.count("leased") == 0
    assert run_row(run.id).attempts == 1


def test_a_scheduled_run_is_not_run_before_its_time(app, test_jobs):
    jobs_support.metadata.create_all(db.engine)
    run = outbox.enqueue_in(timedelta(minutes=5), "test.record", "later")
    db.session.commit()

    runner.execute(run.id)

    assert jobs_support.count("later") == 0
    assert run_row(run.id).status == "pending"


@pytest.mark.parametrize("bad", [1.5, None, object(), True, "x" * 201])
def test_jobs_take_ids_and_short_strings_only(app, test_jobs, bad):
    with pytest.raises((TypeError, ValueError)):
        outbox.enqueue("test.record", bad)


def test_unknown_job_name_is_refused_at_enqueue(app):
    from runtime.jobs.exceptions import UnknownJob

    with pytest.raises(UnknownJob):
        outbox.enqueue("no.such.job", 1)


def test_embedded_mode_without_a_worker_leaves_runs_pending(app, test_jobs):
    from runtime.jobs import queue

    run = outbox.enqueue("test.record", "nobody-listens")
    db.session.commit()

    assert run_row(run.id).status == "pending"  # not lost in a fake Redis nobody reads
    assert queue.get_queue(app).count == 0
