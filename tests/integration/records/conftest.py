"""Fixtures for record tests: a published form with its table."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from builder.db import db
from runtime.records import schema, storage

_ids = itertools.count(1000)

CUSTOMER_FIELDS = [
    {"id": "f_name01", "type": "text", "label": "公司名称", "required": True,
     "unique": {"steps": ["trim", "collapse_spaces", "halfwidth", "casefold", "suffixes"]},
     "config": {"max_length": 100}},
    {"id": "f_level1", "type": "single_select", "label": "级别", "config": {"options": [
        {"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}]}},
    {"id": "f_reason", "type": "text", "label": "降级原因", "config": {},
     "visible_if": {"field": "f_level1", "op": "eq", "value": "c"},
     "required_if": {"field": "f_level1", "op": "eq", "value": "c"}},
    {"id": "f_phone1", "type": "phone", "label": "手机", "config": {"kind": "cn_mobile"}},
    {"id": "f_start1", "type": "date", "label": "开始", "config": {}},
    {"id": "f_end001", "type": "date", "label": "结束", "config": {}},
    {"id": "f_amnt01", "type": "money", "label": "金额",
     "config": {"currency": "CNY", "scale": 2, "min": 0}},
]
CUSTOMER_RULES = [
    {"id": "r_dates1", "message": "结束日期不能早于开始日期", "fields": ["f_end001"],
     "condition": {"any": [{"field": "f_end001", "op": "empty"},
                           {"field": "f_start1", "op": "empty"},
                           {"field": "f_end001", "op": "gte", "other_field": "f_start1"}]}},
]


@pytest.fixture
def make_form(app):
    """Publish a form document straight to a table: ``make_form(fields=[...], rules=[...])``."""
    made: list[str] = []

    def factory(fields=None, rules=None, version: int = 1, form_id: int | None = None):
        form_id = form_id or next(_ids)
        document = {"schema_version": 1, "key": f"form_{form_id}", "name": "客户",
                    "fields": fields if fields is not None else CUSTOMER_FIELDS,
                    "layout": [], "rules": rules if rules is not None else CUSTOMER_RULES}
        form = schema.PublishedForm(form_id, version, document)
        with db.engine.begin() as conn:
            storage.reconcile(conn, form.spec)
        made.append(form.spec.name)
        return form

    yield factory
    db.session.remove()
    with db.engine.begin() as conn:
        for name in set(made):
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
