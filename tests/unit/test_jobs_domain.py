"""Pure job rules: ids, backoff, error text, links in mail bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runtime.jobs import domain
from runtime.mail.domain import text_segments


def test_rq_job_id_names_run_and_attempt():
    assert domain.rq_job_id(42, 3) == "jobrun-42-3"


@pytest.mark.parametrize(("backoff", "attempts", "seconds"),
                         [(10, 1, 10), (10, 2, 20), (10, 3, 40), (0.2, 2, 0.4), (0, 5, 0)])
def test_retry_delay_doubles_per_attempt(backoff, attempts, seconds):
    assert domain.retry_delay(backoff, attempts) == timedelta(seconds=seconds)


def test_retry_delay_is_capped():
    assert domain.retry_delay(30, 200) == domain.MAX_RETRY_DELAY


def test_truncate_error_keeps_head_and_tail():
    text = "head\n" + "x" * 20_000 + "\nValueError: the reason"
    cut = domain.truncate_error(text, limit=1000)
    assert len(cut) <= 1000
    assert cut.startswith("head") and cut.endswith("ValueError: the reason")
    assert "characters cut" in cut
    assert domain.truncate_error("short") == "short"


def test_ceil_to_second_never_rounds_down():
    moment = datetime(2026, 1, 1, 12, 0, 0, 1, tzinfo=UTC)
    assert domain.ceil_to_second(moment) == datetime(2026, 1, 1, 12, 0, 1, tzinfo=UTC)
    whole = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert domain.ceil_to_second(whole) == whole


def test_error_summary_is_the_last_line():
    assert domain.error_summary("Traceback\n  File x\nKeyError: 'a'\n\n") == "KeyError: 'a'"
    assert domain.error_summary(None) == ""
    assert len(domain.error_summary("E" * 500)) == 120


def test_page_count():
    assert [domain.page_count(n, 50) for n in (0, 1, 50, 51)] == [1, 1, 1, 2]


def test_text_segments_make_only_web_links_clickable():
    text = "Open https://x.test/reset?t=1. Or javascript:alert(1) <b>"
    assert text_segments(text) == [("Open ", False), ("https://x.test/reset?t=1", True),
                                   (". Or javascript:alert(1) <b>", False)]
    assert text_segments("链接：http://a.test/b。谢谢") == [
        ("链接：", False), ("http://a.test/b", True), ("。谢谢", False)]
    assert text_segments("") == []
