"""A fleet announced to Home Assistant at the configured rate, and not again by a
restarted bridge: 300 boards retained on a real Mosquitto, a real bridge."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from retroboard_common.topics import BoardTopics, StateName
from tests.support.mosquitto import MosquittoBroker
from tests.support.processes import ServiceProcess
from tests.support.services import bridge
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

BOARDS = [f"fleet-{n:03d}" for n in range(300)]
RATE = 2000
BURST = RATE * 0.05  # the announcer's bucket: 50 ms worth of messages
ENTITIES = 10  # every entity: the boards have the scroll text app
DRAIN = re.compile(
    r"Home Assistant discovery: (\d+) board\(s\) announced \((\d+) messages\), "
    r"(\d+) found current"
)
JITTER = 0.1  # s: 200 messages' worth of 3,900 in ~2 s; unthrottled they take a fraction of it
MARKER = "homeassistant/retroboard_bridge/announced"
SCROLL_TEXT = {"type": "scroll_text", "config": {"text": "hello"}, "stale": False, "error": None}
TYPES = {
    "types": {
        "scroll_text": {
            "description": "Scrolls a message",
            "schema": {
                "type": "object",
                "properties": {"text": {"type": "string", "maxLength": 80}},
            },
        }
    }
}


def board_messages(board: str, n: int) -> list[tuple[str, bytes]]:
    """What a renderer retains for ``board``: its states, index entry and status."""
    topics = BoardTopics(board)
    states: dict[StateName, Any] = {
        "apps_list": {
            "apps": ["clock", "scroll_text"],
            "current": "clock",
            "instances": {"scroll_text": SCROLL_TEXT},
        },
        "current_app": {"app": "clock", "config": {}},
        "settings": {"brightness": n % 101},
        "carousel_config": {"enabled": False, "apps": [], "current_index": 0},
        "realtime": {"enabled": True, "active": False, "protocol": None, "source": None, "fps": 0},
        "app_types": TYPES,
        "assets": {"assets": [], "bytes": 0, "limit": 0},
    }
    messages = [(topics.state(name), json.dumps(p).encode()) for name, p in states.items()]
    return [*messages, (topics.index, b"1"), (topics.status, b"online")]


@dataclass(frozen=True)
class Timed:
    at: float
    topic: str
    payload: bytes


class Recorder:
    """Records Home Assistant's topics with their arrival time."""

    def __init__(self, broker: MosquittoBroker) -> None:
        self.messages: list[Timed] = []
        self._lock = threading.Lock()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self.client.on_connect = lambda c, *_: c.subscribe(
            [("homeassistant/#", 0), ("retroboard/+/ha/#", 0)]
        )
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Timed(time.monotonic(), msg.topic, bytes(msg.payload)))

    def snapshot(self) -> list[Timed]:
        with self._lock:
            return list(self.messages)

    def configs(self) -> list[Timed]:
        return [m for m in self.snapshot() if m.topic.endswith("/config") and m.payload]

    def markers(self) -> list[dict[str, Any]]:
        return [json.loads(m.payload) for m in self.snapshot() if m.topic == MARKER and m.payload]

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def retain_fleet(broker: MosquittoBroker) -> None:
    """Publish every board's retained state directly, as 300 renderers would have."""
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        infos = [
            client.publish(topic, payload, qos=1, retain=True)
            for n, board in enumerate(BOARDS)
            for topic, payload in board_messages(board, n)
        ]
        for info in infos:
            info.wait_for_publish(30)
    finally:
        client.disconnect()
        client.loop_stop()


def drained(process: ServiceProcess) -> tuple[int, int, int]:
    """Boards announced, messages, boards found current: summed over the drain lines."""
    rounds = [tuple(map(int, m.groups())) for m in DRAIN.finditer(process.output())]
    return (
        sum(r[0] for r in rounds),
        sum(r[1] for r in rounds),
        sum(r[2] for r in rounds),
    )


@pytest.fixture
def recorder(broker: MosquittoBroker) -> Iterator[Recorder]:
    instance = Recorder(broker)
    yield instance
    instance.stop()


def test_a_fleet_is_announced_at_the_rate_and_not_again_after_a_restart(
    broker: MosquittoBroker, tmp_path: Path, recorder: Recorder, processes: list[ServiceProcess]
) -> None:
    retain_fleet(broker)
    env = {"RETROBOARD_HA_DISCOVERY_RATE": str(RATE)}
    first = bridge(broker, tmp_path / "first", **env).start()
    processes.append(first)

    expected = len(BOARDS) * ENTITIES
    try:
        wait_until(lambda: len({m.topic for m in recorder.configs()}) == expected, 60, "configs")
    except TimeoutError:
        raise AssertionError(first.output()[-3000:]) from None
    configs = recorder.configs()
    for board in BOARDS:
        node = f"retroboard_{board}"
        assert sum(1 for m in configs if f"/{node}/" in m.topic) == ENTITIES, board
    app = json.loads(next(m.payload for m in configs if m.topic.endswith("/app/config")))
    assert app["options"] == ["clock", "scroll_text"]

    # the rate: between the first and the last discovery config, every message sent
    # (configs and states) came through the token bucket; JITTER is for the arrival
    # here (the first of a burst may wait behind the others in the socket)
    messages = recorder.snapshot()
    first_at, last_at = configs[0].at, configs[-1].at
    between = [
        m
        for m in messages
        if first_at <= m.at <= last_at and m.topic.endswith(("/config", "/state"))
    ]
    assert len(between) >= expected
    assert last_at - first_at >= (len(between) - BURST) / RATE - JITTER

    # the marker names every board before the bridge stops
    wait_until(
        lambda: any(len(m["boards"]) == len(BOARDS) for m in recorder.markers()),
        15,
        "the marker with every board",
    )
    wait_until(lambda: sum(drained(first)[::2]) >= len(BOARDS), 15, "the first drain")
    assert drained(first)[0] == len(BOARDS)
    first_run = recorder.markers()[-1]["run"]
    states = sum(1 for m in messages if m.topic.endswith("/state"))
    assert states >= len(BOARDS) * 6  # and every entity's state
    first.stop()

    # the same broker, retained kept: a restarted bridge finds every board current
    recorder.messages.clear()
    second = bridge(broker, tmp_path / "second", **env).start()
    processes.append(second)
    wait_until(lambda: sum(drained(second)[::2]) >= len(BOARDS), 60, "the second bridge's drain")
    # the fence: the marker follows whatever it published, on the same connection
    wait_until(
        lambda: any(m["run"] != first_run for m in recorder.markers()), 15, "the second marker"
    )
    assert drained(second)[0] == 0, second.output()[-3000:]
    assert recorder.configs() == []
    assert not [m for m in recorder.snapshot() if m.topic.endswith("/config")]
    assert "an earlier bridge announced 300 board(s)" in second.output()
