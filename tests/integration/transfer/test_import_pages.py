"""The import wizard over HTTP: upload → map → preview → run → error workbook."""

from __future__ import annotations

import io
import re

import pytest

from runtime.transfer.models import ImportRun
from tests.conftest import csrf_token
from tests.transfer_files import xlsx

from .conftest import HEADERS, run_import_job, workbook_rows

EN = {"Accept-Language": "en"}


@pytest.fixture
def signed_in(client, login_as, customers):
    target, user = customers
    login_as(user)
    return target, f"/a/{target.app.key}/{target.form.key}"


def _upload(client, base, data: bytes, name="customers.xlsx"):
    token = csrf_token(client, base + "/import")
    return client.post(base + "/import", data={"csrf_token": token,
                                               "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=EN)


def test_the_whole_wizard(client, signed_in):
    target, base = signed_in
    listing = client.get(base, headers=EN).get_data(as_text=True)
    assert f'href="{base}/import"' in listing and "Export" in listing

    data = xlsx([HEADERS, ["甲公司", "A", "13812345678", 10, None, None, None, None],
                 ["甲 公司", "B", None, None, None, None, None, None],
                 ["乙公司", "Z", None, None, None, None, None, None]])
    answer = _upload(client, base, data)
    assert answer.status_code == 303
    map_url = answer.headers["Location"]
    page = client.get(map_url, headers=EN).get_data(as_text=True)
    assert re.search(r'name="col_0">.*?<option value="f_name01" selected', page, re.S)
    assert re.search(r'name="col_2">.*?<option value="f_phone1" selected', page, re.S)

    form = {"csrf_token": csrf_token(client, map_url), "duplicates": "skip",
            "keys": "f_name01", "normalise": "1"}
    form.update({f"col_{i}": fid for i, fid in enumerate(
        ["f_name01", "f_level1", "f_phone1", "f_amnt01", "", "", "", ""])})
    answer = client.post(map_url, data=form, headers={**EN, "HX-Request": "true"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/preview")
    preview = client.get(answer.headers["Location"], headers={**EN, "HX-Request": "true"})
    html = preview.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="wizard"')  # the panel alone, for htmx
    assert "choose one of: A、B、C" in html and "same 公司名称 as row 2 of this file" in html
    assert html.count('class="badge badge-success"') >= 2  # the count and row 2

    start = preview.request.path.replace("/preview", "/start")
    token = csrf_token(client, map_url.replace("/map", "/preview"))
    answer = client.post(start, data={"csrf_token": token}, headers=EN)
    assert answer.status_code == 303
    run_page = client.get(answer.headers["Location"], headers=EN).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in run_page and "Waiting to start" in run_page

    run_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    from builder.db import db
    from runtime.audit.models import AuditEntry
    started = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "import.run")).one()
    assert started.summary["import_id"] == run_id
    assert str(started.target_id) == str(target.form.id)
    run_import_job(run_id)
    done = client.get(f"{base}/import/{run_id}/progress",
                      headers={**EN, "HX-Request": "true"}).get_data(as_text=True)
    assert "every 1s" not in done and "Import finished" in done
    assert "Download the rows not imported" in done
    download = client.get(f"{base}/import/{run_id}/errors.xlsx", headers=EN)
    assert download.status_code == 200
    rows = workbook_rows_from_bytes(download.data)
    assert rows[1][0] == "乙公司" and "choose one of" in rows[1][-1]


def workbook_rows_from_bytes(data: bytes):
    import tempfile
    from pathlib import Path

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(data)
        handle.flush()
        return workbook_rows(Path(handle.name))


def test_someone_else_cannot_see_an_import(client, signed_in, make_user, login_as):
    target, base = signed_in
    answer = _upload(client, base, xlsx([HEADERS, ["甲公司"]]))
    map_url = answer.headers["Location"]
    client.post("/sign-out", data={"csrf_token": csrf_token(client, base)})
    login_as(make_user())
    assert client.get(map_url).status_code == 404
    run_id = map_url.split("/")[-2]
    assert client.get(f"{base}/import/{run_id}/errors.xlsx").status_code == 404
    assert ImportRun.query.count() == 1


def test_an_upload_over_the_size_limit_gets_the_form_back(app, client, signed_in,
                                                          monkeypatch):
    target, base = signed_in
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    answer = _upload(client, base, b"x" * (2 * 1024 * 1024), "big.csv")
    assert answer.status_code == 413
    html = answer.get_data(as_text=True)
    assert "larger than 1 MB" in html and 'type="file"' in html


def test_a_file_that_is_not_a_table_is_refused_beside_the_field(client, signed_in):
    target, base = signed_in
    answer = _upload(client, base, "Name\nCafé Zoë\n".encode("latin-1"), "x.csv")
    assert answer.status_code == 422
    assert "UTF-8 or GBK" in answer.get_data(as_text=True)
    assert ImportRun.query.count() == 0


def test_mapping_errors_come_back_beside_the_columns(client, signed_in):
    target, base = signed_in
    answer = _upload(client, base, xlsx([["公司名称", "手机"], ["甲公司", "13812345678"]]))
    map_url = answer.headers["Location"]
    form = {"csrf_token": csrf_token(client, map_url), "duplicates": "skip",
            "col_0": "f_phone1", "col_1": "f_phone1", "keys": "f_name01"}
    answer = client.post(map_url, data=form, headers={**EN, "HX-Request": "true"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "already chosen for column A" in html and "can identify duplicates" in html
