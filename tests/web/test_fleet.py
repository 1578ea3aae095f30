"""The board picker, against a stack that serves two boards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support.pages import PageFactory
from tests.support.processes import ServiceProcess
from tests.support.stack import wait_until
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack, start_web_stack, stop_web_stack

pytestmark = pytest.mark.integration

ANNEX = "annex"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebStack, ServiceProcess]]:
    """Its own stack (the session's one stays a single board) plus a second board."""
    stack = start_web_stack(tmp_path_factory.mktemp("fleet"))
    annex = stack.start_renderer(ANNEX)
    try:
        wait_until(
            lambda: any(
                b["id"] == ANNEX and b["online"] for b in stack.get("/api/boards").json()["boards"]
            ),
            what="second board online",
        )
        yield stack, annex
    finally:
        annex.stop()
        stop_web_stack(stack)


def test_board_picker_follows_another_board(
    fleet: tuple[WebStack, ServiceProcess], new_page: PageFactory
) -> None:
    stack, annex = fleet
    board = Dashboard(new_page(), stack.url).open()
    picker = board.page.get_by_label("Board", exact=True)
    expect(picker).to_be_visible()
    expect(picker.locator("option")).to_have_text(["● annex — online", "● test — online"])
    expect(picker).to_have_value("test")

    picker.select_option(ANNEX)
    board.wait_connected()
    expect(board.page.get_by_role("region", name="Live preview")).to_contain_text(ANNEX)
    assert "board=annex" in board.page.url

    # Commands now go to the picked board, the default one is left alone.
    board.card("stars").click()
    expect(board.card("stars")).to_have_attribute("aria-pressed", "true")
    assert stack.get(f"/api/boards/{ANNEX}/current").json()["app"] == "stars"
    assert stack.get("/api/current").json()["app"] != "stars"

    # Its renderer goes away: the page says so, the picker shows it offline.
    brightness = board.page.get_by_test_id("brightness-value").inner_text()
    annex.stop()
    expect(board.page.get_by_role("alert").filter(has_text="offline")).to_be_visible()
    expect(picker.locator("option", has_text=ANNEX)).to_have_text("○ annex — offline")

    # A command now fails: the api's reason shows and the slider snaps back.
    slider = board.page.get_by_label("Brightness")
    slider.focus()
    board.page.keyboard.press("ArrowLeft")
    expect(board.page.locator(".brightness [role=alert]")).to_contain_text("offline")
    expect(board.page.get_by_test_id("brightness-value")).to_have_text(brightness)
