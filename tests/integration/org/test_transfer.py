"""Handing a person's records over: history rows, background job, idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from builder.db import db
from runtime.jobs import runner
from runtime.jobs.models import JobRun
from runtime.org import transfer
from runtime.records import service as records
from runtime.records.models import RecordHistory

from .conftest import audit_rows, post


def _owners(form) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(form.table.c.owner_id).order_by(form.table.c.id)))


def _transfer_history(form) -> list[RecordHistory]:
    return [h for h in db.session.scalars(sa.select(RecordHistory).where(
        RecordHistory.form_id == form.form_id).order_by(RecordHistory.id))
        if "owner_id" in (h.changes or {})]


def _seed(published, make_user, n_customers=3, n_leads=2):
    customers, leads = published("customer", "Customer"), published("lead", "Lead")
    leaver, keeper = make_user(name="Leaver"), make_user(name="Keeper")
    for i in range(n_customers):
        records.create(leaver, customers, {"f_name01": f"c{i}"})
    for i in range(n_leads):
        records.create(leaver, leads, {"f_name01": f"l{i}"})
    records.create(keeper, customers, {"f_name01": "keeper's own"})
    trashed = records.create(leaver, leads, {"f_name01": "trashed"})
    records.delete(leaver, leads, trashed.id)
    return customers, leads, leaver.id, keeper.id


def test_small_transfer_happens_at_once_with_history(admin, published, make_user):
    customers, leads, leaver, keeper = _seed(published, make_user)
    counts = {o.form_name: o.count for o in transfer.owned_records(admin, leaver)}
    assert counts == {"Customer": 3, "Lead": 3}
    outcome = transfer.transfer_records(admin, leaver, keeper, "k1")
    assert (outcome.total, outcome.moved, outcome.job_id) == (6, 6, None)
    assert set(_owners(customers)) == {keeper} and set(_owners(leads)) == {keeper}
    history = _transfer_history(customers)
    assert len(history) == 3
    assert {tuple(h.changes["owner_id"]) for h in history} == {(leaver, keeper)}
    assert all(h.action == "update" and h.actor_id == admin.id for h in history)
    record = records.get(admin, customers, history[0].record_id)
    assert record.row_version == 2 and history[0].row_version == 2
    # a second run finds nothing left to move
    again = transfer.transfer_records(admin, leaver, keeper, "k2")
    assert again.moved == 0
    assert len(_transfer_history(customers)) + len(_transfer_history(leads)) == 6
    entries = audit_rows("user.records_transferred")
    assert [e.summary["records"] for e in entries] == [6, 0]


def test_large_transfer_runs_as_a_job_once(admin, published, make_user, monkeypatch):
    customers, leads, leaver, keeper = _seed(published, make_user, n_customers=7)
    monkeypatch.setattr(transfer, "INLINE_LIMIT", 2)
    monkeypatch.setattr(transfer, "BATCH", 3)
    outcome = transfer.transfer_records(admin, leaver, keeper, "form-token")
    assert outcome.moved == 0 and outcome.job_id is not None
    # the same form submitted twice queues one job
    twice = transfer.transfer_records(admin, leaver, keeper, "form-token")
    assert twice.job_id == outcome.job_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 1
    assert set(_owners(customers)) == {leaver, keeper}  # nothing moved yet
    runner.execute(outcome.job_id)
    runner.execute(outcome.job_id)  # a second delivery is a no-op
    transfer.run_transfer(leaver, keeper, admin.id)  # so is running the handler again
    db.session.expire_all()
    assert db.session.get(JobRun, outcome.job_id).status == "succeeded"
    assert set(_owners(customers)) == {keeper} and set(_owners(leads)) == {keeper}
    assert len(_transfer_history(customers)) == 7
    assert len(_transfer_history(leads)) == 3


def test_history_tab_names_the_owners(client, login_as, admin, published, make_user):
    customers, _leads, leaver, keeper = _seed(published, make_user, 1, 0)
    transfer.transfer_records(admin, leaver, keeper, "k")
    record_id = _transfer_history(customers)[0].record_id
    from runtime.records import display

    rows = display.history_rows(customers, records.history(admin, customers, record_id))
    change = rows[0].changes[0]
    assert (change.label, change.old.text, change.new.text) == ("Owner", "Leaver", "Keeper")


def test_user_page_offers_the_transfer(client, login_as, admin, published, make_user):
    customers, _leads, leaver, keeper = _seed(published, make_user)
    login_as(admin)
    page = f"/admin/users/{leaver}"
    assert post(client, f"{page}/disable", token_from=page).status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "CRM / Customer" in html and "Transfer records" in html
    refused = post(client, f"/admin/org/users/{leaver}/transfer",
                   {"new_owner": leaver, "transfer_key": "abc"}, token_from=page,
                   follow_redirects=True)
    assert "choose an active user other than Leaver" in refused.get_data(as_text=True)
    done = post(client, f"/admin/org/users/{leaver}/transfer",
                {"new_owner": keeper, "transfer_key": "abc"}, token_from=page,
                follow_redirects=True)
    assert "6 records transferred." in done.get_data(as_text=True)
    assert set(_owners(customers)) == {keeper}
    assert "Leaver owns no records." in client.get(page).get_data(as_text=True)
