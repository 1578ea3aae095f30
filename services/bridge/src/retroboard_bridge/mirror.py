"""The boards' MQTT topics turned into bus events, each change exactly once.

What is kept, refused and counted as a change is
:mod:`retroboard_common.board_mirror`'s: a retained copy the broker sends again after
a reconnect is not a change, a state that changed during the outage is (the resync).
This adds the bus events, and the preview frames, which only the bridge forwards.
"""

from __future__ import annotations

import logging
import time

from retroboard_bridge.events import EventBus, FrameReceived, StateChanged
from retroboard_common.board_mirror import (
    BoardChange,
    BoardGone,
    BoardMirror,
    StateChange,
    StatePayload,
    StatusChange,
    board_topic,
)
from retroboard_common.inbound import Refusals, check_size
from retroboard_common.models import MAX_FRAME_BYTES
from retroboard_common.mqtt import MqttClient
from retroboard_common.topics import ALL_FRAMES, BRIDGE_READY, StateName

log = logging.getLogger(__name__)


class StateMirror:
    """Subscribes to every board's state, status and frames; emits changes on the bus."""

    def __init__(self, mqtt: MqttClient, bus: EventBus) -> None:
        self.mqtt = mqtt
        self.bus = bus
        # The bridge never reads last_seen: any clock will do, the wall clock is not needed.
        self._boards = BoardMirror(log, time.monotonic)
        self._boards.on_change(self._emit)
        self._refusals = Refusals(log)
        self._ready_sent = False

    def start(self) -> None:
        """Subscribe to live changes and frames, and read the fleet's retained state at
        every connection (:mod:`retroboard_common.fleet`)."""
        self._boards.attach(self.mqtt, health=False)
        loader = self._boards.read_fleet(self.mqtt)
        loader.on_loaded(self._first_load_done)
        self.mqtt.subscribe(ALL_FRAMES, self.handle)

    def _first_load_done(self) -> None:
        # Only the first: after a reconnect, what changed meanwhile differs from what
        # is kept, so it is sent as any change (the resync).
        if not self._ready_sent:
            self._ready_sent = True
            self.mqtt.publish(BRIDGE_READY, b"", qos=0)

    def handle(self, topic: str, payload: bytes) -> None:
        """Take one broker message: a frame here, anything else to the board mirror."""
        parsed = board_topic(topic)
        if parsed is None:
            return
        if parsed.kind == "frame":
            self._on_frame(parsed.board_id, topic, payload)
        elif parsed.kind in ("state", "status"):
            self._boards.handle(topic, payload)

    def snapshot(self, board: str) -> dict[StateName, StatePayload]:
        """The last state payloads seen for ``board``, by state name."""
        mirrored = self._boards.get(board)
        if mirrored is None:
            return {}
        return dict(mirrored.states)

    def online(self, board: str) -> bool | None:
        """Whether ``board`` is online (``None`` when never heard of)."""
        mirrored = self._boards.get(board)
        return mirrored.online if mirrored is not None and mirrored.status_known else None

    def _emit(self, change: BoardChange) -> None:
        if isinstance(change, StateChange):
            self.bus.emit(StateChanged(change.board, change.name, change.payload, change.initial))
        elif isinstance(change, StatusChange | BoardGone):
            self.bus.emit(change)  # the bus's BoardStatusChanged and BoardRemoved
        # health is the api's: the bridge does not subscribe to it

    def _on_frame(self, board: str, topic: str, payload: bytes) -> None:
        # Frames are not deduplicated: the renderer already skips unchanged frames
        # and resends the current one on purpose when a new viewer asks.
        if not payload:
            return
        frame = self._refusals.take(topic, lambda: check_size(payload, MAX_FRAME_BYTES))
        if frame is not None:
            self.bus.emit(FrameReceived(board, frame))
