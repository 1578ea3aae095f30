"""Notifications and custom apps (AWTRIX 3's pushes) on the dashboard, in a real
Chromium against the real stack: compose one, see it on the preview, dismiss it, queue
them, and see a pushed custom app in the apps panel with where it came from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support.images import png
from tests.support.stack import BOARD, wait_until
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack

pytestmark = pytest.mark.integration

MAGENTA = [255, 40, 200]
"""The composed notification's text colour: nothing else on the board draws it."""
TEAL = (20, 200, 120)
"""The bell icon's one colour."""
AMBER = [255, 170, 0]
"""The pushed custom app's colour (#FFAA00)."""
WHITE = [255, 255, 255]
"""The clock's digits (its default colour)."""
MAX_QUEUED = 32
"""Notifications that may wait behind the one on show (the renderer's bound)."""


@pytest.fixture(autouse=True)
def clean_board(web_stack: WebStack) -> Iterator[None]:
    """No notification, only the original apps, an empty library, before and after."""
    web_stack.clear_notifications()
    web_stack.clear_additions()
    yield
    web_stack.clear_notifications()
    assert web_stack.post("/api/carousel", json={"enabled": False, "apps": []}).ok
    assert web_stack.post("/api/switch", json={"app": "clock"}).ok
    web_stack.clear_additions()


def test_a_composed_notification_shows_and_is_dismissed(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    assert web_stack.upload("bell", png(TEAL)).status_code == 201
    expect(dashboard.page.get_by_test_id("now-showing")).to_have_text("Showing Clock")
    expect(dashboard.notifications).to_contain_text("No notification on show.")
    dashboard.preview.scroll_into_view_if_needed()
    wait_until(lambda: dashboard.leds_of(WHITE) > 0, what="the clock on the preview")

    dashboard.compose("Door", icon="bell", color="#ff28c8", duration=600)

    current = dashboard.current_notification
    expect(current.get_by_test_id("notification-text")).to_have_text("Door")
    expect(current).to_contain_text("bell")
    expect(current.get_by_role("img", name="bell")).to_be_visible()  # the icon's thumbnail
    expect(current.get_by_test_id("notification-stays")).to_have_text("On show for 600 s")
    expect(dashboard.page.get_by_test_id("preview-notification")).to_contain_text("Door")
    sent = web_stack.get("/api/notification").json()["current"]
    assert sent["text"] == "Door" and sent["icon"] == "bell" and sent["duration"] == 600
    # The preview draws it, over the clock: its text colour and its icon's appear. (It
    # draws while on screen only, and the composer is further down the page.)
    dashboard.preview.scroll_into_view_if_needed()
    wait_until(
        lambda: dashboard.leds_of(MAGENTA) > 0 and dashboard.leds_of(list(TEAL)) > 0,
        what="the notification's text and icon on the preview",
    )

    dashboard.dismiss()

    expect(dashboard.notifications).to_contain_text("No notification on show.")
    expect(dashboard.page.get_by_test_id("preview-notification")).to_have_count(0)
    dashboard.preview.scroll_into_view_if_needed()
    wait_until(
        lambda: dashboard.leds_of(MAGENTA) == 0 and dashboard.leds_of(WHITE) > 0,
        what="the clock back on the preview",
    )
    expect(dashboard.page.get_by_test_id("now-showing")).to_have_text("Showing Clock")
    assert web_stack.get("/api/notification").json()["current"] is None


def test_held_notifications_queue_behind_each_other(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    expect(dashboard.queue_length).to_have_text("Nothing queued")

    dashboard.compose("First", hold=True)
    expect(dashboard.current_notification).to_contain_text("First")
    dashboard.compose("Second", hold=True)

    expect(dashboard.queue_length).to_have_text("1 queued")
    expect(dashboard.queued).to_have_count(1)
    expect(dashboard.queued.first).to_contain_text("Second")
    expect(dashboard.current_notification).to_contain_text("First")
    expect(dashboard.current_notification).to_contain_text("Held until dismissed")
    state = web_stack.get("/api/notification").json()
    assert [state["current"]["text"], *(n["text"] for n in state["queue"])] == ["First", "Second"]
    assert state["length"] == 1

    dashboard.dismiss()  # the next one in the queue follows

    expect(dashboard.current_notification).to_contain_text("Second")
    expect(dashboard.queue_length).to_have_text("Nothing queued")


def test_a_full_queue_is_refused_with_the_reason(dashboard: Dashboard, web_stack: WebStack) -> None:
    for n in range(MAX_QUEUED + 1):  # one on show and a full queue behind it
        response = web_stack.post("/api/notify", json={"text": f"n{n}", "hold": True})
        assert response.ok, response.text
    expect(dashboard.queue_length).to_have_text(f"{MAX_QUEUED} queued")

    dashboard.compose("One too many", hold=True)

    form = dashboard.page.get_by_test_id("notify-form")
    refusal = web_stack.post("/api/notify", json={"text": "again", "hold": True})
    assert refusal.status_code == 429
    expect(form.get_by_role("alert")).to_contain_text(refusal.json()["error"])
    expect(form.get_by_test_id("queue-full")).to_contain_text("queue is full")
    expect(dashboard.queue_length).to_have_text(f"{MAX_QUEUED} queued")  # nothing changed
    assert "One too many" not in [
        n["text"] for n in web_stack.get("/api/notification").json()["queue"]
    ]


def test_a_custom_app_pushed_over_rest_can_be_shown_and_deleted(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    response = web_stack.post("/api/custom?name=solar", json={"text": "42 W", "color": "#FFAA00"})
    assert response.ok, response.text

    card = dashboard.card("solar")
    expect(card.get_by_test_id("app-custom")).to_contain_text("Custom")
    expect(card.get_by_test_id("app-origin")).to_have_text("pushed over REST/Socket.IO")
    expect(card.get_by_test_id("app-pushed")).to_contain_text("pushed just now")
    instance = web_stack.get("/api/apps").json()["instances"]["solar"]
    assert instance["type"] == "custom" and instance["origin"] == "api"

    # It is an app like any other: a click shows it.
    card.click()
    expect(card).to_have_attribute("aria-pressed", "true")
    dashboard.preview.scroll_into_view_if_needed()
    wait_until(lambda: dashboard.leds_of(AMBER) > 0, what="the custom app on the preview")

    page = dashboard.page
    page.get_by_role("button", name="Delete solar").click()
    page.get_by_test_id("app-item-solar").get_by_role("button", name="Yes, delete").click()
    expect(card).to_have_count(0)
    assert "solar" not in web_stack.get("/api/apps").json()["apps"]


def test_a_custom_app_pushed_over_mqtt_says_so(dashboard: Dashboard, web_stack: WebStack) -> None:
    # What a Home Assistant automation does: the bare AWTRIX JSON on cmd/custom/<name>.
    web_stack.probe.publish(f"retroboard/{BOARD}/cmd/custom/Garage", {"text": "open"})

    card = dashboard.card("garage")  # the name is stored lower-case
    expect(card.get_by_test_id("app-origin")).to_have_text("MQTT cmd/custom/garage")
    expect(card.get_by_test_id("app-pushed")).to_contain_text("pushed just now")

    # It joins the carousel like any app, and the rotation shows it.
    page = dashboard.page
    for app in ("garage", "clock"):
        page.get_by_label("App to add").select_option(app)
        page.get_by_test_id("carousel-add").click()
    for index in (0, 1):
        dashboard.carousel_row(index).get_by_role("spinbutton").fill("1")
    page.get_by_role("switch", name="Rotate apps").check()
    page.get_by_test_id("carousel-save").click()
    expect(card).to_have_attribute("aria-pressed", "true", timeout=4000)
    carousel = web_stack.get("/api/carousel").json()
    assert [entry["app"] for entry in carousel["apps"]] == ["garage", "clock"]
