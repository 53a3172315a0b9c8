"""Pure rules of the job system: ids, backoff, error text. No database, no Redis."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

#: the longest wait between two attempts, whatever the backoff says
MAX_RETRY_DELAY = timedelta(hours=6)
#: how much of a traceback the run log keeps
ERROR_LIMIT = 8000
#: the RQ function every job runs through
RQ_FUNCTION = "runtime.jobs.runner.execute"


def rq_job_id(run_id: int, attempt: int) -> str:
    """The RQ job id for one attempt of one run (a hint only: the database decides)."""
    return f"jobrun-{run_id}-{attempt}"


def retry_delay(backoff: float, attempts: int) -> timedelta:
    """Wait before the next attempt: ``backoff * 2**(attempts-1)`` seconds, capped."""
    exponent = max(attempts - 1, 0)
    if backoff <= 0:
        return timedelta(0)
    seconds = backoff * 2 ** min(exponent, 32)
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def truncate_error(text: str, limit: int = ERROR_LIMIT) -> str:
    """Keep the head and the tail of a long traceback (the tail names the error)."""
    if len(text) <= limit:
        return text
    marker = f"\n... [{len(text) - limit} characters cut] ...\n"
    keep = max(limit - len(marker), 0)
    head = keep // 3
    return text[:head] + marker + text[len(text) - (keep - head):]


def ceil_to_second(moment: datetime) -> datetime:
    """Round up to a whole second: RQ's scheduler stores whole seconds and may fire early."""
    if moment.microsecond == 0:
        return moment
    return moment.replace(microsecond=0) + timedelta(seconds=1)


def error_summary(error: str | None, width: int = 120) -> str:
    """The last non-empty line of a traceback, shortened: what went wrong, in one line."""
    if not error:
        return ""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last if len(last) <= width else last[: width - 1] + "…"


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill (at least one)."""
    return max(1, math.ceil(total / per_page))
