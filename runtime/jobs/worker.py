"""`jimu worker`: an RQ worker with its scheduler, plus the outbox sweep, on real Redis.

Run as many as the load needs: the database claim makes every run happen once,
whichever worker gets it. Each job runs in a forked work horse (RQ's default),
so a crashing or leaking job cannot take the worker down.
"""

from __future__ import annotations

import logging

from flask import Flask
from rq import Worker

from builder.db import db

from . import dispatcher, queue, runner

log = logging.getLogger(__name__)


class JimuWorker(Worker):
    """RQ's forking worker, with database connections made safe across the fork."""

    #: reconnect quickly after a Redis outage (RQ's default backs off up to 60 s)
    max_connection_wait_time = 5.0

    def main_work_horse(self, job, queue):  # noqa: D102 - RQ hook, runs in the child
        _forget_inherited_connections()
        return super().main_work_horse(job, queue)


def _forget_inherited_connections() -> None:
    """A forked child must not reuse the parent's pooled sockets (SQLAlchemy's advice)."""
    app = runner.get_app()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def run(app: Flask, burst: bool = False) -> bool:
    """Work on JIMU_QUEUE until stopped (or until it is empty, with ``burst``)."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set; the embedded worker runs inside `jimu run`")
    runner.set_app(app)
    with app.app_context():
        db.engine.dispose()  # start the dispatcher and the horses with an empty pool
    if burst:
        with app.app_context():
            dispatcher.sweep(app)
    else:
        dispatcher.start_thread(app)
    worker = JimuWorker([queue.queue_name(app)], connection=queue.new_worker_connection(url))
    log.info("jimu worker %s listening on %s", worker.name, queue.queue_name(app))
    try:
        return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        dispatcher.stop_thread()
