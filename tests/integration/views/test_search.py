"""Quick search: the full-text index finds what ``contains`` would, Chinese included."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.db import db
from runtime.records import search, service

FIELDS = [
    {"id": "f_name01", "type": "text", "label": "公司名称", "config": {}},
    {"id": "f_notes1", "type": "textarea", "label": "备注", "config": {}},
    {"id": "f_email1", "type": "email", "label": "邮箱", "config": {}},
    {"id": "f_amnt01", "type": "decimal", "label": "金额", "config": {"scale": 2}},
]
NAMES = ["杭州积木科技有限公司", "上海云帆贸易", "Acme Trading Ltd", "北京星河积木", None,
         "ACME 杭州分公司", "100% 纯_利润"]


@pytest.fixture
def filled(app, make_form, make_user):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        form, user = make_form(fields=FIELDS, rules=[]), make_user()
        for i, name in enumerate(NAMES):
            service.create(user, form, {"f_name01": name, "f_notes1": f"第{i}次拜访\n约了王经理",
                                        "f_email1": f"c{i}@acme.cn" if i % 2 else None})
        yield form, user


def _ids(form, term):
    where = sa.and_(form.table.c.deleted_at.is_(None),
                    search.clause(db.session.connection(), form, term))
    return {r[0] for r in db.session.execute(sa.select(form.table.c.id).where(where))}


def _expected(form, term):
    rows = db.session.execute(sa.select(form.table)).mappings()
    return {r["id"] for r in rows if search.matches(form, dict(r), term)}


TERMS = ["积木", "积木科技", "杭州", "acme", "ACME TRA", "王经理", "第3次", "c3@acme", "100%",
         "纯_利", "nothing", "m", "次拜访\n约"]


@pytest.mark.parametrize("indexed", [False, True])
def test_search_matches_contains_with_and_without_the_index(filled, indexed):
    form, _user = filled
    if indexed:
        with db.engine.begin() as conn:
            assert search.ensure_index(conn, form)
    for term in TERMS:
        term = search.normalize_term(term)
        assert _ids(form, term) == _expected(form, term), term
    assert _ids(form, "积木科技") == {1} and _ids(form, "acme") == {2, 3, 4, 6}


def test_the_index_follows_every_write(filled):
    form, user = filled
    with db.engine.begin() as conn:
        search.ensure_index(conn, form)
    assert _ids(form, "星河积木") == {4}
    service.update(user, form, 4, {"f_name01": "北京银河科技"}, expected_version=1)
    assert _ids(form, "星河积木") == set() and _ids(form, "银河科技") == {4}
    db.session.execute(form.table.delete().where(form.table.c.id == 4))
    db.session.commit()
    assert _ids(form, "银河科技") == set()
    with db.engine.begin() as conn:  # nothing to do when the fields did not change
        assert search.ensure_index(conn, form) == []


def test_the_index_is_used(filled):
    form, _user = filled
    with db.engine.begin() as conn:
        search.ensure_index(conn, form)
    connection = db.session.connection()
    stmt = sa.select(form.table.c.id).where(search.clause(connection, form, "积木科技"))
    if connection.dialect.name == "sqlite":
        plan = " ".join(str(r) for r in connection.execute(
            sa.text("EXPLAIN QUERY PLAN " + str(stmt.compile(
                connection, compile_kwargs={"literal_binds": True})))))
        assert "VIRTUAL TABLE INDEX" in plan
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(r[0] for r in connection.execute(sa.text("EXPLAIN " + str(stmt.compile(
            connection, compile_kwargs={"literal_binds": True})))))
        assert "_search_" in plan


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=st.text(alphabet="积木科技杭州acmeACME _%\\\"'次3", min_size=1, max_size=6))
def test_any_term_finds_what_contains_finds(filled, term):
    form, _user = filled
    with db.engine.begin() as conn:
        search.ensure_index(conn, form)
    term = search.normalize_term(term)
    assert _ids(form, term) == _expected(form, term)
