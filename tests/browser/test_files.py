"""Files in Chromium: upload with progress, a refused file, save, thumbnail and download."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import files_support as samples

FILE_FIELDS = [
    {"id": "f_title1", "type": "text", "label": "标题", "required": True, "config": {}},
    {"id": "f_docs01", "type": "attachment", "label": "合同", "required": True, "config": {
        "multiple": True, "max_files": 3, "max_size_mb": 5, "extensions": ["pdf", "docx"]}},
    {"id": "f_pics01", "type": "image", "label": "现场照片", "config": {
        "multiple": True, "max_files": 4}},
]


def publish_file_form(live_server, make_account) -> str:
    """A contract form with an attachment and an image field, in the app "files"."""
    from builder.apps import service as apps
    from builder.db import db
    from builder.forms import service as forms
    from runtime.accounts import service as accounts

    make_account("builder@example.com", "Builder", is_admin=True)
    with live_server.app.app_context(), live_server.app.test_request_context():
        admin = accounts.find_user_by_email("builder@example.com")
        app_row = (apps.get_app_by_key(admin, "files") if any(
            a.key == "files" for a in apps.list_apps(admin)) else apps.seed_app(
            "files", "合同管理", "", icon="briefcase", color="teal"))
        db.session.commit()
        form = forms.create_form(admin, app_row, "合同")
        document = dict(form.draft, fields=FILE_FIELDS, layout=[], rules=[],
                        title_field="f_title1")
        forms.save_draft(admin, form, document, revision=form.draft_revision)
        forms.publish(admin, form)
        return f"{live_server.url}/a/files/{form.key}"


@pytest.fixture
def file_form(live_server, make_account):
    return publish_file_form(live_server, make_account)


#: notes every value the upload's progress bar shows, however briefly it is on screen
WATCH_PROGRESS = """() => {
  window.progressSeen = {visible: false, max: 0};
  window.setInterval(() => {
    const bar = document.querySelector('#cell-f_docs01 progress.file-progress');
    if (!bar) return;
    window.progressSeen.visible ||= bar.offsetParent !== null;
    window.progressSeen.max = Math.max(window.progressSeen.max, bar.value);
  }, 20);
}"""


def _slow_uploads(page) -> None:
    """About 256 KB/s up, so the progress bar can be seen moving."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1,
        "uploadThroughput": 256 * 1024})


def test_upload_with_progress_save_and_download(page, live_server, make_account, sign_in,
                                                file_form):
    make_account("wang@example.com", "Wang Fang")
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(f"{file_form}/new")
    page.fill("#fld-f_title1", "华为框架合同")

    # A file of the wrong kind is refused at once, naming the field and what it allows.
    page.set_input_files("#fld-f_docs01", files=[{
        "name": "setup.exe", "mimeType": "application/pdf", "buffer": samples.program()}])
    expect(page.locator("#cell-f_docs01 .file-chip.is-error")).to_contain_text(
        "合同: only pdf, docx up to 5 MB are allowed (got exe)", timeout=15_000)
    page.click("#cell-f_docs01 .is-error [data-file-remove]")

    # A 1 MB PDF goes up slowly: the progress bar fills, then the chip takes its place.
    _slow_uploads(page)
    page.evaluate(WATCH_PROGRESS)
    page.set_input_files("#fld-f_docs01", files=[{
        "name": "合同.pdf", "mimeType": "application/pdf", "buffer": samples.pdf(1024 * 1024)}])
    chip = page.locator("#cell-f_docs01 .file-chip a.file-name")
    expect(chip).to_have_text("合同.pdf", timeout=30_000)
    seen = page.evaluate("() => window.progressSeen")
    assert seen["visible"] and 0 < seen["max"] <= 100, seen
    expect(page.locator("#cell-f_docs01 progress")).to_have_count(0)
    expect(page.locator("#cell-f_docs01 .file-size")).to_have_text("1 MB")
    page.set_input_files("#fld-f_pics01", files=[{
        "name": "门店.png", "mimeType": "image/png", "buffer": samples.png(32, 24)}])
    thumb = page.locator("#cell-f_pics01 img.file-thumb")
    expect(thumb).to_be_visible(timeout=15_000)
    page.wait_for_function(
        "() => document.querySelector('#cell-f_pics01 img.file-thumb').naturalWidth === 32")

    page.click("button[value=save]")
    expect(page.locator(".flash, .alert-success").first).to_contain_text("Saved",
                                                                       timeout=15_000)
    link = page.locator("a.file-link", has_text="合同.pdf")
    expect(link).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('img.file-thumb-lg')]"
                           ".every(i => i.naturalWidth === 32)")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "合同.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == samples.pdf(1024 * 1024)

    # The list shows how many files a record has.
    page.goto(file_form)
    expect(page.locator(".files-compact").first).to_contain_text("1 file")
