"""Fixtures shared by every test: a real broker, MQTT test clients, temp state."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe

# Playwright and Chromium fixtures, shared by every package's browser tests.
pytest_plugins = ["tests.support.browser"]

# Every renderer a test starts listens for pixel streams on free ports, so stacks that
# run side by side never contend for 4048/5568/6454; the stream tests name their ports.
for _variable in (
    "RETROBOARD_REALTIME_DDP_PORT",
    "RETROBOARD_REALTIME_E131_PORT",
    "RETROBOARD_REALTIME_ARTNET_PORT",
):
    os.environ.setdefault(_variable, "0")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A fresh Mosquitto on a free port, stopped after the test."""
    instance = MosquittoBroker(tmp_path / "mosquitto")
    instance.start()
    yield instance
    instance.kill()


@pytest.fixture
def probe(broker: MosquittoBroker) -> Iterator[MqttProbe]:
    """An MQTT client that records everything under ``retroboard/#``."""
    client = MqttProbe(broker.url)
    client.start()
    yield client
    client.stop()
