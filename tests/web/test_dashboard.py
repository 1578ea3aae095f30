"""The dashboard in a real Chromium against the real stack, as a person uses it."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.support.mqtt_probe import MqttProbe, Received
from tests.support.pages import PHONE, PageFactory
from tests.support.stack import BOARD, wait_until
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack

pytestmark = pytest.mark.integration

PINK = [255, 59, 107]
AMBER = [255, 170, 0]


def current_app(stack: WebStack) -> str | None:
    app: str | None = stack.get("/api/current").json()["app"]
    return app


def test_clicking_an_app_card_switches_the_board(dashboard: Dashboard, web_stack: WebStack) -> None:
    assert web_stack.post("/api/apps/scroll_text/config", json={"color": PINK}).ok
    expect(dashboard.card("clock")).to_have_attribute("aria-pressed", "true")

    dashboard.card("scroll_text").click()

    expect(dashboard.card("scroll_text")).to_have_attribute("aria-pressed", "true")
    expect(dashboard.card("clock")).to_have_attribute("aria-pressed", "false")
    assert current_app(web_stack) == "scroll_text"
    # The board really shows it: the preview lights LEDs in the scroll text's colour.
    wait_until(lambda: dashboard.leds_of(PINK) > 10, what="scroll text on the preview")

    # Keyboard: the cards are buttons.
    dashboard.card("stars").focus()
    dashboard.page.keyboard.press("Enter")
    expect(dashboard.card("stars")).to_have_attribute("aria-pressed", "true")
    assert current_app(web_stack) == "stars"
    wait_until(lambda: dashboard.leds_of(PINK) == 0, what="scroll text gone from the preview")


def test_stop_button_stops_the_board(dashboard: Dashboard, web_stack: WebStack) -> None:
    dashboard.page.get_by_test_id("stop").click()
    expect(dashboard.page.get_by_test_id("now-showing")).to_have_text("Stopped")
    expect(dashboard.card("clock")).to_have_attribute("aria-pressed", "false")
    assert current_app(web_stack) is None
    expect(dashboard.page.get_by_test_id("stop")).to_be_disabled()


def test_a_change_made_over_rest_shows_within_a_second(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    started = time.monotonic()
    assert web_stack.post("/api/settings", json={"brightness": 33}).ok
    expect(dashboard.page.get_by_test_id("brightness-value")).to_have_text("33%", timeout=1000)

    assert web_stack.post("/api/switch", json={"app": "stars"}).ok
    expect(dashboard.card("stars")).to_have_attribute("aria-pressed", "true", timeout=1000)
    expect(dashboard.page.get_by_test_id("now-showing")).to_contain_text("Stars", timeout=1000)

    assert web_stack.post("/api/apps/clock/config", json={"font": "9x18"}).ok
    form = dashboard.config_form("clock")
    expect(form.get_by_label("Bitmap font")).to_have_value("9x18", timeout=1000)
    assert time.monotonic() - started < 10


def test_an_invalid_config_value_shows_the_api_message(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    form = dashboard.config_form("scroll_text")
    speed = form.get_by_label("Pixels per frame")
    speed.fill("99")
    form.get_by_role("button", name="Save").click()

    refusal = web_stack.post("/api/apps/scroll_text/config", json={"speed": 99})
    assert refusal.status_code == 422
    alert = form.get_by_role("alert")
    expect(alert).to_contain_text(refusal.json()["error"])
    expect(speed).to_have_value("99")  # what the user typed is kept
    expect(speed).to_have_attribute("aria-invalid", "true")
    assert web_stack.get("/api/apps/scroll_text/config").json()["config"]["speed"] == 1

    # Correcting it saves, and the message goes.
    speed.fill("2")
    form.get_by_role("button", name="Save").click()
    expect(alert).to_have_count(0)
    wait_until(
        lambda: web_stack.get("/api/apps/scroll_text/config").json()["config"]["speed"] == 2,
        what="speed saved",
    )


def test_the_form_colour_reaches_the_preview(dashboard: Dashboard, web_stack: WebStack) -> None:
    assert web_stack.post("/api/switch", json={"app": "scroll_text"}).ok
    form = dashboard.config_form("scroll_text")
    form.get_by_label("Text colour").fill("#ffaa00")
    form.get_by_role("button", name="Save").click()

    wait_until(lambda: dashboard.leds_of(AMBER) > 10, what="amber LEDs on the preview")
    config = web_stack.get("/api/apps/scroll_text/config").json()["config"]
    assert config["color"] == AMBER
    expect(dashboard.preview).to_have_attribute("data-panel", "64x32")


def test_carousel_editor_saves_and_shows_the_rotation(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    page = dashboard.page
    add = page.get_by_label("App to add")
    for app in ("clock", "stars", "scroll_text"):
        add.select_option(app)
        page.get_by_test_id("carousel-add").click()
    page.get_by_role("button", name="Remove Scroll text").click()
    page.get_by_role("button", name="Move Stars up").click()  # stars, clock
    for index in (0, 1):
        dashboard.carousel_row(index).get_by_role("spinbutton").fill("1")
    page.get_by_role("switch", name="Rotate apps").check()
    page.get_by_test_id("carousel-save").click()

    wait_until(
        lambda: (
            web_stack.get("/api/carousel").json()["apps"]
            == [{"app": "stars", "duration": 1}, {"app": "clock", "duration": 1}]
        ),
        what="carousel saved",
    )
    assert web_stack.get("/api/carousel").json()["enabled"] is True
    # The running position moves from row to row, and the live app card with it.
    for index, app in ((0, "stars"), (1, "clock"), (0, "stars")):
        expect(dashboard.carousel_row(index)).to_have_attribute(
            "data-running", "true", timeout=4000
        )
        expect(dashboard.card(app)).to_have_attribute("aria-pressed", "true", timeout=2000)


def test_stopping_the_api_shows_reconnecting_and_a_restart_resyncs(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    web_stack.stop_api()
    expect(dashboard.connection).to_have_attribute("data-status", "reconnecting")
    expect(dashboard.connection).to_contain_text("Reconnecting")
    expect(dashboard.connection).to_contain_text("attempt", timeout=5000)

    # While the api is away the board changes (a command straight over MQTT).
    web_stack.probe.clear()
    web_stack.probe.publish(f"retroboard/{BOARD}/cmd/settings", {"brightness": 12})
    web_stack.probe.wait_for(
        f"retroboard/{BOARD}/state/settings", lambda m: m.json()["brightness"] == 12
    )
    expect(dashboard.page.get_by_test_id("brightness-value")).to_have_text("80%")

    web_stack.start_api()
    dashboard.wait_connected(timeout=15_000)
    expect(dashboard.connection).to_have_text("Connected")
    expect(dashboard.page.get_by_test_id("brightness-value")).to_have_text("12%")


def shown_brightness(board: Dashboard, stack: WebStack, sent: MqttProbe, value: int) -> Received:
    """Change the brightness over REST; its state message once the page shows it."""
    assert stack.post("/api/settings", json={"brightness": value}).ok
    expect(board.page.get_by_test_id("brightness-value")).to_have_text(f"{value}%")
    return sent.wait_for(
        f"retroboard/{BOARD}/state/settings", lambda m: m.json()["brightness"] == value
    )


def frames_after(sent: MqttProbe, fence: Received) -> int:
    """Frames the renderer published after the state message ``fence``."""
    start = next(i for i, seen in enumerate(sent.messages) if seen is fence)
    return sum(m.topic == f"retroboard/{BOARD}/frame" for m in sent.messages[start:])


def test_preview_is_watched_only_while_visible(new_page: PageFactory, web_stack: WebStack) -> None:
    assert web_stack.post("/api/switch", json={"app": "scroll_text"}).ok
    board = Dashboard(new_page(PHONE), web_stack.url).open()
    expect(board.preview).to_have_attribute("data-watching", "true")
    wait_until(lambda: board.frames() > 3, what="frames while visible")

    board.page.get_by_test_id("carousel-save").scroll_into_view_if_needed()
    expect(board.preview).to_have_attribute("data-watching", "false")
    # The renderer goes on sending frames (asked for here, whatever the api does): they
    # travel from its connection to the page in order with its state changes, so a
    # shown brightness is a fence for the frames published before it.
    sent = MqttProbe(web_stack.broker.url, f"retroboard/{BOARD}/#")
    sent.start()
    try:
        sent.wait_for(f"retroboard/{BOARD}/state/settings", lambda m: m.retain)
        sent.publish(f"retroboard/{BOARD}/cmd/preview", {"ttl": 30})
        # Frames already on their way when the page stopped watching land before this.
        fence = shown_brightness(board, web_stack, sent, 21)
        before = board.frames()
        wait_until(
            lambda: frames_after(sent, fence) >= 15,  # scroll text at 30 fps
            what="frames published while the page does not watch",
        )
        shown_brightness(board, web_stack, sent, 22)
    finally:
        sent.stop()
    assert board.frames() - before <= 1  # the ~15 published frames did not reach the page

    board.preview.scroll_into_view_if_needed()
    expect(board.preview).to_have_attribute("data-watching", "true")
    wait_until(lambda: board.frames() > before + 3, what="frames again")


def test_theme_is_remembered(new_page: PageFactory, web_stack: WebStack) -> None:
    board = Dashboard(new_page(theme=None), web_stack.url).open()
    html = board.page.locator("html")
    start = html.get_attribute("data-theme")
    other = "light" if start == "dark" else "dark"
    board.page.get_by_test_id("theme-toggle").click()
    expect(html).to_have_attribute("data-theme", other)
    board.page.reload()
    expect(html).to_have_attribute("data-theme", other)
