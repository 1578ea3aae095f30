"""REST against the real stack: Mosquitto, a renderer process and the api under gunicorn."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.mqtt_probe import Received
from tests.support.stack import BOARD, Stack, renderer_process, wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


def test_health_and_boards(stack: Stack) -> None:
    health = stack.get("/api/health").json()
    assert health["success"] is True and health["status"] == "ok"
    assert health["mqtt"]["connected"] is True
    assert health["boards"][BOARD]["online"] is True
    boards = stack.get("/api/boards").json()
    assert boards["success"] is True
    [board] = [b for b in boards["boards"] if b["id"] == BOARD]
    assert board["online"] is True and board["last_seen"]
    assert stack.get(f"/api/boards/{BOARD}/health").json()["boards"].keys() == {BOARD}


def same_json(expected: dict[str, Any]) -> Callable[[Received], bool]:
    return lambda message: bool(message.json() == expected)


def test_reads_match_the_retained_mqtt_state(stack: Stack) -> None:
    for path, topic in [
        ("apps", "apps_list"),
        ("current", "current_app"),
        ("settings", "settings"),
        ("carousel", "carousel_config"),
        ("night", "night"),
    ]:
        body = stack.get(f"/api/{path}").json()
        fields = {key: value for key, value in body.items() if key != "success"}
        # The renderer published exactly these fields (the probe may lag the api a moment).
        stack.probe.wait_for(f"retroboard/{BOARD}/state/{topic}", same_json(fields))
        assert body["success"] is True
        assert stack.get(f"/api/boards/{BOARD}/{path}").json() == body
    apps = stack.get("/api/apps").json()
    assert set(apps) == {"success", "apps", "current", "instances"}
    assert {"clock", "scroll_text", "stars"} <= set(apps["apps"])
    clock = stack.get("/api/apps/clock/config").json()
    assert clock["success"] is True and clock["app"] == "clock"
    assert clock["config"] == apps["instances"]["clock"]["config"]
    assert clock["schema"]["properties"].keys() >= {"font", "color"}


def test_commands_answer_with_the_new_state(stack: Stack) -> None:
    switched = stack.post("/api/switch", json={"app": "stars", "config": {"fps": 30}})
    assert switched.status_code == 200, switched.text
    body = switched.json()
    assert body["success"] is True and body["app"] == "stars" and body["config"]["fps"] == 30
    assert stack.get("/api/current").json() == body

    configured = stack.post("/api/apps/scroll_text/config", json={"text": "Hello, board"}).json()
    assert configured["success"] is True and configured["app"] == "scroll_text"
    assert configured["config"]["text"] == "Hello, board" and configured["schema"]
    assert stack.get("/api/apps/scroll_text/config").json() == configured

    legacy = stack.post("/api/config", json={"fps": 20}).json()  # the current app: stars
    assert legacy == {"success": True, "app": "stars", "config": {**body["config"], "fps": 20}}

    settings = stack.post("/api/settings", json={"brightness": 42}).json()
    assert settings == {"success": True, **settings_state(42)}
    assert stack.get("/api/settings").json() == settings

    carousel = stack.post(
        "/api/carousel",
        json={
            "enabled": True,
            "apps": [{"app": "clock", "duration": 5}, {"app": "stars", "duration": 5}],
        },
    ).json()
    assert carousel["success"] is True and carousel["enabled"] is True
    assert carousel["apps"] == [{"app": "clock", "duration": 5}, {"app": "stars", "duration": 5}]
    advanced = stack.post("/api/carousel/next").json()
    assert advanced["success"] is True and advanced["current_index"] == 1
    stopped_carousel = stack.post("/api/carousel", json={"enabled": False}).json()
    assert stopped_carousel["enabled"] is False
    assert stack.get("/api/carousel").json() == stopped_carousel

    stopped = stack.post("/api/stop").json()
    assert stopped == {"success": True, "app": None, "config": {}}
    assert stack.post(f"/api/boards/{BOARD}/switch", json={"app": "clock"}).json()["app"] == "clock"


def test_transitions_schedules_and_night_mode(stack: Stack) -> None:
    fade = {"type": "fade", "direction": "left", "duration": 300}
    settings = stack.post("/api/settings", json={"transition": {"type": "fade", "duration": 300}})
    assert settings.status_code == 200, settings.text
    assert settings.json()["transition"] == fade
    placed = stack.post("/api/settings", json={"latitude": 52.52, "longitude": 13.4}).json()
    assert (placed["latitude"], placed["longitude"], placed["transition"]) == (52.52, 13.4, fade)
    assert stack.get("/api/settings").json() == placed

    entries = [
        {"app": "clock", "duration": 5, "days": ["sat", "sun"], "from": "22:00", "until": "02:00"},
        {"app": "stars", "duration": 5, "transition": {"type": "slide", "direction": "up"}},
    ]
    carousel = stack.post("/api/carousel", json={"apps": entries, "fallback": "stars"}).json()
    assert carousel["apps"][0] == entries[0]
    assert carousel["apps"][1]["transition"] == {
        "type": "slide",
        "direction": "up",
        "duration": 500,
    }
    assert carousel["fallback"] == "stars"
    assert stack.get("/api/carousel").json() == carousel

    night = stack.post(
        "/api/night",
        json={"enabled": True, "from": "sunset+30", "until": "sunrise-15", "brightness": 5},
    ).json()
    assert night["success"] is True
    assert (night["from"], night["until"], night["brightness"]) == ("sunset+30", "sunrise-15", 5)
    on = stack.post("/api/night", json={"active": not night["active"]}).json()
    assert on["active"] is not night["active"] and on["manual"] is True
    stack.probe.wait_for(f"retroboard/{BOARD}/state/night", same_json(without_success(on)))
    assert stack.get("/api/night").json() == on
    # The sun needs the place: forgetting it while night mode follows the sun is refused.
    refused = stack.post("/api/settings", json={"latitude": None, "longitude": None})
    assert refused.status_code == 409 and refused.json()["details"][0]["loc"] == ["latitude"]
    assert stack.get("/api/settings").json() == placed
    power = stack.post("/api/power", json={"power": False}).json()
    assert power == {**placed, "power": False}
    # As it was, for the tests after this one: power on, no transition, no fallback,
    # night by times, no place.
    assert stack.post("/api/power", json={"power": True}).ok
    assert stack.post("/api/settings", json={"transition": {"type": "none"}}).ok
    assert stack.post("/api/carousel", json={"fallback": "off"}).ok
    back = {"enabled": False, "from": "22:00", "until": "07:00", "active": False}
    assert stack.post("/api/night", json=back).json()["active"] is False
    forgot = stack.post("/api/settings", json={"latitude": None, "longitude": None}).json()
    assert (forgot["latitude"], forgot["longitude"]) == (None, None)


def without_success(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "success"}


def test_every_command_carries_a_transaction(stack: Stack) -> None:
    stack.probe.clear()
    assert stack.post("/api/settings", json={"brightness": 30}).ok
    command = stack.probe.wait_for(
        f"retroboard/{BOARD}/cmd/settings", lambda m: m.json().get("brightness") == 30
    ).json()
    assert command["transaction"]
    # The answer to this command (an earlier test's may still reach the probe late).
    stack.probe.wait_for(
        f"retroboard/{BOARD}/response/settings",
        lambda m: m.json().get("transaction") == command["transaction"],
    )


BAD_REQUESTS: list[tuple[str, str, dict[str, Any], int, list[Any] | None]] = [
    ("malformed JSON", "/api/settings", {"data": "{oops", "headers": JSON}, 400, None),
    ("empty JSON body", "/api/switch", {"data": "", "headers": JSON}, 400, None),
    ("JSON not an object", "/api/switch", {"data": "[]", "headers": JSON}, 400, None),
    ("form body", "/api/settings", {"data": {"brightness": "5"}}, 415, None),
    (
        "text body",
        "/api/settings",
        {"data": '{"brightness":5}', "headers": {"Content-Type": "text/plain"}},
        415,
        None,
    ),
    (
        "too large",
        "/api/switch",
        {"json": {"app": "scroll_text", "config": {"text": "x" * 20_000}}},
        413,
        None,
    ),
    ("unknown app (switch)", "/api/switch", {"json": {"app": "nope"}}, 404, ["app"]),
    ("unknown app (config)", "/api/apps/nope/config", {"json": {"text": "x"}}, 404, ["app"]),
    (
        "unknown carousel app",
        "/api/carousel",
        {"json": {"apps": [{"app": "nope"}]}},
        404,
        ["apps", 0, "app"],
    ),
    ("unknown board", "/api/boards/nope/settings", {"json": {"brightness": 5}}, 404, ["board"]),
    ("brightness too high", "/api/settings", {"json": {"brightness": 101}}, 422, ["brightness"]),
    (
        "brightness not a number",
        "/api/settings",
        {"json": {"brightness": "max"}},
        422,
        ["brightness"],
    ),
    (
        "unknown field",
        "/api/settings",
        {"json": {"brightness": 5, "contrast": 1}},
        422,
        ["contrast"],
    ),
    ("app config out of range", "/api/apps/stars/config", {"json": {"fps": 1000}}, 422, ["fps"]),
    ("app config wrong type", "/api/apps/clock/config", {"json": {"color": "red"}}, 422, ["color"]),
    ("unknown app config field", "/api/apps/clock/config", {"json": {"size": 3}}, 422, ["size"]),
    (
        "switch config invalid",
        "/api/switch",
        {"json": {"app": "stars", "config": {"fps": 0}}},
        422,
        ["config", "fps"],
    ),
    (
        "carousel duration",
        "/api/carousel",
        {"json": {"apps": [{"app": "clock", "duration": 0}]}},
        422,
        ["apps", 0, "duration"],
    ),
    (
        "carousel window 25:00",
        "/api/carousel",
        {"json": {"apps": [{"app": "clock", "from": "25:00"}]}},
        422,
        ["apps", 0, "from"],
    ),
    (
        "carousel unknown day",
        "/api/carousel",
        {"json": {"apps": [{"app": "clock", "days": ["someday"]}]}},
        422,
        ["apps", 0, "days", 0],
    ),
    ("unknown fallback", "/api/carousel", {"json": {"fallback": "nope"}}, 404, ["fallback"]),
    (
        "unknown transition",
        "/api/settings",
        {"json": {"transition": {"type": "spin"}}},
        422,
        ["transition", "type"],
    ),
    (
        "transition too long",
        "/api/settings",
        {"json": {"transition": {"type": "fade", "duration": 60000}}},
        422,
        ["transition", "duration"],
    ),
    (
        "latitude 200",
        "/api/settings",
        {"json": {"latitude": 200, "longitude": 0}},
        422,
        ["latitude"],
    ),
    ("latitude alone", "/api/settings", {"json": {"latitude": 10}}, 409, ["longitude"]),
    ("night window 25:00", "/api/night", {"json": {"from": "25:00"}}, 422, ["from"]),
    ("night sun without a place", "/api/night", {"json": {"until": "sunrise"}}, 409, ["until"]),
    ("night sun offset", "/api/night", {"json": {"from": "sunset+900"}}, 422, ["from"]),
    ("night brightness", "/api/night", {"json": {"brightness": 101}}, 422, ["brightness"]),
    ("night unknown app", "/api/night", {"json": {"app": "nope"}}, 404, ["app"]),
    ("night active not a bool", "/api/night", {"json": {"active": "yes"}}, 422, ["active"]),
]


@pytest.mark.parametrize(
    ("name", "path", "kwargs", "status", "loc"), BAD_REQUESTS, ids=[r[0] for r in BAD_REQUESTS]
)
def test_bad_input_is_refused_and_changes_nothing(
    stack: Stack, name: str, path: str, kwargs: dict[str, Any], status: int, loc: list[Any] | None
) -> None:
    before = stack.state()
    response = stack.post(path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["success"] is False and body["error"] and isinstance(body["details"], list)
    if loc is not None:
        assert loc in [item["loc"] for item in body["details"]], body
    assert stack.state() == before


def test_unknown_paths_and_methods_are_json(stack: Stack) -> None:
    for method, path, status in [
        ("get", "/api/nope", 404),
        ("get", "/api/boards/nope/apps", 404),
        ("get", "/api/apps/nope/config", 404),
        ("get", "/api/switch", 405),
        ("put", "/api/settings", 405),
    ]:
        response = stack.http.request(method, stack.url + path, timeout=5)
        assert response.status_code == status, path
        assert response.json()["success"] is False


def test_openapi_document_and_docs_page(stack: Stack) -> None:
    spec = stack.get("/openapi/openapi.json").json()
    assert spec["info"]["title"] == "RetroBoard API"
    assert "/api/boards/{board}/switch" in spec["paths"] and "/api/switch" in spec["paths"]
    page = stack.get("/openapi/swagger")
    assert page.status_code == 200 and "swagger" in page.text.lower()


def test_serves_the_dashboard_with_spa_fallback(stack: Stack) -> None:
    index = stack.get("/")
    assert index.status_code == 200 and "RetroBoard" in index.text
    assert stack.get("/assets/index-abc123.js").text == "console.log('retroboard')"
    assert "RetroBoard" in stack.get("/carousel").text  # a client-side route


def test_renderer_gone_is_503_then_recovers(stack: Stack) -> None:
    before = stack.get("/api/settings").json()
    # SIGTERM: the renderer says offline and saves. (After kill -9 it may come back with
    # state older than its last acknowledged command: it saves with a delay.)
    stack.renderer.stop()
    try:
        wait_until(lambda: not stack.board_online(), what="renderer offline")
        stack.probe.clear()
        response = stack.post("/api/settings", json={"brightness": 7})
        assert response.status_code == 503 and "offline" in response.json()["error"]
        assert stack.get("/api/health").json()["status"] == "degraded"
        assert stack.get("/api/settings").json() == before  # the last known state
    finally:
        stack.renderer.start()
    stack.wait_ready()
    stack.probe.fence()  # a command the api had sent would have reached the probe by now
    assert not [m for m in stack.probe.messages if "/cmd/" in m.topic]  # never sent, never replayed
    assert stack.get("/api/settings").json() == before
    assert stack.post("/api/settings", json={"brightness": 8}).json() == {
        "success": True,
        **settings_state(8),
    }


def test_silent_renderer_is_504(stack: Stack) -> None:
    # A fake "renderer" that says online and never answers.
    stack.probe.publish("retroboard/mute/status", b"online", retain=True)
    try:
        wait_until(lambda: stack.board_online("mute"), what="mute online")
        response = stack.post("/api/boards/mute/settings", json={"brightness": 5})
        assert response.status_code == 504, response.text
        body = response.json()
        assert body["success"] is False and "did not answer" in body["error"]
        commands = [m for m in stack.probe.messages if m.topic == "retroboard/mute/cmd/settings"]
        assert len(commands) == 1 and json.loads(commands[0].payload)["brightness"] == 5
    finally:
        stack.probe.publish("retroboard/mute/status", b"", retain=True)


def test_a_second_board_is_served_under_its_prefix(stack: Stack) -> None:
    default_board = stack.get("/api/settings").json()
    other = renderer_process(stack.broker, stack.workdir, board="kitchen").start()
    try:
        wait_until(
            lambda: stack.board_online("kitchen") and stack.get("/api/boards/kitchen/apps").ok,
            what="kitchen online with its state",
        )
        body = stack.post("/api/boards/kitchen/settings", json={"brightness": 11}).json()
        assert body == {"success": True, **settings_state(11)}
        assert stack.get("/api/boards/kitchen/settings").json() == body
        assert stack.get("/api/settings").json() == default_board
    finally:
        other.stop()
