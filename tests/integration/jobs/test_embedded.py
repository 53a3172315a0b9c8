"""Embedded mode: RQ's worker and scheduler in threads of this process, on fake Redis."""

from __future__ import annotations

from datetime import timedelta

from builder.db import db, utcnow
from runtime.jobs import embedded, outbox
from runtime.jobs.models import JobRun
from tests import jobs_support
from tests.integration.jobs.conftest import wait_status


def test_embedded_worker_runs_committed_and_scheduled_jobs(make_job_app):
    app = make_job_app(None)
    first = embedded.start(app)
    assert embedded.start(app) is first  # once per process

    now_run = outbox.enqueue("test.record", "now")
    later = outbox.enqueue_in(timedelta(seconds=1), "test.record", "later")
    db.session.commit()

    wait_status(now_run.id, "succeeded", timeout=5)
    row = wait_status(later.id, "succeeded", timeout=6)
    assert jobs_support.rows("later")[0].at >= row.run_at
    assert jobs_support.count("now") == jobs_support.count("later") == 1


def test_embedded_start_resends_runs_a_previous_process_had_queued(make_job_app):
    app = make_job_app(None)
    run = JobRun(run_key="lost-in-restart", job="test.record", args=["restart"],
                 status="queued", dispatched_at=utcnow(), max_attempts=3)
    db.session.add(run)
    db.session.flush()
    run_id = run.id
    db.session.commit()

    embedded.start(app)

    wait_status(run_id, "succeeded", timeout=5)
    assert jobs_support.count("restart") == 1
