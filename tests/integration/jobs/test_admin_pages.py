"""The background-jobs admin page: admins only, filters, escaped errors, retry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from builder.db import db, utcnow
from runtime.jobs import runner
from runtime.jobs.models import JobRun
from tests import jobs_support
from tests.conftest import csrf_token


def _run(job="test.record", status="succeeded", args=("x",), error=None, **extra) -> JobRun:
    run = JobRun(run_key=f"{job}:{args}:{status}:{utcnow().timestamp()}", job=job,
                 args=list(args), status=status, attempts=extra.pop("attempts", 1),
                 max_attempts=3, error=error, **extra)
    db.session.add(run)
    db.session.commit()
    return run


@pytest.fixture
def admin(client, make_user, login_as):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the default language is Chinese
    return login_as(make_user(is_admin=True))


def test_admin_pages_refuse_other_users(client, make_user, login_as):
    make_user(is_admin=True)
    login_as(make_user())
    token = csrf_token(client, "/")

    assert client.get("/admin/jobs/").status_code == 403
    assert client.post("/admin/jobs/1/retry", data={"csrf_token": token}).status_code == 403
    assert client.get("/admin/mail/").status_code == 403
    assert client.get("/admin/mail/1").status_code == 403


def test_job_list_shows_runs_newest_first_with_counts(client, admin, test_jobs):
    _run(args=("older",), created_at=utcnow() - timedelta(minutes=5))
    _run(job="test.broken", status="failed", args=("newer",), attempts=3,
         error="Traceback...\nValueError: <b>always</b> fails", duration_ms=1500)
    html = client.get("/admin/jobs/").get_data(as_text=True)

    assert html.index("newer") < html.index("older")
    assert "3/3" in html and "1.5 s" in html
    assert "&lt;b&gt;always&lt;/b&gt;" in html and "<b>always</b>" not in html
    assert 'name="csrf_token"' in html.split("newer")[-1]  # the failed run has a retry form


def test_job_list_filters_by_status_and_job(client, admin, test_jobs):
    _run(args=("ok-run",))
    _run(job="test.broken", status="failed", args=("bad-run",), error="boom")

    failed = client.get("/admin/jobs/?status=failed").get_data(as_text=True)
    by_job = client.get("/admin/jobs/?job=test.record").get_data(as_text=True)

    assert "bad-run" in failed and "ok-run" not in failed
    assert "ok-run" in by_job and "bad-run" not in by_job


def test_htmx_filter_gets_only_the_table(client, admin, test_jobs):
    _run(args=("frag",))
    response = client.get("/admin/jobs/?status=succeeded", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div id="job-runs"') and "<html" not in html
    assert "frag" in html


def test_unknown_status_filter_is_refused_with_the_allowed_values(client, admin):
    response = client.get("/admin/jobs/?status=bogus")
    assert response.status_code == 422
    assert "succeeded" in response.get_data(as_text=True)


def test_retry_button_sends_a_failed_run_again(client, admin, test_jobs):
    jobs_support.metadata.create_all(db.engine)
    run = _run(job="test.record", status="failed", args=("again",), attempts=3, error="boom",
               run_at=utcnow() - timedelta(hours=1))
    token = csrf_token(client, "/admin/jobs/")

    response = client.post(f"/admin/jobs/{run.id}/retry",
                           data={"csrf_token": token, "next": "/admin/jobs/?status=failed"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/jobs/?status=failed")
    db.session.expire_all()
    fresh = db.session.get(JobRun, run.id)
    assert fresh.status in ("pending", "queued") and fresh.attempts == 0
    assert fresh.run_at > utcnow() - timedelta(minutes=1)
    runner.execute(run.id)
    assert jobs_support.count("again") == 1
    assert "was sent again" in client.get("/admin/jobs/").get_data(as_text=True)


def test_retry_refuses_runs_that_did_not_fail(client, admin, test_jobs):
    run = _run(status="succeeded")
    token = csrf_token(client, "/admin/jobs/")

    response = client.post(f"/admin/jobs/{run.id}/retry", data={"csrf_token": token})
    missing = client.post("/admin/jobs/999999/retry", data={"csrf_token": token})
    forged = client.post(f"/admin/jobs/{run.id}/retry", data={"csrf_token": "forged"})

    assert response.status_code == 422
    assert "Only failed runs" in response.get_data(as_text=True)
    assert missing.status_code == 404
    assert forged.status_code == 400
    db.session.expire_all()
    assert db.session.get(JobRun, run.id).status == "succeeded"


def test_admin_pages_speak_chinese(client, admin, test_jobs):
    from flask_babel import refresh

    _run(job="test.broken", status="failed", error="boom")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    refresh()  # the fixture's app context outlives requests and caches the locale
    jobs = client.get("/admin/jobs/")
    mail = client.get("/admin/mail/")

    assert "后台任务" in jobs.get_data(as_text=True)
    assert "重试" in jobs.get_data(as_text=True) and "失败" in jobs.get_data(as_text=True)
    assert "发件箱" in mail.get_data(as_text=True)
