"""Screenshots of every page in zh and en, desktop and phone: ``make screenshots``.

Writes PNG files to ./screenshots/ (git-ignored) so a person can look at them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

SIZES = {"desktop": (1280, 860), "phone": (390, 844)}
ANONYMOUS = [("sign-in", "/sign-in"), ("forgot-password", "/forgot-password")]
SIGNED_IN = [
    ("home", "/"),
    ("app-home", "/a/crm"),
    ("app-new", "/build/apps/new"),
    ("app-edit", "/build/apps/crm/edit"),
    ("trash", "/build/apps/trash"),
    ("users", "/admin/users"),
    ("user-invite", "/admin/users/invite"),
    ("jobs", "/admin/jobs"),
    ("mail", "/admin/mail"),
    ("change-password", "/account/password"),
    ("designer", "/build/apps/crm/forms/customer"),
    ("entry", "/a/crm/customer/new"),
    ("records", "/a/crm/customer"),
    ("error-404", "/no/such/page"),
]


def _serve(data_dir: Path):
    from flask_migrate import upgrade

    from runtime import create_app
    from runtime.demo import seed_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'jimu.db'}",
                      "JIMU_DATA_DIR": str(data_dir), "REDIS_URL": None})
    with app.app_context():
        upgrade()
        seed_demo()
    from runtime.jobs import embedded

    embedded.start(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    """Take every screenshot."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--only", help="substring of page names to take")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="jimu-shots-"))
    server = _serve(data_dir)
    base = f"http://127.0.0.1:{server.server_port}"
    admin = next(c for c in json.loads((data_dir / "demo-credentials.json").read_text())
                 if c["admin"])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang, header in (("zh", "zh-CN,zh;q=0.9"), ("en", "en")):
            for size, (w, h) in SIZES.items():
                ctx = browser.new_context(viewport={"width": w, "height": h},
                                          extra_http_headers={"Accept-Language": header},
                                          device_scale_factor=1)
                page = ctx.new_page()
                for name, path in ANONYMOUS:
                    _shot(page, base + path, out / f"{name}-{lang}-{size}.png", args.only, name)
                page.goto(base + "/sign-in")
                page.fill("input[name=email]", admin["email"])
                page.fill("input[name=password]", "wrong password")
                page.click("button[type=submit]")
                _shot(page, None, out / f"sign-in-error-{lang}-{size}.png", args.only,
                      "sign-in-error")
                page.fill("input[name=password]", admin["password"])
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                for name, path in SIGNED_IN:
                    _shot(page, base + path, out / f"{name}-{lang}-{size}.png", args.only, name)
                ctx.close()
        browser.close()
    server.shutdown()
    print(f"screenshots written to {out.resolve()}")


def _shot(page, url, path: Path, only: str | None, name: str) -> None:
    if only and only not in name:
        return
    if url:
        page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=True)


if __name__ == "__main__":
    main()
