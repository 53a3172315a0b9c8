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
        made.extend(form.metadata.tables)  # the record table and any side tables
        return form

    yield factory
    db.session.remove()
    with db.engine.begin() as conn:
        for name in sorted(set(made), reverse=True):
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))


ENTRY_FIELDS = [
    {"id": "f_name01", "type": "text", "label": "公司名称", "required": True,
     "help": "营业执照上的全称", "unique": {"steps": ["trim", "suffixes"]},
     "config": {"max_length": 100}},
    {"id": "f_level1", "type": "single_select", "label": "级别", "config": {
        "display": "radio", "options": [{"id": "a", "label": "A", "color": "green"},
                                        {"id": "b", "label": "B", "color": "blue"},
                                        {"id": "c", "label": "C", "color": "red"}]}},
    {"id": "f_reason", "type": "text", "label": "降级原因", "config": {},
     "visible_if": {"field": "f_level1", "op": "eq", "value": "c"},
     "required_if": {"field": "f_level1", "op": "eq", "value": "c"}},
    {"id": "f_phone1", "type": "phone", "label": "手机", "config": {"kind": "cn_mobile"}},
    {"id": "f_start1", "type": "date", "label": "开始日期", "config": {}},
    {"id": "f_end001", "type": "date", "label": "结束日期", "config": {}},
    {"id": "f_amnt01", "type": "money", "label": "金额",
     "config": {"currency": "CNY", "scale": 2, "min": 0}},
    {"id": "f_tags01", "type": "multi_select", "label": "意向产品", "config": {
        "display": "checkbox", "options": [{"id": "crm", "label": "客户管理", "color": "blue"},
                                           {"id": "erp", "label": "进销存", "color": "green"}]}},
    {"id": "f_notes1", "type": "textarea", "label": "备注", "config": {}},
    {"id": "f_area01", "type": "region", "label": "所在地区", "config": {"levels": "district"}},
    {"id": "f_vip001", "type": "boolean", "label": "重点客户", "config": {}},
    {"id": "f_serial", "type": "auto_number", "label": "客户编号", "config": {
        "parts": [{"kind": "text", "text": "KH-"}, {"kind": "seq", "width": 4}]}},
    {"id": "f_owner1", "type": "created_by", "label": "创建人", "config": {}},
]
ENTRY_LAYOUT = [
    {"kind": "section", "id": "s_basic1", "title": "基本信息", "columns": 2, "items": [
        {"kind": "field", "field": "f_name01"}, {"kind": "field", "field": "f_level1"},
        {"kind": "field", "field": "f_reason"}, {"kind": "field", "field": "f_phone1"}]},
    {"kind": "divider", "id": "d_line01"},
    {"kind": "section", "id": "s_deal01", "title": "合同", "columns": 2, "items": [
        {"kind": "field", "field": "f_start1"}, {"kind": "field", "field": "f_end001"},
        {"kind": "field", "field": "f_amnt01"}]},
    {"kind": "text", "id": "t_note01", "text": "以下信息可稍后补充。"},
]
ENTRY_RULES = [
    {"id": "r_dates1", "message": "结束日期不能早于开始日期", "fields": ["f_end001"],
     "condition": {"any": [{"field": "f_end001", "op": "empty"},
                           {"field": "f_start1", "op": "empty"},
                           {"field": "f_end001", "op": "gte", "other_field": "f_start1"}]}},
]




@pytest.fixture
def publish_form(app, make_user, drop_record_tables):
    """Create an app and a form through the builder services and publish it.

    ``publish_form(fields=..., layout=..., rules=...)`` returns (app_key, form_key);
    the defaults are a customer form with sections, conditions and most field types.
    """
    from builder.apps import service as apps
    from builder.forms import service as forms

    admin = make_user(is_admin=True, email="builder@example.com", name="Builder")

    def factory(fields=None, layout=None, rules=None, app_key="crm", name="客户",
                publish=True, title_field="f_name01"):
        with app.test_request_context():
            app_row = apps.get_app_by_key(admin, app_key) if _app_exists(app_key) else \
                apps.seed_app(app_key, "客户关系", "", icon="handshake", color="blue")
            db.session.commit()
            form = forms.create_form(admin, app_row, name)
            document = dict(form.draft, fields=fields if fields is not None else ENTRY_FIELDS,
                            layout=layout if layout is not None else ENTRY_LAYOUT,
                            rules=rules if rules is not None else ENTRY_RULES)
            if title_field:
                document["title_field"] = title_field
            forms.save_draft(admin, form, document, revision=form.draft_revision)
            if publish:
                forms.publish(admin, form)
            return app_key, form.key

    return factory


def _app_exists(key: str) -> bool:
    from builder.apps.models import App

    return db.session.scalar(sa.select(App.id).where(App.key == key)) is not None
