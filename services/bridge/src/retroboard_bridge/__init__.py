"""RetroBoard bridge: mirrors the boards' MQTT state to Socket.IO clients."""

from retroboard_bridge.events import (
    BoardRemoved,
    BoardStatusChanged,
    BridgeEvent,
    EventBus,
    FrameReceived,
    StateChanged,
)
from retroboard_bridge.extensions import (
    Emitter,
    Extension,
    HomeAssistantDiscovery,
    SocketIOMirror,
)
from retroboard_bridge.mirror import StateMirror
from retroboard_bridge.service import Bridge, build_bridge
from retroboard_bridge.settings import BridgeSettings

__all__ = [
    "BoardRemoved",
    "BoardStatusChanged",
    "Bridge",
    "BridgeEvent",
    "BridgeSettings",
    "Emitter",
    "EventBus",
    "Extension",
    "FrameReceived",
    "HomeAssistantDiscovery",
    "SocketIOMirror",
    "StateChanged",
    "StateMirror",
    "build_bridge",
]
