"""Shared fixtures: app (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), client, users.

With JIMU_REQUIRE_SERVICES=1 (set by .ci/run) a backend that is not configured
fails the run instead of being skipped, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import inspect as sa_inspect

REQUIRE_SERVICES = os.environ.get("JIMU_REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")


def _backends() -> list[str]:
    return ["sqlite", "postgresql"]


def pytest_collection_modifyitems(config, items):
    """In CI a missing service is a failure, never a skip."""
    if REQUIRE_SERVICES and (not PG_URL or not REDIS_URL):
        raise pytest.UsageError(
            "JIMU_REQUIRE_SERVICES=1 but TEST_DATABASE_URL or REDIS_URL is not set"
        )


def _pg_url(database: str) -> str:
    url = PG_URL or ""
    url = re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", url)
    return url.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="session", params=_backends())
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A fresh, empty database for this test session, per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'jimu.db'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL tests skipped)")
    name = f"jimu_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    from builder.db import db
    from runtime import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "JIMU_DATA_DIR": str(tmp_path_factory.mktemp("data")),
            "JIMU_EMBEDDED_WORKER": False,
            "SERVER_NAME": "jimu.test",
            # Never pick up CI's REDIS_URL: job tests configure their own queue.
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        _create_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def _create_schema(app) -> None:
    from flask_migrate import upgrade

    upgrade()


@pytest.fixture
def app(_app):
    """The app with an empty database and an application context."""
    from builder.db import db

    with _app.app_context():
        yield _app
        db.session.remove()
        _truncate_all()


def _truncate_all() -> None:
    from builder.db import db

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
        else:
            from runtime.audit import guard

            # the audit log refuses DELETE (triggers); lift that for the cleanup only
            protected = [t.name for t in db.metadata.sorted_tables if t.info.get("append_only")]
            for t in protected:
                guard.uninstall(conn, t)
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            for t in protected:
                guard.install(conn, t)


@pytest.fixture
def client(app):
    """A test client; CSRF stays on, so tests send the token like a browser."""
    return app.test_client()


@pytest.fixture(autouse=True)
def _fresh_g_per_request(request):
    """Give every request its own ``g``, as in production.

    The ``app`` fixture keeps one application context open for the whole test and
    Flask reuses it for the client's requests, so ``g`` (Flask-WTF's CSRF token,
    Flask-Babel's locale, the signed-in user) would leak from one request into the
    next.
    """
    if "app" not in request.fixturenames:
        yield
        return
    from flask import g, request_started

    app = request.getfixturevalue("app")

    def clear(sender, **extra):
        for key in list(g):
            g.pop(key, None)

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """Argon2 with minimal cost: the same code path, a fraction of the time."""
    from argon2 import PasswordHasher

    from runtime.accounts import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("jimu-dummy-password"))


@pytest.fixture
def make_user(app):
    """Create users: ``make_user(email=..., is_admin=True, password=...)``."""
    from builder.db import db
    from runtime.accounts import service

    counter = iter(range(1, 10_000))

    def factory(email: str | None = None, name: str | None = None,
                password: str = "correct horse battery", **kwargs):
        n = next(counter)
        user = service.create_user(email or f"user{n}@example.com", name or f"User {n}",
                                   password, **kwargs)
        db.session.commit()
        return user

    return factory


def csrf_token(client, path: str = "/sign-in") -> str:
    """Fetch a page and read the CSRF token from its form or body attribute."""
    from flask import g, has_app_context

    if has_app_context():
        # The `app` fixture's app context outlives requests, so `g` does too, and
        # Flask-WTF would hand back a token cached in `g` from before the session
        # was rotated at sign-in (the new session lacks it: 400 on the next POST).
        g.pop("csrf_token", None)
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def login_as(client):
    """Sign a user in through the real sign-in form."""

    def do(user, password: str = "correct horse battery"):
        token = csrf_token(client, "/sign-in")
        response = client.post("/sign-in", data={"csrf_token": token, "email": user.email,
                                                 "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return user

    return do


@pytest.fixture
def drop_record_tables(app):
    """Drop every rec_<id> table after the test (form ids are reused between tests).

    The published-form cache trusts (form id, version) never to change meaning,
    which holds until a test empties the database; so it is emptied too.
    """
    from builder.db import db
    from runtime.records import schema

    schema._cache.clear()
    yield
    schema._cache.clear()
    db.session.remove()
    with db.engine.begin() as conn:
        for name in sa_inspect(conn).get_table_names():
            if name.startswith("rec_"):  # IF EXISTS: FTS5 shadow tables go with theirs
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
