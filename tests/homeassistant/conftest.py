"""Fixtures for the Home Assistant tests: a real renderer and bridge on a real broker,
and an MQTT client that plays Home Assistant (those live in ``tests/support/services.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.services import processes

__all__ = ["ha_probe", "processes"]


@pytest.fixture
def ha_probe(broker: MosquittoBroker) -> Iterator[MqttProbe]:
    """A probe subscribed to every topic."""
    client = MqttProbe(broker.url, pattern="#")
    client.start()
    yield client
    client.stop()
