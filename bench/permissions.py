"""``python -m bench permissions [--rows N]``: row scopes at scale.

The opportunity form with N records (default 1,000,000) owned by 200 people in a
4-level department tree (1 head office, 4 regions, 16 branches, 64 teams). A region
manager holds a role whose scope is "own department and sub-departments" (a quarter
of the records); a director holds one with "all records". Both open the list page
(50 newest records) over HTTP on a gunicorn server. Prints scoped_page_p50_ms,
unscoped_page_p50_ms, scoped_ratio, and the same pair for the query layer in process
(scoped_query_ms, unscoped_query_ms). SQLite in a temporary directory, or
PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from . import benchmark, report
from .http import Browser, wait_for
from .records import _serve, _setup, insert_rows, opportunity_row

PASSWORD = "bench password"
USERS = 200


def _tree(db, Department) -> tuple[list[int], int]:
    """The 4-level tree; returns the team ids and the id of the first region."""
    root = Department(name="总部 HQ", position=0)
    db.session.add(root)
    db.session.flush()
    teams, first_region = [], None
    for r in range(4):
        region = Department(name=f"大区 {r}", parent_id=root.id, position=r)
        db.session.add(region)
        db.session.flush()
        first_region = first_region or region.id
        for b in range(4):
            branch = Department(name=f"分公司 {r}-{b}", parent_id=region.id, position=b)
            db.session.add(branch)
            db.session.flush()
            for t in range(4):
                team = Department(name=f"小组 {r}-{b}-{t}", parent_id=branch.id, position=t)
                db.session.add(team)
                db.session.flush()
                teams.append(team.id)
    return teams, first_region


def _people(app) -> tuple[dict[int, int], int]:
    """200 people in teams, a region manager and a director; returns user → department."""
    from builder.apps import service as apps
    from builder.db import db
    from builder.roles import service as roles
    from runtime.accounts import service as accounts
    from runtime.accounts.models import Department, User
    from runtime.org.models import DepartmentManager, DepartmentMember

    with app.test_request_context():
        teams, region = _tree(db, Department)
        template = accounts.create_user("manager@example.com", "Region Manager", PASSWORD)
        director = accounts.create_user("director@example.com", "Director", PASSWORD)
        placed: dict[int, int] = {}
        rows = [User(email=f"staff{i}@example.com", name=f"Staff {i}",
                     password_hash=template.password_hash, department_id=teams[i % len(teams)])
                for i in range(USERS - 2)]
        db.session.add_all(rows)
        db.session.flush()
        for user in rows:
            placed[user.id] = user.department_id
            db.session.add(DepartmentMember(department_id=user.department_id, user_id=user.id))
        template.department_id = region
        db.session.add(DepartmentMember(department_id=region, user_id=template.id))
        db.session.add(DepartmentManager(department_id=region, user_id=template.id))
        db.session.commit()
        admin = accounts.find_user_by_email("bench@example.com")
        crm = apps.get_app_by_key(admin, "crm")
        everyone = next(r for r in roles.list_roles(admin, crm) if r.everyone)
        manager = roles.create_role(admin, crm, name="Region manager")
        roles.add_member(admin, crm, manager, user_id=template.id)
        top = roles.create_role(admin, crm, name="Director")
        roles.add_member(admin, crm, top, user_id=director.id)
        roles.set_access(admin, crm, "opportunity", {
            everyone.id: {"operations": [], "scope": []},
            manager.id: {"operations": ["view"], "scope": [{"kind": "department_tree"}]},
            top.id: {"operations": ["view"], "scope": [{"kind": "all"}]}})
        return placed, template.id


def _bulk_insert(app, published, rows: int, placed: dict[int, int]) -> float:
    rng = random.Random(11)
    owners = list(placed)

    def generated():
        for i in range(rows):
            owner = rng.choice(owners)
            yield dict(opportunity_row(rng, f"商机 {i}"), owner_id=owner,
                       department_id=placed[owner])

    return insert_rows(app, published.table, generated())


def _query_figures(app, published) -> tuple[float, float]:
    """The list page's read (service.page) for both people, in process."""
    from builder.db import db
    from runtime.accounts.models import User
    from runtime.records import service

    figures = []
    for email in ("manager@example.com", "director@example.com"):
        timings = []
        for i in range(120):
            with app.test_request_context():  # rights are computed once per request
                actor = db.session.scalar(db.select(User).where(User.email == email))
                t0 = time.perf_counter()
                records = service.page(actor, published, limit=50)
                if i >= 20:
                    timings.append((time.perf_counter() - t0) * 1000)
                assert len(records) == 50
                db.session.remove()
        figures.append(statistics.median(timings))
    return figures[0], figures[1]


def _http_p50(base: str, email: str) -> float:
    browser = Browser(base)
    browser.sign_in(email, PASSWORD)
    timings = []
    for i in range(120):
        t0 = time.perf_counter()
        status = browser.get("/a/crm/opportunity").status
        if i >= 20:
            timings.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"list page answered {status} for {email}")
    return statistics.median(timings)


@benchmark("permissions")
def permissions(rows: int | None) -> None:
    """Scoped vs unscoped list page at ``rows`` records (default 1,000,000)."""
    from runtime.records.schema import published as published_form

    rows = rows or 1_000_000
    data_dir = Path(tempfile.mkdtemp(prefix="jimu-bench-permissions-"))
    app, config, form_id, version, document = _setup(data_dir, os.environ.get("DATABASE_URL"))
    published = published_form(form_id, version, document)
    placed, _manager = _people(app)
    seconds = _bulk_insert(app, published, rows, placed)
    report("bulk_insert_rows_per_s", rows / seconds, "rows/s")
    scoped, unscoped = _query_figures(app, published)
    report("scoped_query_ms", scoped, "ms")
    report("unscoped_query_ms", unscoped, "ms")
    port = random.randint(20000, 40000)
    server = _serve(config, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        unscoped_ms = _http_p50(base, "director@example.com")
        scoped_ms = _http_p50(base, "manager@example.com")
        report("unscoped_page_p50_ms", unscoped_ms, "ms")
        report("scoped_page_p50_ms", scoped_ms, "ms")
        report("scoped_ratio", scoped_ms / unscoped_ms, "x")
    finally:
        server.terminate()
        server.wait(10)
