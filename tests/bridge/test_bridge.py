"""``retroboard-bridge`` end to end: real Mosquitto, real Socket.IO server and clients.

The server stands in for the api: it uses the MQTT queue manager and puts clients in
``board:<id>`` / ``preview:<id>`` rooms. The probe publishes retained state as the
renderer does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from retroboard_common.contract import board_room, preview_room
from retroboard_common.sio_queue import MqttManager
from retroboard_common.topics import STATE_NAMES
from tests.bridge.sio_support import wait_until_listening
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.sio_recorder import SioRecorder
from tests.support.states import settings_state
from tests.support.waiting import wait_until


def board_state(board: str, brightness: int = 75) -> dict[str, Any]:
    return {
        "apps_list": {"apps": ["clock"], "current": "clock", "instances": {}},
        "current_app": {"app": "clock", "config": {"font": "6x10", "board": board}},
        "settings": settings_state(brightness),
        "carousel_config": {"enabled": False, "apps": [], "current_index": 0, "fallback": "off"},
        "realtime": {"enabled": True, "active": False, "protocol": None, "source": None, "fps": 0},
        "app_types": {"types": {}},
        "assets": {"assets": [], "bytes": 0, "limit": 0},
        "notification": {"current": None, "queue": [], "length": 0},
        "night": {
            "enabled": False,
            "from": "22:00",
            "until": "07:00",
            "brightness": 10,
            "app": None,
            "active": False,
            "manual": False,
        },
    }


def publish_board(probe: MqttProbe, board: str, brightness: int = 75) -> dict[str, Any]:
    state = board_state(board, brightness)
    probe.publish(f"retroboard/{board}/status", "online", retain=True)
    for name, payload in state.items():
        probe.publish(f"retroboard/{board}/state/{name}", payload, retain=True)
    return state


def publish_after_reconnect(probe: MqttProbe, topic: str, payload: Any) -> None:
    """Publish (retained) as soon as the probe is connected again."""

    def published() -> bool:
        probe.publish(topic, payload, retain=True)  # RuntimeError: not connected yet
        return True

    wait_until(published, 10, f"a publish on {topic}", ignoring=(RuntimeError,))


def fence(probe: MqttProbe, client: SioRecorder, board: str) -> bytes:
    """Publish a frame with a fresh marker for ``board`` and wait until ``client`` (in
    ``board``'s preview room) has it.

    The probe publishes in order on one connection, the bridge handles its messages in
    order and emits in order through one queue connection, and the server sends a
    client its events in order: whatever the bridge emits for anything published
    before the fence reaches ``client`` before the fence.
    """
    marker = b"fence-" + uuid.uuid4().hex.encode()
    probe.publish(f"retroboard/{board}/frame", marker)
    client.wait_for("frame", lambda data: data == marker)
    return marker


def test_each_change_reaches_its_board_room_once(
    probe: MqttProbe,
    emitter: MqttManager,
    sio_client: Callable[..., SioRecorder],
    bridge_process: Callable[..., ServiceProcess],
) -> None:
    # in the preview rooms too, for the fences
    test = sio_client(board_room("test"), preview_room("test"))
    other = sio_client(board_room("other"), preview_room("other"))
    wait_until_listening(emitter, test, board_room("test"))
    bridge_process()

    state = publish_board(probe, "test")
    other_state = publish_board(probe, "other", brightness=10)
    for name in STATE_NAMES:
        assert test.wait_for(name) == state[name]
        assert other.wait_for(name) == other_state[name]
    assert test.wait_for("board_status") == {"board": "test", "online": True}

    # the renderer republishes (request_state): identical payloads are not changes
    publish_board(probe, "test")
    probe.publish("retroboard/test/state/settings", settings_state(40), retain=True)
    test.wait_for("settings", lambda data: data == settings_state(40))
    # a duplicate, if any, arrives before the fences
    fence(probe, test, "test")
    fence(probe, other, "other")

    assert test.received("settings") == [
        settings_state(75),
        settings_state(40),
    ]
    for event in ("apps_list", "current_app", "carousel_config", "board_status"):
        assert len(test.received(event)) == 1, event
    assert other.received("settings") == [settings_state(10)]
    assert other.received("board_status") == [{"board": "other", "online": True}]


def test_frames_reach_only_the_preview_room(
    probe: MqttProbe,
    emitter: MqttManager,
    sio_client: Callable[..., SioRecorder],
    bridge_process: Callable[..., ServiceProcess],
) -> None:
    viewer = sio_client(preview_room("test"))
    follower = sio_client(board_room("test"))
    other_viewer = sio_client(preview_room("other"))
    wait_until_listening(emitter, viewer, preview_room("test"))
    wait_until_listening(emitter, follower, board_room("test"))
    bridge_process()
    probe.publish("retroboard/test/status", "online", retain=True)
    follower.wait_for("board_status")  # the bridge is subscribed now

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    probe.publish("retroboard/test/frame", png)
    assert viewer.wait_for("frame") == png
    # a stray frame, if any, arrives before the fences: a state change for the
    # follower, a frame of the other board for the other viewer
    probe.publish("retroboard/test/state/settings", settings_state(41), retain=True)
    follower.wait_for("settings", lambda data: data == settings_state(41))
    marker = fence(probe, other_viewer, "other")
    assert "frame" not in follower.names()
    assert other_viewer.names() == ["frame"]
    assert other_viewer.received("frame") == [marker]


def test_broker_restart_resyncs_what_changed(
    broker: MosquittoBroker,
    probe: MqttProbe,
    emitter: MqttManager,
    sio_client: Callable[..., SioRecorder],
    bridge_process: Callable[..., ServiceProcess],
) -> None:
    client = sio_client(board_room("test"), preview_room("test"))  # preview: the fence
    wait_until_listening(emitter, client, board_room("test"))
    bridge = bridge_process()
    state = publish_board(probe, "test")
    for name in STATE_NAMES:
        client.wait_for(name)

    broker.restart()  # retained state survives (persistence)
    # once the server's queue listener is back, the renderer changes the brightness
    wait_until_listening(emitter, client, board_room("test"))
    publish_after_reconnect(probe, "retroboard/test/state/settings", settings_state(20))

    try:
        client.wait_for("settings", lambda data: data == settings_state(20), timeout=10)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nbridge output:\n{bridge.output()}") from None
    fence(probe, client, "test")  # a duplicate, if any, arrives before it
    assert client.received("settings") == [state["settings"], settings_state(20)]
    for event in ("apps_list", "current_app", "carousel_config", "board_status"):
        assert len(client.received(event)) == 1, event
    assert bridge.running


def test_bad_queue_setting_stops_with_one_line(
    bridge_process: Callable[..., ServiceProcess],
) -> None:
    bridge = bridge_process(ready=False, SOCKETIO_MESSAGE_QUEUE="kafka://somewhere")
    assert bridge.process is not None
    assert bridge.process.wait(10) == 2
    output = bridge.output().strip()
    assert output.splitlines() == [
        "retroboard-bridge: invalid setting SOCKETIO_MESSAGE_QUEUE: "
        "must be 'mqtt', an mqtt:// URL or a redis:// URL, got 'kafka://somewhere'"
    ]


def test_redis_queue_without_package_is_one_line(
    bridge_process: Callable[..., ServiceProcess], tmp_path: Any
) -> None:
    # A sitecustomize that hides `redis`, as on an install without the extra.
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['redis'] = None\n")
    bridge = bridge_process(
        ready=False, SOCKETIO_MESSAGE_QUEUE="redis://127.0.0.1:1/0", PYTHONPATH=str(tmp_path)
    )
    assert bridge.process is not None
    assert bridge.process.wait(10) == 1
    assert bridge.output().strip().splitlines() == [
        "retroboard-bridge: SOCKETIO_MESSAGE_QUEUE=redis://… needs the redis package "
        "(pip install redis)"
    ]
