"""The Redis connection and RQ queue: real Redis with REDIS_URL, else one in-process fake.

Embedded mode needs every thread of the process to see the same data, so there is
exactly one ``FakeServer`` and one ``FakeRedis`` per process. Real connections are
cached per URL; redis-py resets its pool by itself after a fork.
"""

from __future__ import annotations

import os
import threading

from flask import Flask, current_app
from redis import Redis
from rq import Queue

_lock = threading.Lock()
_fake: Redis | None = None
_real: dict[str, Redis] = {}
_embedded_worker_running = False

#: connecting must fail fast: a web request waits on it right after commit
CONNECT_TIMEOUT = 2.0
SOCKET_TIMEOUT = 5.0


def embedded_connection() -> Redis:
    """The process-wide fake Redis of the embedded mode."""
    global _fake
    with _lock:
        if _fake is None:
            from fakeredis import FakeRedis, FakeServer

            _fake = FakeRedis(server=FakeServer())
        return _fake


def redis_connection(url: str) -> Redis:
    """A shared client for ``url`` with short connect and socket timeouts."""
    with _lock:
        client = _real.get(url)
        if client is None:
            client = Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT,
                                    socket_timeout=SOCKET_TIMEOUT, health_check_interval=30)
            _real[url] = client
        return client


def new_worker_connection(url: str) -> Redis:
    """A separate client for an RQ worker (it raises the socket timeout for BLPOP)."""
    return Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, health_check_interval=30)


def is_embedded(app: Flask | None = None) -> bool:
    """True when no REDIS_URL is configured."""
    return not (app or current_app).config.get("REDIS_URL")


def connection(app: Flask | None = None) -> Redis:
    """Real Redis when REDIS_URL is set, else the embedded fake."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    return redis_connection(url) if url else embedded_connection()


def queue_name(app: Flask | None = None) -> str:
    """The RQ queue Jimu uses (``JIMU_QUEUE``)."""
    return (app or current_app).config.get("JIMU_QUEUE") or "jimu"


def get_queue(app: Flask | None = None) -> Queue:
    """The RQ queue jobs are sent to."""
    app = app or current_app
    return Queue(queue_name(app), connection=connection(app))


def _new_lock_after_fork() -> None:
    """A forked work horse may inherit the lock held by another thread: start afresh."""
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_after_fork)


def set_embedded_worker_running(running: bool) -> None:
    """Called by :mod:`runtime.jobs.embedded` when its worker starts and stops."""
    global _embedded_worker_running
    _embedded_worker_running = running


def can_send(app: Flask | None = None) -> bool:
    """Is there a consumer for what we send? Redis: always. Embedded: only this process's.

    Without it (e.g. a web process started without `jimu run`) rows stay pending
    in the database for the process that runs the worker, instead of vanishing
    into a fake Redis nobody reads.
    """
    return not is_embedded(app) or _embedded_worker_running


def reset_embedded() -> None:
    """Empty the embedded fake Redis (a fresh process starts empty too)."""
    embedded_connection().flushall()
