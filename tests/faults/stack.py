"""The whole stack for fault tests (Mosquitto, renderer, api under gunicorn, bridge),
Socket.IO clients that reconnect like a dashboard, and a look at the retained state."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import socketio

from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.stack import BOARD, Stack, api_process, renderer_process

STATE_EVENTS = ("apps_list", "current_app", "settings", "carousel_config", "night")
RECOVERY = 10.0
"""Seconds within which state and availability must be back after a fault (issue 7)."""


@dataclass
class FaultStack:
    """A :class:`Stack` plus the bridge that mirrors changes to Socket.IO clients."""

    stack: Stack
    bridge: ServiceProcess

    @property
    def broker(self) -> MosquittoBroker:
        return self.stack.broker

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = self.stack.get("/api/health").json()
        return body

    def healthy(self) -> bool:
        """Broker connected and the renderer online, as ``/api/health`` says."""
        return bool(self.health()["status"] == "ok")

    def rest_state(self) -> dict[str, Any]:
        """The board's state payloads as REST serves them (without ``success``)."""
        return {
            name: {k: v for k, v in body.items() if k != "success"}
            for name, body in self.stack.state().items()
        }

    def logs(self) -> str:
        return f"{self.stack.logs()}\n--- bridge ---\n{self.bridge.output()[-3000:]}"

    def all_running(self) -> bool:
        return self.stack.api.running and self.stack.renderer.running and self.bridge.running


def write_dist(workdir: Path) -> None:
    """A minimal dashboard build, so the api starts as in production."""
    dist = workdir / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "index.html").write_text("<!doctype html><title>RetroBoard</title>")


def bridge_process(broker: MosquittoBroker, workdir: Path) -> ServiceProcess:
    """``retroboard-bridge`` for the default board."""
    env = {"MQTT_URL": broker.url, "RETROBOARD_BOARD_ID": BOARD}
    return ServiceProcess("retroboard-bridge", [], env, workdir / "bridge.log")


def launch(workdir: Path, *, broker_up: bool = True, wait: bool = True) -> FaultStack:
    """Start every service (the broker only when ``broker_up``)."""
    write_dist(workdir)
    broker = MosquittoBroker(workdir / "mosquitto")
    if broker_up:
        broker.start()
    probe = MqttProbe(broker.url)
    probe.start()
    renderer = renderer_process(broker, workdir).start()
    port = free_port()
    api = api_process(broker, workdir, port).start()
    bridge = bridge_process(broker, workdir).start()
    faults = FaultStack(Stack(workdir, broker, probe, renderer, api, port), bridge)
    if wait:
        try:
            faults.stack.wait_ready()
        except TimeoutError:
            shutdown(faults)
            raise AssertionError(f"stack did not start\n{faults.logs()}") from None
    return faults


def shutdown(faults: FaultStack) -> None:
    """Stop every service, then the broker."""
    faults.bridge.stop()
    faults.stack.http.close()
    faults.stack.api.stop()
    faults.stack.renderer.stop()
    faults.stack.probe.stop()
    faults.stack.broker.kill()


def retained(broker: MosquittoBroker, timeout: float = RECOVERY) -> dict[str, bytes]:
    """The retained messages of the default board, as a fresh subscriber gets them."""
    probe = MqttProbe(broker.url, f"retroboard/{BOARD}/#")
    probe.start()
    try:
        wanted = [f"retroboard/{BOARD}/status"] + [
            f"retroboard/{BOARD}/state/{name}" for name in STATE_EVENTS
        ]
        for topic in wanted:
            probe.wait_for(topic, lambda m: m.retain, timeout)
        return {m.topic.removeprefix(f"retroboard/{BOARD}/"): m.payload for m in probe.messages}
    finally:
        probe.stop()


class Dashboard:
    """A python-socketio client that reconnects on its own, like the dashboard, and
    keeps the latest payload of every event."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.5)
        self.latest: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        self.connects = 0
        self._cond = threading.Condition()
        self.client.on("*", self._record)
        self.client.on("connect", self._connected)

    def _record(self, event: str, data: Any = None) -> None:
        with self._cond:
            self.latest[event] = data
            self.counts[event] = self.counts.get(event, 0) + 1
            self._cond.notify_all()

    def _connected(self) -> None:
        with self._cond:
            self.connects += 1
            self._cond.notify_all()

    def connect(self) -> Dashboard:
        self.client.connect(f"{self.url}?board={BOARD}", transports=["websocket"], wait_timeout=10)
        return self

    def disconnect(self) -> None:
        self.client.disconnect()

    def state(self) -> dict[str, Any]:
        """What this dashboard shows: the latest payload of each state event."""
        with self._cond:
            return {name: self.latest.get(name) for name in STATE_EVENTS}

    def wait(self, check: Callable[[Dashboard], bool], timeout: float, what: str) -> None:
        """Until ``check(self)`` holds."""
        with self._cond:
            if not self._cond.wait_for(lambda: check(self), timeout):
                raise AssertionError(f"dashboard: {what} not within {timeout} s: {self.latest}")


def connect_dashboards(url: str, count: int) -> list[Dashboard]:
    """``count`` dashboards, each connected and holding the full state."""
    dashboards = [Dashboard(url).connect() for _ in range(count)]
    for dashboard in dashboards:
        dashboard.wait(lambda d: None not in d.state().values(), RECOVERY, "initial state")
    return dashboards


def in_rest_shape(dashboard_state: dict[str, Any]) -> dict[str, Any]:
    """A dashboard's state in the shape REST serves it (``GET /api/apps`` … )."""
    return {
        "apps": dashboard_state["apps_list"],
        "current": dashboard_state["current_app"],
        "settings": dashboard_state["settings"],
        "carousel": dashboard_state["carousel_config"],
        "night": dashboard_state["night"],
    }


@dataclass(frozen=True)
class Usage:
    """Resources of a process tree."""

    threads: int
    fds: int
    rss: int


def usage(pid: int) -> Usage:
    """Threads, open file descriptors and resident memory of ``pid`` and its children."""
    root = psutil.Process(pid)
    processes = [root, *root.children(recursive=True)]
    return Usage(
        threads=sum(p.num_threads() for p in processes),
        fds=sum(p.num_fds() for p in processes),
        rss=sum(p.memory_info().rss for p in processes),
    )
