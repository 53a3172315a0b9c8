"""Attachment and image fields over HTTP: upload checks, binding on save, guarded download."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from builder.db import db, utcnow
from runtime.files.models import UploadedFile
from tests import files_support as samples
from tests.conftest import csrf_token

FIELDS = [
    {"id": "f_title1", "type": "text", "label": "标题", "required": True, "config": {}},
    {"id": "f_docs01", "type": "attachment", "label": "合同", "config": {
        "multiple": True, "max_files": 3, "max_size_mb": 1, "extensions": ["pdf", "docx"]}},
    {"id": "f_pics01", "type": "image", "label": "照片", "config": {"max_size_mb": 1}},
]


@pytest.fixture
def form_url(publish_form):
    app_key, form_key = publish_form(fields=FIELDS, layout=[], rules=[], title_field="f_title1")
    return f"/a/{app_key}/{form_key}"


@pytest.fixture
def staff(make_user, login_as, client):
    user = make_user(email="staff@example.com", name="王芳")
    login_as(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


def _upload(client, form_url, field_id, content: bytes, name: str, token=None):
    token = token if token is not None else csrf_token(client, f"{form_url}/new")
    return client.post(f"{form_url}/files/{field_id}",
                       data={"file": (io.BytesIO(content), name)},
                       headers={"X-CSRFToken": token, "HX-Request": "true"},
                       content_type="multipart/form-data")


def _token_of(response) -> str:
    found = re.search(r'type="hidden" name="f_[a-z0-9]+" value="([A-Za-z0-9_-]{20,})"',
                      response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:1500]
    return found.group(1)


def _row(token: str) -> UploadedFile:
    db.session.expire_all()
    return db.session.scalar(sa.select(UploadedFile).where(UploadedFile.token == token))


def _create(client, form_url, **values):
    data = {"csrf_token": csrf_token(client, f"{form_url}/new"), "f_title1": "合同一",
            "_action": "save", **values}
    return client.post(f"{form_url}/new", data=data)


def _sign_in_other(client, make_user, login_as):
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    other = make_user(email="other@example.com", name="李雷")
    login_as(other)
    return other


# ---------------------------------------------------------------- upload


def test_upload_answers_a_chip_and_stores_the_file_under_a_random_name(app, client, staff,
                                                                       form_url):
    response = _upload(client, form_url, "f_docs01", samples.pdf(), "合同 2026.pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "合同 2026.pdf" in html and "data-file-remove" in html
    row = _row(_token_of(response))
    assert (row.record_id, row.uploaded_by_id, row.field_id) == (None, staff.id, "f_docs01")
    assert row.content_type == "application/pdf" and row.size == len(samples.pdf())
    stored = Path(app.config["JIMU_DATA_DIR"]) / row.path
    assert stored.read_bytes() == samples.pdf()
    assert re.fullmatch(r"files/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}", row.path)
    assert row.token not in row.path and "合同" not in row.path


def _stored_files(app) -> set[Path]:
    return {p for p in (Path(app.config["JIMU_DATA_DIR"]) / "files").rglob("*") if p.is_file()}


def test_too_big_wrong_type_and_spoofed_files_are_refused_naming_the_field(app, client, staff,
                                                                           form_url):
    before = _stored_files(app)
    big = _upload(client, form_url, "f_docs01", samples.pdf(2 * 1024 * 1024), "big.pdf")
    assert big.status_code == 422
    assert "合同: only pdf, docx up to 1 MB are allowed (got 2 MB)" in big.get_data(as_text=True)
    exe = _upload(client, form_url, "f_docs01", samples.program(), "setup.exe")
    assert exe.status_code == 422
    assert "合同: only pdf, docx up to 1 MB are allowed (got exe)" in exe.get_data(as_text=True)
    spoofed = _upload(client, form_url, "f_docs01", samples.program(), "合同.pdf")
    assert spoofed.status_code == 422
    assert "the content of 合同.pdf is not a pdf file" in spoofed.get_data(as_text=True)
    zipped = _upload(client, form_url, "f_docs01", samples.plain_zip(), "report.docx")
    assert zipped.status_code == 422
    picture = _upload(client, form_url, "f_pics01", samples.pdf(), "photo.png")
    assert picture.status_code == 422 and "照片" in picture.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UploadedFile)) == 0
    assert _stored_files(app) == before


def test_office_documents_and_images_are_recognised_by_content(client, staff, form_url):
    docx = _upload(client, form_url, "f_docs01", samples.office("docx"), "方案.docx")
    assert docx.status_code == 200
    assert _row(_token_of(docx)).content_type.endswith("wordprocessingml.document")
    image = _upload(client, form_url, "f_pics01", samples.png(), "门店.PNG")
    assert image.status_code == 200 and _row(_token_of(image)).content_type == "image/png"
    assert 'class="file-thumb"' in image.get_data(as_text=True)


def test_the_instance_upload_cap_applies_before_the_fields_limit(app, client, staff,
                                                                 form_url, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100_000)
    response = _upload(client, form_url, "f_docs01", samples.pdf(300_000), "a.pdf")
    assert response.status_code == 422 and "(got 293 KB)" in response.get_data(as_text=True)


def test_a_plain_post_with_a_file_never_fails(client, staff, form_url):
    data = {"csrf_token": csrf_token(client, f"{form_url}/new"), "f_title1": "无脚本",
            "f_docs01__file": (io.BytesIO(samples.pdf()), "a.pdf"),
            "f_docs01": (io.BytesIO(samples.pdf()), "b.pdf"), "_action": "save"}
    response = client.post(f"{form_url}/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303


def test_too_large_in_chinese(client, staff, form_url):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    big = _upload(client, form_url, "f_docs01", samples.pdf(2 * 1024 * 1024), "big.pdf")
    assert "合同：只允许不超过 1 MB 的 pdf, docx 文件（收到 2 MB）" in big.get_data(as_text=True)


@pytest.mark.parametrize(("name", "stored", "status"), [
    ("../../etc/passwd.pdf", "passwd.pdf", 200),
    ("..\\..\\windows\\win.pdf", "*", 200),
    ("a\x00b.pdf", "ab.pdf", 200),
    ("invoice\u202efdp.exe", None, 422),
    ("长" * 300 + ".pdf", "长" * 196 + ".pdf", 200),
    ("<img src=x onerror=alert(1)>.pdf", "_img src=x onerror=alert(1)_.pdf", 200),
])
def test_hostile_file_names_are_cleaned_and_escaped(client, staff, form_url, name, stored,
                                                    status):
    response = _upload(client, form_url, "f_docs01", samples.pdf(), name)
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    assert "<img src=x" not in html and "\x00" not in html and "\u202e" not in html
    if stored:
        name = _row(_token_of(response)).name
        assert "/" not in name and "\\" not in name and name.endswith(".pdf")
        assert stored == "*" or name == stored


def test_upload_needs_csrf_sign_in_and_a_file_field(client, staff, form_url, app):
    assert _upload(client, form_url, "f_docs01", samples.pdf(), "a.pdf", token="").status_code \
        == 400
    assert _upload(client, form_url, "f_title1", samples.pdf(), "a.pdf").status_code == 404
    assert _upload(client, form_url, "f_nope01", samples.pdf(), "a.pdf").status_code == 404
    token = csrf_token(client, f"{form_url}/new")
    empty = client.post(f"{form_url}/files/f_docs01", data={},
                        headers={"X-CSRFToken": token})
    assert empty.status_code == 422 and "choose a file" in empty.get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": token})
    anonymous = _upload(client, form_url, "f_docs01", samples.pdf(), "a.pdf", token=token)
    assert anonymous.status_code == 401 and "/sign-in" in anonymous.headers["HX-Redirect"]


# ---------------------------------------------------------------- saving and downloading


def test_saving_binds_the_files_and_others_may_download_them(client, staff, form_url,
                                                             make_user, login_as):
    token = _token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "合同.pdf"))
    created = _create(client, form_url, f_docs01=["", token])
    assert created.status_code == 303, created.get_data(as_text=True)[:3000]
    row = _row(token)
    assert row.record_id is not None
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert f"/files/{token}" in page and "合同.pdf" in page
    listing = client.get(form_url).get_data(as_text=True)
    assert "1 file" in listing
    _sign_in_other(client, make_user, login_as)
    download = client.get(f"/files/{token}")
    assert download.status_code == 200 and download.data == samples.pdf()
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"filename*=UTF-8''{quote('合同.pdf')}" \
        in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "application/pdf"
    inline = client.get(f"/files/{token}/inline")  # not an image: still a download
    assert inline.headers["Content-Disposition"].startswith("attachment")


def test_someone_elses_unbound_upload_is_neither_served_nor_attachable(client, staff,
                                                                       form_url, make_user,
                                                                       login_as):
    token = _token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "私人.pdf"))
    assert client.get(f"/files/{token}").status_code == 200  # the uploader previews it
    _sign_in_other(client, make_user, login_as)
    assert client.get(f"/files/{token}").status_code == 404
    refused = _create(client, form_url, f_docs01=token)
    assert refused.status_code == 422
    assert "is not available any more" in refused.get_data(as_text=True)
    assert _row(token).record_id is None


def test_a_file_of_another_record_or_field_cannot_be_reused(client, staff, form_url):
    token = _token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "a.pdf"))
    assert _create(client, form_url, f_docs01=token).status_code == 303
    again = _create(client, form_url, f_docs01=token)
    assert again.status_code == 422
    picture = _token_of(_upload(client, form_url, "f_pics01", samples.png(), "p.png"))
    assert _create(client, form_url, f_docs01=picture).status_code == 422


def test_trashed_records_and_removed_files_are_not_served(client, staff, form_url):
    token = _token_of(_upload(client, form_url, "f_pics01", samples.png(), "门店.png"))
    record = _create(client, form_url, f_pics01=token).headers["Location"]
    inline = client.get(f"/files/{token}/inline")
    assert inline.status_code == 200 and inline.headers["Content-Type"] == "image/png"
    assert inline.headers["Content-Disposition"].startswith("inline")
    edit = client.post(f"{record}/edit", data={
        "csrf_token": csrf_token(client, f"{record}/edit"), "row_version": "1",
        "f_title1": "合同一", "f_pics01": ""})
    assert edit.status_code == 303
    assert client.get(f"/files/{token}").status_code == 404  # removed from the record
    history = client.get(f"{record}?tab=history").get_data(as_text=True)
    entry_id = re.search(r"/history/(\d+)/restore", history).group(1)
    restored = client.post(f"{record}/history/{entry_id}/restore", data={
        "csrf_token": csrf_token(client, record), "row_version": "2"})
    assert restored.status_code == 303, restored.get_data(as_text=True)[:2000]
    assert client.get(f"/files/{token}").status_code == 200  # back with the old version
    client.post(f"{record}/delete", data={"csrf_token": csrf_token(client, record)})
    assert client.get(f"/files/{token}").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, staff, form_url):
    token = _token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "a.pdf"))
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    response = client.get(f"/files/{token}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.get("/files/not-a-token").status_code == 302


def test_unknown_tokens_are_404(client, staff):
    assert client.get("/files/" + "A" * 43).status_code == 404
    assert client.get("/files/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_the_entry_form_keeps_uploaded_files_across_a_refresh(client, staff, form_url):
    token = _token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "报价.pdf"))
    refreshed = client.post(f"{form_url}/new/refresh", data={
        "csrf_token": csrf_token(client, f"{form_url}/new"), "f_docs01": ["", token]},
        headers={"HX-Request": "true"})
    html = refreshed.get_data(as_text=True)
    assert "报价.pdf" in html and f'value="{token}"' in html
    refused = _create(client, form_url, f_title1="", f_docs01=["", token])
    assert refused.status_code == 422 and "报价.pdf" in refused.get_data(as_text=True)


# ---------------------------------------------------------------- cleanup


def test_orphans_older_than_a_day_are_removed_once(app, client, staff, form_url):
    from runtime.files import service
    from runtime.jobs.models import JobRun

    old = _row(_token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "old.pdf")))
    fresh = _row(_token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "new.pdf")))
    kept = _token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "kept.pdf"))
    _create(client, form_url, f_docs01=kept)
    runs = db.session.scalars(sa.select(JobRun).where(JobRun.job == "files.clean_orphan")).all()
    assert len(runs) == 3 and all(r.run_at > utcnow() + timedelta(hours=24) for r in runs)
    db.session.execute(sa.update(UploadedFile).values(created_at=utcnow() - timedelta(days=2))
                       .where(UploadedFile.id != fresh.id))
    db.session.commit()
    path = Path(app.config["JIMU_DATA_DIR"]) / old.path
    for _ in range(2):  # a second run finds nothing to do
        for row_id in (old.id, fresh.id, _row(kept).id):
            service.clean_orphan(row_id)
            db.session.commit()
    assert _row(old.token) is None and not path.exists()
    assert _row(fresh.token) is not None and _row(kept).record_id is not None


def test_the_cleanup_job_is_registered(app):
    from runtime.files import jobs
    from runtime.jobs import registry

    assert registry.get("files.clean_orphan").handler is jobs.clean_orphan


def test_a_double_submit_cannot_bind_one_file_to_two_records(app, client, staff, form_url):
    from runtime.files import service as files
    from runtime.records import forms_lookup
    from runtime.records.exceptions import ValidationFailed

    token = _token_of(_upload(client, form_url, "f_docs01", samples.pdf(), "a.pdf"))
    assert _create(client, form_url, f_docs01=token).status_code == 303
    bound = _row(token).record_id
    with app.test_request_context():
        app_key, form_key = form_url.split("/")[2:4]
        form = forms_lookup.resolve(staff, app_key, form_key).published
        with pytest.raises(ValidationFailed):
            files.bind(form, bound + 1, {"f_docs01": [{"id": token}]})
    assert _row(token).record_id == bound


def test_uploading_needs_a_user_who_may_enter_records(app, staff, form_url):
    from builder.exceptions import PermissionDenied
    from runtime.files import service as files
    from runtime.records import forms_lookup

    with app.test_request_context():
        app_key, form_key = form_url.split("/")[2:4]
        form = forms_lookup.resolve(staff, app_key, form_key).published
        staff.is_active = False
        with pytest.raises(PermissionDenied):
            files.upload(staff, form, "f_docs01", io.BytesIO(samples.pdf()), "a.pdf")
    db.session.rollback()
