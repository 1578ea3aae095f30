"""Socket.IO against the real stack, with python-socketio's client over websocket."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio

from retroboard_common.sio_queue import create_manager
from retroboard_common.topics import STATE_NAMES
from tests.support.sio_recorder import SioRecorder
from tests.support.stack import BOARD, Stack, wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

STATE_EVENTS = list(STATE_NAMES)


@pytest.fixture
def recorder() -> Iterator[Callable[..., SioRecorder]]:
    """Connect recorders to the stack (``query``, ``auth``); all disconnected after."""
    made: list[SioRecorder] = []

    def connect(stack: Stack, query: str = "", auth: dict[str, Any] | None = None) -> SioRecorder:
        made.append(SioRecorder(f"{stack.url}{query}", auth=auth or {}).connect())
        return made[-1]

    yield connect
    for instance in made:
        instance.disconnect()


def mqtt_payload(stack: Stack, name: str, payload: Any) -> bytes:
    """The MQTT message of ``state/<name>`` carrying ``payload`` (the probe may lag)."""
    topic = f"retroboard/{BOARD}/state/{name}"
    return stack.probe.wait_for(topic, lambda m: m.json() == payload, timeout=5).payload


def test_connect_sends_state_then_request_state_again(
    stack: Stack, recorder: Callable[..., SioRecorder]
) -> None:
    sio = recorder(stack, f"?board={BOARD}")
    events = sio.take(len(STATE_EVENTS) + 1)
    assert [name for name, _ in events] == [*STATE_EVENTS, "board_status"]
    for name, payload in events[:-1]:
        # The same JSON as the retained MQTT payload, to the byte once re-serialised compactly.
        raw = mqtt_payload(stack, name, payload)
        assert json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode() == raw
    assert events[-1] == ("board_status", {"board": BOARD, "online": True})

    sio.client.emit("request_state")
    assert [name for name, _ in sio.take(len(STATE_EVENTS) + 1)] == [*STATE_EVENTS, "board_status"]


def test_board_from_connect_auth(stack: Stack, recorder: Callable[..., SioRecorder]) -> None:
    sio = recorder(stack, auth={"board": BOARD})
    assert sio.take(len(STATE_EVENTS) + 1)[-1] == ("board_status", {"board": BOARD, "online": True})


def test_unseen_board_gets_only_its_status(
    stack: Stack, recorder: Callable[..., SioRecorder]
) -> None:
    sio = recorder(stack, "?board=garage")
    assert sio.take(1) == [("board_status", {"board": "garage", "online": False})]


def test_invalid_board_id_is_refused(stack: Stack) -> None:
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(f"{stack.url}?board=-nope", transports=["websocket"], wait_timeout=5)


def test_commands_with_ack_answer_like_rest(
    stack: Stack, recorder: Callable[..., SioRecorder]
) -> None:
    sio = recorder(stack, f"?board={BOARD}")
    sio.take(5)
    answer = sio.client.call("settings", {"brightness": 64, "power": True}, timeout=5)
    assert answer == {"success": True, **settings_state(64)}
    assert stack.get("/api/settings").json() == answer
    refused = sio.client.call("settings", {"brightness": -1}, timeout=5)
    assert refused["success"] is False and refused["details"][0]["loc"] == ["brightness"]
    unknown = sio.client.call("switch", {"app": "nope"}, timeout=5)
    assert unknown["success"] is False and unknown["details"] == [
        {"loc": ["app"], "msg": "unknown app"}
    ]
    switched = sio.client.call("switch", {"app": "clock"}, timeout=5)
    assert switched["success"] is True and switched["app"] == "clock"
    configured = sio.client.call("config", {"config": {"font": "6x10"}}, timeout=5)
    assert configured["success"] is True and configured["config"]["font"] == "6x10"


def test_preview_asks_the_renderer_for_frames(
    stack: Stack, recorder: Callable[..., SioRecorder]
) -> None:
    sio = recorder(stack, f"?board={BOARD}")
    sio.take(5)
    stack.probe.clear()
    answer = sio.client.call("preview", {"enabled": True}, timeout=5)
    assert answer == {"success": True, "board": BOARD, "enabled": True}
    command = stack.probe.wait_for(f"retroboard/{BOARD}/cmd/preview")
    assert command.json() == {"ttl": 10.0}
    frame = stack.probe.wait_for(f"retroboard/{BOARD}/frame")
    assert frame.payload.startswith(b"\x89PNG")
    sio.client.call("preview", {"enabled": False}, timeout=5)


def test_events_from_the_message_queue_reach_the_board_room(
    stack: Stack, recorder: Callable[..., SioRecorder]
) -> None:
    """What the bridge does: emit to ``board:<id>`` through the shared queue."""
    sio = recorder(stack, f"?board={BOARD}")
    sio.take(5)
    emitter = create_manager(stack.broker.url, "mqtt", write_only=True)
    try:
        # The api subscribes to the queue when its first client connects; retry until then.
        def delivered() -> bool:
            emitter.emit("settings", settings_state(99), namespace="/", room=f"board:{BOARD}")
            try:
                sio.wait_for("settings", lambda data: data == settings_state(99), timeout=0.5)
            except AssertionError:
                return False
            return True

        wait_until(delivered, timeout=10, what="queue event delivered")
    finally:
        emitter.close()
