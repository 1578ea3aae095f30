"""An MQTT test client that records messages and can wait for the one it expects."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from retroboard_common.settings import MqttUrl


@dataclass
class Received:
    """One message as the probe saw it."""

    topic: str
    payload: bytes
    retain: bool

    def json(self) -> Any:
        """The payload decoded as JSON."""
        return json.loads(self.payload)


def _no_delay(_client: paho.Client, _userdata: object, sock: object) -> None:
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class MqttProbe:
    """Subscribes to ``pattern`` and keeps every message for assertions."""

    def __init__(self, url: str, pattern: str = "retroboard/#") -> None:
        parsed = MqttUrl.parse(url)
        self.pattern = pattern
        self.messages: list[Received] = []
        self._cond = threading.Condition()
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex[:6]}"
        )
        self._client.on_connect = lambda c, *_: c.subscribe(self.pattern, 1)
        self._client.on_message = self._on_message
        self._client.on_socket_open = _no_delay  # as the services: no Nagle delay
        self._client.reconnect_delay_set(1, 2)
        self._host, self._port = parsed.host, parsed.port

    def start(self) -> None:
        """Connect and start recording."""
        self._client.connect_async(self._host, self._port, keepalive=10)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        with self._cond:
            self.messages.append(Received(msg.topic, bytes(msg.payload), bool(msg.retain)))
            self._cond.notify_all()

    def clear(self) -> None:
        """Forget what was received so far."""
        with self._cond:
            self.messages.clear()

    def publish(self, topic: str, payload: Any, *, retain: bool = False, qos: int = 1) -> None:
        """Publish ``payload`` (dicts as JSON, bytes as they are)."""
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        self._client.publish(topic, data, qos=qos, retain=retain).wait_for_publish(5)

    def wait_for(
        self,
        topic: str,
        predicate: Callable[[Received], bool] = lambda _m: True,
        timeout: float = 5.0,
    ) -> Received:
        """The first message (already received or arriving) on ``topic`` that fits."""

        def first() -> Received | None:
            return next((m for m in self.messages if m.topic == topic and predicate(m)), None)

        with self._cond:
            found = self._cond.wait_for(first, timeout)
            if found is None:
                seen = [m.topic for m in self.messages][-20:]
                raise AssertionError(f"no message on {topic} within {timeout} s; saw {seen}")
            return found

    def fence(self, timeout: float = 5.0) -> None:
        """Publish a no-op message on a topic this probe subscribes to and wait for it.

        The broker sends a subscriber its messages in order, so everything it routed
        to the probe before the fence is then in :attr:`messages`: a check that
        "nothing else arrived" after this proves it.
        """
        if not self.pattern.endswith("#"):
            raise ValueError(f"no fence topic under {self.pattern!r}")
        topic, marker = f"{self.pattern[:-1]}_fence", uuid.uuid4().hex.encode()
        self.publish(topic, marker)
        self.wait_for(topic, lambda m: m.payload == marker, timeout)

    def renderer_fence(self, board: str, timeout: float = 5.0) -> None:
        """Send ``board``'s renderer a command it refuses and wait for the answer.

        The renderer handles commands one by one and publishes what a command changed
        before answering it, so whatever it sent for the commands before this one has
        arrived by then. (Refused: it changes and publishes nothing itself.)
        """
        reply = self.request(board, "_fence", {}, timeout)
        assert reply.get("code") == "unknown_verb", reply

    def request(self, board: str, verb: str, payload: dict[str, Any], timeout: float = 5.0) -> Any:
        """Send a command with a fresh transaction id and return its response payload."""
        transaction = uuid.uuid4().hex
        self.publish(f"retroboard/{board}/cmd/{verb}", {**payload, "transaction": transaction})
        reply = self.wait_for(
            f"retroboard/{board}/response/{verb}",
            lambda m: m.json().get("transaction") == transaction,
            timeout,
        )
        return reply.json()
