"""The one Socket.IO client of the tests: it records every event it receives."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import socketio

PING_EVENT = "_ping"
"""What fences and liveness checks emit; left out of :meth:`SioRecorder.names`."""


class SioRecorder:
    """A python-socketio client (websocket) that keeps every event it receives.

    ``rooms``: sent as ``auth={"rooms": …}`` (the bridge tests' server puts the client
    in them); ``auth`` replaces that, e.g. ``{"board": "test"}`` for the real api.
    """

    def __init__(
        self, url: str, rooms: Sequence[str] = (), *, auth: dict[str, Any] | None = None
    ) -> None:
        self.url = url
        self.rooms = list(rooms)
        self.auth = auth if auth is not None else {"rooms": self.rooms}
        self.events: list[tuple[str, Any]] = []
        self._cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)

    def _record(self, event: str, data: Any = None) -> None:
        with self._cond:
            self.events.append((event, data))
            self._cond.notify_all()

    def connect(self, wait_timeout: float = 5.0) -> SioRecorder:
        """Connect (raises ``socketio.exceptions.ConnectionError`` if refused)."""
        self.client.connect(
            self.url, transports=["websocket"], auth=self.auth, wait_timeout=wait_timeout
        )
        return self

    def disconnect(self) -> None:
        """Close the connection."""
        self.client.disconnect()

    def received(self, event: str) -> list[Any]:
        """Every payload received for ``event`` so far."""
        with self._cond:
            return [data for name, data in self.events if name == event]

    def names(self) -> list[str]:
        """Every event name received (pings left out)."""
        with self._cond:
            return [name for name, _ in self.events if name != PING_EVENT]

    def wait_for(
        self, event: str, predicate: Callable[[Any], bool] = lambda _d: True, timeout: float = 5.0
    ) -> Any:
        """The first payload of ``event`` that fits (already received or arriving)."""

        def first() -> tuple[Any] | None:
            for name, data in self.events:
                if name == event and predicate(data):
                    return (data,)
            return None

        with self._cond:
            found = self._cond.wait_for(first, timeout)
            if found is None:
                raise AssertionError(f"no {event!r} within {timeout} s; got {self.names()}")
            return found[0]

    def take(self, count: int, timeout: float = 10.0) -> list[tuple[str, Any]]:
        """The oldest ``count`` events (waiting for them), removed from :attr:`events`."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.events) >= count, timeout):
                raise AssertionError(f"got {self.names()}, wanted {count} events")
            taken = self.events[:count]
            del self.events[:count]
            return taken
