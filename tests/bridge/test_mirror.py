"""What the bridge's mirror adds to the shared board mirror (whose rules are tested in
tests/unit/test_board_mirror.py): bus events, frames, and the extension lifecycle.

These call the MQTT handler directly with what the broker would deliver.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from retroboard_bridge.events import (
    BoardRemoved,
    BoardStatusChanged,
    BridgeEvent,
    EventBus,
    FrameReceived,
    StateChanged,
)
from retroboard_bridge.extensions import SocketIOMirror
from retroboard_bridge.mirror import StateMirror
from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from tests.support.states import settings_state

SETTINGS = "retroboard/test/state/settings"


class Recorder:
    """Collects bus events (stands in for an extension)."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[BridgeEvent] = []
        bus.on(self, StateChanged, self.events.append)
        bus.on(self, BoardStatusChanged, self.events.append)
        bus.on(self, BoardRemoved, self.events.append)
        bus.on(self, FrameReceived, self.events.append)


class Emits:
    """Collects what an extension hands to the Socket.IO manager."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, str | None]] = []

    def emit(
        self, event: str, data: Any, namespace: str | None = None, room: str | None = None
    ) -> None:
        self.calls.append((event, data, room))


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def mirror(bus: EventBus) -> StateMirror:
    # Never started: the broker's messages are handed to `handle` by the test.
    return StateMirror(MqttClient(MqttUrl.parse("mqtt://127.0.0.1:1"), "test"), bus)


def send(mirror: StateMirror, topic: str, payload: Any) -> None:
    mirror.handle(topic, payload if isinstance(payload, bytes) else json.dumps(payload).encode())


def test_changes_become_bus_events(bus: EventBus, mirror: StateMirror) -> None:
    seen = Recorder(bus)
    send(mirror, SETTINGS, settings_state(75))
    send(mirror, "retroboard/test/status", b"online")
    # reconnect: the broker sends the same retained messages again
    send(mirror, SETTINGS, settings_state(75))
    send(mirror, "retroboard/test/status", b"online")
    send(mirror, "retroboard/test/status", b"")  # `retroboard-bridge forget test`
    assert seen.events == [
        StateChanged("test", "settings", settings_state(75)),
        BoardStatusChanged("test", True),
        BoardRemoved("test"),
    ]


def test_snapshot_and_online(mirror: StateMirror) -> None:
    assert mirror.snapshot("test") == {} and mirror.online("test") is None
    send(mirror, SETTINGS, settings_state(75))
    assert mirror.online("test") is None  # state alone says nothing of the status
    send(mirror, "retroboard/test/status", b"offline")
    send(mirror, "retroboard/test/state/current_app", {"app": "clock", "config": {}})
    assert mirror.online("test") is False
    assert mirror.snapshot("test") == {
        "settings": settings_state(75),
        "current_app": {"app": "clock", "config": {}},
    }


def test_frames_are_never_deduplicated(bus: EventBus, mirror: StateMirror) -> None:
    seen = Recorder(bus)
    send(mirror, "retroboard/test/frame", b"\x89PNG same")
    send(mirror, "retroboard/test/frame", b"\x89PNG same")
    assert seen.events == [FrameReceived("test", b"\x89PNG same")] * 2


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("retroboard/_socketio/frame", b"queue message"),  # the Socket.IO queue, not a board
        ("retroboard/test/frame", b""),
        ("retroboard/test/cmd/switch", b"{}"),
        ("retroboard/test/response/switch", b"{}"),
    ],
)
def test_ignored_messages(bus: EventBus, mirror: StateMirror, topic: str, payload: bytes) -> None:
    seen = Recorder(bus)
    mirror.handle(topic, payload)
    assert seen.events == []


def test_socketio_extension_rooms_and_stop(bus: EventBus, mirror: StateMirror) -> None:
    emits = Emits()
    extension = SocketIOMirror(bus, emits)
    extension.start()
    send(mirror, SETTINGS, settings_state(75))
    send(mirror, "retroboard/test/status", b"offline")
    send(mirror, "retroboard/test/frame", b"png")
    assert emits.calls == [
        ("settings", settings_state(75), "board:test"),
        ("board_status", {"board": "test", "online": False}, "board:test"),
        ("frame", b"png", "preview:test"),
    ]
    extension.stop()
    send(mirror, SETTINGS, settings_state(10))
    assert len(emits.calls) == 3


def test_a_failing_listener_does_not_stop_the_others(bus: EventBus, mirror: StateMirror) -> None:
    class Broken:
        def fail(self, _event: StateChanged) -> None:
            raise RuntimeError("boom")

    broken = Broken()
    bus.on(broken, StateChanged, broken.fail)
    seen = Recorder(bus)
    send(mirror, SETTINGS, settings_state(75))
    assert len(seen.events) == 1
