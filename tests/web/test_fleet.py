"""The board picker: a search over the boards the api knows, against a stack that
serves two boards, and one whose broker holds 10,000 more."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, Request, expect

from tests.support.fleet_boards import retain_statuses
from tests.support.pages import PageFactory
from tests.support.processes import ServiceProcess
from tests.support.stack import wait_until
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack, start_web_stack, stop_web_stack

pytestmark = pytest.mark.integration

ANNEX = "annex"
PAGE_SIZE = 20  # the picker's page (web/src/stores/boards.ts)
MANY = [f"desk-{n:05d}" for n in range(10_000)]


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


@pytest.fixture(scope="module")
def big_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    """A stack of its own whose broker also has 10,000 boards online (no renderers)."""
    stack = start_web_stack(tmp_path_factory.mktemp("big-fleet"))
    try:
        retain_statuses(stack.broker.port, dict.fromkeys(MANY, True))
        total = len(MANY) + 1  # and the stack's own board
        try:
            wait_until(
                lambda: stack.get("/api/boards", params={"limit": 1}).json()["total"] == total,
                60,
                "every board listed",
            )
        except TimeoutError:
            listed = stack.get("/api/boards", params={"limit": 1}).json()["total"]
            raise AssertionError(f"{listed} of {total} boards listed\n{stack.logs()}") from None
        yield stack
    finally:
        stop_web_stack(stack)


def options(page: Page) -> Locator:
    """The picker's options, as a screen reader finds them."""
    return page.get_by_role("listbox", name="Boards").get_by_role("option")


def test_board_picker_follows_another_board(
    fleet: tuple[WebStack, ServiceProcess], new_page: PageFactory
) -> None:
    stack, annex = fleet
    board = Dashboard(new_page(), stack.url).open()
    page = board.page
    picker = page.get_by_label("Board", exact=True)
    expect(picker).to_be_visible()
    expect(picker).to_have_value("test")
    expect(page.get_by_role("listbox", name="Boards")).to_be_hidden()

    picker.click()
    expect(options(page)).to_have_text(["● annex — online", "● test — online"])
    picker.press_sequentially("t")  # typing a prefix narrows the list
    expect(options(page)).to_have_text(["● test — online"])
    picker.press("Escape")  # closes and shows the followed board again
    expect(page.get_by_role("listbox", name="Boards")).to_be_hidden()
    expect(picker).to_have_value("test")

    picker.press_sequentially("an")
    expect(options(page)).to_have_text(["● annex — online"])
    picker.press("ArrowDown")
    expect(options(page).first).to_have_attribute("aria-selected", "true")
    picker.press("Enter")
    board.wait_connected()
    expect(page.get_by_role("region", name="Live preview")).to_contain_text(ANNEX)
    assert "board=annex" in page.url
    expect(picker).to_have_value(ANNEX)

    # Commands now go to the picked board, the default one is left alone.
    board.card("stars").click()
    expect(board.card("stars")).to_have_attribute("aria-pressed", "true")
    assert stack.get(f"/api/boards/{ANNEX}/current").json()["app"] == "stars"
    assert stack.get("/api/current").json()["app"] != "stars"

    # Its renderer goes away: the page says so, the picker shows it offline.
    brightness = page.get_by_test_id("brightness-value").inner_text()
    annex.stop()
    expect(page.get_by_role("alert").filter(has_text="offline")).to_be_visible()
    picker.focus()
    expect(options(page).filter(has_text=ANNEX)).to_have_text("○ annex — offline")

    # A command now fails: the api's reason shows and the slider snaps back.
    slider = page.get_by_label("Brightness", exact=True)
    slider.focus()
    expect(page.get_by_role("listbox", name="Boards")).to_be_hidden()
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".brightness [role=alert]")).to_contain_text("offline")
    expect(page.get_by_test_id("brightness-value")).to_have_text(brightness)


def test_board_picker_searches_thousands_of_boards(
    big_fleet: WebStack, new_page: PageFactory
) -> None:
    page = new_page()
    asked: list[str] = []

    def record(request: Request) -> None:
        if urlsplit(request.url).path == "/api/boards":
            asked.append(request.url)

    page.on("request", record)
    Dashboard(page, big_fleet.url).open()
    picker = page.get_by_label("Board", exact=True)
    picker.click()
    expect(options(page)).to_have_count(PAGE_SIZE)
    expect(options(page).first).to_have_text("● desk-00000 — online")
    listbox = page.get_by_role("listbox", name="Boards")
    expect(listbox).to_contain_text(f"{len(MANY) + 1 - PAGE_SIZE} more…")

    picker.press_sequentially("desk-0123")
    expect(options(page)).to_have_count(10)
    expect(options(page).first).to_have_text("● desk-01230 — online")
    expect(listbox).not_to_contain_text("more…")
    picker.press_sequentially("4")
    expect(options(page)).to_have_text(["● desk-01234 — online"])
    options(page).first.click()

    expect(page).to_have_url(re.compile(r"[?&]board=desk-01234(&|$)"))
    expect(listbox).to_be_hidden()
    expect(picker).to_have_value("desk-01234")
    # Never the whole list: every read asked for one page.
    assert asked and all(f"limit={PAGE_SIZE}" in url for url in asked), asked
