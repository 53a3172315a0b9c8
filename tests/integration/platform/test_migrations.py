"""The Alembic migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from builder.db import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            # record tables and tables that tests make for themselves are not the models'
            "include_name": lambda name, type_, parent: not (
                type_ == "table" and (name.startswith("rec_") or name.startswith("jobs_test_"))),
        })
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `jimu db migrate`: {diff}"
