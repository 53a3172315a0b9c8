"""Record events into the outbox: one job per subscriber, in the caller's transaction.

Later blocks (automations, flows, webhooks) subscribe job names to event names;
with no subscriber nothing is written.
"""

from __future__ import annotations

from collections import defaultdict

_subscribers: dict[str, list[str]] = defaultdict(list)


def subscribe(event: str, job: str) -> None:
    """Run ``job(form_id, record_id)`` after every ``event``."""
    if job in _subscribers[event]:
        raise ValueError(f"{job!r} already subscribes to {event!r}")
    _subscribers[event].append(job)


def unsubscribe(event: str, job: str) -> None:
    """Stop running ``job`` after ``event``."""
    _subscribers[event].remove(job)


def emit(event: str, form_id: int, record_id: int) -> None:
    """Write an outbox job for each subscriber of ``event`` (no commit)."""
    from ..jobs.outbox import enqueue

    for job in _subscribers.get(event, []):
        enqueue(job, form_id, record_id)
