"""Transitions, carousel schedules and night mode on the dashboard, in a real Chromium
against the real stack: what a person sets reaches the board (read back over REST), and
what the board says shows on the page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.stack import wait_until
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack

pytestmark = pytest.mark.integration

PINK = [255, 59, 107]


def settings(stack: WebStack) -> dict[str, Any]:
    data: dict[str, Any] = stack.get("/api/settings").json()
    return data


def night(stack: WebStack) -> dict[str, Any]:
    data: dict[str, Any] = stack.get("/api/night").json()
    return data


def local_time(hours_from_now: int) -> str:
    """The board's local time ``hours_from_now`` hours on, as "HH:MM" (the renderer of
    the test stack reads the same system timezone as this process)."""
    return (datetime.now().astimezone() + timedelta(hours=hours_from_now)).strftime("%H:%M")


def test_the_transition_control_sets_the_boards_transition(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    panel = dashboard.board_settings
    status = panel.get_by_test_id("transition-status")
    expect(status).to_have_text("Between any two things shown: None")
    expect(panel.get_by_label("Direction")).to_have_count(0)  # only for slide and wipe

    panel.get_by_label("Type").select_option("slide")
    panel.get_by_label("Direction").select_option("up")
    duration = panel.get_by_label("Duration (ms)")
    duration.fill("800")
    duration.press("Tab")  # leaving the field sends it

    expect(status).to_have_text("Between any two things shown: Slide up, 800 ms")
    assert settings(web_stack)["transition"] == {
        "type": "slide",
        "direction": "up",
        "duration": 800,
    }

    panel.get_by_label("Type").select_option("fade")
    expect(panel.get_by_label("Direction")).to_have_count(0)
    expect(status).to_have_text("Between any two things shown: Fade, 800 ms")
    assert settings(web_stack)["transition"]["type"] == "fade"

    # Too long: the api's refusal shows, what was typed stays, the board keeps its own.
    duration.fill("9000")
    duration.press("Tab")
    refusal = web_stack.post(
        "/api/settings", json={"transition": {"type": "fade", "direction": "up", "duration": 9000}}
    )
    assert refusal.status_code == 422
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text(refusal.json()["error"])
    expect(duration).to_have_value("9000")
    expect(duration).to_have_attribute("aria-invalid", "true")
    expect(status).to_have_text("Between any two things shown: Fade, 800 ms")
    assert settings(web_stack)["transition"]["duration"] == 800

    # A change made elsewhere shows here.
    other = {"type": "wipe", "direction": "right", "duration": 250}
    assert web_stack.post("/api/settings", json={"transition": other}).ok
    expect(status).to_have_text("Between any two things shown: Wipe right, 250 ms")
    expect(panel.get_by_label("Direction")).to_have_value("right")
    expect(duration).to_have_value("250")


def test_a_carousel_entry_gets_days_a_window_a_transition_and_the_carousel_a_fallback(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    page = dashboard.page
    add = page.get_by_label("App to add")
    for app in ("clock", "stars"):
        add.select_option(app)
        page.get_by_test_id("carousel-add").click()

    schedule = dashboard.carousel_schedule(0)
    schedule.get_by_role("button", name="Sat").click()
    schedule.get_by_role("button", name="Sun").click()
    expect(schedule.get_by_role("button", name="Sat")).to_have_attribute("aria-pressed", "true")
    expect(schedule.get_by_role("button", name="Mon")).to_have_attribute("aria-pressed", "false")
    schedule.get_by_label("From").fill("22:00")
    schedule.get_by_label("Until").fill("02:00")  # across midnight
    schedule.get_by_label("Transition in").select_option("fade")
    schedule.get_by_label("Duration (ms)").fill("9000")
    page.get_by_label("When no app is scheduled").select_option("stars")
    page.get_by_test_id("carousel-save").click()

    # Too long a transition is refused: the api's message shows, the edit stays.
    entry = {
        "app": "clock",
        "duration": 10,
        "days": ["sat", "sun"],
        "from": "22:00",
        "until": "02:00",
        "transition": {"type": "fade", "direction": "left", "duration": 9000},
    }
    refusal = web_stack.post("/api/carousel", json={"apps": [entry]})
    assert refusal.status_code == 422
    alert = page.get_by_test_id("carousel-form").get_by_role("alert")
    expect(alert).to_contain_text(refusal.json()["error"])
    expect(schedule.get_by_label("Duration (ms)")).to_have_value("9000")
    expect(schedule.get_by_label("Duration (ms)")).to_have_attribute("aria-invalid", "true")
    seconds = dashboard.carousel_row(0).get_by_label("Seconds Clock shows (position 1)")
    expect(seconds).to_have_attribute("aria-invalid", "false")  # not the one refused
    expect(dashboard.carousel_row(0)).to_have_class("row invalid")
    assert web_stack.get("/api/carousel").json()["apps"] == []

    schedule.get_by_label("Duration (ms)").fill("400")
    page.get_by_test_id("carousel-save").click()
    expect(alert).to_have_count(0)
    entry["transition"] = {"type": "fade", "direction": "left", "duration": 400}
    wait_until(
        lambda: (
            web_stack.get("/api/carousel").json()["apps"]
            == [entry, {"app": "stars", "duration": 10}]
        ),
        what="carousel saved with the schedule",
    )
    assert web_stack.get("/api/carousel").json()["fallback"] == "stars"
    # The row sums its schedule up; the plain one says nothing.
    expect(page.get_by_test_id("carousel-schedule-0")).to_have_text(
        "Sat, Sun · 22:00–02:00 · Fade, 400 ms"
    )
    expect(page.get_by_test_id("carousel-schedule-1")).to_have_count(0)
    expect(page.get_by_test_id("carousel-status")).to_have_text("Off")  # saved, not rotating
    expect(page.get_by_label("When no app is scheduled")).to_have_value("stars")

    # Taking the schedule away again leaves a plain entry.
    for day in ("Sat", "Sun"):
        schedule.get_by_role("button", name=day).click()
    schedule.get_by_role("button", name="All day").click()
    schedule.get_by_label("Transition in").select_option("default")
    page.get_by_test_id("carousel-save").click()
    wait_until(
        lambda: (
            web_stack.get("/api/carousel").json()["apps"][0] == {"app": "clock", "duration": 10}
        ),
        what="plain entry saved",
    )
    expect(page.get_by_test_id("carousel-schedule-0")).to_have_count(0)


def test_night_mode_is_set_and_switched_on_by_hand(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    assert web_stack.post("/api/apps/scroll_text/config", json={"color": PINK}).ok
    panel = dashboard.night
    status = dashboard.night_status
    expect(status).to_have_text("Off")
    # A window that does not include now: night mode stays off until switched by hand.
    start, end = local_time(6), local_time(7)
    panel.get_by_test_id("night-from-time").fill(start)
    panel.get_by_test_id("night-until-time").fill(end)
    panel.get_by_label("Brightness at night").fill("25")
    expect(panel.get_by_test_id("night-brightness-value")).to_have_text("25%")
    panel.get_by_label("Shows at night").select_option("scroll_text")
    panel.get_by_role("switch", name="By schedule").check()

    wanted = {
        "success": True,
        "enabled": True,
        "from": start,
        "until": end,
        "brightness": 25,
        "app": "scroll_text",
        "active": False,
        "manual": False,
    }
    wait_until(lambda: night(web_stack) == wanted, what="night mode saved")
    expect(panel.get_by_test_id("night-explanation")).to_have_text(f"On from {start} until {end}.")
    expect(status).to_have_text("Off")
    dashboard.preview.scroll_into_view_if_needed()
    drawn = dashboard.frames()
    wait_until(lambda: dashboard.frames() > drawn + 3, what="preview frames")
    assert dashboard.leds_of(PINK) == 0  # the clock, not the night app

    panel.get_by_role("button", name="Switch on now").click()
    expect(status).to_have_text("On now (by hand)")
    expect(status).to_have_attribute("data-active", "true")
    assert night(web_stack)["active"] is True
    assert night(web_stack)["manual"] is True
    expect(panel.get_by_test_id("night-explanation")).to_contain_text("by hand")
    # Night mode's app is on the panel now (the preview draws only while in view).
    dashboard.preview.scroll_into_view_if_needed()
    wait_until(lambda: dashboard.leds_of(PINK) > 10, what="the night app on the preview")

    panel.get_by_role("button", name="Switch off now").click()
    dashboard.preview.scroll_into_view_if_needed()
    expect(status).to_have_text("Off")  # the window agrees: no longer "by hand"
    assert night(web_stack)["manual"] is False
    wait_until(lambda: dashboard.leds_of(PINK) == 0, what="the night app gone")

    # Switched on elsewhere (REST), the page follows.
    assert web_stack.post("/api/night", json={"active": True}).ok
    expect(status).to_have_text("On now (by hand)")


def test_a_sun_edge_needs_the_location_and_the_page_shows_the_refusal(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    panel = dashboard.night
    location = dashboard.board_settings.get_by_test_id("location-form")
    expect(panel.get_by_test_id("night-location-hint")).to_be_visible()
    expect(location.get_by_test_id("location-status")).to_have_text(
        "No location: night mode follows clock times only"
    )

    panel.get_by_test_id("night-from-kind").select_option("sunset")
    refusal = web_stack.post("/api/night", json={"from": "sunset"})
    assert refusal.status_code == 409
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text(refusal.json()["error"])
    expect(panel.get_by_test_id("night-from-kind")).to_have_attribute("aria-invalid", "true")
    assert night(web_stack)["from"] == "22:00"

    # With the board's location the same choice goes through.
    location.get_by_label("Latitude (°N)").fill("52.52")
    location.get_by_label("Longitude (°E)").fill("13.4")
    location.get_by_role("button", name="Save").click()
    expect(location.get_by_test_id("location-status")).to_have_text(
        "Sunset and sunrise for 52.52, 13.4"
    )
    assert (settings(web_stack)["latitude"], settings(web_stack)["longitude"]) == (52.52, 13.4)
    expect(panel.get_by_test_id("night-location-hint")).to_have_count(0)

    offset = panel.get_by_test_id("night-from-offset")
    offset.fill("30")
    offset.press("Tab")
    expect(alert).to_have_count(0)
    wait_until(lambda: night(web_stack)["from"] == "sunset+30", what="from sunset+30")
    expect(panel.get_by_test_id("night-from-meaning")).to_have_text("30 min after sunset")
    panel.get_by_test_id("night-until-kind").select_option("sunrise")
    wait_until(lambda: night(web_stack)["until"] == "sunrise", what="until sunrise")

    # Night mode by the sun on: the location cannot be forgotten, and the page says why.
    panel.get_by_role("switch", name="By schedule").check()
    wait_until(lambda: night(web_stack)["enabled"], what="night mode on")
    location.get_by_role("button", name="Clear").click()
    clear = web_stack.post("/api/settings", json={"latitude": None, "longitude": None})
    assert clear.status_code == 409
    expect(location.get_by_role("alert")).to_contain_text(clear.json()["error"])
    assert settings(web_stack)["latitude"] == 52.52

    # Off again, it can.
    panel.get_by_role("switch", name="By schedule").uncheck()
    wait_until(lambda: not night(web_stack)["enabled"], what="night mode off")
    location.get_by_role("button", name="Clear").click()
    expect(location.get_by_test_id("location-status")).to_have_text(
        "No location: night mode follows clock times only"
    )
    assert settings(web_stack)["latitude"] is None
