"""The gallery over real uploads: covers are the record page's own file addresses, served
to whoever may see the file, absent for a hidden field, and a named placeholder for
anything that is not an image."""

from __future__ import annotations

import io
import re

import pytest

from builder.apps import service as apps
from builder.roles import service as roles
from builder.views import domain as view_domain
from builder.views import service as view_service
from runtime.records.forms_lookup import resolve
from tests import files_support as samples
from tests.conftest import csrf_token

FIELDS = [
    {"id": "f_title1", "type": "text", "label": "标题", "required": True, "config": {}},
    {"id": "f_pics01", "type": "image", "label": "门店照片", "config": {"multiple": True,
                                                                    "max_files": 3}},
    {"id": "f_docs01", "type": "attachment", "label": "合同", "config": {
        "multiple": True, "max_files": 3, "extensions": ["pdf", "png"]}},
]
IMG = re.compile(r'<img[^>]*\bsrc="([^"]+)"')


@pytest.fixture
def shop(app, client, make_user, login_as, publish_form):
    """A form with an image and an attachment field, three records saved through the
    entry form (a photo, a PDF, nothing), and a shared gallery per cover field."""
    admin = make_user(email="staff@example.com", name="王芳", is_admin=True)
    login_as(admin)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    app_key, form_key = publish_form(fields=FIELDS, layout=[], rules=[],
                                     title_field="f_title1")
    base = f"/a/{app_key}/{form_key}"
    photo = _upload(client, base, "f_pics01", samples.png(64, 48), "门头.png")
    contract = _upload(client, base, "f_docs01", samples.pdf(), "租赁合同.pdf")
    ids = {title: _save(client, base, {"f_title1": title, **values}) for title, values in (
        ("西湖店", {"f_pics01": photo}), ("滨江店", {"f_docs01": contract}), ("萧山店", {}))}
    with app.test_request_context():
        target = resolve(admin, app_key, form_key)
        views = {}
        for cover in ("f_pics01", "f_docs01"):
            document = view_domain.new_document(cover, "gallery", target.published.fields,
                                                "f_title1", scope="everyone")
            document["config"] = {"cover_field": cover, "card_fields": [], "page_size": 24}
            views[cover] = view_service.create_view(admin, target.form, document).id
    return {"admin": admin, "base": base, "app_key": app_key, "ids": ids, "views": views,
            "photo": photo, "contract": contract}


def _upload(client, base: str, field_id: str, content: bytes, name: str) -> str:
    response = client.post(f"{base}/files/{field_id}", data={"file": (io.BytesIO(content), name)},
                           headers={"X-CSRFToken": csrf_token(client, f"{base}/new"),
                                    "HX-Request": "true"},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return re.search(r'type="hidden" name="f_[a-z0-9]+" value="([A-Za-z0-9_-]{20,})"',
                     response.get_data(as_text=True)).group(1)


def _save(client, base: str, values: dict) -> int:
    response = client.post(f"{base}/new", data={"csrf_token": csrf_token(client, f"{base}/new"),
                                                 "_action": "save", **values})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return int(re.search(r"/(\d+)$", response.headers["Location"]).group(1))


def _cards(html: str) -> dict[str, str]:
    """Each gallery card's markup by the record title it shows."""
    found = {}
    for card in re.findall(r'<li class="gcard[^"]*">(.*?)</li>', html, re.S):
        title = re.search(r'class="kcard-title[^"]*"[^>]*>([^<]+)<', card).group(1)
        found[title] = card
    return found


def _sign_in_as(client, login_as, user) -> None:
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    login_as(user)


def test_the_cover_is_the_record_pages_image_and_it_is_served(client, shop):
    base = shop["base"]
    record_page = client.get(f"{base}/{shop['ids']['西湖店']}").get_data(as_text=True)
    thumb = re.search(r'<img class="file-thumb-lg" src="([^"]+)"', record_page).group(1)
    gallery = client.get(f"{base}?view={shop['views']['f_pics01']}")
    assert gallery.status_code == 200
    cards = _cards(gallery.get_data(as_text=True))
    assert set(cards) == {"西湖店", "滨江店", "萧山店"}
    assert IMG.findall(cards["西湖店"]) == [thumb]
    served = client.get(thumb)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == samples.png(64, 48)
    for empty in ("滨江店", "萧山店"):  # no photo: a placeholder with initials, no image
        assert "<img" not in cards[empty] and "gcard-initials" in cards[empty]


def test_a_non_image_attachment_shows_its_name_not_an_image(client, shop):
    html = client.get(f"{shop['base']}?view={shop['views']['f_docs01']}").get_data(as_text=True)
    cards = _cards(html)
    assert "<img" not in cards["滨江店"] and "租赁合同.pdf" in cards["滨江店"]
    assert shop["contract"] not in html  # a name, never a download address


def _roles(app, shop, make_user) -> dict[str, object]:
    """Two shop managers who may view every record; the photos are hidden from one."""
    admin = shop["admin"]
    people = {"sees": make_user(email="sees@example.com", name="李雷"),
              "hidden": make_user(email="hidden@example.com", name="韩梅梅")}
    form_key = shop["base"].rsplit("/", 1)[1]
    with app.test_request_context():
        crm = apps.get_app_by_key(admin, shop["app_key"])
        everyone = next(r for r in roles.list_roles(admin, crm) if r.everyone)
        access = {everyone.id: {"operations": [], "scope": [], "fields": {}}}
        for key, fields in (("sees", {}), ("hidden", {"f_pics01": "hidden"})):
            role = roles.create_role(admin, crm, name=f"店长 {key}")
            roles.add_member(admin, crm, role, user_id=people[key].id)
            access[role.id] = {"operations": ["view"], "scope": [{"kind": "all"}],
                               "fields": fields}
        roles.set_access(admin, crm, form_key, access)
    return people


def test_the_cover_field_hidden_by_field_access_leaves_no_file_address(app, client, shop,
                                                                      make_user, login_as):
    people = _roles(app, shop, make_user)
    gallery = f"{shop['base']}?view={shop['views']['f_pics01']}"
    inline = f"/files/{shop['photo']}/inline"

    _sign_in_as(client, login_as, people["sees"])
    cards = _cards(client.get(gallery).get_data(as_text=True))
    assert IMG.findall(cards["西湖店"]) == [inline]
    assert client.get(inline).data == samples.png(64, 48)

    _sign_in_as(client, login_as, people["hidden"])
    response = client.get(gallery)
    assert response.status_code == 200
    assert shop["photo"].encode() not in response.data and b"/files/" not in response.data
    assert "门头.png".encode() not in response.data
    cards = _cards(response.get_data(as_text=True))
    assert set(cards) == {"西湖店", "滨江店", "萧山店"}
    assert all("<img" not in card for card in cards.values())
    assert '<span class="gcard-initials">西湖</span>' in cards["西湖店"]
    assert client.get(inline).status_code == 404
