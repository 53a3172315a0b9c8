"""Link cells name records of the linked form by its display field (one query a chunk)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from builder.db import db
from runtime.records import forms_lookup
from runtime.records import service as records
from runtime.transfer import service
from tests.transfer_files import csv_bytes

from .conftest import do_import, records_of


@pytest.fixture
def contacts(app, publish_form, make_user):  # noqa: F811
    user = make_user(name="Wang Fang")
    company = [{"id": "f_cname1", "type": "text", "label": "公司名称", "config": {}}]
    app_key, company_key = publish_form(fields=company, layout=[], rules=[], name="公司",
                                        title_field="f_cname1")
    with app.test_request_context():
        companies = forms_lookup.resolve(user, app_key, company_key)
        ids = {name: records.create(user, companies.published, {"f_cname1": name}).id
               for name in ["甲公司", "乙公司", "乙公司 ", "丁公司"]}
    fields = [{"id": "f_pname1", "type": "text", "label": "姓名", "config": {}},
              {"id": "f_comp01", "type": "link", "label": "公司", "config": {
                  "form": companies.published.form_id, "display_field": "f_cname1"}},
              {"id": "f_past01", "type": "link", "label": "曾任职", "config": {
                  "form": companies.published.form_id, "multiple": True}}]
    _app, key = publish_form(fields=fields, layout=[], rules=[], name="联系人",
                             title_field="f_pname1")
    with app.test_request_context():
        target = forms_lookup.resolve(user, app_key, key)
    return target, user, ids


def test_link_cells_are_matched_by_the_display_field(ctx, contacts):
    target, user, ids = contacts
    data = csv_bytes([["姓名", "公司", "曾任职"], ["张三", "甲公司", "丁公司、甲公司"],
                      ["李四", "乙公司", ""], ["王五", "丙公司", ""],
                      ["赵六", f"#{ids['甲公司']}", ""], ["钱七", "", "丁公司"]])
    run = do_import(target, user, "c.csv", data, keys=[])
    assert (run.created, run.failed) == (3, 2)
    linked = {r["f_pname1"]: r["f_comp01"] for r in records_of(target)}
    assert linked == {"张三": ids["甲公司"], "赵六": ids["甲公司"], "钱七": None}
    table = target.published.side_table("f_past01")
    past = db.session.execute(sa.select(table.c.target_id).order_by(table.c.id)).scalars().all()
    assert past == [ids["丁公司"], ids["甲公司"], ids["丁公司"]]
    messages = [e.message for e in service.error_rows(run)]
    assert "several records of 公司 are called “乙公司”" in messages[0]
    assert "no record of 公司 is called “丙公司”" in messages[1]


def test_one_query_per_chunk_whatever_the_number_of_rows(ctx, contacts, monkeypatch):
    from runtime.transfer import importer

    target, user, ids = contacts
    monkeypatch.setattr(importer, "CHUNK_SIZE", 20)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if "f_cname1" in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = [[f"人{i}", "甲公司"] for i in range(40)]
        run = do_import(target, user, "c.csv", csv_bytes([["姓名", "公司"], *rows]), keys=[])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert run.created == 40
    lookups = [s for s in statements if "rec_" in s and "SELECT" in s.upper()]
    assert len(lookups) == 2  # 40 rows in two chunks


def test_an_export_names_the_linked_records_and_imports_back(ctx, contacts):
    import tempfile
    from pathlib import Path

    from runtime.transfer import export

    target, user, ids = contacts
    data = csv_bytes([["姓名", "公司", "曾任职"], ["张三", "甲公司", "丁公司、甲公司"]])
    do_import(target, user, "c.csv", data, keys=["f_pname1"])
    wanted = export.ExportRequest(columns=["f_pname1", "f_comp01", "f_past01"], format="xlsx")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.xlsx"
        export.write(user, target.published, wanted, path)
        from .conftest import workbook_rows

        rows = workbook_rows(path)
        assert rows[1] == ["张三", "甲公司", "丁公司、甲公司"]
        again = do_import(target, user, "out.xlsx", path.read_bytes(), keys=["f_pname1"],
                          duplicates="update")
    assert (again.unchanged, again.failed) == (1, 0)
