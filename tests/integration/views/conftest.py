"""Fixtures for view tests: the records fixtures, and search indexes dropped afterwards."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from builder.db import db
from tests.integration.records.conftest import (  # noqa: F401  (fixtures)
    ENTRY_FIELDS,
    ENTRY_LAYOUT,
    ENTRY_RULES,
    make_form,
    publish_form,
)


@pytest.fixture(autouse=True)
def _drop_search_indexes(app):
    """FTS5 tables outlive their record tables; drop them with the test's tables."""
    yield
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            return
        for name in sa.inspect(conn).get_table_names():
            if name.endswith("_fts"):
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
