"""The objects one api process runs, and their start/stop (I/O happens only there)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import current_app

from retroboard_api.actions import BoardActions
from retroboard_api.cache import StateCache
from retroboard_api.commands import CommandGateway, Messenger
from retroboard_api.preview import PreviewKeeper
from retroboard_api.settings import ApiSettings
from retroboard_common.settings import MqttUrl


class MqttConnection(Messenger, Protocol):
    """The MQTT client as the api uses it (:class:`retroboard_common.mqtt.MqttClient`)."""

    url: MqttUrl

    def start(self) -> None:
        """Connect in the background."""

    def stop(self) -> None:
        """Disconnect."""


@dataclass
class ApiRuntime:
    """Everything behind the routes and Socket.IO handlers of one app."""

    settings: ApiSettings
    mqtt: MqttConnection
    cache: StateCache
    gateway: CommandGateway
    actions: BoardActions
    preview: PreviewKeeper

    def start(self) -> None:
        """Connect to the broker and start renewing previews (call in the worker)."""
        self.mqtt.start()
        self.preview.start()

    def stop(self) -> None:
        """Stop background work and disconnect."""
        self.preview.stop()
        self.mqtt.stop()


def current_runtime() -> ApiRuntime:
    """The runtime of the app handling this request."""
    runtime: ApiRuntime = current_app.extensions["retroboard"]
    return runtime
