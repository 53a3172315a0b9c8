"""Lookups, rollups and linked names are read for a whole page in a constant number of queries."""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from builder import conditions
from builder.db import db
from runtime.records import query, service


@contextmanager
def counting():
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def _contacts(crm, customers, start: int, count: int) -> None:
    for n in range(start, start + count):
        a, b = customers[n % len(customers)], customers[(n + 1) % len(customers)]
        service.create(crm.user, crm.contacts, {"f_pname1": f"联系人{n:03d}",
                                                "f_cust01": a.id, "f_others": [a.id, b.id]})


def test_a_page_of_50_costs_as_many_queries_as_a_page_of_5(ctx, crm):
    customers = [crm.customer(f"客户{n:02d}", f_level1="ab"[n % 2], f_amnt01=str(n * 10))
                 for n in range(12)]
    _contacts(crm, customers, 0, 55)
    db.session.refresh(crm.user)  # loaded before the session goes, as a request's user is
    counts = {}
    for limit in (5, 50):
        db.session.remove()
        with counting() as statements:
            records = service.page(crm.user, crm.contacts, limit=limit)
        counts[limit] = len(statements)
        assert len(records) == limit
        assert all(r.values["f_ocount"] == 2 and r.values["f_clevel"] in ("a", "b")
                   for r in records)
    assert counts[5] == counts[50] <= 12, counts
    with counting() as statements:
        page = query.query(crm.user, crm.contacts, limit=50)
    assert len(page.records) == 50 and len(statements) == counts[50] + 1  # + the count


def test_the_list_and_record_pages_cost_a_constant_number_of_queries(app, crm, client,
                                                                     login_as):
    login_as(crm.user)
    with app.test_request_context():
        customers = [crm.customer(f"客户{n:02d}") for n in range(6)]
        _contacts(crm, customers, 0, 5)
    client.get(crm.contact_path)  # warm the published-form caches
    with counting() as few:
        assert client.get(crm.contact_path).status_code == 200
    with app.test_request_context():
        _contacts(crm, customers, 5, 45)
    with counting() as many:
        html = client.get(crm.contact_path).get_data(as_text=True)
    assert html.count('class="record-ref"') >= 50
    assert len(few) == len(many), (len(few), len(many))


def test_filters_on_links_agree_in_sql_and_python(ctx, crm):
    customers = [crm.customer(f"客户{n}") for n in range(4)]
    a, b, c, d = (x.id for x in customers)
    rows = [{"f_pname1": "p1", "f_cust01": a, "f_others": [a, b]},
            {"f_pname1": "p2", "f_cust01": b, "f_others": [b]},
            {"f_pname1": "p3", "f_others": [c, a, b]},
            {"f_pname1": "p4"}]
    for row in rows:
        service.create(crm.user, crm.contacts, row)
    form = crm.contacts
    cases = [("f_cust01", "eq", a), ("f_cust01", "ne", a), ("f_cust01", "in", [a, b]),
             ("f_cust01", "not_in", [a]), ("f_cust01", "empty", None),
             ("f_cust01", "not_empty", None), ("f_others", "has_any", [a]),
             ("f_others", "has_any", [c, d]), ("f_others", "has_all", [a, b]),
             ("f_others", "has_all", [d]), ("f_others", "has_none", [a]),
             ("f_others", "empty", None), ("f_others", "not_empty", None)]
    records = service.page(crm.user, form, limit=500)
    for field_id, op, value in cases:
        cond = {"field": field_id, "op": op, "value": value}
        got = {r.values["f_pname1"] for r in query.query(crm.user, form, cond).records}
        expected = {r.values["f_pname1"] for r in records
                    if conditions.evaluate(cond, r.values, form.field_map)}
        assert got == expected, (field_id, op, value, got, expected)
    assert {r.values["f_pname1"] for r in query.query(crm.user, form, {
        "field": "f_others", "op": "has_all", "value": [a, b]}).records} == {"p1", "p3"}
