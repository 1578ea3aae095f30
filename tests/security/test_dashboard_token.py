"""The dashboard with RETROBOARD_API_TOKEN set, in Debian's Chromium: it asks for the
token once, then uses it for Socket.IO and REST, and remembers it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.support.mosquitto import free_port
from tests.support.processes import ServiceProcess
from tests.support.stack import BOARD, Stack, api_process, wait_until
from tests.support.tokens import TOKEN
from tests.support.web_build import ensure_web_build

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROMPT = "This board needs an access token"


@pytest.fixture
def start_dashboard_api(secured: Stack, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start apis with the token serving the real dashboard, on the secured stack's broker."""
    started: list[ServiceProcess] = []

    def start(**extra: str) -> str:
        port = free_port()
        api = api_process(
            secured.broker,
            tmp_path,
            port,
            RETROBOARD_API_TOKEN=TOKEN,
            RETROBOARD_WEB_DIST=str(ensure_web_build()),
            RETROBOARD_COMMAND_TIMEOUT="5",
            **extra,
        ).start()
        started.append(api)
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            health = requests.get(f"{url}/api/health", timeout=5).json()
            return bool(health["boards"].get(BOARD, {}).get("online"))

        wait_until(ready, what="dashboard api ready")
        return url

    yield start
    for api in started:
        api.stop()


@pytest.fixture
def dashboard_url(start_dashboard_api: Callable[..., str]) -> str:
    return start_dashboard_api()


def test_the_dashboard_asks_for_the_token_once(
    browser: Browser, dashboard_url: str, secured: Stack
) -> None:
    assert secured.post("/api/switch", json={"app": "clock"}, headers=AUTH).ok
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(dashboard_url + "/")
        prompt = page.get_by_label(PROMPT)
        expect(prompt).to_be_visible()
        connection = page.get_by_test_id("connection")
        expect(connection).not_to_have_attribute("data-status", "connected")

        prompt.fill("not-the-token")
        page.get_by_role("button", name="Connect").click()
        expect(prompt).to_be_visible()
        expect(connection).not_to_have_attribute("data-status", "connected")

        prompt.fill(TOKEN)
        page.get_by_role("button", name="Connect").click()
        expect(connection).to_have_attribute("data-status", "connected")
        expect(prompt).to_be_hidden()

        # REST commands from the page carry the token too.
        page.get_by_test_id("app-card-stars").click()
        wait_until(
            lambda: current_app(secured) == "stars",
            what="the dashboard's switch to stars",
        )

        # Remembered in this browser: no prompt after a reload.
        page.reload()
        expect(connection).to_have_attribute("data-status", "connected")
        expect(page.get_by_label(PROMPT)).to_have_count(0)
    finally:
        context.close()


def current_app(stack: Stack) -> str:
    """The default board's app, read with the token."""
    app: str = stack.get("/api/current", headers=AUTH).json()["app"]
    return app


def test_with_public_reads_the_first_refused_command_asks_for_the_token(
    browser: Browser, start_dashboard_api: Callable[..., str], secured: Stack
) -> None:
    assert secured.post("/api/switch", json={"app": "clock"}, headers=AUTH).ok
    url = start_dashboard_api(RETROBOARD_API_PUBLIC_READS="true")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(url + "/")
        connection = page.get_by_test_id("connection")
        expect(connection).to_have_attribute("data-status", "connected")  # no token needed
        expect(page.get_by_label(PROMPT)).to_have_count(0)

        page.get_by_test_id("app-card-stars").click()  # refused: 401
        prompt = page.get_by_label(PROMPT)
        expect(prompt).to_be_visible()
        assert current_app(secured) == "clock"

        prompt.fill(TOKEN)
        page.get_by_role("button", name="Connect").click()
        expect(connection).to_have_attribute("data-status", "connected")
        expect(prompt).to_be_hidden()
        page.get_by_test_id("app-card-stars").click()
        wait_until(lambda: current_app(secured) == "stars", what="the switch to stars")
    finally:
        context.close()
