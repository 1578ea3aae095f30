"""AWTRIX 3 pushes over REST against the real stack (Mosquitto, a renderer process and the
api under gunicorn): custom apps, notifications, power, next and previous app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.images import png_base64
from tests.support.stack import BOARD, Stack
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}
MAX_PUSH = 256 * 1024
ORANGE = (255, 160, 0)
"""The pushed icon's colour."""


def apps(stack: Stack) -> dict[str, Any]:
    body: dict[str, Any] = stack.get("/api/apps").json()
    return body


def notification(stack: Stack) -> dict[str, Any]:
    body: dict[str, Any] = stack.get("/api/notification").json()
    return body


def dismiss_all(stack: Stack) -> None:
    """Dismiss until nothing shows (each dismiss ends the one on show)."""
    for _ in range(40):
        body = stack.post("/api/notify/dismiss").json()
        if body["current"] is None:
            return
    raise AssertionError(f"notifications left: {body}")


@pytest.fixture
def clean(stack: Stack) -> Iterator[Stack]:
    """The stack, with every custom app and notification of the test gone after it."""
    yield stack
    dismiss_all(stack)
    for name in ("solar", "multi", "temp"):
        stack.post(f"/api/custom?name={name}")
    stack.post("/api/power", json={"power": True})


# --- custom apps ---------------------------------------------------------------------


def test_a_custom_app_is_created_updated_and_deleted(clean: Stack) -> None:
    stack = clean
    created = stack.post("/api/custom?name=Solar", json={"text": "5 kW", "sound": "beep"})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["success"] is True and body["ignored"] == ["sound"]
    assert "solar" in body["apps"]
    solar = body["instances"]["solar"]
    assert solar["type"] == "custom" and solar["origin"] == "api"
    assert solar["config"]["text"] == "5 kW" and isinstance(solar["pushed_at"], float)
    listed = apps(stack)
    assert listed["instances"]["solar"] == solar  # the cache has what REST answered
    assert stack.get("/api/apps/solar").json()["type"] == "custom"

    updated = stack.post(f"/api/boards/{BOARD}/custom?name=solar", json={"text": "6 kW"}).json()
    assert updated["instances"]["solar"]["config"]["text"] == "6 kW"
    assert updated["apps"].count("solar") == 1 and updated["ignored"] == []

    # AWTRIX's delete: an empty body (curl -X POST, no data)
    deleted = stack.post("/api/custom?name=SOLAR")
    assert deleted.status_code == 200, deleted.text
    assert "solar" not in deleted.json()["apps"] and "solar" not in apps(stack)["apps"]


def test_an_array_pushes_numbered_apps_deleted_together(clean: Stack) -> None:
    stack = clean
    body = stack.post("/api/custom?name=multi", json=[{"text": "1"}, {"text": "2"}]).json()
    assert body["success"] is True, body
    assert {"multi0", "multi1"} <= set(body["apps"])
    assert body["instances"]["multi1"]["config"]["text"] == "2"
    gone = stack.post("/api/custom?name=multi", json={}).json()
    assert not {"multi0", "multi1"} & set(gone["apps"])


def test_a_custom_app_can_be_shown(clean: Stack) -> None:
    stack = clean
    stack.post("/api/custom?name=temp", json={"text": "21 °C", "color": "#FF8800"})
    shown = stack.post("/api/switch", json={"app": "temp"}).json()
    assert shown["success"] is True and shown["app"] == "temp"
    stack.post("/api/switch", json={"app": "clock"})


PUSH_REFUSALS: list[tuple[str, str, dict[str, Any], int, list[Any] | None]] = [
    ("wrong type", "/api/custom?name=solar", {"json": {"progress": "half"}}, 422, ["progress"]),
    ("bad colour", "/api/custom?name=solar", {"json": {"color": "red"}}, 422, ["color"]),
    (
        "bad draw command",
        "/api/custom?name=solar",
        {"json": {"draw": [{"dl": [0, 0]}]}},
        422,
        ["draw", 0, "dl"],
    ),
    (
        "bad item of an array",
        "/api/custom?name=multi",
        {"json": [{"text": "ok"}, {"duration": "long"}]},
        422,
        None,
    ),
    ("text too long", "/api/custom?name=solar", {"json": {"text": "x" * 2001}}, 422, ["text"]),
    ("no name", "/api/custom", {"json": {"text": "x"}}, 422, ["name"]),
    ("bad name", "/api/custom?name=a%20b", {"json": {"text": "x"}}, 422, ["name"]),
    ("garbage", "/api/custom?name=solar", {"data": "{oops", "headers": JSON}, 400, None),
    ("a number", "/api/custom?name=solar", {"data": "7", "headers": JSON}, 400, None),
    (
        "over 256 KiB",
        "/api/custom?name=solar",
        {"data": json.dumps({"text": "x", "icon": "A" * MAX_PUSH}), "headers": JSON},
        413,
        None,
    ),
    ("notify wrong type", "/api/notify", {"json": {"hold": "yes"}}, 422, ["hold"]),
    ("notify array", "/api/notify", {"data": "[]", "headers": JSON}, 400, None),
    (
        "notify over 256 KiB",
        "/api/notify",
        {"data": json.dumps({"text": "x", "icon": "A" * MAX_PUSH}), "headers": JSON},
        413,
        None,
    ),
    ("power not a boolean", "/api/power", {"json": {"power": "off"}}, 422, ["power"]),
]


@pytest.mark.parametrize(
    ("name", "path", "kwargs", "status", "loc"), PUSH_REFUSALS, ids=[r[0] for r in PUSH_REFUSALS]
)
def test_bad_pushes_are_refused_and_change_nothing(
    clean: Stack,
    name: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    loc: list[Any] | None,
) -> None:
    stack = clean
    before = {**stack.state(), "notification": notification(stack)}
    response = stack.post(path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["success"] is False and body["error"] and isinstance(body["details"], list)
    if loc is not None:
        assert loc in [item["loc"] for item in body["details"]], body
        assert body["error"].startswith(".".join(str(part) for part in loc)), body
    assert {**stack.state(), "notification": notification(stack)} == before


def test_a_push_far_over_16_kib_passes_the_api(clean: Stack) -> None:
    # Over the api's 16 KiB body limit, within the push limit: a base64 icon and a big
    # key the renderer does not use (answered as ignored).
    stack = clean
    payload = {"text": "sun", "icon": png_base64(ORANGE), "notes": "x" * 200_000}
    response = stack.post("/api/custom?name=solar", json=payload)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ignored"] == ["notes"]
    icon = body["instances"]["solar"]["config"]["icon"]
    assert icon.startswith("icon-")  # stored in the image library
    assert icon in [asset["name"] for asset in stack.get("/api/assets").json()["assets"]]


# --- notifications -------------------------------------------------------------------


def test_notify_shows_and_dismiss_ends_it(clean: Stack) -> None:
    stack = clean
    shown = stack.post("/api/notify", json={"text": "Washer done", "hold": True, "rtttl": "x"})
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["success"] is True and body["ignored"] == ["rtttl"]
    assert body["current"]["text"] == "Washer done" and body["current"]["hold"] is True
    assert body["length"] == 0 and body["queue"] == []
    assert notification(stack) == {**{k: v for k, v in body.items() if k != "ignored"}}

    queued = stack.post("/api/notify", json={"text": "Dryer done", "hold": True}).json()
    assert queued["current"]["text"] == "Washer done"
    assert queued["length"] == 1 and queued["queue"][0]["text"] == "Dryer done"

    after = stack.post("/api/notify/dismiss").json()
    assert after["success"] is True
    assert after["current"]["text"] == "Dryer done" and after["length"] == 0
    assert stack.post(f"/api/boards/{BOARD}/notify/dismiss").json()["current"] is None


def test_a_full_queue_is_429_and_keeps_what_waits(clean: Stack) -> None:
    stack = clean
    # One on show and 32 waiting behind it: the most the board keeps.
    for number in range(33):
        response = stack.post("/api/notify", json={"text": f"n{number}", "hold": True})
        assert response.status_code == 200, (number, response.text)
    full = notification(stack)
    assert full["current"]["text"] == "n0" and full["length"] == 32
    refused = stack.post("/api/notify", json={"text": "one too many", "hold": True})
    assert refused.status_code == 429, refused.text
    body = refused.json()
    assert body["success"] is False and "32" in body["error"]
    assert notification(stack) == full
    # stack: false replaces the one on show instead of queueing
    replaced = stack.post("/api/notify", json={"text": "urgent", "hold": True, "stack": False})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["current"]["text"] == "urgent"


# --- power, next and previous app ----------------------------------------------------


def test_power_off_and_on(clean: Stack) -> None:
    stack = clean
    brightness = stack.get("/api/settings").json()["brightness"]
    off = stack.post("/api/power", json={"power": False}).json()
    assert off == {"success": True, **settings_state(brightness, power=False)}
    assert stack.get("/api/settings").json() == off
    on = stack.post("/api/settings", json={"power": True}).json()  # power alone
    assert on == {"success": True, **settings_state(brightness)}


def test_next_and_previous_app_step_through_the_apps(clean: Stack) -> None:
    stack = clean
    stack.post("/api/carousel", json={"enabled": False})
    stack.post("/api/switch", json={"app": "clock"})
    order = apps(stack)["apps"]
    following = order[(order.index("clock") + 1) % len(order)]
    stepped = stack.post("/api/nextapp").json()
    assert stepped["success"] is True and stepped["app"] == following
    back = stack.post("/api/previousapp", data="", headers=JSON).json()
    assert back["app"] == "clock"
