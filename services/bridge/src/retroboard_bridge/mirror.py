"""The boards' MQTT topics turned into bus events, each change exactly once.

The mirror remembers the last payload of every board's state and status. A message
equal to it is not a change: this is what keeps the retained copies the broker sends
again after a reconnect from reaching clients twice, while a state that changed
during the outage differs from the remembered one and so goes out (the resync).

Only what fits the contract goes out: a state payload over its size limit, not
standard JSON or not valid for its model (anyone with broker credentials can publish
one) is ignored, logged once per topic, and the last good value stays.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Final

from retroboard_bridge.events import (
    BoardRemoved,
    BoardStatusChanged,
    EventBus,
    FrameReceived,
    StateChanged,
)
from retroboard_common.inbound import Refusals, check_size, decode_state, decode_status
from retroboard_common.models import MAX_FRAME_BYTES, payload_dict
from retroboard_common.mqtt import MqttClient
from retroboard_common.topics import (
    ALL_FRAMES,
    ALL_STATE,
    ALL_STATUS,
    STATE_NAMES,
    BoardTopics,
    ParsedTopic,
    StateName,
    is_valid_board_id,
    parse_topic,
)

log = logging.getLogger(__name__)

STATUS_KEY: Final = "status"


class StateMirror:
    """Subscribes to every board's state, status and frames; emits changes on the bus."""

    def __init__(self, mqtt: MqttClient, bus: EventBus) -> None:
        self.mqtt = mqtt
        self.bus = bus
        self._last: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._refusals = Refusals(log)
        self._handlers: dict[str, Callable[[str, str | None, bytes], None]] = {
            "state": self._on_state,
            "status": self._on_status,
            "frame": self._on_frame,
        }

    def start(self) -> None:
        """Subscribe (before the client connects, so retained state arrives at once)."""
        for pattern in (ALL_STATUS, ALL_STATE, ALL_FRAMES):
            self.mqtt.subscribe(pattern, self.handle)

    def handle(self, topic: str, payload: bytes) -> None:
        """Route one broker message to the handler of its kind."""
        parsed: ParsedTopic | None = parse_topic(topic)
        # Not a board: e.g. the Socket.IO queue under retroboard/_socketio/… whose
        # channel could be named like a board topic; never mirror it back (no loop).
        if parsed is None or not is_valid_board_id(parsed.board_id):
            return
        handler = self._handlers.get(parsed.kind)
        if handler is not None:
            handler(parsed.board_id, parsed.name, payload)

    def snapshot(self, board: str) -> dict[str, Any]:
        """The last state payloads seen for ``board``, by state name."""
        with self._lock:
            return {
                name: value
                for (b, name), value in self._last.items()
                if b == board and name != STATUS_KEY
            }

    def online(self, board: str) -> bool | None:
        """Whether ``board`` is online (``None`` when never heard of)."""
        with self._lock:
            value = self._last.get((board, STATUS_KEY))
        return value if isinstance(value, bool) else None

    # --- kinds ------------------------------------------------------------------------

    def _on_state(self, board: str, name: str | None, payload: bytes) -> None:
        if name not in STATE_NAMES:
            log.debug("ignoring unknown state %r of board %s", name, board)
            return
        state_name: StateName = name
        if not payload:
            self._forget(board, state_name)  # retained message cleared
            return
        topic = BoardTopics(board).state(state_name)
        state = self._refusals.take(topic, lambda: decode_state(state_name, payload))
        if state is None:
            return
        data = payload_dict(state)
        if self._changed(board, state_name, data):
            self.bus.emit(StateChanged(board, state_name, data))

    def _on_status(self, board: str, _name: str | None, payload: bytes) -> None:
        if not payload:
            if self._forget(board, STATUS_KEY):
                self.bus.emit(BoardRemoved(board))
            return
        online = self._refusals.take(BoardTopics(board).status, lambda: decode_status(payload))
        if online is None:
            return
        if self._changed(board, STATUS_KEY, online):
            self.bus.emit(BoardStatusChanged(board, online))

    def _on_frame(self, board: str, _name: str | None, payload: bytes) -> None:
        # Frames are not deduplicated: the renderer already skips unchanged frames
        # and resends the current one on purpose when a new viewer asks.
        if not payload:
            return
        topic = BoardTopics(board).frame
        frame = self._refusals.take(topic, lambda: check_size(payload, MAX_FRAME_BYTES))
        if frame is not None:
            self.bus.emit(FrameReceived(board, frame))

    # --- memory --------------------------------------------------------------------------

    def _changed(self, board: str, key: str, value: Any) -> bool:
        with self._lock:
            if (board, key) in self._last and self._last[(board, key)] == value:
                return False
            self._last[(board, key)] = value
            return True

    def _forget(self, board: str, key: str) -> bool:
        """Drop a remembered payload; ``True`` when there was one."""
        with self._lock:
            return self._last.pop((board, key), None) is not None
