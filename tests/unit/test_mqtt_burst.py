"""The burst reader: one pass of paho's network loop reads every packet already there.

``retroboard_common.mqtt._BurstClient`` overrides paho's ``loop_read`` with paho's
private members, so paho is pinned to one minor release; this fails if an upgrade
breaks the override (paho's own ``loop_read`` reads one packet per pass when idle).
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import termios
import threading
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from retroboard_common.mqtt import QUICK_ACK, READ_BURST, _BurstClient, _greenlet_threads
from tests.support.mosquitto import MosquittoBroker
from tests.support.waiting import wait_until

TOPIC = "retroboard/test/burst"
BURST = 50
assert BURST <= READ_BURST


def publish_packet_size(topic: str, payload: bytes) -> int:
    """Bytes of a QoS 0 MQTT 3.1.1 PUBLISH (both under 128 bytes: one length byte)."""
    remaining = 2 + len(topic.encode()) + len(payload)
    assert remaining < 128
    return 2 + remaining


def waiting_bytes(sock: socket.socket) -> int:
    """Bytes received by the kernel and not read yet (``FIONREAD``)."""
    answer = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
    count: int = struct.unpack("i", answer)[0]
    return count


@pytest.fixture
def reader(broker: MosquittoBroker) -> Iterator[tuple[_BurstClient, list[bytes]]]:
    """A burst client, connected and subscribed to :data:`TOPIC`, driven by the test."""
    received: list[bytes] = []
    acked: list[bool] = []
    client = _BurstClient(CallbackAPIVersion.VERSION2, "burst-reader", protocol=paho.MQTTv5)
    client.on_message = lambda _client, _userdata, msg: received.append(bytes(msg.payload))
    client.on_subscribe = lambda *_args: acked.append(True)
    client.connect("127.0.0.1", broker.port)

    def step_until(done: list[bool] | None, what: str) -> None:
        def stepped() -> bool:
            assert client.loop(0.05) == MQTTErrorCode.MQTT_ERR_SUCCESS
            return bool(done) if done is not None else client.is_connected()

        wait_until(stepped, 10, what, ignoring=())

    try:
        step_until(None, "the reader's CONNACK")
        client.subscribe(TOPIC, qos=0)
        step_until(acked, "the reader's SUBACK")
        yield client, received
    finally:
        client.disconnect()


def publish_burst(broker: MosquittoBroker, payloads: list[bytes]) -> None:
    """Publish ``payloads`` from another client and wait until they left it."""
    publisher = paho.Client(CallbackAPIVersion.VERSION2, "burst-writer", protocol=paho.MQTTv311)
    publisher.connect("127.0.0.1", broker.port)
    publisher.loop_start()
    try:
        infos = [publisher.publish(TOPIC, payload, qos=0) for payload in payloads]
        infos[-1].wait_for_publish(10)
    finally:
        publisher.disconnect()
        publisher.loop_stop()


def test_one_loop_read_delivers_a_whole_burst(
    broker: MosquittoBroker, reader: tuple[_BurstClient, list[bytes]]
) -> None:
    client, received = reader
    payloads = [f"message {n}".encode() for n in range(BURST)]
    publish_burst(broker, payloads)
    sock = client.socket()
    assert isinstance(sock, socket.socket)
    # Fence: every packet is in the reader's receive buffer before it reads once.
    total = sum(publish_packet_size(TOPIC, payload) for payload in payloads)
    wait_until(lambda: waiting_bytes(sock) >= total, 10, "the burst in the socket buffer")

    assert client.loop_read() == MQTTErrorCode.MQTT_ERR_SUCCESS
    assert received == payloads
    assert waiting_bytes(sock) == 0


class RecordingSocket(socket.socket):
    """The reader's own TCP connection (a duplicate of its descriptor) that notes every
    option set on it."""

    options: list[tuple[int, int, int]]

    def setsockopt(self, level: int, option: int, value: Any, *rest: Any) -> None:
        self.options.append((level, option, value))
        super().setsockopt(level, option, value, *rest)


def test_every_read_is_acknowledged_at_once(
    broker: MosquittoBroker, reader: tuple[_BurstClient, list[bytes]]
) -> None:
    # Mosquitto's default (set_tcp_nodelay false) holds its next packet to us until the
    # last one is ACKed; Linux delays that ACK on a connection that also sends, so a
    # command's answer waited 40 ms behind the state sent just before it.
    assert QUICK_ACK is not None, "Linux has TCP_QUICKACK"
    client, received = reader
    real = client.socket()
    assert isinstance(real, socket.socket)
    spy = RecordingSocket(real.family, real.type, fileno=os.dup(real.fileno()))
    spy.options = []
    spy.setblocking(False)
    client._sock = spy
    real.close()  # the duplicate holds the connection

    publish_burst(broker, [b"state", b"answer"])
    wait_until(lambda: waiting_bytes(spy) > 0, 10, "the messages in the socket buffer")
    assert client.loop_read() == MQTTErrorCode.MQTT_ERR_SUCCESS

    assert received
    assert spy.options[-1] == (socket.IPPROTO_TCP, QUICK_ACK, 1)
    assert spy.getsockopt(socket.IPPROTO_TCP, QUICK_ACK) == 1


@pytest.mark.parametrize("cooperative", [False, True])
def test_under_gevent_a_publish_is_written_by_the_publisher(
    reader: tuple[_BurstClient, list[bytes]], cooperative: bool
) -> None:
    # Under gevent (cooperative) waking paho's network greenlet costs a round of the
    # api's event loop, which under load was the longest wait of a REST command.
    client, _received = reader
    client.cooperative = cooperative
    client._thread = threading.Thread(target=lambda: None)  # "a network thread runs"
    client.publish(TOPIC, b"now", qos=0)
    client.write_now()
    assert (not client._out_packet) is cooperative  # written, or left for that thread


def test_threads_are_not_greenlets_outside_gevent() -> None:
    assert _greenlet_threads() is False
