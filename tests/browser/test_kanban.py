"""A kanban board in Chromium: make a board view, drag a card to another stage and see the
record change; a refused drag snaps back and says why; the keyboard select moves too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_views import customers  # noqa: F401  (fixture)


def _drag(page, card, lane) -> None:
    """Drag a card by its handle with the mouse, in steps (Sortable's fallback mode)."""
    card.scroll_into_view_if_needed()
    handle = card.locator(".kcard-handle").bounding_box()
    box = lane.bounding_box()
    y = min(max(handle["y"], box["y"] + 20), box["y"] + box["height"] - 10)
    page.mouse.move(handle["x"] + 5, handle["y"] + 5)
    page.mouse.down()
    page.mouse.move(handle["x"] + 20, handle["y"] + 20, steps=5)
    page.mouse.move(box["x"] + box["width"] / 2, y, steps=15)
    page.mouse.up()


def _record_level(live_server, url: str, name: str) -> str | None:
    from runtime.accounts import service as accounts
    from runtime.records import service
    from runtime.records.forms_lookup import resolve

    app_key, form_key = url.rsplit("/a/", 1)[1].split("/")
    with live_server.app.app_context(), live_server.app.test_request_context():
        admin = accounts.find_user_by_email("builder@example.com")
        target = resolve(admin, app_key, form_key)
        found = [r for r in service.page(admin, target.published, limit=100)
                 if r.values["f_name01"] == name]
        return found[0].values["f_level1"]


@pytest.fixture
def board(page, sign_in, customers):  # noqa: F811
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "wang@example.com")
    page.goto(customers)
    page.click(".new-view-menu > summary")
    page.select_option("#card-view-type", "kanban")
    page.fill("#card-view-name", "Pipeline")
    page.click(".new-card-view button[type=submit]")
    expect(page.locator(".kanban")).to_be_visible()
    return customers


def test_drag_a_card_to_another_stage(page, live_server, board):
    lane_a = page.locator(".klane-cards[data-lane='a']")
    lane_b = page.locator(".klane-cards[data-lane='b']")
    card = lane_a.locator(".kcard", has_text="客户00")
    expect(card).to_be_visible()
    _drag(page, card, lane_b)
    expect(lane_b.locator(".kcard", has_text="客户00")).to_be_visible()
    expect(page.locator(".board-note")).to_have_text("Moved.")
    assert _record_level(live_server, board, "客户00") == "b"
    page.reload()
    expect(page.locator(".klane-cards[data-lane='b'] .kcard", has_text="客户00")).to_be_visible()


def test_a_refused_drag_snaps_back_with_the_reason(page, live_server, board):
    lane_c = page.locator(".klane-cards[data-lane='c']")
    card = page.locator(".klane-cards[data-lane='a'] .kcard", has_text="客户02")
    _drag(page, card, lane_c)
    expect(page.locator(".board-note")).to_contain_text("降级原因")
    expect(page.locator(".klane-cards[data-lane='a'] .kcard", has_text="客户02")).to_be_visible()
    assert _record_level(live_server, board, "客户02") == "a"


def test_move_with_the_keyboard_select(page, live_server, board):
    card = page.locator(".klane-cards[data-lane='b'] .kcard", has_text="客户01")
    card.locator("select").select_option("a")
    card.locator(".kcard-go").click()
    expect(page.locator(".klane-cards[data-lane='a'] .kcard", has_text="客户01")).to_be_visible()
    assert _record_level(live_server, board, "客户01") == "a"
