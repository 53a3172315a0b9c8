"""The embedded queue: the same RQ code in threads of the web process, on a fake Redis.

Three daemon threads: an RQ ``SimpleWorker`` (no fork: a forked child would get a
copy of the fake server and its results would be lost), RQ's scheduler loop (RQ
would fork it too, and the copy would never see new scheduled jobs), and the
outbox sweep. Signal handlers can only be installed from the main thread, so
the worker and scheduler skip that, and job timeouts use ``TimerDeathPenalty``.
These overrides touch RQ internals: rq is pinned to one minor version and
tests/integration/jobs covers this mode.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from flask import Flask
from rq import SimpleWorker
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty
from rq.worker.base import StopRequested

from . import dispatcher, queue, runner

log = logging.getLogger(__name__)

#: worker_ttl 16 gives a 1 s blocking dequeue, so stopping takes at most a second
WORKER_TTL = 16


class ThreadWorker(SimpleWorker):
    """RQ's in-process worker, adapted to live in a non-main thread."""

    death_penalty_class = TimerDeathPenalty

    def __init__(self, *args, stop_event: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop_event = stop_event

    def _install_signal_handlers(self) -> None:
        """Signals belong to the web server's main thread."""

    def subscribe(self) -> None:
        """No pub/sub commands: RQ's shutdown command would kill the whole web process."""

    def unsubscribe(self) -> None:
        """Nothing was subscribed."""

    def procline(self, message: str) -> None:
        """Leave the web server's process title alone."""

    def heartbeat(self, *args, **kwargs):
        """Called between blocking dequeues: the place to notice a stop request."""
        if self.stop_event.is_set():
            raise StopRequested()
        return super().heartbeat(*args, **kwargs)


class ThreadScheduler(RQScheduler):
    """RQ's scheduler loop, run in a thread on the shared fake Redis."""

    def __init__(self, *args, stop_event: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop_event = stop_event

    def _install_signal_handlers(self) -> None:
        """Signals belong to the web server's main thread."""

    def work(self) -> None:
        """RQ's loop (``RQScheduler.work``), sleeping on an event so it stops at once."""
        self.register_birth()
        while not self.stop_event.is_set():
            if self.should_reacquire_locks:
                self.acquire_locks()
            self.heartbeat()
            self.enqueue_scheduled_jobs()
            self.stop_event.wait(self.interval)
        self.stop()


def wake() -> None:
    """A no-op job: sent on stop so the worker leaves its blocking dequeue at once."""


@dataclass
class Embedded:
    """The running threads, so tests and shutdown can stop them."""

    worker: ThreadWorker
    worker_thread: threading.Thread
    scheduler: ThreadScheduler
    scheduler_thread: threading.Thread
    sweeper: dispatcher.Sweeper
    stop_event: threading.Event

    def stop(self, timeout: float = 5.0) -> None:
        """Stop all three threads and wait for them."""
        self.stop_event.set()
        dispatcher.stop_thread()
        try:
            self.worker.queues[0].enqueue(wake, result_ttl=0)
        except Exception:  # stopping must not fail; the worker then stops within a second
            log.debug("could not wake the embedded worker", exc_info=True)
        self.worker_thread.join(timeout)
        self.scheduler_thread.join(timeout)


_running: Embedded | None = None
_lock = threading.Lock()


def start(app: Flask) -> Embedded:
    """Start the embedded worker, scheduler and sweep once per process."""
    global _running
    with _lock:
        if _running is not None:
            return _running
        runner.set_app(app)
        queue.set_embedded_worker_running(True)
        _resend_lost_on_start(app)
        connection = queue.embedded_connection()
        name = queue.queue_name(app)
        stop_event = threading.Event()
        worker = ThreadWorker([name], connection=connection, worker_ttl=WORKER_TTL,
                              stop_event=stop_event)
        worker_thread = threading.Thread(target=_work, args=(worker,), name="jimu-worker",
                                         daemon=True)
        scheduler = ThreadScheduler([name], connection=connection, interval=1,
                                    logging_level=logging.WARNING, stop_event=stop_event)
        scheduler._connection = connection  # share the fake server, never a copy of it
        scheduler_thread = threading.Thread(target=_schedule, args=(scheduler,),
                                            name="jimu-scheduler", daemon=True)
        worker_thread.start()
        scheduler_thread.start()
        sweeper = dispatcher.start_thread(app)
        _running = Embedded(worker, worker_thread, scheduler, scheduler_thread, sweeper,
                            stop_event)
        return _running


def stop() -> None:
    """Stop the embedded threads (tests; the process exiting stops them anyway)."""
    global _running
    with _lock:
        running, _running = _running, None
    if running is not None:
        running.stop()
        queue.set_embedded_worker_running(False)
        runner.set_app(None)


def _resend_lost_on_start(app: Flask) -> None:
    """This process's fake Redis starts empty: queued rows of a previous run were lost."""
    try:
        with app.app_context():
            dispatcher.sweep(app, redispatch_after=0)
    except Exception:
        log.exception("could not re-send queued job runs at start")


def _work(worker: ThreadWorker) -> None:
    """Keep the worker loop alive: RQ leaves it on unexpected errors."""
    while not worker.stop_event.is_set():
        try:
            worker.work(logging_level="WARNING")
        except Exception:
            log.exception("the embedded job worker stopped; restarting it")
        if not worker.stop_event.wait(1.0):
            log.warning("the embedded job worker left its loop; restarting it")


def _schedule(scheduler: ThreadScheduler) -> None:
    """Keep the scheduler loop alive: without it, runs sent for later never fire."""
    while not scheduler.stop_event.is_set():
        try:
            scheduler.work()
        except Exception:
            log.exception("the embedded job scheduler stopped; restarting it")
            scheduler.stop_event.wait(1.0)
