"""``retroboard-api`` as a process: start-up errors, where MQTT lives, both worker classes."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest
import socketio

from tests.support.mosquitto import free_port
from tests.support.stack import BOARD, Stack, api_process, wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

API = str(Path(sys.executable).parent / "retroboard-api")


def run_api(env: dict[str, str], timeout: float = 20) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [API],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_busy_port_is_one_clear_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_api({"RETROBOARD_API_HOST": "127.0.0.1", "RETROBOARD_API_PORT": str(port)})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"retroboard-api: port {port} on 127.0.0.1 is already in use (change RETROBOARD_API_PORT)"
    )
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value"), [("RETROBOARD_COMMAND_TIMEOUT", "soon"), ("RETROBOARD_API_TOKEN", "   ")]
)
def test_bad_setting_is_one_clear_line(name: str, value: str) -> None:
    result = run_api({name: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], lines


def test_mqtt_connects_from_the_worker_not_the_master(stack: Stack) -> None:
    master = psutil.Process(stack.api.process.pid)  # type: ignore[union-attr]
    [worker] = master.children()

    def broker_connections(process: psutil.Process) -> int:
        return sum(
            1
            for c in process.net_connections("tcp")
            if c.raddr and c.raddr.port == stack.broker.port
        )

    assert broker_connections(master) == 0
    assert broker_connections(worker) >= 1


def test_gthread_worker_serves_rest_and_websocket(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    api = api_process(stack.broker, tmp_path, port, RETROBOARD_API_WORKER_CLASS="gthread").start()
    url = f"http://127.0.0.1:{port}"
    client = socketio.Client(reconnection=False)
    try:
        import requests

        wait_until(lambda: requests.get(f"{url}/api/settings", timeout=2).ok, what="gthread api")
        client.connect(f"{url}?board={BOARD}", transports=["websocket"], wait_timeout=5)
        assert client.transport() == "websocket"
        assert client.call("settings", {"brightness": 33}, timeout=5) == {
            "success": True,
            **settings_state(33),
        }
    finally:
        client.disconnect()
        api.stop()
    assert "Using worker: retroboard_api.thread_worker.GuardedThreadWorker" in api.output()
