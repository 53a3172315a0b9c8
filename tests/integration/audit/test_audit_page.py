"""The audit log page: filters, keyset pages, CSV export; no way to edit or delete."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import sqlalchemy as sa

from builder.db import db
from runtime.audit import service as audit
from runtime.audit.models import AuditEntry

from .conftest import audit_rows

BASE = "/admin/audit/"


def _entry(actor, action="user.updated", target_type="user", target_id=1, details=None,
           at=None):
    entry = audit.record(actor, action, target_type, target_id, details or {})
    if at is not None:
        entry.at = at
    return entry


def test_only_administrators_can_read_or_export(client, login_as, make_user):
    login_as(make_user())
    assert client.get(BASE).status_code == 403
    assert client.get(BASE + "export.csv").status_code == 403


def test_no_route_can_change_the_log(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/audit")]
    assert rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)


def test_filters_by_actor_action_group_target_and_dates(client, login_as, admin, make_user):
    bob = make_user(name="Bob Baker")
    old = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    _entry(bob, "department.created", "department", 7, {"name": "Sales"}, at=old)
    _entry(bob, "department.renamed", "department", 7, {"name": ["Sales", "Sales 2"]})
    _entry(admin, "user.disabled", "user", bob.id, {"name": "Bob Baker"})
    db.session.commit()
    login_as(admin)

    def shown(**args):
        response = client.get(BASE, query_string=args)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        return [key for key in ("department.created", "department.renamed", "user.disabled",
                                "auth.sign_in") if f"<code class=\"audit-key\">{key}<" in html]

    assert shown() == ["department.created", "department.renamed", "user.disabled",
                       "auth.sign_in"]
    assert shown(actor=bob.id) == ["department.created", "department.renamed"]
    assert shown(action="user.disabled") == ["user.disabled"]
    assert shown(action="department.*") == ["department.created", "department.renamed"]
    assert shown(target_type="department", target_id="7") == [
        "department.created", "department.renamed"]
    assert shown(target_type="user", target_id=str(bob.id)) == ["user.disabled"]
    assert shown(**{"from": "2026-01-10", "to": "2026-01-10"}) == ["department.created"]
    assert "department.created" not in shown(**{"from": "2026-01-11"})
    html = client.get(BASE, query_string={"action": "department.renamed"}).get_data(
        as_text=True)
    assert "Sales → Sales 2" in html


def test_bad_filters_are_explained_with_422(client, login_as, admin):
    login_as(admin)
    response = client.get(BASE, query_string={"from": "10/01/2026", "action": "DROP TABLE"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Since: enter a date like 2026-01-31 (got 10/01/2026)." in html
    assert "Action: choose one from the list." in html
    swapped = client.get(BASE, query_string={"from": "2026-02-01", "to": "2026-01-01"})
    assert "Until: must not be before Since." in swapped.get_data(as_text=True)


def test_keyset_pages_newest_first(client, login_as, admin):
    for i in range(60):
        _entry(admin, "user.updated", "user", i)
    db.session.commit()
    login_as(admin)  # adds the sign-in entry: 61 in all
    first = client.get(BASE, query_string={"action": "user.updated"}).get_data(as_text=True)
    ids = [e.id for e in audit_rows("user.updated")]
    assert first.count('<code class="audit-key">user.updated<') == 50
    assert f"before={ids[10]}" in first  # the oldest shown on page one continues the list
    second = client.get(BASE, query_string={"action": "user.updated", "before": ids[10]},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.count('<code class="audit-key">user.updated<') == 10
    assert "before=" not in second and "<html" not in second


def test_csv_export_is_streamed_escapes_formulas_and_is_audited(client, login_as, admin):
    audit.record(None, "auth.sign_in_failed", "user", "=SUM(A1:A9)", {"email": "a"},
                 actor_name="+cmd|' /C calc'!A0")
    audit.record(None, "auth.sign_in_failed", "user", None, {}, actor_name="-2+3",
                 ip="@evil")
    _entry(admin, "user.updated", "user", 5, {"name": ["x", "y"]})
    db.session.commit()
    login_as(admin)
    response = client.get(BASE + "export.csv", query_string={"action": "auth.*"})
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Time", "Actor ID", "Actor"]
    cells = [cell for row in rows[1:] for cell in row]
    assert {"'+cmd|' /C calc'!A0", "'=SUM(A1:A9)", "'-2+3", "'@evil"} <= set(cells)
    assert not any(c and c[0] in "=+-@" for c in cells)
    assert [r[5] for r in rows[1:]] == ["auth.sign_in", "auth.sign_in_failed",
                                        "auth.sign_in_failed"]
    [export] = audit_rows("audit.exported")
    assert export.summary == {"filters": {"action": "auth.*"}, "rows": 3}
    assert export.actor_id == admin.id
    everything = list(csv.reader(io.StringIO(
        client.get(BASE + "export.csv").get_data(as_text=True))))
    assert "name: x → y" in [cell for row in everything for cell in row]
    assert len(audit_rows("audit.exported")) == 2


def test_export_reads_in_batches(app, admin, monkeypatch):
    from runtime.audit import domain, service

    monkeypatch.setattr(service, "EXPORT_BATCH", 7)
    for i in range(20):
        _entry(admin, "user.updated", "user", i)
    db.session.commit()
    ids = [e.id for e in service.export_entries(admin, domain.AuditFilter())]
    assert len(ids) == 20 and ids == sorted(ids, reverse=True)


def test_times_are_in_the_instance_zone(client, login_as, admin):
    _entry(admin, at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    db.session.commit()
    login_as(admin)
    html = client.get(BASE, query_string={"action": "user.updated"}).get_data(as_text=True)
    assert "<span>2026-03-02</span> <span>00:30:00</span>" in html  # Asia/Shanghai: UTC+8
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 2
