"""Read cache of every board, fed by the retained MQTT state, status and health topics.

The renderer owns the state; the api only mirrors what it last published, so reads
never wait on MQTT. Anyone with broker credentials can publish on these topics, so a
payload is kept only when it fits its size limit and its model (standard JSON, no
``NaN``); anything else is ignored, logged once per topic, and the last good value
stays. Kept payloads are the model serialised again, the bytes the renderer sends.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from retroboard_common.inbound import Refusals, decode_model, decode_state, decode_status
from retroboard_common.models import MAX_HEALTH_BYTES, RendererHealth, dump_payload
from retroboard_common.topics import (
    ALL_HEALTH,
    ALL_STATE,
    ALL_STATUS,
    STATE_NAMES,
    ParsedTopic,
    StateName,
    is_valid_board_id,
    parse_topic,
)

log = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], None]
UpdateListener = Callable[[str], None]


class Subscriber(Protocol):
    """The part of :class:`retroboard_common.mqtt.MqttClient` the cache needs."""

    def subscribe(self, pattern: str, handler: MessageHandler, qos: int = 1) -> None:
        """Call ``handler(topic, payload)`` for messages matching ``pattern``."""


@dataclass
class BoardRecord:
    """What the api knows of one board."""

    board_id: str
    states: dict[StateName, bytes] = field(default_factory=dict)
    online: bool = False
    last_seen: float | None = None
    health: RendererHealth | None = None
    """The renderer's own health (``None`` until it published one)."""
    status_known: bool = False
    """Whether ``status`` was received (else ``online`` is only a default)."""

    @property
    def complete(self) -> bool:
        """Whether every state payload and the status are known."""
        return self.status_known and all(name in self.states for name in STATE_NAMES)

    def state(self, name: StateName) -> Any | None:
        """The parsed payload of ``state/<name>``, or ``None`` if never received."""
        raw = self.states.get(name)
        return None if raw is None else json.loads(raw)

    @property
    def last_seen_iso(self) -> str | None:
        """``last_seen`` as ISO 8601 UTC, for JSON."""
        if self.last_seen is None:
            return None
        return datetime.fromtimestamp(self.last_seen, UTC).isoformat(timespec="seconds")


class StateCache:
    """Per board: the four state payloads, online/offline and the last-seen time."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._boards: dict[str, BoardRecord] = {}
        self._listeners: list[UpdateListener] = []
        self._refusals = Refusals(log)

    def on_update(self, listener: UpdateListener) -> None:
        """Call ``listener(board_id)`` after every state or status message of a board."""
        self._listeners.append(listener)

    def _notify(self, board_id: str) -> None:
        for listener in self._listeners:
            listener(board_id)

    def attach(self, mqtt: Subscriber) -> None:
        """Subscribe to the state and status of every board."""
        mqtt.subscribe(ALL_STATE, self.handle_state)
        mqtt.subscribe(ALL_STATUS, self.handle_status)
        mqtt.subscribe(ALL_HEALTH, self.handle_health)

    def handle_state(self, topic: str, payload: bytes) -> None:
        """Keep ``retroboard/<board>/state/<name>`` (an empty payload clears it)."""
        parsed = _board_topic(topic)
        if parsed is None or parsed.name not in STATE_NAMES:
            return
        name: StateName = parsed.name
        if payload:
            state = self._refusals.take(topic, lambda: decode_state(name, payload))
            if state is None:
                return  # never serve what clients cannot parse or the contract forbids
            payload = dump_payload(state)
        with self._lock:
            if not payload:  # cleared: never resurrect a forgotten board
                known = self._boards.get(parsed.board_id)
                if known is not None:
                    known.states.pop(name, None)
                return
            record = self._record(parsed.board_id)
            record.states[name] = payload
            record.last_seen = self._clock()
        self._notify(parsed.board_id)

    def handle_status(self, topic: str, payload: bytes) -> None:
        """Keep ``retroboard/<board>/status``: ``online`` or ``offline``; a cleared
        status (``retroboard-bridge forget``) drops the board."""
        parsed = _board_topic(topic)
        if parsed is None or parsed.kind != "status":
            return
        online = False
        if payload:
            decoded = self._refusals.take(topic, lambda: decode_status(payload))
            if decoded is None:
                return
            online = decoded
        with self._lock:
            if not payload:
                self._boards.pop(parsed.board_id, None)
                return
            record = self._record(parsed.board_id)
            record.online = online
            record.status_known = True
            if record.online:
                record.last_seen = self._clock()
        self._notify(parsed.board_id)

    def handle_health(self, topic: str, payload: bytes) -> None:
        """Keep ``retroboard/<board>/health`` (an empty payload clears it; an invalid
        one is ignored)."""
        parsed = _board_topic(topic)
        if parsed is None or parsed.kind != "health":
            return
        health = None
        if payload:
            health = self._refusals.take(
                topic, lambda: decode_model(RendererHealth, payload, MAX_HEALTH_BYTES)
            )
            if health is None:
                return
        with self._lock:
            record = self._boards.get(parsed.board_id)  # never resurrect a forgotten board
            if record is not None:
                record.health = health

    def get(self, board_id: str) -> BoardRecord | None:
        """A snapshot of one board (``None`` if it never published anything)."""
        with self._lock:
            record = self._boards.get(board_id)
            return None if record is None else _copy(record)

    def boards(self) -> list[BoardRecord]:
        """Snapshots of every board seen, sorted by id."""
        with self._lock:
            return [_copy(self._boards[key]) for key in sorted(self._boards)]

    def is_online(self, board_id: str) -> bool:
        """Whether the board's renderer said ``online`` last."""
        with self._lock:
            record = self._boards.get(board_id)
            return record is not None and record.online

    def _record(self, board_id: str) -> BoardRecord:
        record = self._boards.get(board_id)
        if record is None:
            record = self._boards[board_id] = BoardRecord(board_id)
        return record


def _board_topic(topic: str) -> ParsedTopic | None:
    """``topic`` split, when it is a board's (not e.g. ``retroboard/_socketio/…``)."""
    parsed = parse_topic(topic)
    return parsed if parsed is not None and is_valid_board_id(parsed.board_id) else None


def _copy(record: BoardRecord) -> BoardRecord:
    return BoardRecord(
        record.board_id,
        dict(record.states),
        record.online,
        record.last_seen,
        record.health,
        record.status_known,
    )
