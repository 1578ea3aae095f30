"""Test doubles for unit tests only: an in-memory MQTT client and a scripted renderer.

Integration tests use a real Mosquitto and a real renderer instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paho.mqtt.client import topic_matches_sub

from retroboard_common.settings import MqttUrl

Handler = Callable[[str, bytes], None]
Reply = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any] | None] | None


@dataclass
class Published:
    topic: str
    payload: bytes
    qos: int
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)


class _Result:
    def __init__(self, rc: int) -> None:
        self.rc = rc


class FakeMqtt:
    """Delivers published and injected messages synchronously to matching handlers."""

    url = MqttUrl.parse("mqtt://127.0.0.1:1883")

    def __init__(self) -> None:
        self.connected = True
        self.started = False
        self.handlers: list[tuple[str, Handler]] = []
        self.published: list[Published] = []
        self.on_publish: Callable[[Published], None] | None = None

    def subscribe(
        self, pattern: str, handler: Handler, qos: int = 1, *, live_only: bool = False
    ) -> None:
        self.handlers.append((pattern, handler))

    def publish(
        self, topic: str, payload: bytes | str, *, retain: bool = False, qos: int = 1
    ) -> _Result:
        data = payload.encode() if isinstance(payload, str) else payload
        if not self.connected:
            return _Result(4)  # MQTT_ERR_NO_CONN
        message = Published(topic, data, qos, retain)
        self.published.append(message)
        if self.on_publish:
            self.on_publish(message)
        return _Result(0)

    def deliver(self, topic: str, payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        for pattern, handler in self.handlers:
            if topic_matches_sub(pattern, topic):
                handler(topic, data)

    def commands(self, verb: str | None = None) -> list[Published]:
        return [
            m
            for m in self.published
            if "/cmd/" in m.topic and (verb is None or m.topic.endswith(f"/cmd/{verb}"))
        ]

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False


APPS_LIST: dict[str, Any] = {
    "apps": ["clock", "scroll_text"],
    "current": "clock",
    "instances": {
        "clock": {"type": "clock", "config": {"font": "6x10"}, "stale": False, "error": None},
        "scroll_text": {
            "type": "scroll_text",
            "config": {"text": "Hello"},
            "stale": False,
            "error": None,
        },
    },
}
APP_TYPES: dict[str, Any] = {
    "types": {
        "clock": {
            "description": "A clock",
            "schema": {"type": "object", "properties": {"font": {"type": "string"}}},
        },
        "scroll_text": {
            "description": "Scrolling text",
            "schema": {"type": "object", "properties": {"text": {"type": "string"}}},
        },
    }
}
ASSETS = {"assets": [], "bytes": 0, "limit": 32 * 1024 * 1024}
CURRENT_APP = {"app": "clock", "config": {"font": "6x10"}}
SETTINGS = {"brightness": 75}
CAROUSEL = {"enabled": False, "apps": [], "current_index": 0}
REALTIME = {"enabled": True, "active": False, "protocol": None, "source": None, "fps": 0.0}


class ScriptedRenderer:
    """Publishes a board's state and answers its commands from ``replies``.

    A reply is a response dict (the transaction is added), a function of the command
    returning one, or ``None`` for silence.
    """

    def __init__(self, mqtt: FakeMqtt, board: str = "test") -> None:
        self.mqtt = mqtt
        self.board = board
        self.replies: dict[str, Reply] = {}
        mqtt.on_publish = self._on_publish

    def topic(self, suffix: str) -> str:
        return f"retroboard/{self.board}/{suffix}"

    def publish_state(self, name: str, payload: dict[str, Any]) -> None:
        self.mqtt.deliver(self.topic(f"state/{name}"), json.dumps(payload, separators=(",", ":")))

    def boot(self) -> None:
        """Say online and publish every state payload."""
        self.mqtt.deliver(self.topic("status"), b"online")
        self.publish_state("apps_list", APPS_LIST)
        self.publish_state("current_app", CURRENT_APP)
        self.publish_state("settings", SETTINGS)
        self.publish_state("carousel_config", CAROUSEL)
        self.publish_state("realtime", REALTIME)
        self.publish_state("app_types", APP_TYPES)
        self.publish_state("assets", ASSETS)

    def _on_publish(self, message: Published) -> None:
        prefix = self.topic("cmd/")
        if not message.topic.startswith(prefix):
            return
        verb = message.topic.removeprefix(prefix)
        command = message.json()
        reply = self.replies.get(verb)
        response = reply(command) if callable(reply) else reply
        if response is None:
            return
        response = {**response, "transaction": command.get("transaction")}
        self.mqtt.deliver(self.topic(f"response/{verb}"), json.dumps(response))
