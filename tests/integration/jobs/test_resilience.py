"""Real failures with real processes: a worker killed mid-job, Redis stopped and emptied."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
import redis

from builder.db import db
from runtime.jobs import dispatcher, outbox
from tests import jobs_support
from tests.conftest import REDIS_URL
from tests.integration.jobs.conftest import run_row, wait_for, wait_status

OUTAGE_SECONDS = float(os.environ.get("JIMU_TEST_OUTAGE_SECONDS", "2"))


@pytest.fixture
def redis_job_app(make_job_app):
    """An app on the shared real Redis (REDIS_URL)."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (real-Redis job tests skipped)")
    return make_job_app(REDIS_URL)


def test_worker_killed_mid_job_reruns_it_exactly_once(redis_job_app, fresh_workers):
    (first,) = fresh_workers.start(redis_job_app)
    run = outbox.enqueue("test.slow", "killed", "1.5")
    db.session.commit()
    started = wait_for(lambda: jobs_support.rows("killed"), what="the job to start")

    os.kill(started[0].pid, signal.SIGKILL)  # the work horse running the job
    fresh_workers.kill(first)  # and the worker (with its scheduler)
    assert run_row(run.id).status == "running"

    fresh_workers.start(redis_job_app)  # restarted: it finds the expired lease
    row = wait_status(run.id, "succeeded", timeout=30)

    time.sleep(0.5)
    assert jobs_support.count("killed", "start") == 2
    assert jobs_support.count("killed", "done") == 1
    assert row.attempts == 2


class PrivateRedis:
    """A redis-server of our own, without persistence, that a test can stop and restart."""

    def __init__(self, binary: str, log_path):
        self.binary = binary
        self.log_path = log_path
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it empty and wait until it answers."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"], stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), 10, "the private Redis to start")
        client.close()

    def stop(self) -> None:
        """Stop it: everything it held is gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_redis(redis_server_binary, tmp_path):
    server = PrivateRedis(redis_server_binary, tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


def test_redis_outage_delays_jobs_and_loses_none(private_redis, make_job_app, fresh_workers):
    app = make_job_app(private_redis.url)
    before = [outbox.enqueue("test.record", f"before-{n}") for n in range(2)]
    db.session.commit()
    assert {run_row(r.id).status for r in before} == {"queued"}  # sent, not yet run

    private_redis.stop()  # loses the queued jobs: no persistence
    outage_started = time.monotonic()
    during = []
    for n in range(3):
        t0 = time.monotonic()
        during.append(outbox.enqueue("test.record", f"during-{n}"))
        db.session.commit()
        assert time.monotonic() - t0 < 1.0, "a commit waited on the dead Redis"
    assert dispatcher.sweep(app) == 0
    assert {run_row(r.id).status for r in during} == {"pending"}
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))

    private_redis.start()  # back, and empty
    fresh_workers.start(app)

    for run in before + during:
        wait_status(run.id, "succeeded", timeout=30)
    time.sleep(0.5)
    for run in before + during:
        assert jobs_support.count(run.args[0]) == 1, run.args[0]
