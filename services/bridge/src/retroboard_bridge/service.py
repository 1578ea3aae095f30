"""The bridge process: one MQTT connection, the state mirror, and its extensions."""

from __future__ import annotations

from collections.abc import Sequence

from retroboard_bridge.events import EventBus
from retroboard_bridge.extensions import (
    Emitter,
    Extension,
    HomeAssistantDiscovery,
    SocketIOMirror,
)
from retroboard_bridge.mirror import StateMirror
from retroboard_bridge.settings import BridgeSettings
from retroboard_common.mqtt import MqttClient


class Bridge:
    """Starts the extensions first, then the mirror, then the connection, so the
    retained state that arrives on connect already has listeners."""

    def __init__(
        self, mqtt: MqttClient, mirror: StateMirror, extensions: Sequence[Extension]
    ) -> None:
        self.mqtt = mqtt
        self.mirror = mirror
        self.extensions = list(extensions)

    def start(self) -> None:
        """Register every extension, subscribe, connect (in the background)."""
        for extension in self.extensions:
            extension.start()
        self.mirror.start()
        self.mqtt.start()

    def stop(self) -> None:
        """Disconnect, then stop the extensions in reverse order."""
        self.mqtt.stop()
        for extension in reversed(self.extensions):
            extension.stop()


def bridge_connection(settings: BridgeSettings) -> MqttClient:
    """The bridge's one broker connection (MQTT 5, to read a fleet:
    :mod:`retroboard_common.fleet`); the Socket.IO queue may publish on it too."""
    return MqttClient(
        settings.mqtt,
        f"retroboard-bridge-{settings.board_id}",
        keepalive=settings.mqtt_keepalive,
        mqtt5=settings.mqtt_protocol == "5",
    )


def build_bridge(
    settings: BridgeSettings, emitter: Emitter, mqtt: MqttClient | None = None
) -> Bridge:
    """Wire a bridge for ``settings`` that emits Socket.IO events through ``emitter``,
    on ``mqtt`` (default: a new :func:`bridge_connection`)."""
    mqtt = mqtt or bridge_connection(settings)
    bus = EventBus()
    extensions: list[Extension] = [SocketIOMirror(bus, emitter)]
    if settings.ha_discovery:
        extensions.append(
            HomeAssistantDiscovery(
                bus, mqtt, settings.ha_discovery_prefix, rate=settings.ha_discovery_rate
            )
        )
    return Bridge(mqtt, StateMirror(mqtt, bus), extensions)
