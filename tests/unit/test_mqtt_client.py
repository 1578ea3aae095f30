"""The MQTT client sends small packets at once (no Nagle delay on commands), and what a
message handler publishes before the handler is done."""

from __future__ import annotations

import socket
import threading

from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.waiting import wait_until


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


def test_a_handler_publish_leaves_before_the_handler_returns(broker: MosquittoBroker) -> None:
    # The bridge mirrors a state from its handler, then does Home Assistant's work for
    # it: the mirrored event must not wait for that work.
    heard_in_handler: list[bool] = []
    listener = MqttProbe(broker.url, "echo/#")
    listener.start()
    client = MqttClient(MqttUrl.parse(broker.url), "write-now-test")

    def handle(_topic: str, _payload: bytes) -> None:
        client.publish("echo/out", b"now", qos=0)
        try:
            listener.wait_for("echo/out", timeout=3)
        except AssertionError:
            heard_in_handler.append(False)
        else:
            heard_in_handler.append(True)

    def listening() -> bool:
        listener.fence(1)
        return True

    wait_until(listening, 10, "the listener", ignoring=(RuntimeError, AssertionError))
    listener.publish("echo/in", b"go", retain=True)  # handled as soon as subscribed
    client.subscribe("echo/in", handle, qos=0)
    client.start()
    try:
        wait_until(lambda: bool(heard_in_handler), 10, "the handler to finish")
        assert heard_in_handler == [True]
    finally:
        client.stop()
        listener.stop()


def test_a_handler_publishing_while_the_client_stops_does_not_hang(
    broker: MosquittoBroker,
) -> None:
    # paho sends a queued DISCONNECT with a callback under the lock a handler holds:
    # writing it from the handler would deadlock the network thread.
    prober = MqttProbe(broker.url, "stopping/#")
    prober.start()
    client = MqttClient(MqttUrl.parse(broker.url), "stopping-test")
    entered, stopping, done = threading.Event(), threading.Event(), threading.Event()

    def handle(_topic: str, _payload: bytes) -> None:
        entered.set()
        assert stopping.wait(5)
        client.publish("stopping/out", b"late", qos=0)
        done.set()

    def listening() -> bool:
        prober.fence(1)
        return True

    wait_until(listening, 10, "the prober", ignoring=(RuntimeError, AssertionError))
    prober.publish("stopping/in", b"go", retain=True)
    client.subscribe("stopping/in", handle, qos=0)
    client.start()
    try:
        assert entered.wait(10)
        client._client.disconnect()  # what stop() queues first
        stopping.set()
        assert done.wait(5), "the handler hung in publish"
    finally:
        client.stop()
        prober.stop()
