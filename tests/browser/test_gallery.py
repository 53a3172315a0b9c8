"""A gallery in Chromium: a new gallery view takes the image field as cover, the uploaded
photo really loads and fills its cover; cards without one show a placeholder."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests import files_support as samples
from tests.browser.test_files import publish_file_form

#: there are cover images and every one of them has been decoded
LOADED = """() => {
  const imgs = [...document.querySelectorAll('.gcard-cover img')];
  return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
}"""


@pytest.fixture
def shops(live_server, make_account):
    """The contract form with three records: a photo and a PDF, a PDF only, nothing."""
    from builder.db import db
    from runtime.accounts import service as accounts
    from runtime.files import service as files
    from runtime.records import forms_lookup
    from runtime.records import service as records

    url = publish_file_form(live_server, make_account)
    make_account("wang@example.com", "Wang Fang")
    app_key, form_key = url.rsplit("/a/", 1)[1].split("/")
    with live_server.app.app_context(), live_server.app.test_request_context():
        wang = accounts.find_user_by_email("wang@example.com")
        form = forms_lookup.resolve(wang, app_key, form_key).published

        def upload(field_id: str, content: bytes, name: str) -> str:
            return files.upload(wang, form, field_id, io.BytesIO(content), name).token

        for title, photo in (("西湖店", True), ("滨江店", False)):
            values = {"f_title1": title, "f_docs01": [upload("f_docs01", samples.pdf(),
                                                              f"{title}租约.pdf")]}
            if photo:
                values["f_pics01"] = [upload("f_pics01", samples.png(320, 240, gradient=True),
                                             "门头.png")]
            records.create(wang, form, values)
        db.session.commit()
    return url


def test_a_gallery_shows_the_uploaded_photo_as_the_cover(page, sign_in, shops):
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(shops)
    page.click(".new-view-menu > summary")
    page.select_option("#card-view-type", "gallery")
    page.fill("#card-view-name", "Shops")
    page.click(".new-card-view button[type=submit]")
    expect(page.locator(".gallery .gcard")).to_have_count(2)

    photo = page.locator(".gcard", has_text="西湖店").locator(".gcard-cover img")
    expect(photo).to_be_visible()
    page.wait_for_function(LOADED)
    assert photo.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [320, 240]
    cover = page.locator(".gcard", has_text="西湖店").locator(".gcard-cover").bounding_box()
    shown = photo.bounding_box()
    assert (round(shown["width"]), round(shown["height"])) == (
        round(cover["width"]), round(cover["height"]))

    plain = page.locator(".gcard", has_text="滨江店").locator(".gcard-cover")
    expect(plain.locator("img")).to_have_count(0)
    expect(plain.locator(".gcard-initials")).to_have_text("滨江")

    # with the attachment as cover, a PDF is shown by its type and name
    page.click("details.view-settings > summary")
    page.select_option("#slot-cover_field", "f_docs01")
    page.click("details.view-settings button[type=submit]")
    doc = page.locator(".gcard", has_text="滨江店").locator(".gcard-cover")
    expect(doc.locator(".gcard-file-name")).to_have_text("滨江店租约.pdf")
    expect(doc.locator(".gcard-kind")).to_have_text("PDF")
    expect(page.locator(".gcard-cover img")).to_have_count(0)
