"""The shape of a bridge feature (the Zigbee2MQTT extension idea)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from retroboard_bridge.events import EventBus


class Extension(ABC):
    """A feature of the bridge.

    The constructor only stores dependencies; :meth:`start` registers the listeners
    on the bus and :meth:`stop` removes them, so an extension can be switched off at
    run time without touching the others.
    """

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    @abstractmethod
    def start(self) -> None:
        """Register this extension's listeners."""

    def stop(self) -> None:
        """Remove every listener this extension registered."""
        self.bus.remove_listeners(self)
