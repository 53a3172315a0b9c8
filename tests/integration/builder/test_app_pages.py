"""App pages as a browser uses them: create, edit, reorder, trash; bad input never a 500."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from builder.apps.models import App, AppVersion
from builder.db import db

XSS = "<script>alert(1)</script>"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _snapshot():
    db.session.expire_all()
    return [(a.key, a.name, a.version, a.position, a.document, a.deleted_at)
            for a in db.session.scalars(select(App).order_by(App.id))], _count(AppVersion)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _main(response) -> str:
    """The page's own content, without the layout's app switcher."""
    return _text(response).split('<main id="main"', 1)[1]


# ---------------------------------------------------------------- create


def test_admin_creates_an_app_from_the_page(client, admin, post):
    page = client.get("/build/apps/new")
    assert page.status_code == 200
    assert 'name="name"' in _text(page) and 'name="icon"' in _text(page)
    response = post("/build/apps/new", {"name": "客户管理 CRM", "description": "Deals",
                                        "icon": "handshake", "color": "teal"},
                    page="/build/apps/new")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/a/crm")
    home = client.get("/a/crm")
    assert "客户管理 CRM" in _text(home) and "created" in _text(home)
    app = db.session.scalar(select(App))
    assert (app.key, app.document["icon"], app.document["color"]) == ("crm", "handshake", "teal")
    version = db.session.scalar(select(AppVersion))
    assert (version.version, version.created_by_id) == (1, admin.id)


def test_new_app_dialog_through_htmx(client, admin, post):
    htmx = {"HX-Request": "true"}
    fragment = client.get("/build/apps/new", headers=htmx)
    assert fragment.status_code == 200
    assert "<html" not in _text(fragment) and 'hx-post="/build/apps/new"' in _text(fragment)
    assert "HX-Request" in fragment.headers["Vary"]
    bad = post("/build/apps/new", {"name": ""}, headers=htmx)
    assert bad.status_code == 422 and "<html" not in _text(bad)
    assert "App name: must not be empty." in _text(bad)
    ok = post("/build/apps/new", {"name": "HR"}, headers=htmx)
    assert ok.status_code == 204
    assert ok.headers["HX-Redirect"].endswith("/a/hr")


def test_home_shows_building_tools_to_admins_only(client, make_app, admin):
    make_app(name="CRM")
    html = _text(client.get("/"))
    assert "/build/apps/new" in html and "/build/apps/crm/edit" in html
    assert "data-sortable" in html and "js/apps.js" in html


def test_home_hides_building_tools_from_members(client, make_app, member):
    make_app(name="CRM")
    html = _text(client.get("/"))
    assert "/a/crm" in html
    assert "/build/apps" not in html and "data-sortable" not in html


BAD_INPUT = [
    ({"name": ""}, "App name: must not be empty."),
    ({"name": "   "}, "App name: must not be empty."),
    ({"name": "x" * 81}, "App name: at most 80 characters (got 81)."),
    ({"name": "x" * 95}, "App name: at most 80 characters (got 95)."),
    ({"name": "CRM\x07"}, "App name: must be one line"),
    ({"name": "CRM", "icon": "skull"}, "Icon: is not one of the offered choices"),
    ({"name": "CRM", "color": "black"}, "Colour: must be one of blue, sky"),
    ({"name": "CRM", "description": "d" * 501}, "Description: at most 500 characters (got 501)."),
    ({"name": "CRM", "key": "Bad Key"}, "Key: use 2 to 40 lowercase letters"),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUT, ids=[m[:30] for _, m in BAD_INPUT])
def test_bad_input_on_create_is_refused_beside_the_field(client, admin, post, data, message):
    response = post("/build/apps/new", data, page="/build/apps/new")
    assert response.status_code == 422
    html = _text(response)
    assert message.replace('"', "&#34;") in html
    assert 'class="error-text"' in html
    assert _count(App) == 0 and _count(AppVersion) == 0


def test_taken_key_is_refused(client, admin, post, make_app):
    make_app(name="CRM")
    before = _snapshot()
    response = post("/build/apps/new", {"name": "Other", "key": "crm"})
    assert response.status_code == 422
    assert "Key: is already used by another app" in _text(response)
    assert _snapshot() == before


def test_errors_in_the_users_language(client, admin, post):
    token_page = client.get("/")
    assert token_page.status_code == 200
    post("/language", {"lang": "zh_CN"})
    response = post("/build/apps/new", {"name": "x" * 95})
    assert response.status_code == 422
    assert "应用名称：最多 80 个字符（实际 95 个）。" in _text(response)


def test_html_in_names_is_escaped_everywhere(client, admin, post, make_app):
    make_app(name=XSS + " CRM", description=XSS, key="crm")
    for path in ("/", "/a/crm", "/build/apps/crm/edit"):
        html = _text(client.get(path))
        assert XSS not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt; CRM" in html, path
    switcher = _text(client.get("/a/crm")).split('class="menu-panel"')[1]
    assert "&lt;script&gt;" in switcher


# ---------------------------------------------------------------- edit


def test_edit_renames_and_lists_history(client, admin, post, make_app):
    make_app(name="CRM")
    response = post("/build/apps/crm/edit", {"name": "Sales", "description": "All deals",
                                             "icon": "truck", "color": "red", "version": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/build/apps/crm/edit")
    html = _text(client.get("/build/apps/crm/edit"))
    assert "Changes saved." in html
    assert "Version 2" in html and "Ada Admin" in html
    assert re.search(r"change-old\">CRM</span> → <span class=\"change-new\">Sales", html)
    app = db.session.scalar(select(App))
    assert (app.key, app.name, app.version, app.document["color"]) == ("crm", "Sales", 2, "red")
    assert _count(AppVersion) == 2


def test_edit_without_changes_saves_no_version(client, admin, post, make_app):
    make_app(name="CRM")
    response = post("/build/apps/crm/edit", {"name": "CRM", "description": "",
                                             "icon": "layout-grid", "color": "blue"})
    assert response.status_code == 303
    assert "Nothing changed." in _text(client.get("/build/apps/crm/edit"))
    assert _count(AppVersion) == 1


def test_edit_with_bad_input_changes_nothing(client, admin, post, make_app):
    make_app(name="CRM")
    before = _snapshot()
    response = post("/build/apps/crm/edit", {"name": "x" * 81, "icon": "skull"})
    assert response.status_code == 422
    html = _text(response)
    assert "App name: at most 80 characters (got 81)." in html and "Icon:" in html
    assert _snapshot() == before


def test_stale_edit_is_refused_with_409(client, admin, post, make_app):
    make_app(name="CRM")
    post("/build/apps/crm/edit", {"name": "CRM 2", "version": "1"})
    before = _snapshot()
    response = post("/build/apps/crm/edit", {"name": "CRM 3", "version": "1"})
    assert response.status_code == 409
    assert "Someone else saved this app" in _text(response)
    assert _snapshot() == before


def test_unknown_app_edit_is_404(client, admin):
    assert client.get("/build/apps/nope/edit").status_code == 404


# ---------------------------------------------------------------- order


def test_reorder_by_drag(client, admin, post, make_app):
    a, _, c = make_app(name="Alpha"), make_app(name="Beta"), make_app(name="Gamma")
    response = post("/build/apps/reorder", {"ids": f"{c.id},{a.id},999"},
                    headers={"HX-Request": "true"})
    assert response.status_code == 204
    html = _text(client.get("/"))
    assert html.index("Gamma") < html.index("Alpha") < html.index("Beta")


@pytest.mark.parametrize("ids", ["a,b", "1;2", "-1", "1,1", "9" * 20])
def test_reorder_refuses_bad_input(client, admin, post, make_app, ids):
    make_app(name="Alpha")
    make_app(name="Beta")
    before = _snapshot()
    response = post("/build/apps/reorder", {"ids": ids})
    assert response.status_code == 422
    assert _snapshot() == before


def test_move_up_and_down(client, admin, post, make_app):
    make_app(name="Alpha"), make_app(name="Beta")
    response = post("/build/apps/beta/move", {"direction": "up"})
    assert response.status_code == 303
    html = _text(client.get("/"))
    assert html.index("Beta") < html.index("Alpha")
    assert post("/build/apps/beta/move", {"direction": "sideways"}).status_code == 422


# ---------------------------------------------------------------- trash


def test_trash_restore_and_purge_through_the_pages(client, admin, post, make_app):
    make_app(name="CRM")
    make_app(name="HR")
    assert post("/build/apps/crm/trash").status_code == 303
    assert "/a/crm" not in _text(client.get("/"))  # neither in the grid nor the switcher
    assert client.get("/a/crm").status_code == 404
    trash = _main(client.get("/build/apps/trash"))
    assert "CRM" in trash and "HR" not in trash
    app_id = db.session.scalar(select(App.id).where(App.key == "crm"))

    assert post(f"/build/apps/trash/{app_id}/restore").status_code == 303
    assert client.get("/a/crm").status_code == 200

    post("/build/apps/crm/trash")
    confirm_page = client.get(f"/build/apps/trash/{app_id}/purge")
    assert confirm_page.status_code == 200 and "crm" in _text(confirm_page)
    wrong = post(f"/build/apps/trash/{app_id}/purge", {"confirm": "CRM"})
    assert wrong.status_code == 422
    assert "Confirmation: type crm exactly (got &#34;CRM&#34;)." in _text(wrong)
    assert _count(App) == 2
    done = post(f"/build/apps/trash/{app_id}/purge", {"confirm": "crm"})
    assert done.status_code == 303
    assert "deleted permanently" in _text(client.get("/build/apps/trash"))
    assert [a.key for a in db.session.scalars(select(App))] == ["hr"]
    assert _count(AppVersion) == 1


def test_purging_an_app_not_in_the_trash_is_404(client, admin, post, make_app):
    app = make_app(name="CRM")
    assert post(f"/build/apps/trash/{app.id}/purge", {"confirm": "crm"}).status_code == 404
    assert client.get(f"/build/apps/trash/{app.id}/purge").status_code == 404
    assert _count(App) == 1


# ---------------------------------------------------------------- permissions and CSRF


def test_members_get_403_on_every_builder_page_and_post(client, member, post, make_app):
    app = make_app(name="CRM")
    trashed = make_app(name="Old")
    from builder.apps import service

    class _Admin:
        id = None
        is_admin = True

    service.trash(_Admin(), trashed)
    before = _snapshot()
    pages = ["/build/apps/new", "/build/apps/crm/edit", "/build/apps/trash",
             f"/build/apps/trash/{trashed.id}/purge"]
    for path in pages:
        assert client.get(path).status_code == 403, path
    posts = [
        ("/build/apps/new", {"name": "Mine"}),
        ("/build/apps/crm/edit", {"name": "Mine"}),
        ("/build/apps/crm/trash", {}),
        ("/build/apps/crm/move", {"direction": "down"}),
        ("/build/apps/reorder", {"ids": f"{trashed.id},{app.id}"}),
        (f"/build/apps/trash/{trashed.id}/restore", {}),
        (f"/build/apps/trash/{trashed.id}/purge", {"confirm": "old"}),
    ]
    for path, data in posts:
        assert post(path, data).status_code == 403, path
    assert _snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(client, make_user, make_app):
    make_user(is_admin=True)
    make_app(name="CRM")
    for path in ("/build/apps/new", "/build/apps/trash", "/a/crm"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/build/apps/new", "/build/apps/crm/edit",
                                  "/build/apps/crm/trash", "/build/apps/reorder"])
def test_forged_csrf_is_400_and_changes_nothing(client, admin, make_app, path):
    make_app(name="CRM")
    before = _snapshot()
    response = client.post(path, data={"csrf_token": "forged", "name": "Evil", "ids": "1"})
    assert response.status_code == 400
    assert _snapshot() == before


# ---------------------------------------------------------------- app home


def test_app_home_lists_no_forms_yet(client, member, make_app):
    make_app(name="CRM", description="Customers and deals", icon="handshake", color="teal")
    response = client.get("/a/crm")
    html = _text(response)
    assert response.status_code == 200
    assert "CRM" in html and "Customers and deals" in html and "i-handshake" in html
    assert "No forms yet" in html
    assert 'href="/"' in html  # breadcrumbs back to all apps
    assert "/build/apps/crm/edit" not in html


def test_app_home_links_admins_to_the_settings(client, admin, make_app):
    make_app(name="CRM")
    assert "/build/apps/crm/edit" in _text(client.get("/a/crm"))


def test_app_home_is_404_for_unknown_and_trashed_apps(client, admin, post, make_app):
    make_app(name="CRM")
    assert client.get("/a/nope").status_code == 404
    post("/build/apps/crm/trash")
    response = client.get("/a/crm")
    assert response.status_code == 404
    assert "Page not found" in _text(response)


def test_htmx_errors_answer_a_fragment_not_a_500(client, member, post):
    htmx = {"HX-Request": "true"}
    response = client.get("/build/apps/new", headers=htmx)
    assert response.status_code == 403
    assert "<html" not in _text(response) and "error-code" in _text(response)
    forged = client.post("/build/apps/new", data={"csrf_token": "forged"}, headers=htmx)
    assert forged.status_code == 400 and "<html" not in _text(forged)
