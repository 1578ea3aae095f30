"""The MQTT client sends small packets at once (no Nagle delay on commands)."""

from __future__ import annotations

import socket

from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from tests.support.mosquitto import MosquittoBroker


def test_socket_has_tcp_nodelay(broker: MosquittoBroker) -> None:
    client = MqttClient(MqttUrl.parse(broker.url), "nodelay-test")
    client.start()
    try:
        assert client.wait_connected(10)
        sock = client._client.socket()
        assert isinstance(sock, socket.socket)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        client.stop()
