"""Auto-number counters: unique and gap-free under concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from builder.db import db
from builder.fields import Field
from runtime.records.counters import RecordCounter, next_number, next_value

FIELD = Field(id="f_serial01", type="auto_number", label="No.", config={"parts": [
    {"kind": "text", "text": "HT-"}, {"kind": "date", "format": "YYYYMMDD"},
    {"kind": "text", "text": "-"}, {"kind": "seq", "width": 4, "reset": "daily"}]})


@pytest.fixture
def own_engine(app):
    """An engine without a pool, so every thread holds its own connection at once."""
    url = db.engine.url
    args = {"timeout": 30} if url.get_backend_name() == "sqlite" else {}
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=args)
    yield engine
    engine.dispose()


def test_fifty_threads_get_fifty_distinct_gap_free_values(own_engine):
    threads = 50
    ready = threading.Barrier(threads)

    def take(_: int) -> int:
        with own_engine.connect() as conn:
            ready.wait(timeout=60)  # everyone connected: now all ask at the same moment
            with conn.begin():
                return next_value(conn, 7, "f_serial01", "all")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        values = list(pool.map(take, range(threads)))
    assert sorted(values) == list(range(1, threads + 1))
    with own_engine.connect() as conn:
        stored = conn.execute(sa.select(RecordCounter.__table__.c.value)).scalar_one()
    assert stored == threads


def test_a_rolled_back_create_gives_its_number_back(app):
    with db.engine.connect() as conn:
        with conn.begin():
            assert next_value(conn, 7, "f_serial01", "all") == 1
        transaction = conn.begin()
        assert next_value(conn, 7, "f_serial01", "all") == 2
        transaction.rollback()
        with conn.begin():
            assert next_value(conn, 7, "f_serial01", "all") == 2


def test_counters_are_per_form_field_and_period(app):
    with db.engine.begin() as conn:
        assert [next_value(conn, 7, "f_serial01", "all") for _ in range(3)] == [1, 2, 3]
        assert next_value(conn, 8, "f_serial01", "all") == 1
        assert next_value(conn, 7, "f_serial02", "all") == 1
        assert next_value(conn, 7, "f_serial01", "2026") == 1


def test_next_number_restarts_each_day_through_the_session(app):
    numbers = [next_number(db.session, 7, FIELD, day) for day in
               (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 2))]
    db.session.commit()
    assert numbers == ["HT-20260301-0001", "HT-20260301-0002", "HT-20260302-0001"]


@pytest.mark.parametrize(("form_id", "field_id", "key"), [
    (0, "f_serial01", "all"), (7, "serial; drop table x", "all"), (7, "f_serial01", "x' --"),
])
def test_bad_keys_are_refused(app, form_id, field_id, key):
    with pytest.raises(ValueError), db.engine.begin() as conn:
        next_value(conn, form_id, field_id, key)
