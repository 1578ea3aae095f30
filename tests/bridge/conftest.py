"""Fixtures for the bridge: a Socket.IO server on the MQTT queue, clients, the bridge."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from retroboard_common.sio_queue import MqttManager, create_manager
from tests.bridge.sio_support import SioServer
from tests.support.mosquitto import MosquittoBroker
from tests.support.processes import ServiceProcess
from tests.support.sio_recorder import SioRecorder
from tests.support.waiting import wait_until


@pytest.fixture
def sio_server(broker: MosquittoBroker) -> Iterator[SioServer]:
    """A Socket.IO server sharing events through the MQTT queue on ``broker``."""
    server = SioServer(create_manager(broker.url, "mqtt", write_only=False)).start()
    yield server
    server.stop()


@pytest.fixture
def sio_client(sio_server: SioServer) -> Iterator[Callable[..., SioRecorder]]:
    """Connect recording clients to ``sio_server`` in the rooms given."""
    clients: list[SioRecorder] = []

    def connect(*rooms: str) -> SioRecorder:
        client = SioRecorder(sio_server.url, list(rooms)).connect()
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.disconnect()


@pytest.fixture
def emitter(broker: MosquittoBroker) -> Iterator[MqttManager]:
    """A write-only MQTT queue manager, as any outside emitter would use."""
    manager = create_manager(broker.url, "mqtt", write_only=True)
    assert isinstance(manager, MqttManager)
    yield manager
    manager.close()


@pytest.fixture
def bridge_process(
    broker: MosquittoBroker, tmp_path: Path
) -> Iterator[Callable[..., ServiceProcess]]:
    """Start ``retroboard-bridge`` on ``broker`` (extra env optional); stopped after."""
    started: list[ServiceProcess] = []

    def start(ready: bool = True, **env: Any) -> ServiceProcess:
        process = ServiceProcess(
            "retroboard-bridge",
            [],
            {"MQTT_URL": broker.url, "RETROBOARD_BOARD_ID": "bridge", **env},
            tmp_path / f"bridge-{len(started)}.log",
        ).start()
        started.append(process)
        # Once it has read what the broker retains, everything published is live (and
        # reaches Socket.IO clients; what was retained before is the api's snapshot).
        if ready:
            wait_until(
                lambda: "read the fleet's retained state" in process.output(),
                what="the bridge's first read of the fleet",
            )
        return process

    yield start
    for process in started:
        process.stop()
