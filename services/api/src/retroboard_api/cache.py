"""Read cache of every board, fed by the retained MQTT state, status and health topics.

The renderer owns the state; the api only mirrors what it last published, so reads
never wait on MQTT. What is kept and what is refused is
:mod:`retroboard_common.board_mirror`'s; this adds the api's view of a board, with a
wall-clock last-seen time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from retroboard_common.board_mirror import (
    BoardChange,
    BoardMirror,
    BoardSummaries,
    BoardSummary,
    MirroredBoard,
    StateChange,
    StatePayload,
    StatusChange,
    Subscriber,
)
from retroboard_common.fleet import Broker, FleetLoader
from retroboard_common.models import RendererHealth
from retroboard_common.topics import STATE_NAMES, StateName

log = logging.getLogger(__name__)

UpdateListener = Callable[[str], None]

OPTIONAL_STATES: Final[frozenset[StateName]] = frozenset({"notification", "night"})
"""States a renderer older than this api never publishes: a board is complete without
them (a client is sent them when, and if, they come)."""

__all__ = [
    "OPTIONAL_STATES",
    "BoardRecord",
    "BoardSummaries",
    "BoardSummary",
    "StateCache",
    "Subscriber",
    "UpdateListener",
]


@dataclass
class BoardRecord:
    """What the api knows of one board."""

    board_id: str
    states: dict[StateName, StatePayload] = field(default_factory=dict)
    """The kept payloads, parsed once when they arrived (read them, never change them)."""
    online: bool = False
    last_seen: float | None = None
    health: RendererHealth | None = None
    """The renderer's own health (``None`` until it published one)."""
    status_known: bool = False
    """Whether ``status`` was received (else ``online`` is only a default)."""

    @property
    def complete(self) -> bool:
        """Whether the status and every state payload but the optional ones are known."""
        return self.status_known and all(
            name in self.states for name in STATE_NAMES if name not in OPTIONAL_STATES
        )

    def missing_optional(self) -> frozenset[StateName]:
        """The :data:`OPTIONAL_STATES` not received (yet, or ever: an older renderer)."""
        return frozenset(name for name in OPTIONAL_STATES if name not in self.states)

    def state(self, name: StateName) -> StatePayload | None:
        """The payload of ``state/<name>``, or ``None`` if never received."""
        return self.states.get(name)


class StateCache:
    """Per board: the state payloads, online/offline, health and the last-seen time."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._mirror = BoardMirror(log, clock)  # wall clock: last_seen is shown as a date
        self._listeners: list[UpdateListener] = []
        self._mirror.on_change(self._notify)

    def on_update(self, listener: UpdateListener) -> None:
        """Call ``listener(board_id)`` after a board's state or status changed."""
        self._listeners.append(listener)

    def _notify(self, change: BoardChange) -> None:
        if isinstance(change, StateChange | StatusChange):
            for listener in self._listeners:
                listener(change.board)

    def attach(self, mqtt: Subscriber) -> None:
        """Subscribe to the state, status and health of every board."""
        self._mirror.attach(mqtt)

    def read_fleet(self, broker: Broker) -> FleetLoader:
        """Read every board's retained state in batches (see :mod:`retroboard_common.fleet`)."""
        return self._mirror.read_fleet(broker)

    def get(self, board_id: str) -> BoardRecord | None:
        """A snapshot of one board (``None`` if it never published anything)."""
        board = self._mirror.get(board_id)
        return None if board is None else _record(board)

    def knows(self, board_id: str) -> bool:
        """Whether the board ever published anything (and was not forgotten)."""
        return self._mirror.knows(board_id)

    def state(self, board_id: str, name: StateName) -> StatePayload | None:
        """The board's ``state/<name>`` payload, or ``None`` if never received."""
        return self._mirror.state(board_id, name)

    def summaries(self, also: str | None = None) -> BoardSummaries:
        """Every board seen without its states, sorted by id, and ``also`` even if
        never seen: for board lists (read lazily, see :class:`BoardSummaries`)."""
        return self._mirror.summaries(also)

    def is_online(self, board_id: str) -> bool:
        """Whether the board's renderer said ``online`` last."""
        return self._mirror.is_online(board_id)


def _record(board: MirroredBoard) -> BoardRecord:
    return BoardRecord(
        board.board_id,
        board.states,  # already the mirror's copy
        board.online,
        board.last_seen,
        board.health,
        board.status_known,
    )
