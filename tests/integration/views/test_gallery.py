"""The gallery view: cards page by keyset; covers only from files of fields the person
sees, else a placeholder (see test_gallery_files.py for covers from real uploads)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from builder.fields import Field
from runtime.records import service
from runtime.records.forms_lookup import resolve
from runtime.views import gallery
from tests.conftest import csrf_token

TOKEN = "Zk3x9qaPw2Lm7Nb4Vc8Xr1Ty5Ud6Ie0Of"
PNG = {"id": TOKEN, "name": "门头.png", "size": 2048, "type": "image/png"}
PDF = {"id": "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc", "name": "合同.pdf", "size": 4096,
       "type": "application/pdf"}


@pytest.fixture
def staff(make_user, login_as, client):
    user = make_user(email="staff@example.com", name="王芳", is_admin=True)
    login_as(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


def test_the_cover_is_the_first_image_at_its_inline_address():
    found = gallery.cover([PDF, PNG], "西湖店")
    assert (found.url, found.name) == (f"/files/{TOKEN}/inline", "门头.png")


def test_without_an_image_the_cover_is_the_first_file_or_the_initials():
    assert gallery.cover([PDF], "x") == gallery.Cover("X", name="合同.pdf", icon="file-text",
                                                    kind="PDF")
    assert gallery.cover(None, "西湖店") == gallery.Cover("西湖")
    # svg is never shown inline; a reference that is not a token is no file at all
    assert gallery.cover([{**PNG, "type": "image/svg+xml"}], "a").url is None
    assert gallery.cover([{**PNG, "id": "../../etc/passwd"}], "a") == gallery.Cover("A")


@pytest.mark.parametrize(("title", "expected"), [
    ("西湖店", "西湖"), ("杭州积木科技有限公司", "杭州"), ("Acme Corp", "AC"), ("acme", "A"),
    ("  ", "?"), ("ＡＢＣ 公司", "A"), ("Record #12", "R1")])
def test_initials(title, expected):
    assert gallery.initials(title) == expected


def test_no_cover_from_a_field_the_person_may_not_see():
    seen = Field("f_photo1", "image", "照片", {})
    visible = SimpleNamespace(published=SimpleNamespace(field_map={"f_photo1": seen}))
    hidden = SimpleNamespace(published=SimpleNamespace(field_map={}))
    assert gallery.cover_field(visible, {"cover_field": "f_photo1"}) is seen
    assert gallery.cover_field(hidden, {"cover_field": "f_photo1"}) is None


def test_the_gallery_page_pages_by_keyset(app, client, staff, publish_form):
    app_key, form_key = publish_form()
    base = f"/a/{app_key}/{form_key}"
    with app.test_request_context():
        target = resolve(staff, app_key, form_key)
        for i in range(30):
            service.create(staff, target.published, {"f_name01": f"门店{i:02d}",
                                                     "f_amnt01": str(i)})
    made = client.post(f"{base}/boards/new", data={
        "csrf_token": csrf_token(client, base), "type": "gallery", "name": "门店",
        "scope": "personal"})
    first = client.get(made.headers["Location"]).get_data(as_text=True)
    assert first.count('class="gcard"') == 24 and "门店29" in first and "/files/" not in first
    after = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(after).get_data(as_text=True)
    assert second.count('class="gcard"') == 6 and "门店00" in second
