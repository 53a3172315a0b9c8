"""UTCDateTime reads SQLite's text timestamps as aware UTC datetimes, any form it meets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from builder.db import UTCDateTime

READ = UTCDateTime().result_processor(sqlite.dialect(), None)


@pytest.mark.parametrize(("stored", "expected"), [
    ("2026-03-01 06:30:15.123456", datetime(2026, 3, 1, 6, 30, 15, 123456, tzinfo=UTC)),
    ("2026-03-01 06:30:15", datetime(2026, 3, 1, 6, 30, 15, tzinfo=UTC)),
    ("2026-03-01 06:30:15.000000+00:00", datetime(2026, 3, 1, 6, 30, 15, tzinfo=UTC)),
    ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
])
def test_sqlite_text_becomes_an_aware_utc_datetime(stored, expected):
    value = READ(stored)
    assert value == expected and value.utcoffset().total_seconds() == 0


def test_null_stays_null():
    assert READ(None) is None


def test_postgresql_values_are_turned_to_utc():
    read = UTCDateTime().result_processor(postgresql.dialect(), None)
    aware = datetime.fromisoformat("2026-03-01T14:30:00+08:00")
    assert read(aware) == aware and read(aware).tzinfo == UTC
