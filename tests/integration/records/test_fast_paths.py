"""The fast paths of the write and read paths give exactly what the plain ones gave.

create() answers with the row INSERT … RETURNING handed back (no second read);
list pages and queries read rows by position from memoised statements. Each of
these must match a fresh read by id, for every field type.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from builder import fields
from builder.db import db
from builder.fields import Field
from runtime.records import query, relations, service, sides

fields.register_all()


def _field_id(type_key: str) -> str:
    return "f_" + re.sub(r"[^a-z0-9]", "", type_key)[:12].ljust(4, "0")


def _every_type() -> tuple[list[dict], dict[str, object]]:
    """One field of every type (plus a deleted one) and raw input for the writable ones."""
    document, data = [], {}
    for field_type in fields.all_types():
        field = Field(_field_id(field_type.type), field_type.type, field_type.type,
                      field_type.sample_config())
        document.append({"id": field.id, "type": field.type, "label": field.label,
                         "config": field.config})
        references = getattr(field_type, "references", None)
        if field_type.stored and not field_type.readonly and references is None:
            data[field.id] = field_type.to_json(field, field_type.sample_values(field)[-1])
    document.append({"id": "f_gone0001", "type": "text", "label": "gone", "config": {},
                     "deleted": True})
    return document, data


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def every_type(ctx, make_form, make_user):
    document, data = _every_type()
    form = make_form(fields=document, rules=[])
    user = make_user()
    member = _field_id("member")
    department = _field_id("department")
    return form, user, {**data, member: str(user.id), department: None}


def test_create_answers_what_a_fresh_read_finds(every_type):
    form, user, data = every_type
    created = service.create(user, form, data)
    db.session.expire_all()
    assert created == service.get(user, form, created.id)
    assert created.values[_field_id("member")] == user.id
    assert created.system["created_by_id"] == user.id and created.row_version == 1
    assert created.system["created_at"].tzinfo is not None


def test_list_pages_and_queries_read_rows_as_a_fresh_read_does(every_type):
    form, user, data = every_type
    ids = [service.create(user, form, data).id, service.create(user, form, {}).id]
    by_id = {i: service.get(user, form, i) for i in ids}
    assert {r.id: r for r in service.page(user, form)} == by_id
    assert {r.id: r for r in query.query(user, form).records} == by_id


def test_a_result_with_other_columns_is_read_by_name(every_type):
    form, user, data = every_type
    record = service.create(user, form, data)
    reordered = sa.select(*reversed(list(form.table.c))).where(form.table.c.id == record.id)
    found = service._records(form, db.session.execute(reordered))
    sides.fill(form, found, db.session.connection())  # side tables and lookups: read apart
    relations.resolve(form, found, db.session.connection())
    assert found == [record]


def test_one_filter_pages_through_with_different_limits_and_offsets(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    for i in range(7):
        service.create(user, form, {"f_name01": f"公司{i}", "f_level1": "a"})
    cond = {"field": "f_level1", "op": "eq", "value": "a"}
    sort = [("f_name01", False)]
    seen = [[r.values["f_name01"] for r in query.query(user, form, cond, sort=sort,
                                                        limit=limit, offset=offset).records]
            for limit, offset in ((3, 0), (3, 3), (5, 5), (2, 1))]
    assert seen == [["公司0", "公司1", "公司2"], ["公司3", "公司4", "公司5"], ["公司5", "公司6"],
                    ["公司1", "公司2"]]


def test_create_is_one_transaction_with_its_history(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        record = service.create(user, form, {"f_name01": "积木科技", "f_amnt01": "12.5"})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert statements.count("INSERT") == 2  # the record (RETURNING its row) and its history
    assert "SELECT" in statements  # the unique check, nothing more after the commit
    entries = service.history(user, form, record.id)
    assert [e.action for e in entries] == ["create"]
    assert entries[0].changes["f_name01"] == [None, "积木科技"]


def test_sort_given_as_lists_works_like_tuples(ctx, make_form, make_user):
    form, user = make_form(), make_user()
    for name in ("乙", "甲", "丙"):
        service.create(user, form, {"f_name01": name})
    as_lists = query.query(user, form, sort=[["f_name01", True]]).records
    as_tuples = query.query(user, form, sort=[("f_name01", True)]).records
    assert as_lists == as_tuples and len(as_lists) == 3
