"""The organisation in Chromium: create two departments, drag one under the other, add people."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _create(page, name: str) -> None:
    page.fill("#dept-name", name)
    page.click("form[action$='/admin/org/departments'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(name)


def _drag_under(page, name: str, parent: str) -> None:
    """Drag a department by its handle onto the (empty) child list of another."""
    handle = page.locator(".org-node", has_text=name).locator(".drag-handle").first
    parent_node = page.locator(".org-root > .org-node", has_text=parent)
    target = parent_node.locator("> ul.org-children")
    start = handle.bounding_box()
    row = parent_node.locator("> .org-row").bounding_box()
    goal = {"x": row["x"] + 60, "y": row["y"] + row["height"] + 2}
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    steps = 12
    for i in range(1, steps + 1):
        page.mouse.move(start["x"] + (goal["x"] - start["x"]) * i / steps,
                        start["y"] + (goal["y"] - start["y"]) * i / steps)
        page.wait_for_timeout(30)
    page.mouse.up()
    expect(target.locator(".org-node", has_text=name)).to_be_visible()


def test_admin_builds_a_small_organisation(page, live_server, make_account, sign_in):
    make_account("org-admin@example.com", "Olga Admin", is_admin=True)
    make_account("mia@example.com", "Mia Member")
    make_account("max@example.com", "Max Manager")
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "org-admin@example.com")
    page.click(".admin-menu summary")
    page.click(".admin-menu a[href='/admin/org/']")
    expect(page.locator("h1")).to_have_text("Organisation")
    _create(page, "Alpha Sales")
    _create(page, "Beta East")

    with page.expect_response(re.compile(r"/admin/org/move$")) as moved:
        _drag_under(page, "Beta East", "Alpha Sales")
    assert moved.value.status == 200
    page.reload()  # the server kept the move
    nested = page.locator(".org-root > .org-node", has_text="Alpha Sales").locator(
        "ul.org-children .org-name")
    expect(nested).to_have_text(["Beta East"])

    page.click("a.org-name:text('Beta East')")
    expect(page.locator("h1")).to_have_text("Beta East")
    expect(page.locator(".breadcrumbs")).to_contain_text("Alpha Sales")
    page.select_option("#member-user", label="Mia Member · mia@example.com")
    page.click("form[action$='/members'] button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Member added.")
    page.select_option("#manager-user", label="Max Manager · max@example.com")
    page.click("form[action$='/managers'] button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Manager added.")
    expect(page.locator("#members-title ~ *").first).to_be_visible()
    members = page.locator("section[aria-labelledby=members-title] tbody")
    expect(members).to_contain_text("Mia Member")
    expect(members).to_contain_text("Primary")
    managers = page.locator("section[aria-labelledby=managers-title] .people-list")
    expect(managers).to_contain_text("Max Manager")

    page.goto(f"{live_server.url}/admin/audit/?action=department.*")
    table = page.locator(".audit-table")
    for key in ("department.created", "department.moved", "department.member_added",
                "department.manager_added"):
        expect(table).to_contain_text(key)
