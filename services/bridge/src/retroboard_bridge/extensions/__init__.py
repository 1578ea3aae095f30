"""Bridge features, each an :class:`Extension` listening on the event bus."""

from retroboard_bridge.extensions.base import Extension
from retroboard_bridge.extensions.homeassistant import HomeAssistantDiscovery
from retroboard_bridge.extensions.socketio import Emitter, SocketIOMirror

__all__ = ["Emitter", "Extension", "HomeAssistantDiscovery", "SocketIOMirror"]
