"""The public pool: claim (one winner, a limit per person), release, audit, pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from builder.db import db
from runtime.accounts.models import User
from runtime.permissions import pool
from runtime.permissions.exceptions import ClaimLost, PermissionDenied, PoolClosed, PoolLimitReached
from runtime.records import service as records
from tests.integration.records.test_concurrency import _in_threads

from .conftest import post, sign_in

SALES_SCOPE = [{"kind": "own"}, {"kind": "pool"}]


def _owner(world, name: str):
    db.session.expire_all()
    return db.session.scalar(sa.select(world.form.table.c.owner_id).where(
        world.form.table.c.id == world.records[name]))


def _sales(world, limit=None):
    world.enable_pool(limit)
    world.everyone()
    world.grant("sales", users=["alice", "bob", "carol"], operations=["view", "edit"],
                scope=SALES_SCOPE)
    world.grant("manager", users=["mike"], operations=["view", "edit"],
                scope=[{"kind": "department_tree"}, {"kind": "pool"}])


def _pool_record(world, name: str) -> int:
    record_id = records.create(world.admin, world.form, {"f_name01": name}).id
    db.session.execute(world.form.table.update().where(world.form.table.c.id == record_id)
                       .values(owner_id=None, department_id=None))
    db.session.commit()
    world.records[name] = record_id
    return record_id


def test_claim_makes_me_the_owner_and_release_puts_it_back(world):
    from runtime.audit.models import AuditEntry

    _sales(world)
    alice = world.users["alice"]
    pool.claim(alice, world.form, world.records["CUST-POOL"])
    assert _owner(world, "CUST-POOL") == alice.id
    record = records.get(alice, world.form, world.records["CUST-POOL"])
    assert record.system["department_id"] == world.departments["east"].id
    pool.release(alice, world.form, world.records["CUST-POOL"])
    assert _owner(world, "CUST-POOL") is None
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["pool.claimed", "pool.released"]
    history = records.history(world.admin, world.form, world.records["CUST-POOL"])
    assert [h.changes for h in history[:2]] == [{"owner_id": [alice.id, None]},
                                                 {"owner_id": [None, alice.id]}]


def test_a_claimed_record_cannot_be_claimed_again(world):
    _sales(world)
    pool.claim(world.users["alice"], world.form, world.records["CUST-POOL"])
    with pytest.raises((ClaimLost, Exception)) as exc:
        pool.claim(world.users["bob"], world.form, world.records["CUST-POOL"])
    assert isinstance(exc.value, ClaimLost | records.RecordNotFound)
    assert _owner(world, "CUST-POOL") == world.users["alice"].id


def test_claims_beyond_the_limit_are_refused(world):
    _sales(world, limit=2)
    alice = world.users["alice"]
    for name in ("P1", "P2", "P3"):
        _pool_record(world, name)
    pool.claim(alice, world.form, world.records["P1"])
    pool.claim(alice, world.form, world.records["P2"])
    with pytest.raises(PoolLimitReached):
        pool.claim(alice, world.form, world.records["P3"])
    assert _owner(world, "P3") is None
    pool.release(alice, world.form, world.records["P1"])
    pool.claim(alice, world.form, world.records["P3"])  # a place was freed
    assert pool.open_claims(world.form, alice.id) == 2


def test_two_people_claiming_the_same_record_at_once_one_wins(app, world):
    _sales(world)
    ids = [world.users[n].id for n in ("alice", "bob", "carol")] * 4
    form, record_id = world.form, world.records["CUST-POOL"]

    def work(i):
        actor = db.session.get(User, ids[i])
        pool.claim(actor, form, record_id)
        return ids[i]

    outcomes = _in_threads(app, len(ids), work)
    winners = {o for o in outcomes if isinstance(o, int)}
    losers = [o for o in outcomes if not isinstance(o, int)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, ClaimLost | records.RecordNotFound) for o in losers), losers
    assert _owner(world, "CUST-POOL") in winners
    from runtime.permissions.models import PoolClaim

    assert db.session.scalar(sa.select(sa.func.count()).select_from(PoolClaim)) == 1


def test_one_person_claiming_in_parallel_stays_within_the_limit(app, world):
    _sales(world, limit=2)
    names = [f"PAR{i}" for i in range(6)]
    for name in names:
        _pool_record(world, name)
    alice_id, form = world.users["alice"].id, world.form

    def work(i):
        pool.claim(db.session.get(User, alice_id), form, world.records[names[i]])
        return True

    outcomes = _in_threads(app, len(names), work)
    assert sum(1 for o in outcomes if o is True) == 2, outcomes
    assert pool.open_claims(form, alice_id) == 2


def test_only_the_owner_or_their_manager_may_release(world):
    _sales(world)
    pool.claim(world.users["alice"], world.form, world.records["CUST-POOL"])
    with pytest.raises(records.RecordNotFound):  # Bob cannot even see it
        pool.release(world.users["bob"], world.form, world.records["CUST-POOL"])
    world.grant("peers", users=["bob"], scope=[{"kind": "department"}])
    with pytest.raises(PermissionDenied):  # now he sees it, but it is not his
        pool.release(world.users["bob"], world.form, world.records["CUST-POOL"])
    pool.release(world.users["mike"], world.form, world.records["CUST-POOL"])
    assert _owner(world, "CUST-POOL") is None


def test_a_form_without_a_pool_refuses_claims(world):
    world.everyone(operations=["view"], scope=[{"kind": "all"}])
    with pytest.raises(PoolClosed):
        pool.claim(world.users["alice"], world.form, world.records["CUST-POOL"])


def test_pool_pages_claim_and_release_over_http(world, client):
    _sales(world)
    sign_in(client, world.users["alice"])
    listing = client.get(world.url()).get_data(as_text=True)
    assert "Public pool" in listing
    page = client.get(world.url(suffix="/pool")).get_data(as_text=True)
    assert "CUST-POOL" in page and "CUST-ALICE" not in page
    detail = client.get(world.url("CUST-POOL")).get_data(as_text=True)
    assert "/claim" in detail
    response = post(client, world.url("CUST-POOL", "/claim"), token_from=world.url())
    assert response.status_code == 303
    assert _owner(world, "CUST-POOL") == world.users["alice"].id
    detail = client.get(world.url("CUST-POOL")).get_data(as_text=True)
    assert "/release" in detail
    response = post(client, world.url("CUST-POOL", "/release"), token_from=world.url())
    assert response.status_code == 303
    assert _owner(world, "CUST-POOL") is None
