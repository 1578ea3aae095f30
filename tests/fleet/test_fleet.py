"""A fleet on one broker: 20 emulated renderers, one api, one bridge.

Every board is commanded through REST and through MQTT; each Socket.IO client sees
only its own board's events; a renderer killed with ``kill -9`` (or frozen, its TCP
connection still open) shows offline in ``/api/boards`` within the MQTT keepalive
bound and online again once it is back.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.services import bridge, renderer
from tests.support.sio_recorder import SioRecorder
from tests.support.stack import api_process, wait_until

pytestmark = pytest.mark.integration

BOARDS = [f"b{n:02d}" for n in range(20)]
KEEPALIVE = 2  # seconds (MQTT_KEEPALIVE of the renderers)
# MQTT lets the broker wait 1.5 × keepalive after a client's last packet; Mosquitto 2.0
# checks that coarsely (measured: up to 2 × keepalive + 1.5 s). Plus slack for a busy box.
OFFLINE_BOUND = 2 * KEEPALIVE + 5.0


@dataclass
class Fleet:
    """The running fleet and HTTP helpers."""

    broker: MosquittoBroker
    probe: MqttProbe
    renderers: dict[str, ServiceProcess]
    api: ServiceProcess
    bridge: ServiceProcess
    port: int
    http: requests.Session

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def boards(self) -> dict[str, dict[str, Any]]:
        """``GET /api/boards`` by board id."""
        reply = self.http.get(f"{self.url}/api/boards", timeout=10)
        reply.raise_for_status()
        return {entry["id"]: entry for entry in reply.json()["boards"]}

    def online(self) -> set[str]:
        return {board for board, entry in self.boards().items() if entry["online"]}

    def logs(self) -> str:
        api, bridge = self.api.output()[-2000:], self.bridge.output()[-2000:]
        return f"--- api ---\n{api}\n--- bridge ---\n{bridge}"


@pytest.fixture
def fleet(broker: MosquittoBroker, tmp_path: Path) -> Iterator[Fleet]:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>RetroBoard</title>")
    probe = MqttProbe(broker.url)
    probe.start()
    keepalive = {"MQTT_KEEPALIVE": str(KEEPALIVE)}
    renderers = {board: renderer(broker, tmp_path, board, **keepalive) for board in BOARDS}
    for process in renderers.values():
        process.start()
    port = free_port()
    api = api_process(
        broker,
        tmp_path,
        port,
        RETROBOARD_BOARD_ID=BOARDS[0],
        RETROBOARD_COMMAND_TIMEOUT="5",
        RETROBOARD_API_WORKER_CLASS="gevent",
    ).start()
    bridge_process = bridge(broker, tmp_path).start()
    running = Fleet(broker, probe, renderers, api, bridge_process, port, requests.Session())
    try:
        # 22 Python services starting on two cores: a generous budget, and a clear
        # message naming what did not come up.
        try:
            wait_until(lambda: running.online() == set(BOARDS), 90, "every board online")
        except TimeoutError:
            missing = sorted(set(BOARDS) - running.online())
            logs = {board: renderers[board].output()[-500:] for board in missing[:2]}
            raise AssertionError(f"offline: {missing}\n{logs}\n{running.logs()}") from None
        yield running
    finally:
        running.http.close()
        for process in [api, bridge_process, *renderers.values()]:
            process.stop()
        probe.stop()


def brightness_is(value: int) -> Callable[[Any], bool]:
    """A ``settings`` payload predicate."""
    return lambda data: bool(data["brightness"] == value)


def fence_text_is(text: str) -> Callable[[Any], bool]:
    """An ``apps_list`` payload predicate: the scroll text's configured text."""
    return lambda data: bool(data["instances"]["scroll_text"]["config"].get("text") == text)


def connect(fleet: Fleet, board: str) -> SioRecorder:
    """A Socket.IO client following ``board`` (picked by the handshake query)."""
    return SioRecorder(f"{fleet.url}?board={board}", auth={"board": board}).connect(10)


def test_fleet(fleet: Fleet) -> None:
    entries = fleet.boards()
    assert all(entries[board]["last_seen"] for board in BOARDS), entries

    clients = {board: connect(fleet, board) for board in BOARDS}
    try:
        initial: dict[str, int] = {}
        for board, client in clients.items():
            initial[board] = client.wait_for("settings", timeout=10)["brightness"]
            assert client.wait_for("board_status") == {"board": board, "online": True}

        # each board through REST (brightness n+1) and through MQTT (brightness 50+n)
        for n, board in enumerate(BOARDS):
            reply = fleet.http.post(
                f"{fleet.url}/api/boards/{board}/settings", json={"brightness": n + 1}, timeout=10
            )
            assert reply.status_code == 200, (board, reply.text, fleet.logs())
            assert reply.json()["brightness"] == n + 1
        for n, board in enumerate(BOARDS):
            assert fleet.probe.request(board, "settings", {"brightness": 50 + n})["success"]

        for n, board in enumerate(BOARDS):
            client = clients[board]
            final = 50 + n
            client.wait_for("settings", brightness_is(final), 10)
            seen = {data["brightness"] for data in client.received("settings")}
            assert seen <= {initial[board], n + 1, final}, (board, seen)
            assert n + 1 in seen, (board, seen)
        # Late strays, if any, arrive before a fence: each renderer publishes its state
        # in order, the bridge handles it in order and emits through one queue
        # connection, and the api sends each client its room's events in order.
        for board in BOARDS:
            marker = f"fence {board}"
            config = {"app": "scroll_text", "config": {"text": marker}}
            assert fleet.probe.request(board, "config", config)["success"]
        for board in BOARDS:
            clients[board].wait_for("apps_list", fence_text_is(f"fence {board}"), 10)
        for n, board in enumerate(BOARDS):
            client = clients[board]
            seen = {data["brightness"] for data in client.received("settings")}
            assert seen <= {initial[board], n + 1, 50 + n}, (board, seen)
            assert {s["board"] for s in client.received("board_status")} == {board}

        killed, frozen = BOARDS[3], BOARDS[4]
        # Two changes within RETROBOARD_SAVE_DELAY: the second reaches the disk when the
        # delay is over (a power cut before that loses it); kill only once it has.
        state_file = Path(fleet.renderers[killed].env["RETROBOARD_STATE_DIR"]) / "state.json"
        wait_until(lambda: json.loads(state_file.read_text())["brightness"] == 53, 5, "saved")
        fleet.renderers[killed].kill()  # kill -9: the broker publishes the last will
        frozen_process = fleet.renderers[frozen].process
        assert frozen_process is not None
        frozen_process.send_signal(signal.SIGSTOP)  # silent: only the keepalive tells
        started = time.monotonic()
        wait_until(
            lambda: not ({killed, frozen} & fleet.online()),
            OFFLINE_BOUND,
            f"{killed} and {frozen} offline",
        )
        assert time.monotonic() - started <= OFFLINE_BOUND
        assert fleet.online() == set(BOARDS) - {killed, frozen}
        offline = {"board": killed, "online": False}
        assert clients[killed].wait_for("board_status", lambda d: d == offline) == offline
        last_seen = fleet.boards()[killed]["last_seen"]
        assert last_seen is not None

        frozen_process.send_signal(signal.SIGCONT)
        fleet.renderers[killed].start()
        wait_until(lambda: fleet.online() == set(BOARDS), 20, "boards back online")
        back = {"board": killed, "online": True}
        clients[killed].wait_for("board_status", lambda d: d == back, 10)
        # the restarted renderer kept its state (brightness from before the kill)
        assert fleet.probe.request(killed, "request_state", {})["success"]
        reply = fleet.http.get(f"{fleet.url}/api/boards/{killed}/settings", timeout=10)
        assert reply.json()["brightness"] == 53
    finally:
        for client in clients.values():
            client.disconnect()
