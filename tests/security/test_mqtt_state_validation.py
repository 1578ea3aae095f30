"""Malformed, spoofed and oversized state (issue 18, findings 6 and 7).

Anyone with broker credentials can publish a retained ``state/<name>``. The api's
cache serves it over REST and Socket.IO; the bridge's mirror sends it to every
dashboard and to Home Assistant. ``{"instances": "x"}`` on ``state/apps_list`` made
``/api/apps/<app>/config`` answer 500, a ``NaN`` made REST answer JSON no client can
parse, an 8 MB ``apps_list`` was cached and served whole. Now a payload that is over
its topic's limit, not standard JSON or not valid for its model is ignored (logged
once per topic) and the last good value stays.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from retroboard_bridge.events import (
    BoardStatusChanged,
    BridgeEvent,
    EventBus,
    FrameReceived,
    StateChanged,
)
from retroboard_bridge.mirror import StateMirror
from retroboard_common.contract import STATES
from retroboard_common.models import MAX_FRAME_BYTES
from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from tests.support.api_fakes import APPS_LIST, SETTINGS, FakeMqtt, ScriptedRenderer
from tests.support.states import settings_state

BOARD = "test"
APPS = f"retroboard/{BOARD}/state/apps_list"


def strict(text: str) -> Any:
    """Parse as a browser would: ``NaN``/``Infinity`` are errors."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def oversized_apps_list() -> bytes:
    """A valid ``apps_list`` just over its limit (the attack used 8 MB)."""
    data: dict[str, Any] = json.loads(json.dumps(APPS_LIST))  # a deep copy
    data["instances"]["clock"]["config"]["font"] = "x" * STATES["apps_list"].max_bytes
    return json.dumps(data).encode()


# Each: a topic, a bad payload, and the REST read that must keep the last good value.
BAD_STATE = [
    pytest.param(
        APPS, b'{"instances":"x"}', "/api/apps/clock/config", id="instances-not-an-object"
    ),
    pytest.param(APPS, b'{"apps":"x","current":null,"instances":{}}', "/api/apps", id="apps-wrong"),
    pytest.param(APPS, oversized_apps_list(), "/api/apps", id="oversized-apps_list"),
    pytest.param(
        f"retroboard/{BOARD}/state/settings", b'{"brightness":NaN}', "/api/settings", id="nan"
    ),
    pytest.param(
        f"retroboard/{BOARD}/state/settings", b'{"brightness":1000}', "/api/settings", id="range"
    ),
    pytest.param(
        f"retroboard/{BOARD}/state/current_app",
        b'{"app":"clock","config":{"font":Infinity}}',
        "/api/current",
        id="infinity",
    ),
    pytest.param(
        f"retroboard/{BOARD}/state/carousel_config",
        b"[" * 5000 + b"]" * 5000,
        "/api/carousel",
        id="deep",
    ),
]


# --- the api's cache, through REST ---------------------------------------------------------


@pytest.mark.parametrize(("topic", "payload", "read"), BAD_STATE)
def test_api_ignores_bad_state_and_keeps_serving_the_last_good_value(
    client: FlaskClient,
    renderer: ScriptedRenderer,
    mqtt: FakeMqtt,
    topic: str,
    payload: bytes,
    read: str,
) -> None:
    renderer.boot()
    before = client.get(read)
    assert before.status_code == 200
    mqtt.deliver(topic, payload)  # a retained spoof, as the broker hands it on
    after = client.get(read)
    assert after.status_code == 200, after.get_data()[:300]
    assert strict(after.get_data(as_text=True)) == before.get_json()


def test_api_takes_good_state_again_after_a_bad_one(
    client: FlaskClient, renderer: ScriptedRenderer, mqtt: FakeMqtt
) -> None:
    renderer.boot()
    mqtt.deliver(f"retroboard/{BOARD}/state/settings", b'{"brightness":NaN}')
    mqtt.deliver(f"retroboard/{BOARD}/state/settings", b'{"brightness":12}')
    assert client.get("/api/settings").get_json() == {
        "success": True,
        **settings_state(12),
    }


def test_api_logs_a_bad_topic_once(
    client: FlaskClient,
    renderer: ScriptedRenderer,
    mqtt: FakeMqtt,
    caplog: pytest.LogCaptureFixture,
) -> None:
    renderer.boot()
    with caplog.at_level(logging.WARNING):
        for _ in range(5):  # e.g. the retained copy at every reconnect
            mqtt.deliver(APPS, b'{"instances":"x"}')
    warnings = [r for r in caplog.records if APPS in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "apps" in warnings[0].getMessage()  # says what is wrong


def test_api_ignores_a_status_that_is_neither_online_nor_offline(
    client: FlaskClient, renderer: ScriptedRenderer, mqtt: FakeMqtt
) -> None:
    renderer.boot()
    mqtt.deliver(f"retroboard/{BOARD}/status", b"online" + b" " * 100_000)
    mqtt.deliver(f"retroboard/{BOARD}/status", b"maybe")
    assert client.get("/api/health").get_json()["boards"][BOARD]["online"] is True


def test_api_invents_no_board_from_the_socketio_queue_topics(
    client: FlaskClient, mqtt: FakeMqtt
) -> None:
    # retroboard/_socketio/… is the queue, whose accounts may write under it.
    mqtt.deliver("retroboard/_socketio/state/settings", json.dumps(SETTINGS))
    mqtt.deliver("retroboard/_socketio/status", b"online")
    assert "_socketio" not in client.get("/api/boards").get_data(as_text=True)


def test_api_ignores_a_response_with_nan_state(
    client: FlaskClient, renderer: ScriptedRenderer, mqtt: FakeMqtt
) -> None:
    """A spoofed ``response/<verb>`` whose state REST would hand on as it is."""
    renderer.boot()

    def spoofed(command: dict[str, Any]) -> None:
        body = '{"success":true,"transaction":"%s","state":{"settings":{"brightness":NaN}}}'
        mqtt.deliver(f"retroboard/{BOARD}/response/settings", body % command["transaction"])

    renderer.replies["settings"] = spoofed
    response = client.post("/api/settings", json={"brightness": 40})
    assert response.status_code == 504  # as if no answer came: nothing unreadable served
    strict(response.get_data(as_text=True))


# --- the bridge's mirror: what dashboards and Home Assistant get -----------------------------


class Recorder:
    """Collects the mirror's bus events (stands in for the Socket.IO and HA extensions)."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[BridgeEvent] = []
        bus.on(self, StateChanged, self.events.append)
        bus.on(self, BoardStatusChanged, self.events.append)


@pytest.fixture
def mirror() -> tuple[StateMirror, Recorder]:
    bus = EventBus()
    # Never started: the broker's messages are handed to `handle` by the test.
    return StateMirror(MqttClient(MqttUrl.parse("mqtt://127.0.0.1:1"), "test"), bus), Recorder(bus)


def deliver_boot(mirror: StateMirror) -> None:
    mirror.handle(APPS, json.dumps(APPS_LIST).encode())
    mirror.handle(f"retroboard/{BOARD}/state/settings", json.dumps(SETTINGS).encode())


@pytest.mark.parametrize(("topic", "payload", "read"), BAD_STATE)
def test_bridge_mirrors_no_bad_state(
    mirror: tuple[StateMirror, Recorder], topic: str, payload: bytes, read: str
) -> None:
    state_mirror, seen = mirror
    deliver_boot(state_mirror)
    before = state_mirror.snapshot(BOARD)
    seen.events.clear()
    state_mirror.handle(topic, payload)
    assert seen.events == []  # nothing reaches Socket.IO or Home Assistant
    assert state_mirror.snapshot(BOARD) == before


def test_bridge_logs_a_bad_topic_once(
    mirror: tuple[StateMirror, Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    state_mirror, _ = mirror
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            state_mirror.handle(APPS, oversized_apps_list())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "limit" in warnings[0]


def test_bridge_forwards_no_oversized_frame(mirror: tuple[StateMirror, Recorder]) -> None:
    state_mirror, _ = mirror
    frames: list[BridgeEvent] = []
    state_mirror.bus.on(frames, FrameReceived, frames.append)
    state_mirror.handle(f"retroboard/{BOARD}/frame", b"\x89PNG" + b"x" * MAX_FRAME_BYTES)
    state_mirror.handle(f"retroboard/{BOARD}/frame", b"\x89PNG small")
    assert frames == [FrameReceived(BOARD, b"\x89PNG small")]
