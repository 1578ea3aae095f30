"""App instances and the image library on the dashboard, in a real Chromium against the
real stack: upload an image, show it with an `image` app, add and delete instances."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support.stack import wait_until
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack

pytestmark = pytest.mark.integration

TEAL = (20, 200, 120)
PLUM = (150, 40, 160)


def png(rgb: tuple[int, int, int], size: tuple[int, int] = (64, 32)) -> bytes:
    """A PNG of one colour (the panel's size by default, so it fills the panel exactly)."""
    out = io.BytesIO()
    Image.new("RGB", size, rgb).save(out, format="PNG")
    return out.getvalue()


def library_names(stack: WebStack) -> list[str]:
    return [asset["name"] for asset in stack.get("/api/assets").json()["assets"]]


@pytest.fixture(autouse=True)
def clean_board(web_stack: WebStack) -> Iterator[None]:
    """Only the original apps and an empty library, before and after each test."""
    web_stack.clear_additions()
    yield
    assert web_stack.post("/api/switch", json={"app": "clock"}).ok
    web_stack.clear_additions()


def test_an_uploaded_image_shows_in_the_library(
    dashboard: Dashboard, web_stack: WebStack, tmp_path: Path
) -> None:
    picture = tmp_path / "Sea Turtle.png"
    picture.write_bytes(png(TEAL, (32, 16)))
    expect(dashboard.library).to_contain_text("No images yet.")

    dashboard.choose_file("[data-testid=asset-file]", picture)

    tile = dashboard.asset_tile("sea-turtle")  # the name defaults to the file's stem
    expect(tile).to_be_visible()
    expect(tile).to_contain_text("32×16")
    expect(tile).to_contain_text(f"{picture.stat().st_size} B")
    thumbnail = tile.get_by_role("img", name="sea-turtle")
    expect(thumbnail).to_have_js_property("naturalWidth", 32)  # the picture really loaded
    expect(dashboard.page.get_by_test_id("upload-status")).to_have_text("Uploaded sea-turtle")
    [stored] = web_stack.get("/api/assets").json()["assets"]
    assert stored == {
        "name": "sea-turtle",
        "format": "png",
        "width": 32,
        "height": 16,
        "frames": 1,
        "bytes": picture.stat().st_size,
    }

    # A name typed in the form wins over the file's, and a dropped file uploads too.
    dashboard.library.get_by_label("Name").fill("plum")
    dashboard.drop_file(dashboard.library, "whatever.png", png(PLUM), "image/png")
    expect(dashboard.asset_tile("plum")).to_contain_text("64×32")
    assert sorted(library_names(web_stack)) == ["plum", "sea-turtle"]


def test_an_image_app_shows_the_picked_picture(dashboard: Dashboard, web_stack: WebStack) -> None:
    assert web_stack.upload("teal", png(TEAL)).status_code == 201
    expect(dashboard.asset_tile("teal")).to_be_visible()  # the page has the library

    page = dashboard.page
    page.get_by_test_id("add-app").click()
    form = page.get_by_test_id("add-app-form")
    form.get_by_label("Type").select_option("image")
    expect(form.get_by_label("Id")).to_have_value("image")  # suggested from the type
    form.get_by_label("Id").fill("picture")
    picker = form.get_by_test_id("asset-picker")
    picker.get_by_role("combobox").select_option("teal")
    expect(picker.get_by_role("img", name="teal")).to_be_visible()  # the preview of the pick
    form.get_by_role("button", name="Add app").click()

    card = dashboard.card("picture")
    expect(card).to_contain_text("picture · image")
    expect(form).to_have_count(0)
    instance = web_stack.get("/api/apps/picture").json()
    assert instance["type"] == "image" and instance["config"]["asset"] == "teal"

    card.click()
    expect(card).to_have_attribute("aria-pressed", "true")
    dashboard.preview.scroll_into_view_if_needed()
    # The whole 64×32 panel shows the picture's colour.
    wait_until(lambda: dashboard.leds_of(list(TEAL)) == 64 * 32, what="the picture on the preview")


def test_adding_and_deleting_an_instance(dashboard: Dashboard, web_stack: WebStack) -> None:
    page = dashboard.page
    page.get_by_test_id("add-app").click()
    form = page.get_by_test_id("add-app-form")
    form.get_by_label("Type").select_option("clock")
    expect(form.get_by_label("Id")).to_have_value("clock-2")  # "clock" is taken

    # An id the api would refuse is explained before sending.
    form.get_by_label("Id").fill("Clock Two")
    form.get_by_role("button", name="Add app").click()
    expect(form).to_contain_text("Use lower-case letters")
    expect(form.get_by_label("Id")).to_have_attribute("aria-invalid", "true")
    assert "Clock Two" not in web_stack.get("/api/apps").json()["apps"]

    form.get_by_label("Id").fill("clock-2")
    form.get_by_role("button", name="Add app").click()
    card = dashboard.card("clock-2")
    expect(card).to_contain_text("clock-2 · clock")
    assert web_stack.get("/api/apps").json()["instances"]["clock-2"]["type"] == "clock"
    # The originals cannot be deleted, so they offer no delete button.
    expect(page.get_by_role("button", name="Delete clock", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Delete clock-2").click()
    page.get_by_test_id("app-item-clock-2").get_by_role("button", name="Yes, delete").click()
    expect(card).to_have_count(0)
    assert "clock-2" not in web_stack.get("/api/apps").json()["apps"]


def test_an_image_in_use_cannot_be_deleted(dashboard: Dashboard, web_stack: WebStack) -> None:
    assert web_stack.upload("teal", png(TEAL)).status_code == 201
    body = {"id": "picture", "type": "image", "config": {"asset": "teal"}}
    assert web_stack.post("/api/apps", json=body).status_code == 201
    tile = dashboard.asset_tile("teal")

    tile.get_by_role("button", name="Delete teal").click()
    tile.get_by_role("button", name="Yes, delete").click()

    refusal = web_stack.delete("/api/assets/teal")
    assert refusal.status_code == 409
    assert "picture" in refusal.json()["error"]  # it names the instance using it
    expect(tile.get_by_role("alert")).to_contain_text(refusal.json()["error"])
    expect(tile).to_be_visible()
    assert library_names(web_stack) == ["teal"]


def test_a_failing_fetch_is_shown_on_the_card(dashboard: Dashboard, web_stack: WebStack) -> None:
    # The stack has no internet: a weather instance's first fetch fails.
    assert (
        web_stack.post("/api/apps", json={"id": "weather-x", "type": "weather"}).status_code == 201
    )
    card = dashboard.card("weather-x")
    expect(card).to_contain_text("weather-x · weather")
    error: str = wait_until(
        lambda: web_stack.get("/api/apps/weather-x").json()["error"], 30, "the fetch error"
    )
    warning = card.get_by_test_id("app-stale")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(error.split(":")[0])  # e.g. "cannot fetch https://…"
