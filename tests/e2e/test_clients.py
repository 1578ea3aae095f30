"""The whole stack as its users meet it: two api processes behind the default MQTT
message queue, the bridge, the renderer; clients in Python (python-socketio) and in
JavaScript (npm's socket.io-client@4, run by Node); changes made over REST and with
``mosquitto_pub``."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.processes import ServiceProcess
from tests.support.services import bridge
from tests.support.sio_recorder import SioRecorder
from tests.support.stack import BOARD, api_process, renderer_process, wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

NODE_CLIENT = Path(__file__).with_name("node_client.mjs")


class NodeClient:
    """``node node_client.mjs``: every event it prints, as (event, data)."""

    def __init__(self, url: str, board: str) -> None:
        node = shutil.which("node")
        assert node, "node not found: scripts/setup installs Node.js"
        self.process = subprocess.Popen(
            [node, str(NODE_CLIENT), url, board],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[tuple[str, Any]] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            with self._cond:
                self.events.append((message["event"], message["data"]))
                self._cond.notify_all()

    def wait_for(self, event: str, data: Any, timeout: float = 10.0) -> None:
        """Until ``event`` with exactly ``data`` has arrived."""
        with self._cond:
            if not self._cond.wait_for(lambda: (event, data) in self.events, timeout):
                exited = self.process.poll() is not None
                errors = self.process.stderr.read() if exited and self.process.stderr else ""
                raise AssertionError(f"node client: no {event} {data}; got {self.events} {errors}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)
        self._reader.join(5)  # it ends at the end of the output
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@dataclass
class TwoApiStack:
    broker: MosquittoBroker
    services: list[ServiceProcess]
    api_urls: list[str]


@pytest.fixture
def stack(broker: MosquittoBroker, tmp_path: Path) -> Iterator[TwoApiStack]:
    """Renderer, bridge and two api processes sharing the (default) MQTT queue."""
    ports = [free_port(), free_port()]
    services = [
        renderer_process(broker, tmp_path).start(),
        bridge(broker, tmp_path).start(),
        *(api_process(broker, tmp_path, port).start() for port in ports),
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            wait_until(serves_the_board(url), 20, f"{url} ready")
        yield TwoApiStack(broker, services, urls)
    finally:
        for service in reversed(services):
            service.stop()


def serves_the_board(url: str) -> Callable[[], bool]:
    """Whether the api at ``url`` serves the board's state yet."""
    return lambda: requests.get(f"{url}/api/apps", timeout=2).ok


def python_client(url: str) -> SioRecorder:
    """A recorder following ``BOARD`` on the api at ``url``."""
    return SioRecorder(url, auth={"board": BOARD}).connect(wait_timeout=10)


def test_rest_and_mosquitto_pub_changes_reach_every_client_of_every_api(
    stack: TwoApiStack,
) -> None:
    first, second = stack.api_urls
    python_clients = [python_client(first), python_client(second)]
    node = NodeClient(first, BOARD)
    try:
        for client in python_clients:
            client.wait_for("settings", timeout=10)
        node_initial = wait_until(lambda: [d for e, d in node.events if e == "settings"], 10)
        assert "brightness" in node_initial[0]

        # A change over REST on the second api reaches the clients of both.
        reply = requests.post(f"{second}/api/settings", json={"brightness": 37}, timeout=10)
        assert reply.status_code == 200, reply.text
        for client in python_clients:
            client.wait_for("settings", lambda d: d == settings_state(37), 10)
        node.wait_for("settings", settings_state(37))

        # A change straight over MQTT, as Home Assistant or a script would send it.
        subprocess.run(
            [
                "mosquitto_pub",
                "-p",
                str(stack.broker.port),
                "-t",
                f"retroboard/{BOARD}/cmd/switch",
                "-m",
                json.dumps({"app": "scroll_text", "config": {"text": "from mosquitto_pub"}}),
            ],
            check=True,
            timeout=10,
        )

        def shows_message(data: Any) -> bool:
            return bool(
                data["app"] == "scroll_text" and data["config"]["text"] == "from mosquitto_pub"
            )

        for client in python_clients:
            current = client.wait_for("current_app", shows_message, 10)
        node.wait_for("current_app", current)
        # each change arrived once per client
        for client in python_clients:
            assert client.received("settings").count(settings_state(37)) == 1
        assert node.events.count(("settings", settings_state(37))) == 1
    finally:
        node.stop()
        for client in python_clients:
            client.disconnect()
