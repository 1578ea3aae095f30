"""Mirror state changes, board availability and preview frames to Socket.IO rooms."""

from __future__ import annotations

from typing import Any, Protocol

from retroboard_bridge.events import BoardStatusChanged, EventBus, FrameReceived, StateChanged
from retroboard_bridge.extensions.base import Extension
from retroboard_common.contract import (
    BOARD_STATUS_EVENT,
    FRAME_EVENT,
    board_room,
    preview_room,
)


class Emitter(Protocol):
    """What the extension needs of a Socket.IO client manager (write-only is enough)."""

    def emit(
        self, event: str, data: Any, namespace: str | None = None, room: str | None = None
    ) -> Any:
        """Send ``event`` with ``data`` to every client in ``room``."""


class SocketIOMirror(Extension):
    """Each state change becomes the Socket.IO event of the same name, sent once to
    the board's room; frames go only to the board's preview room."""

    def __init__(self, bus: EventBus, emitter: Emitter) -> None:
        super().__init__(bus)
        self.emitter = emitter

    def start(self) -> None:
        """Listen for state, status and frame events."""
        self.bus.on(self, StateChanged, self._state)
        self.bus.on(self, BoardStatusChanged, self._status)
        self.bus.on(self, FrameReceived, self._frame)

    def _state(self, event: StateChanged) -> None:
        # A board's first state is in the snapshot the api sends each client (and the
        # api sends it again to whoever connected before it was complete): at the start
        # of a central bridge, re-sending 10,000 boards' states through the queue would
        # only flood it.
        if not event.initial:
            self.emitter.emit(event.name, event.payload, room=board_room(event.board))

    def _status(self, event: BoardStatusChanged) -> None:
        if event.initial:
            return  # in the api's snapshot too
        payload = {"board": event.board, "online": event.online}
        self.emitter.emit(BOARD_STATUS_EVENT, payload, room=board_room(event.board))

    def _frame(self, event: FrameReceived) -> None:
        self.emitter.emit(FRAME_EVENT, event.png, room=preview_room(event.board))
