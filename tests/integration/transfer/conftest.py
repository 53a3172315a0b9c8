"""Fixtures for imports and exports: a published customer form, uploads, running the job."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from builder.db import db
from tests.integration.records.conftest import publish_form  # noqa: F401  (fixture)

CUSTOMER = [
    {"id": "f_name01", "type": "text", "label": "公司名称", "required": True,
     "unique": {"steps": ["trim", "collapse_spaces", "halfwidth", "casefold", "suffixes"]},
     "config": {"max_length": 100}},
    {"id": "f_level1", "type": "single_select", "label": "级别", "config": {"options": [
        {"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}]}},
    {"id": "f_phone1", "type": "phone", "label": "手机", "config": {"kind": "cn_mobile"}},
    {"id": "f_amnt01", "type": "money", "label": "金额",
     "config": {"currency": "CNY", "scale": 2, "min": 0}},
    {"id": "f_start1", "type": "date", "label": "签约日期", "config": {}},
    {"id": "f_rep001", "type": "member", "label": "负责人", "config": {}},
    {"id": "f_tags01", "type": "multi_select", "label": "意向产品", "config": {"options": [
        {"id": "crm", "label": "客户管理"}, {"id": "erp", "label": "进销存"}]}},
    {"id": "f_notes1", "type": "textarea", "label": "备注", "config": {}},
    {"id": "f_serial", "type": "auto_number", "label": "客户编号", "config": {
        "parts": [{"kind": "text", "text": "KH-"}, {"kind": "seq", "width": 4}]}},
]
HEADERS = ["公司名称", "级别", "手机", "金额", "签约日期", "负责人", "意向产品", "备注"]


class Upload:
    """A file as Werkzeug hands it to a view."""

    def __init__(self, name: str, data: bytes):
        self.filename = name
        self.data = data

    def save(self, path) -> None:
        with open(path, "wb") as handle:
            handle.write(self.data)


@pytest.fixture
def ctx(app):
    """An English request context (the locale cached by earlier tests is dropped)."""
    from flask_babel import refresh

    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        yield


@pytest.fixture
def customers(app, publish_form, make_user):  # noqa: F811
    """A published customer form; returns (target, a staff user)."""
    from runtime.records import forms_lookup

    app_key, form_key = publish_form(fields=CUSTOMER, layout=[], rules=[])
    user = make_user(name="Wang Fang", email="wang@example.com")
    with app.test_request_context():
        target = forms_lookup.resolve(user, app_key, form_key)
    return target, user


def run_import_job(run_id: int) -> None:
    """Run the import's job as a worker would, twice (the second delivery is a no-op)."""
    from runtime.jobs import runner
    from runtime.jobs.models import JobRun

    db.session.commit()
    job_id = db.session.scalar(sa.select(JobRun.id).where(
        JobRun.run_key == f"transfer.import:{run_id}"))
    assert job_id is not None, "the import was not started"
    runner.execute(job_id)
    runner.execute(job_id)
    db.session.expire_all()


def records_of(target):
    """Every live record of the form, oldest first, as {field id: value}."""
    table = target.published.table
    rows = db.session.execute(sa.select(table).where(table.c.deleted_at.is_(None))
                              .order_by(table.c.id)).mappings().all()
    return [dict(r) for r in rows]


def do_import(target, user, name: str, data: bytes, *, keys=("f_name01",),
              duplicates="skip", mapping=None):
    """Upload, map (automatically unless given), start and run; returns the finished run."""
    from flask_babel import refresh

    from runtime.transfer import service

    refresh()  # the language of the current request, not one a fixture's context cached
    run = service.upload(user, target, Upload(name, data))
    if mapping is not None or keys is not None or duplicates != "skip":
        service.save_mapping(user, target, run, mapping or run.mapping, list(keys or []),
                             duplicates, True)
    service.start(user, target, run)
    run_import_job(run.id)
    return db.session.get(type(run), run.id)


def workbook_rows(path) -> list[list]:
    """The rows of an XLSX file's first sheet."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    try:
        return [list(r) for r in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()

