"""Exports: the rows a filter selects, in its sort, with the chosen live columns only;
formula-like text escaped; large exports as a job only the requester can download."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from builder.db import db, utcnow
from runtime.jobs import runner
from runtime.jobs.models import JobRun
from runtime.records import service as records
from runtime.transfer import export
from runtime.transfer.models import ExportRun
from tests.conftest import csrf_token

from .conftest import CUSTOMER, do_import, records_of, workbook_rows

SECRET = {"id": "f_secret", "type": "text", "label": "内部备注", "deleted": True, "config": {}}
EN = {"Accept-Language": "en"}


@pytest.fixture
def filled(app, publish_form, make_user, login_as, client):  # noqa: F811
    from runtime.records import forms_lookup

    app_key, form_key = publish_form(fields=[*CUSTOMER, SECRET], layout=[], rules=[])
    user = make_user(name="Wang Fang", email="wang@example.com")
    with app.test_request_context():
        target = forms_lookup.resolve(user, app_key, form_key)
        form = target.published
        for name, level, amount, note in [("甲公司", "a", "300", "=HYPERLINK(\"http://x\")"),
                                          ("乙公司", "b", "100", "@home"),
                                          ("丙公司", "a", "200", "-5 度"),
                                          ("丁公司", "a", "50", "plain")]:
            records.create(user, form, {"f_name01": name, "f_level1": level, "f_amnt01": amount,
                                        "f_notes1": note, "f_rep001": user.id,
                                        "f_start1": "2026-03-01", "f_tags01": ["crm", "erp"]})
        gone = records.create(user, form, {"f_name01": "已删除公司", "f_level1": "a"})
        records.delete(user, form, gone.id)
    login_as(user)
    return target, user, f"/a/{app_key}/{form_key}"


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(r) for r in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()


def test_filter_sort_and_columns(client, filled):
    target, user, base = filled
    query = urlencode({"format": "xlsx", "columns": "f_name01,f_amnt01,f_rep001,f_start1,f_tags01",
                       "filter": json.dumps({"field": "f_level1", "op": "eq", "value": "a"}),
                       "sort": "-f_amnt01"})
    answer = client.get(f"{base}/export?{query}", headers=EN)
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = _xlsx_rows(answer.data)
    assert rows[0] == ["公司名称", "金额", "负责人", "签约日期", "意向产品"]
    assert [r[0] for r in rows[1:]] == ["甲公司", "丙公司", "丁公司"]  # the trashed one is not
    assert rows[1][1] == 300 and rows[1][2] == "Wang Fang"
    assert rows[1][3].date() == date(2026, 3, 1) and rows[1][4] == "客户管理、进销存"


def test_csv_has_a_bom_and_formula_like_text_is_escaped(client, filled):
    target, user, base = filled
    answer = client.get(f"{base}/export?format=csv&columns=f_name01,f_notes1&sort=f_name01")
    assert answer.status_code == 200 and answer.data.startswith(b"\xef\xbb\xbf")
    text = answer.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "公司名称,备注"
    assert "'=HYPERLINK(\"\"http://x\"\")" in text and "'@home" in text and "'-5 度" in text
    assert ",plain" in text


def test_xlsx_text_that_looks_like_a_formula_stays_text(client, filled):
    target, user, base = filled
    rows = _xlsx_rows(client.get(f"{base}/export?columns=f_notes1&sort=f_amnt01").data)
    assert [r[0] for r in rows[1:]] == ["plain", "'@home", "'-5 度", "'=HYPERLINK(\"http://x\")"]


def test_deleted_fields_are_never_exported(client, filled):
    target, user, base = filled
    header = _xlsx_rows(client.get(f"{base}/export").data)[0]
    assert "内部备注" not in header and header[0] == "公司名称"
    answer = client.get(f"{base}/export?columns=f_name01,f_secret", headers=EN)
    assert answer.status_code == 422
    assert "choose columns among the fields of this form" in answer.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("format=pdf", "choose xlsx or csv"),
    ("filter=%7Bnot+json", "the filter cannot be used"),
    ("filter=" + json.dumps({"field": "f_nope01", "op": "eq", "value": 1}), "unknown field"),
    ("sort=f_nope01", "sort only by fields of this form"),
    ("ids=1,x", "choose at most 1000 records by their numbers"),
])
def test_bad_requests_are_refused_with_a_message(client, filled, query, message):
    target, user, base = filled
    answer = client.get(f"{base}/export?{query}", headers=EN)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)


def test_a_large_export_runs_as_a_job_only_the_requester_can_download(
        client, filled, monkeypatch, make_user, login_as):
    target, user, base = filled
    monkeypatch.setattr(export, "INLINE_LIMIT", 2)
    offer = client.get(f"{base}/export?format=xlsx&sort=f_name01", headers=EN)
    assert offer.status_code == 200 and "This export has 4 rows" in offer.get_data(as_text=True)
    answer = client.post(f"{base}/export", data={
        "csrf_token": csrf_token(client, f"{base}/export?format=xlsx&sort=f_name01"),
        "format": "xlsx", "sort": "f_name01", "columns": "f_name01,f_level1"}, headers=EN)
    assert answer.status_code == 303
    status_url = answer.headers["Location"]
    waiting = client.get(status_url, headers=EN).get_data(as_text=True)
    assert "Preparing the file" in waiting and "every 1s" in waiting

    run = db.session.scalar(sa.select(ExportRun))
    job = db.session.scalar(sa.select(JobRun).where(JobRun.run_key == f"transfer.export:{run.id}"))
    runner.execute(job.id)
    runner.execute(job.id)
    db.session.expire_all()
    ready = client.get(f"{status_url}/progress", headers={**EN, "HX-Request": "true"})
    assert "The file is ready" in ready.get_data(as_text=True)
    download = client.get(f"{status_url}/download")
    assert download.status_code == 200
    rows = _xlsx_rows(download.data)
    assert rows[0] == ["公司名称", "级别"] and [r[0] for r in rows[1:]] == sorted(
        ["甲公司", "乙公司", "丙公司", "丁公司"])

    client.post("/sign-out", data={"csrf_token": csrf_token(client, base)})
    login_as(make_user())
    assert client.get(f"{status_url}/download").status_code == 404
    assert client.get(status_url).status_code == 404


def test_an_expired_export_is_gone(client, filled, monkeypatch):
    target, user, base = filled
    monkeypatch.setattr(export, "INLINE_LIMIT", 0)
    with client.application.test_request_context():
        run = export.start(user, target.published, export.ExportRequest(format="csv"))
    export.run_export(run.id)
    db.session.commit()
    run = db.session.get(ExportRun, run.id)
    url = f"{base}/exports/{run.id}/download"
    answer = client.get(url)
    assert answer.status_code == 200
    lines = answer.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("公司名称,级别,手机") and len(lines) == 5  # all live fields
    run.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    answer = client.get(url, headers=EN)
    assert answer.status_code == 410 and "no longer available" in answer.get_data(as_text=True)
    export.expire_export(run.id)
    db.session.commit()
    assert db.session.get(ExportRun, run.id).status == "expired"


def test_an_export_imports_back_unchanged(client, filled, app):
    target, user, base = filled
    data = client.get(f"{base}/export").data
    before = records_of(target)
    with app.test_request_context(headers=EN):
        run = do_import(target, user, "export.xlsx", data, duplicates="update")
    assert (run.created, run.updated, run.failed) == (0, 0, 0) and run.unchanged == 4
    assert records_of(target) == before
    assert workbook_rows  # the helper stays importable for other tests


def test_the_table_view_exports_what_it_shows(client, filled):
    """The table view's export links carry its filter, sort and columns."""
    import html as html_lib
    from urllib.parse import parse_qs, urlsplit

    _target, _user, base = filled
    view = ('?filter={"field":"f_level1","op":"eq","value":"a"}'
            "&sort=-f_amnt01&cols=f_name01,f_amnt01")
    page = client.get(base + view, headers=EN).get_data(as_text=True)
    links = [html_lib.unescape(m) for m in re.findall(r'href="([^"]*/export\?[^"]*)"', page)]
    assert links, "no export link on the table view"
    args = parse_qs(urlsplit(links[0]).query)
    assert json.loads(args["filter"][0]) == {"field": "f_level1", "op": "eq", "value": "a"}
    assert args["sort"] == ["-f_amnt01"] and args["columns"] == ["f_name01,f_amnt01"]
    answer = client.get(links[0], headers=EN)
    assert answer.status_code == 200


def test_an_export_is_audited_with_its_filter_and_row_count(client, filled):
    from runtime.audit.models import AuditEntry

    _target, user, base = filled
    query = urlencode({"format": "csv", "filter": json.dumps(
        {"field": "f_level1", "op": "eq", "value": "a"})})
    assert client.get(f"{base}/export?{query}", headers=EN).status_code == 200
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "export.run")).one()
    assert entry.actor_id == user.id and entry.summary["rows"] == 3
    assert entry.summary["filter"] == {"field": "f_level1", "op": "eq", "value": "a"}


def test_the_ticked_rows_export_alone_within_the_views_filter(client, filled, app):
    """"Export selected" sends the ticked ids: only those rows, still inside the view's
    filter and the person's rights, and the audit says which ones."""
    from runtime.audit.models import AuditEntry

    target, user, base = filled
    page = client.get(base, headers=EN).get_data(as_text=True)
    assert "data-bulk-export" in page and "Export selected" in page
    with app.test_request_context():
        ids = {r.values["f_name01"]: r.id for r in records.page(user, target.published,
                                                                  limit=50)}
    query = urlencode({"format": "xlsx", "ids": f"{ids['甲公司']},{ids['乙公司']}",
                       "filter": json.dumps({"field": "f_level1", "op": "eq", "value": "a"}),
                       "columns": "f_name01"})
    answer = client.get(f"{base}/export?{query}", headers=EN)
    assert answer.status_code == 200
    assert _xlsx_rows(answer.data) == [["公司名称"], ["甲公司"]]  # 乙 is level b
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "export.run")).one()
    assert entry.summary["rows"] == 1 and entry.summary["ids"] == sorted(
        [ids["甲公司"], ids["乙公司"]])
