"""Page latency over HTTP: sign-in page, home with N apps, sign-in POST (Argon2)."""

from __future__ import annotations

import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path

from . import benchmark, report
from .http import Browser


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@benchmark("pages")
def pages(rows: int | None) -> None:
    """Home page p50/p95 over HTTP with ``rows`` apps (default 50)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from builder.apps import service as apps
    from builder.db import db
    from runtime import create_app
    from runtime.accounts import service as accounts

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    n_apps = rows or 50
    data = Path(tempfile.mkdtemp(prefix="jimu-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{data / 'jimu.db'}",
                      "JIMU_DATA_DIR": str(data), "REDIS_URL": None})
    with app.app_context():
        upgrade()
        accounts.create_user("bench@example.com", "Bench", "bench password", is_admin=True)
        for i in range(n_apps):
            apps.seed_app(f"app_{i}", f"应用 {i}", "描述", icon="briefcase", color="blue")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    browser = Browser(base)
    t0 = time.perf_counter()
    browser.sign_in("bench@example.com", "bench password")
    report("sign_in_ms", (time.perf_counter() - t0) * 1000, "ms")
    anonymous = Browser(base)
    for name, client, path in (("sign_in_page", anonymous, "/sign-in"), ("home", browser, "/")):
        timings = []
        for _ in range(200):
            t0 = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - t0) * 1000)
        report(f"{name}_p50_ms", statistics.median(timings), "ms")
        report(f"{name}_p95_ms", _percentile(timings, 95), "ms")
    server.shutdown()
