"""The outbox: rolled-back jobs never run, committed ones run once, retries back off."""

from __future__ import annotations

import time

from builder.db import db
from runtime.jobs import outbox, service
from runtime.jobs.models import JobRun
from tests import jobs_support
from tests.integration.jobs.conftest import wait_status


def test_rolled_back_job_never_runs_and_committed_one_runs_once(job_app, workers):
    workers.start(job_app)
    outbox.enqueue("test.record", "rolled-back")
    db.session.rollback()
    kept = outbox.enqueue("test.record", "committed")
    db.session.commit()

    row = wait_status(kept.id, "succeeded")

    time.sleep(0.5)  # give a duplicate delivery the chance to show up
    assert jobs_support.count("committed") == 1
    assert row.attempts == 1
    assert jobs_support.count("rolled-back") == 0
    assert db.session.scalars(db.select(JobRun.job)).all() == ["test.record"]


def test_failing_job_retries_with_backoff_until_it_succeeds(job_app, workers):
    workers.start(job_app)
    run = outbox.enqueue("test.flaky", "twice", 2)
    db.session.commit()

    row = wait_status(run.id, "succeeded")

    assert row.attempts == 3
    assert jobs_support.count("twice", "attempt") == 3
    assert jobs_support.count("twice") == 1
    attempts = [m.at for m in jobs_support.rows("twice") if m.event == "attempt"]
    # backoff 0.2 s, then 0.4 s: each wait is at least as long as the policy says
    assert (attempts[1] - attempts[0]).total_seconds() >= 0.2
    assert (attempts[2] - attempts[1]).total_seconds() >= 0.4


def test_always_failing_job_gives_up_after_max_attempts(job_app, workers):
    workers.start(job_app)
    run = outbox.enqueue("test.broken", "hopeless")
    db.session.commit()

    row = wait_status(run.id, "failed")

    assert row.attempts == row.max_attempts == 3
    assert jobs_support.count("hopeless", "attempt") == 3
    assert "ValueError: broken hopeless" in row.error
    assert row.finished_at is not None


def test_admin_retry_runs_a_failed_job_again(job_app, workers, make_user):
    admin = make_user(is_admin=True)
    workers.start(job_app)
    run = outbox.enqueue("test.flaky", "comeback", 3)  # fails all 3 attempts, then works
    db.session.commit()
    wait_status(run.id, "failed")

    service.retry_run(admin, run.id)

    row = wait_status(run.id, "succeeded")
    assert row.attempts == 1
    assert jobs_support.count("comeback") == 1
