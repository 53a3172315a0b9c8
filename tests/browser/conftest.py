"""Browser tests: a live Jimu on a free port, driven by the system Chromium via Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("JIMU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(items):
    """Everything under tests/browser is a browser test."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page at desktop size."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@dataclass
class LiveServer:
    """A running Jimu and its app object."""

    url: str
    app: object


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """Serve a fresh SQLite-backed Jimu in a thread for the whole browser session."""
    from flask_migrate import upgrade

    from runtime import create_app

    data = tmp_path_factory.mktemp("browser-data")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data / 'jimu.db'}",
        "JIMU_DATA_DIR": str(data),
        "JIMU_EMBEDDED_WORKER": False,
        "REDIS_URL": None,
    })
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def make_account(live_server):
    """Create a user in the live server's database."""
    from builder.db import db
    from runtime.accounts import service

    def factory(email: str, name: str = "Test User", is_admin: bool = False):
        with live_server.app.app_context():
            user = service.find_user_by_email(email)
            if user is None:
                user = service.create_user(email, name, PASSWORD, is_admin=is_admin)
                db.session.commit()
            return email

    return factory


@pytest.fixture
def sign_in(live_server):
    """Sign in through the real form in the given page."""

    def do(page, email: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/sign-in")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")

    return do
