"""``python -m bench records [--rows N]``: the opportunity form at scale.

Prints query_ms, hand_sql_ms, query_ratio (query layer vs hand-written SQL on the
same connection), list_page_p50_ms (HTTP, real server process), create_per_s
(HTTP entry form, sequential) and peak_rss_mib (of the server process). Uses
SQLite in a temporary data directory, or PostgreSQL when DATABASE_URL is set: a
schema of its own in that database (dropped at the end), so existing tables are
never touched and runs can follow each other.

What ``create_per_s`` counts: one create is one POST of the entry form as the
browser sends it ("save and add another": every field, the CSRF token, the
session cookie) through the whole stack (session and user lookup, CSRF check,
validation, the one write path with its history row and outbox events in one
transaction, the flash message and the 303 answer). The page the answer
redirects to is not fetched: showing the empty form again is a page view like
any other, not part of saving. A client that never reads those pages must not
pile flash messages up in the cookie; the session keeps only the newest few
(runtime/shell/sessions.py), so every POST here carries a cookie of the same
size. ``create_with_redirect_per_s`` also fetches each redirect target, as a
browser does, for comparison.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from . import benchmark, report
from .http import Browser, peak_rss_mib, wait_for

STAGES = ["new", "contact", "need", "quote", "negotiate", "won", "lost"]
REGIONS = ["east", "south", "north", "west", "central"]


CUSTOMERS = 1000


def customer_document() -> dict:
    """The customer form the opportunities link to."""
    fields = [{"id": "f_cname1", "type": "text", "label": "公司名称", "required": True,
               "config": {}}]
    return {"schema_version": 1, "key": "customer", "name": "客户", "fields": fields,
            "layout": [{"kind": "field", "field": "f_cname1"}], "rules": [],
            "title_field": "f_cname1"}


def opportunity_document(key: str = "opportunity", customer_form: int | None = None) -> dict:
    """A CRM opportunity form: name, stage, amount, region, owner, close date, customer."""
    options = lambda ids: [{"id": i, "label": i.title()} for i in ids]  # noqa: E731
    fields = [
        {"id": "f_name01", "type": "text", "label": "商机名称", "required": True, "config": {}},
        {"id": "f_stage1", "type": "single_select", "label": "阶段", "indexed": True,
         "config": {"options": options(STAGES)}},
        {"id": "f_amnt01", "type": "decimal", "label": "金额", "config": {"scale": 2}},
        {"id": "f_regn01", "type": "single_select", "label": "区域",
         "config": {"options": options(REGIONS)}},
        {"id": "f_close1", "type": "date", "label": "预计成交", "indexed": True, "config": {}},
        {"id": "f_ownr01", "type": "member", "label": "负责人", "config": {}},
    ]
    if customer_form is not None:
        fields.append({"id": "f_cust01", "type": "link", "label": "客户",
                       "config": {"form": customer_form, "display_field": "f_cname1"}})
    return {"schema_version": 1, "key": key, "name": "商机", "fields": fields,
            "layout": [{"kind": "field", "field": f["id"]} for f in fields], "rules": [],
            "indexes": [{"id": "i_stgreg1", "fields": ["f_stage1", "f_regn01", "f_close1"]}]}


def _setup(data_dir: Path, database_url: str | None):
    from flask_migrate import upgrade

    from builder.apps import service as apps
    from builder.db import db
    from builder.forms import service as forms
    from runtime import create_app
    from runtime.accounts import service as accounts

    config = {"JIMU_DATA_DIR": str(data_dir), "REDIS_URL": None,
              "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{data_dir / 'jimu.db'}"}
    app = create_app(config)
    with app.test_request_context():
        upgrade()
        admin = accounts.create_user("bench@example.com", "Bench", "bench password",
                                     is_admin=True)
        crm = apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")
        db.session.commit()
        customers = forms.create_form(admin, crm, "客户", key="customer")
        forms.save_draft(admin, customers, customer_document(),
                         revision=customers.draft_revision)
        forms.publish(admin, customers)
        _seed_customers(customers.id)
        form = forms.create_form(admin, crm, "商机", key="opportunity")
        forms.save_draft(admin, form, opportunity_document(customer_form=customers.id),
                         revision=form.draft_revision)
        version = forms.publish(admin, form)
        return app, config, form.id, version.version, version.document


def _seed_customers(form_id: int) -> None:
    import sqlalchemy as sa

    from builder.db import db, utcnow
    from runtime.records.storage import table_name

    table = sa.Table(table_name(form_id), sa.MetaData(), autoload_with=db.engine)
    now = utcnow()
    db.session.execute(table.insert(), [
        {"created_at": now, "updated_at": now, "row_version": 1, "owner_id": 1,
         "f_cname1": f"客户 {n:04d} 有限公司"} for n in range(CUSTOMERS)])
    db.session.commit()


def insert_rows(app, table, rows: Iterable[dict]) -> float:
    """Bulk-insert generated rows in batches of 10,000, then ANALYZE; the seconds it took."""
    from builder.db import db

    start = time.perf_counter()
    with app.app_context(), db.engine.begin() as conn:
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 10_000:
                conn.execute(table.insert(), batch)
                batch.clear()
        if batch:
            conn.execute(table.insert(), batch)
        conn.exec_driver_sql(f"ANALYZE {table.name}" if conn.dialect.name == "postgresql"
                             else "ANALYZE")
    return time.perf_counter() - start


def opportunity_row(rng: random.Random, name: str) -> dict:
    """The generated values of one opportunity (system columns included)."""
    from builder.db import utcnow

    now = utcnow()
    return {"created_at": now, "updated_at": now, "row_version": 1, "owner_id": 1,
            "f_name01": name, "f_stage1": rng.choice(STAGES),
            "f_amnt01": rng.randint(1000, 10_000_000) / 100, "f_regn01": rng.choice(REGIONS),
            "f_close1": date(2026, 1, 1) + timedelta(days=rng.randint(0, 700))}


def _bulk_insert(app, published, rows: int) -> float:
    rng = random.Random(7)
    return insert_rows(app, published.table, (
        dict(opportunity_row(rng, f"商机 {i}"), f_ownr01=1, f_cust01=rng.randint(1, CUSTOMERS))
        for i in range(rows)))


def _query_figures(app, published) -> tuple[float, float]:
    from builder.db import db
    from runtime.accounts.models import User
    from runtime.records import query

    cond = {"all": [{"field": "f_stage1", "op": "eq", "value": "quote"},
                    {"field": "f_regn01", "op": "eq", "value": "east"}]}
    name = published.table.name
    hand = (f"SELECT * FROM {name} WHERE deleted_at IS NULL AND f_stage1 = :s AND f_regn01 = :r "
            "ORDER BY f_close1 DESC, id DESC LIMIT 50")
    hand_count = (f"SELECT count(*) FROM {name} WHERE deleted_at IS NULL AND f_stage1 = :s "
                  "AND f_regn01 = :r")
    layer, raw = [], []
    with app.test_request_context():
        actor = db.session.get(User, 1)
        for _ in range(5):
            query.query(actor, published, cond, sort=[("f_close1", True)])
        conn = db.session.connection()
        for _ in range(200):
            t0 = time.perf_counter()
            page = query.query(actor, published, cond, sort=[("f_close1", True)])
            layer.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            rows = conn.execute(db.text(hand), {"s": "quote", "r": "east"}).all()
            conn.execute(db.text(hand_count), {"s": "quote", "r": "east"}).scalar()
            raw.append((time.perf_counter() - t0) * 1000)
        assert len(page.records) == len(rows)
    return statistics.median(layer), statistics.median(raw)


def _serve(config: dict, port: int) -> subprocess.Popen:
    env = dict(os.environ, JIMU_DATA_DIR=config["JIMU_DATA_DIR"],
               DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"], JIMU_EMBEDDED_WORKER="0")
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4", "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        env=env, cwd=str(Path(__file__).resolve().parent.parent))


@benchmark("records")
def records(rows: int | None) -> None:
    """Build the opportunity form with ``rows`` records (default 1,000,000) and measure."""
    rows = rows or 1_000_000
    data_dir = Path(tempfile.mkdtemp(prefix="jimu-bench-records-"))
    database_url = os.environ.get("DATABASE_URL")
    schema = None
    try:
        if database_url:
            schema, database_url = _own_schema(database_url)
        _measure(rows, data_dir, database_url)
    finally:
        if schema:
            _drop_schema(os.environ["DATABASE_URL"], schema)
        shutil.rmtree(data_dir, ignore_errors=True)


def _own_schema(database_url: str) -> tuple[str, str]:
    """A new PostgreSQL schema for this run and a URL whose connections use it."""
    import sqlalchemy as sa

    schema = f"bench_{os.getpid()}_{random.randint(0, 10**6)}"
    engine = sa.create_engine(_psycopg(database_url))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    url = sa.make_url(_psycopg(database_url)).update_query_dict(
        {"options": f"-csearch_path={schema}"})
    return schema, url.render_as_string(hide_password=False)


def _drop_schema(database_url: str, schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(_psycopg(database_url))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    engine.dispose()


def _psycopg(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _measure(rows: int, data_dir: Path, database_url: str | None) -> None:
    from runtime.records.schema import published as published_form

    app, config, form_id, version, document = _setup(data_dir, database_url)
    published = published_form(form_id, version, document)
    seconds = _bulk_insert(app, published, rows)
    report("bulk_insert_rows_per_s", rows / seconds, "rows/s")
    query_ms, hand_ms = _query_figures(app, published)
    report("query_ms", query_ms, "ms")
    report("hand_sql_ms", hand_ms, "ms")
    report("query_ratio", query_ms / hand_ms, "x")
    port = random.randint(20000, 40000)
    server = _serve(config, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        browser = Browser(base)
        browser.sign_in("bench@example.com", "bench password")
        _http_figures(browser)
        report("peak_rss_mib", peak_rss_mib(server.pid), "MiB")
    finally:
        server.terminate()
        server.wait(10)


def _http_figures(browser: Browser) -> None:
    path = "/a/crm/opportunity"
    timings = []
    for _ in range(100):
        t0 = time.perf_counter()
        status = browser.get(path + "?stage=quote").status
        timings.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            print(f"list page answered {status}; figure skipped", file=sys.stderr)
            return
    report("list_page_p50_ms", statistics.median(timings), "ms")
    token = browser.csrf_token(path + "/new")
    for name, follow in (("create_per_s", False), ("create_with_redirect_per_s", True)):
        rate = _creates(browser, path, token, 300, follow=follow)
        if rate is None:
            return
        report(name, rate, "records/s")


def _creates(browser: Browser, path: str, token: str, count: int, *, follow: bool
             ) -> float | None:
    """Records saved per second through the entry form ("save and add another")."""
    t0 = time.perf_counter()
    for i in range(count):
        response = browser.post(path + "/new", {
            "csrf_token": token, "f_name01": f"新商机 {i}", "f_stage1": "new",
            "f_amnt01": "12345.67", "f_regn01": "east", "f_close1": "2026-06-30",
            "f_ownr01": "1", "f_cust01": str(i % CUSTOMERS + 1), "_action": "save_new"})
        if response.status != 303:
            print(f"create answered {response.status}; figure skipped", file=sys.stderr)
            return None
        if follow:  # the empty entry form again, with the flash message
            browser.get(response.location)
    return count / (time.perf_counter() - t0)
