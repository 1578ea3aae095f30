"""Fixtures of the browser tests: the real stack once per session and a fresh page (and
board state) per test; the browser itself comes from ``tests/support/browser.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.support.pages import DESKTOP, PageFactory
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack, start_web_stack, stop_web_stack


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    """Broker, renderer, bridge and api (serving web/dist), shared by the browser tests."""
    stack = start_web_stack(tmp_path_factory.mktemp("web-stack"))
    yield stack
    stop_web_stack(stack)


NIGHT_DEFAULTS = {"from": "22:00", "until": "07:00", "brightness": 10, "app": None}
"""Night mode as a new board has it (and off: not by the window, not by hand)."""
NO_TRANSITION = {"type": "none", "direction": "left", "duration": 500}


@pytest.fixture(autouse=True)
def known_state(web_stack: WebStack) -> None:
    """Each test starts from the same board: carousel off (nothing as its fallback),
    clock shown, brightness 80, no transition, no location, night mode off."""
    for path, body in (
        # Night mode first: a window by the sun would refuse forgetting the location.
        ("/api/night", {"enabled": False, "active": False, **NIGHT_DEFAULTS}),
        ("/api/carousel", {"enabled": False, "apps": [], "fallback": "off"}),
        (
            "/api/settings",
            {"brightness": 80, "transition": NO_TRANSITION, "latitude": None, "longitude": None},
        ),
        ("/api/apps/scroll_text/config", {"text": "RetroBoard", "speed": 1, "fps": 30}),
        ("/api/switch", {"app": "clock"}),
    ):
        response = web_stack.post(path, json=body)
        assert response.ok, (path, response.text)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[PageFactory]:
    """Open browser pages (desktop size unless told); uncaught page errors fail the test."""
    contexts = []
    errors: list[str] = []

    def open_page(viewport: dict[str, int] = DESKTOP, theme: str | None = "dark") -> Page:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        if theme is not None:  # else the page's own choice (the system's, or remembered)
            context.add_init_script(f"localStorage.setItem('retroboard.theme', '{theme}')")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture
def dashboard(new_page: PageFactory, web_stack: WebStack) -> Dashboard:
    """The dashboard open at desktop size and connected."""
    return Dashboard(new_page(), web_stack.url).open()
