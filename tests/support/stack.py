"""The real stack for integration tests: Mosquitto, ``retroboard-renderer`` and
``retroboard-api`` under gunicorn, plus HTTP helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until

__all__ = [
    "BOARD",
    "Stack",
    "api_process",
    "renderer_process",
    "start_stack",
    "stop_stack",
    "wait_until",
]

BOARD = "test"


def renderer_process(broker: MosquittoBroker, workdir: Path, board: str = BOARD) -> ServiceProcess:
    """A real renderer on the emulated matrix."""
    env = {
        "MQTT_URL": broker.url,
        "RETROBOARD_BOARD_ID": board,
        "RETROBOARD_STATE_DIR": str(workdir / f"state-{board}"),
        "RETROBOARD_DISPLAY": "emulator",
    }
    return ServiceProcess("retroboard-renderer", [], env, workdir / f"renderer-{board}.log")


def api_process(broker: MosquittoBroker, workdir: Path, port: int, **extra: str) -> ServiceProcess:
    """``retroboard-api`` (real gunicorn) on 127.0.0.1:``port``."""
    env = {
        "MQTT_URL": broker.url,
        "RETROBOARD_BOARD_ID": BOARD,
        "RETROBOARD_API_HOST": "127.0.0.1",
        "RETROBOARD_API_PORT": str(port),
        "RETROBOARD_COMMAND_TIMEOUT": "1.0",
        "RETROBOARD_WEB_DIST": str(workdir / "dist"),
        **extra,
    }
    return ServiceProcess("retroboard-api", [], env, workdir / f"api-{port}.log")


@dataclass
class Stack:
    """Everything an integration test talks to."""

    workdir: Path
    broker: MosquittoBroker
    probe: MqttProbe
    renderer: ServiceProcess
    api: ServiceProcess
    port: int
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url + path, timeout=10, **kwargs)

    def board_online(self, board: str = BOARD) -> bool:
        boards = self.get("/api/health").json()["boards"]
        return bool(boards.get(board, {}).get("online"))

    def wait_ready(self) -> None:
        """Until the api answers and sees the renderer online with its state."""
        wait_until(lambda: self.board_online() and self.get("/api/apps").ok, what="api ready")

    def state(self) -> dict[str, Any]:
        """Every state payload of the default board, through the api."""
        return {
            path: self.get(f"/api/{path}").json()
            for path in ("apps", "current", "settings", "carousel", "night")
        }

    def logs(self) -> str:
        api, renderer = self.api.output()[-3000:], self.renderer.output()[-3000:]
        return f"--- api ---\n{api}\n--- renderer ---\n{renderer}"


def start_stack(workdir: Path, token: str | None = None, **api_env: str) -> Stack:
    """Start broker, renderer and api; wait until the api serves the renderer's state.

    ``token``: sent as the bearer token while waiting (``RETROBOARD_API_TOKEN`` in
    ``api_env`` makes the reads need it); ``stack.http`` sends none afterwards.
    """
    dist = workdir / "dist"
    (dist / "assets").mkdir(parents=True, exist_ok=True)
    (dist / "index.html").write_text("<!doctype html><title>RetroBoard</title><div id=app></div>")
    (dist / "assets" / "index-abc123.js").write_text("console.log('retroboard')")
    broker = MosquittoBroker(workdir / "mosquitto")
    broker.start()
    probe = MqttProbe(broker.url)
    probe.start()
    renderer = renderer_process(broker, workdir).start()
    port = free_port()
    api = api_process(broker, workdir, port, **api_env).start()
    stack = Stack(workdir, broker, probe, renderer, api, port)
    if token is not None:
        stack.http.headers["Authorization"] = f"Bearer {token}"
    try:
        stack.wait_ready()
    except TimeoutError:
        stop_stack(stack)
        raise AssertionError(f"stack did not start\n{stack.logs()}") from None
    stack.http.headers.pop("Authorization", None)
    return stack


def stop_stack(stack: Stack) -> None:
    """Stop everything (api first, so it never sees the broker vanish)."""
    stack.http.close()
    stack.api.stop()
    stack.renderer.stop()
    stack.probe.stop()
    stack.broker.kill()
