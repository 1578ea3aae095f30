"""Real services on the emulated matrix (renderer, bridge), and Home Assistant's MQTT
client, for tests that drive them over a real broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess

BOARD = "hall"
# Small panel, no preview: the render loop stays cheap on a 2-core machine.
SMALL_PANEL = {"MATRIX_ROWS": "16", "MATRIX_COLS": "32"}


def renderer(broker: MosquittoBroker, workdir: Path, board: str, **env: str) -> ServiceProcess:
    """A real ``retroboard-renderer`` on the emulated matrix."""
    return ServiceProcess(
        "retroboard-renderer",
        [],
        {
            "MQTT_URL": broker.url,
            "RETROBOARD_BOARD_ID": board,
            "RETROBOARD_STATE_DIR": str(workdir / f"state-{board}"),
            "RETROBOARD_DISPLAY": "emulator",
            **SMALL_PANEL,
            **env,
        },
        workdir / f"renderer-{board}.log",
    )


def bridge(broker: MosquittoBroker, workdir: Path, *args: str, **env: str) -> ServiceProcess:
    """A real ``retroboard-bridge`` (``args``: e.g. ``forget <board>``)."""
    return ServiceProcess(
        "retroboard-bridge",
        list(args),
        {"MQTT_URL": broker.url, "RETROBOARD_BOARD_ID": "bridge", **env},
        workdir / f"bridge-{'-'.join(args) or 'run'}.log",
    )


@dataclass
class HomeAssistant:
    """An MQTT client seeing everything, with Home Assistant's habits."""

    probe: MqttProbe
    prefix: str = "homeassistant"

    def discovery(self, component: str, entity: str, board: str = BOARD) -> dict[str, Any]:
        """The (non-empty) discovery config of one entity."""
        topic = f"{self.prefix}/{component}/retroboard_{board}/{entity}/config"
        config: dict[str, Any] = self.probe.wait_for(topic, lambda m: bool(m.payload)).json()
        return config

    def state(self, topic: str, expected: Callable[[str], bool], timeout: float = 5.0) -> str:
        """The first state on ``topic`` that fits ``expected``."""
        return self.probe.wait_for(
            topic, lambda m: expected(m.payload.decode()), timeout=timeout
        ).payload.decode()

    def send(self, topic: str, payload: str) -> None:
        """Publish a command as HA does (plain string payload)."""
        self.probe.publish(topic, payload)

    def restart(self) -> None:
        """HA's birth message after a restart."""
        self.probe.publish(f"{self.prefix}/status", "online")


@pytest.fixture
def processes() -> Iterator[list[ServiceProcess]]:
    """Processes a test started; all stopped after it."""
    started: list[ServiceProcess] = []
    yield started
    for process in reversed(started):
        process.stop()
