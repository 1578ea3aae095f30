"""A simulated fleet for ``bench.fleet``: real renderer payloads, published for N boards.

:func:`capture_payloads` runs one real ``retroboard-renderer`` (emulator display) on a
private broker once and keeps its retained ``status``, ``health`` and five ``state/*``
payloads. :class:`FleetSimulator` then publishes them for every simulated board (the
capture's board id replaced by the board's own wherever it appears), retained, QoS 1,
with the board's fleet index entry, from a few paho clients: cheap publishers, not one
process per board.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from bench.stack import service_process
from retroboard_common.topics import INDEX_ENTRY, STATE_NAMES, BoardTopics
from tests.support.mosquitto import MosquittoBroker
from tests.support.waiting import wait_until

CAPTURE_BOARD = "fleet-capture-board"
CAPTURE_TIMEOUT = 60.0
CLIENTS = 4  # simulator connections; each carries a quarter of the boards
MAX_INFLIGHT = 1000  # QoS 1 messages in flight per connection (paho's default is 20)

Payloads = dict[str, bytes]  # topic suffix ("status", "state/settings" …) → payload


def board_ids(count: int) -> list[str]:
    """``board-00001`` … ``board-<count>`` (at least five digits, sorted as numbers)."""
    width = max(5, len(str(count)))
    return [f"board-{i:0{width}d}" for i in range(1, count + 1)]


def _suffixes() -> list[str]:
    return ["status", "health", *(f"state/{name}" for name in STATE_NAMES)]


def capture_payloads(workdir: Path, bin_dir: Path | None) -> Payloads:
    """Run one real renderer until it retained every state; return its payloads."""
    broker = MosquittoBroker(workdir / "capture-mosquitto")
    renderer = service_process(
        "retroboard-renderer",
        {
            "MQTT_URL": broker.url,
            "RETROBOARD_BOARD_ID": CAPTURE_BOARD,
            "RETROBOARD_LOG_LEVEL": "WARNING",
            "RETROBOARD_STATE_DIR": str(workdir / "capture-state"),
            "RETROBOARD_DISPLAY": "emulator",
        },
        workdir / "capture-renderer.log",
        bin_dir,
    )
    seen: Payloads = {}
    lock = threading.Lock()
    base = BoardTopics(CAPTURE_BOARD).base

    def on_message(_client: Any, _userdata: Any, message: Any) -> None:
        # Live messages carry no retain flag (only those a new subscription gets do);
        # these topics are all retained by the renderer.
        if message.topic.startswith(base + "/"):
            with lock:
                seen[message.topic[len(base) + 1 :]] = bytes(message.payload)

    probe = paho.Client(CallbackAPIVersion.VERSION2, client_id="fleet-capture")
    probe.on_message = on_message
    # Subscribed on every connect: paho sends no SUBSCRIBE before its CONNACK.
    probe.on_connect = lambda client, *_args: client.subscribe(f"{base}/#", qos=1)
    broker.start()
    try:
        renderer.start()
        probe.connect("127.0.0.1", broker.port)
        probe.loop_start()
        wanted = _suffixes()

        def complete() -> bool:
            if not renderer.running:
                raise RuntimeError("the capture renderer exited")
            with lock:
                return all(suffix in seen for suffix in wanted)

        try:
            wait_until(complete, CAPTURE_TIMEOUT, "the renderer's retained state", ignoring=())
        except TimeoutError as error:
            with lock:
                missing = [suffix for suffix in wanted if suffix not in seen]
            raise TimeoutError(f"{error}; missing {missing}, seen {sorted(seen)}") from None
        with lock:
            return {suffix: seen[suffix] for suffix in wanted}
    finally:
        probe.disconnect()
        probe.loop_stop()
        renderer.stop()
        broker.stop()


def for_board(payloads: Payloads, board: str) -> Payloads:
    """The captured payloads with the capture's board id replaced by ``board``."""
    old, new = CAPTURE_BOARD.encode(), board.encode()
    out = {suffix: payload.replace(old, new) for suffix, payload in payloads.items()}
    out["status"] = b"online"
    return out


def with_brightness(settings: bytes, brightness: int) -> bytes:
    """A ``state/settings`` payload with another brightness."""
    data = json.loads(settings)
    data["brightness"] = brightness
    return json.dumps(data, separators=(",", ":")).encode()


class FleetSimulator:
    """``boards`` simulated boards on the broker at ``port``, over :data:`CLIENTS` clients."""

    def __init__(self, port: int, boards: list[str], payloads: Payloads) -> None:
        self.port = port
        self.boards = boards
        # Each board's messages, by topic: what a board bridge would hold and resend.
        self.messages: dict[str, dict[str, bytes]] = {}
        for board in boards:
            topics = BoardTopics(board)
            own = {f"{topics.base}/{s}": p for s, p in for_board(payloads, board).items()}
            own[topics.index] = INDEX_ENTRY
            self.messages[board] = own
        self.clients: list[Any] = []
        for index in range(min(CLIENTS, len(boards))):
            client = paho.Client(
                CallbackAPIVersion.VERSION2, client_id=f"fleet-sim-{index}", clean_session=True
            )
            client.max_inflight_messages_set(MAX_INFLIGHT)
            client.max_queued_messages_set(0)  # unbounded: publish() never refuses
            client.reconnect_delay_set(1, 2)
            self.clients.append(client)

    def _client(self, board_index: int) -> Any:
        return self.clients[board_index % len(self.clients)]

    def connect(self, timeout: float = 10.0) -> None:
        """Connect every client (they reconnect on their own after a broker restart)."""
        for client in self.clients:
            client.connect("127.0.0.1", self.port, keepalive=30)
            client.loop_start()
        self.wait_connected(timeout)

    def wait_connected(self, timeout: float) -> None:
        """Block until every client is connected (again)."""
        wait_until(
            lambda: all(c.is_connected() for c in self.clients),
            timeout,
            "the simulator connected",
            ignoring=(),
        )

    def publish_all(self, timeout: float) -> float:
        """Publish every board's messages (retained, QoS 1); seconds until all acked."""
        started = time.monotonic()
        infos = []
        for index, board in enumerate(self.boards):
            client = self._client(index)
            for topic, payload in self.messages[board].items():
                infos.append(client.publish(topic, payload, qos=1, retain=True))
        deadline = started + timeout
        for info in infos:
            info.wait_for_publish(max(0.0, deadline - time.monotonic()))
            if not info.is_published():
                raise TimeoutError(f"the fleet's messages not acknowledged within {timeout} s")
        return time.monotonic() - started

    def set_brightness(self, board: str, brightness: int) -> None:
        """Publish (and keep, for a republish) a new retained ``state/settings``."""
        topic = BoardTopics(board).state("settings")
        payload = with_brightness(self.messages[board][topic], brightness)
        self.messages[board][topic] = payload
        self._client(self.boards.index(board)).publish(topic, payload, qos=1, retain=True)

    def close(self) -> None:
        """Disconnect every client."""
        for client in self.clients:
            client.disconnect()
            client.loop_stop()
