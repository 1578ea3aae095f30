"""What the bridge learns from the broker, as typed events on an in-process bus.

The bus is the Zigbee2MQTT idea: extensions register listeners under their own name
(``owner``) so ``stop()`` can drop them all at once, and each listener is guarded so
one failing extension is logged instead of breaking the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from retroboard_common.board_mirror import BoardGone, StatusChange
from retroboard_common.topics import StateName

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StateChanged:
    """A board's ``state/<name>`` payload changed (or was seen for the first time)."""

    board: str
    name: StateName
    payload: Any
    initial: bool = False
    """The first payload of this state the bridge saw (at start: read from what the
    broker retains). Socket.IO clients got it from the api's snapshot already."""


# The board mirror's own changes, as they are: a renderer came online or went
# offline; a board's retained status was cleared, so it left the fleet (``forget``).
BoardStatusChanged = StatusChange
BoardRemoved = BoardGone


@dataclass(frozen=True)
class FrameReceived:
    """A live preview frame (PNG) from a board."""

    board: str
    png: bytes


BridgeEvent = StateChanged | BoardStatusChanged | BoardRemoved | FrameReceived
E = TypeVar("E", StateChanged, BoardStatusChanged, BoardRemoved, FrameReceived)


class EventBus:
    """Synchronous publish/subscribe between the mirror and the extensions."""

    def __init__(self) -> None:
        self._listeners: list[tuple[object, type[Any], Callable[[Any], None]]] = []
        self._lock = threading.Lock()

    def on(self, owner: object, kind: type[E], listener: Callable[[E], None]) -> None:
        """Call ``listener`` with every event of type ``kind``."""
        with self._lock:
            self._listeners.append((owner, kind, listener))

    def remove_listeners(self, owner: object) -> None:
        """Forget every listener ``owner`` registered."""
        with self._lock:
            self._listeners = [entry for entry in self._listeners if entry[0] is not owner]

    def emit(self, event: BridgeEvent) -> None:
        """Deliver ``event`` to its listeners, in registration order."""
        with self._lock:
            targets = [entry for entry in self._listeners if isinstance(event, entry[1])]
        for owner, _kind, listener in targets:
            try:
                listener(event)
            except Exception:
                log.exception("%s failed on %s", type(owner).__name__, type(event).__name__)
