"""Job fixtures: an app per queue backend, worker threads or real worker processes.

Backends: "embedded" (fake Redis, worker threads in this process) always, and
"redis" (real Redis at REDIS_URL, `jimu worker`-style subprocesses) when
REDIS_URL is set. With JIMU_REQUIRE_SERVICES=1 a missing REDIS_URL fails the
run at collection (tests/conftest.py) instead of skipping.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from tests import jobs_support
from tests.conftest import REDIS_URL, REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[3]
FAST = {"JIMU_DISPATCH_INTERVAL": 0.3, "JIMU_REDISPATCH_AFTER": 2, "JIMU_JOB_LEASE_SECONDS": 3}


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition",
              interval: float = 0.1):
    """Poll until ``predicate()`` is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def run_row(run_id: int):
    """The job_run row as the database has it now (no session cache)."""
    from builder.db import db
    from runtime.jobs.models import JobRun

    table = JobRun.__table__
    with db.engine.connect() as conn:
        return conn.execute(select(table).where(table.c.id == run_id)).one()


def wait_status(run_id: int, *statuses: str, timeout: float = 20.0):
    """Wait until run ``run_id`` reaches one of ``statuses``; return its row."""
    return wait_for(lambda: (row := run_row(run_id)).status in statuses and row,
                    timeout, f"run {run_id} to become {'/'.join(statuses)}")


@pytest.fixture(scope="module", params=["embedded", "redis"])
def queue_backend(request) -> str:
    """Each job test runs on the embedded queue and, when configured, on real Redis.

    Module scope groups a module's tests by backend, so one set of worker
    processes can serve all of a module's Redis tests (see ``workers``).
    """
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("REDIS_URL is not set (real-Redis job tests skipped)")
    return request.param


@pytest.fixture
def test_jobs():
    """The handlers of tests/jobs_support.py, registered for this test only."""
    jobs_support.register_test_jobs()
    yield
    jobs_support.unregister_test_jobs()


@pytest.fixture
def make_job_app(app, tmp_path, test_jobs):
    """Build an app on the test database with its own queue: ``make_job_app(redis_url)``."""
    from builder.db import db
    from runtime import create_app
    from runtime.jobs import dispatcher, embedded, queue

    contexts = []

    def factory(redis_url: str | None, **overrides):
        own_queue = "JIMU_QUEUE" not in overrides
        config = {
            "TESTING": True, "SERVER_NAME": "jimu.test", "JIMU_EMBEDDED_WORKER": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "JIMU_DATA_DIR": str(tmp_path / "data"), "REDIS_URL": redis_url,
            "JIMU_QUEUE": f"jimu-test-{uuid.uuid4().hex[:8]}", **FAST, **overrides,
        }
        job_app = create_app(config)
        context = job_app.app_context()
        context.push()
        contexts.append((job_app, context, own_queue))
        jobs_support.metadata.create_all(db.engine)
        with db.engine.begin() as conn:
            conn.execute(delete(jobs_support.marks))
        return job_app

    yield factory
    embedded.stop()
    dispatcher.stop_thread()
    queue.reset_embedded()
    for job_app, context, own_queue in reversed(contexts):
        db.session.remove()
        if job_app.config["REDIS_URL"] and own_queue:
            _drop_queue(job_app)
        db.engine.dispose()
        context.pop()


def _drop_queue(job_app) -> None:
    from redis.exceptions import RedisError

    from runtime.jobs import queue

    try:
        queue.get_queue(job_app).delete(delete_jobs=True)
    except RedisError:
        pass


@pytest.fixture
def job_app(make_job_app, queue_backend, workers):
    """An app whose jobs go to this test's queue backend (its context is pushed)."""
    if queue_backend == "redis":
        return make_job_app(REDIS_URL, JIMU_QUEUE=workers.queue)
    return make_job_app(None)


class Workers:
    """Start workers for an app: embedded threads, or real `jimu worker` processes."""

    def __init__(self, tmp_path: Path, queue: str | None = None):
        self.tmp_path = tmp_path
        self.queue = queue
        self.procs: list[subprocess.Popen] = []

    def start(self, job_app, count: int = 1, **env) -> list[subprocess.Popen]:
        """Embedded: start the threads. Redis: spawn ``count`` worker processes."""
        if not job_app.config["REDIS_URL"]:
            from runtime.jobs import embedded, queue

            queue.reset_embedded()
            embedded.start(job_app)
            return []
        missing = count - len(self.alive()) if self.queue else count
        started = [self._spawn(job_app, env) for _ in range(max(missing, 0))]
        self.wait_ready(job_app, len(self.alive()))
        return started

    def _spawn(self, job_app, env: dict) -> subprocess.Popen:
        config = job_app.config
        environment = {
            **os.environ, "PYTHONPATH": str(ROOT), "JIMU_ENV": "development",
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": config["REDIS_URL"],
            "JIMU_QUEUE": config["JIMU_QUEUE"], "JIMU_DATA_DIR": config["JIMU_DATA_DIR"],
            **{k: str(v) for k, v in FAST.items()}, **{k: str(v) for k, v in env.items()},
        }
        log = open(self.tmp_path / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-c", "from tests.jobs_support import main; main()"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def alive(self) -> list[subprocess.Popen]:
        """Worker processes still running."""
        return [p for p in self.procs if p.poll() is None]

    def wait_ready(self, job_app, count: int, timeout: float = 30.0) -> None:
        """Wait until ``count`` RQ workers listen on the app's queue."""
        from rq import Worker

        from runtime.jobs import queue

        rq_queue = queue.get_queue(job_app)
        wait_for(lambda: Worker.count(connection=rq_queue.connection, queue=rq_queue) >= count,
                 timeout, f"{count} worker(s) on {rq_queue.name}\n{self.logs()}")

    def kill(self, proc: subprocess.Popen) -> None:
        """kill -9 a worker and everything in its process group (its RQ scheduler)."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)

    def stop_all(self) -> None:
        """kill -9 every worker: tests need no graceful shutdown, and it is instant."""
        for proc in self.procs:
            self.kill(proc)

    def logs(self) -> str:
        """The workers' output, for failure messages."""
        parts = []
        for path in sorted(self.tmp_path.glob("worker-*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)


@pytest.fixture(scope="module")
def workers(queue_backend, database_url, tmp_path_factory):
    """Workers shared by a module's tests: ``workers.start(job_app)`` starts them once.

    Redis: real worker processes on one queue for the module (reused, stopped
    at the end). Embedded: the threads, started per test and stopped with the app.
    """
    pool = Workers(tmp_path_factory.mktemp("workers"), queue=f"jimu-test-{uuid.uuid4().hex[:8]}")
    yield pool
    pool.stop_all()
    if queue_backend == "redis":
        from redis import Redis
        from rq import Queue

        Queue(pool.queue, connection=Redis.from_url(REDIS_URL)).delete(delete_jobs=True)


@pytest.fixture
def fresh_workers(tmp_path, make_job_app):
    """Worker processes of this test only (to kill, or to count), stopped afterwards."""
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()


@pytest.fixture
def redis_server_binary() -> str:
    """Path of redis-server, for tests that stop and restart their own Redis."""
    import shutil

    path = shutil.which("redis-server")
    if path is None:
        if REQUIRE_SERVICES:
            pytest.fail("redis-server is not installed but JIMU_REQUIRE_SERVICES=1")
        pytest.skip("redis-server is not installed")
    return path
