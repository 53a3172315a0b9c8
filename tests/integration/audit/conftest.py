"""Fixtures for the audit tests: the organisation tests' fixtures."""

from __future__ import annotations

from tests.integration.org.conftest import (  # noqa: F401
    admin,
    audit_rows,
    client,
    english,
    make_dept,
    post,
    published,
)
