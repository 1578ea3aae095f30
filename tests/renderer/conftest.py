"""A real renderer process on a real broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.renderer_contract import BOARD, RendererFactory


@pytest.fixture
def start_renderer(broker: MosquittoBroker, tmp_path: Path) -> Iterator[RendererFactory]:
    """Start ``retroboard-renderer`` processes; every one is stopped after the test."""
    started: list[ServiceProcess] = []

    def start(*args: str, board: str = BOARD, **env: str) -> ServiceProcess:
        process = ServiceProcess(
            "retroboard-renderer",
            list(args),
            {
                "MQTT_URL": broker.url,
                "RETROBOARD_BOARD_ID": board,
                "RETROBOARD_STATE_DIR": str(tmp_path / f"state-{board}"),
                "RETROBOARD_DISPLAY": "emulator",
                "RETROBOARD_SAVE_DELAY": "0",
                **env,
            },
            tmp_path / f"renderer-{board}.log",
        )
        started.append(process.start())
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def renderer(start_renderer: RendererFactory, probe: MqttProbe) -> ServiceProcess:
    """One renderer for board ``test``, online."""
    process = start_renderer()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=10)
    return process
