"""One mirror of every board's retained MQTT state, status and health.

The renderer owns a board's state; the api and the bridge only mirror what it last
published. Anyone with broker credentials can publish on these topics, retained too,
so a payload is kept only when it fits its size limit and its model (standard JSON, no
``NaN``); anything else is ignored, logged once per topic, and the last good value
stays. A cleared status (``retroboard-bridge forget``) removes the board; a cleared
state or health never brings a removed board back.

Listeners hear of changes only: a state equal to the kept one is not a change, so the
retained copies the broker sends again after a reconnect reach nobody twice, while a
state that changed during the outage differs and so is reported (the resync).

A central api or bridge mirrors every board of a fleet (10,000 of them): each state is
kept as the compact JSON bytes its model serialises to (about its size on the wire,
where parsed dicts took ten times that), and parsed again when read. The fleet's
wildcards take live messages only; what the broker retains is read in batches by
:mod:`retroboard_common.fleet` (:meth:`BoardMirror.read_fleet`).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, overload

from retroboard_common.fleet import Broker, FleetLoader
from retroboard_common.inbound import Refusals, decode_model, decode_state, decode_status
from retroboard_common.models import MAX_HEALTH_BYTES, RendererHealth, dump_payload
from retroboard_common.topics import (
    ALL_HEALTH,
    ALL_STATE,
    ALL_STATUS,
    STATE_NAMES,
    BoardTopics,
    ParsedTopic,
    StateName,
    is_valid_board_id,
    parse_topic,
)

MessageHandler = Callable[[str, bytes], None]
Clock = Callable[[], float]


class Subscriber(Protocol):
    """The part of :class:`retroboard_common.mqtt.MqttClient` the mirror needs."""

    def subscribe(
        self, pattern: str, handler: MessageHandler, qos: int = 1, *, live_only: bool = False
    ) -> None:
        """Call ``handler(topic, payload)`` for messages matching ``pattern``."""


StatePayload = dict[str, Any]
"""A state payload that passed validation, as its model serialises it (field order and
defaults included): what REST answers and Socket.IO emits. Shared: read it, never
change it."""


class _SharedPayloads:
    """One copy of each distinct payload, however many boards hold it.

    A fleet's boards mostly run the same version with the same apps: their
    ``apps_list`` (the biggest state, with every app's config schema) is byte for byte
    the same, and so are most carousels and settings. Counted, so a payload no board
    holds any more is let go (call under the mirror's lock).
    """

    def __init__(self) -> None:
        self._payloads: dict[bytes, list[Any]] = {}  # payload → [the copy, holders]

    def share(self, payload: bytes) -> bytes:
        """The one copy of ``payload``, now held once more."""
        entry = self._payloads.get(payload)
        if entry is None:
            entry = self._payloads[payload] = [payload, 0]
        entry[1] += 1
        shared: bytes = entry[0]
        return shared

    def release(self, payload: bytes | None) -> None:
        """``payload`` is held once less (``None``: nothing was held)."""
        if payload is None:
            return
        entry = self._payloads.get(payload)
        if entry is not None:
            entry[1] -= 1
            if entry[1] <= 0:
                del self._payloads[payload]


class _Kept:
    """What the mirror holds of one board: states as compact JSON bytes."""

    __slots__ = ("health", "last_seen", "online", "states", "status_known")

    def __init__(self) -> None:
        self.states: dict[StateName, bytes] = {}
        self.online = False
        self.status_known = False
        self.health: RendererHealth | None = None
        self.last_seen: float | None = None

    def copy(self, board_id: str) -> MirroredBoard:
        states = {name: json.loads(raw) for name, raw in self.states.items()}
        return MirroredBoard(
            board_id, states, self.online, self.status_known, self.health, self.last_seen
        )


@dataclass
class MirroredBoard:
    """What is known of one board (a copy: its payloads parsed for this reader)."""

    board_id: str
    states: dict[StateName, StatePayload] = field(default_factory=dict)
    online: bool = False
    status_known: bool = False
    """Whether a status was received (else ``online`` is only a default)."""
    health: RendererHealth | None = None
    last_seen: float | None = None
    """When the board last spoke: a good state, or ``online``."""


@dataclass(frozen=True)
class BoardSummary:
    """A board without its states: what a board list shows."""

    board_id: str
    online: bool
    status_known: bool
    last_seen: float | None
    health: RendererHealth | None


class BoardSummaries(Sequence[BoardSummary]):
    """Boards sorted by id, each summarised only when read: a page of a 10,000-board
    list reads a hundred of them, and finds them by bisection.

    The ids are a snapshot; what each summary says is read when it is taken. A board
    removed since (or never heard of, but asked to be listed) reads as unseen.
    """

    def __init__(self, ids: list[str], boards: dict[str, _Kept]) -> None:
        self._ids = ids
        self._boards = boards

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> BoardSummary: ...
    @overload
    def __getitem__(self, index: slice) -> list[BoardSummary]: ...
    def __getitem__(self, index: int | slice) -> BoardSummary | list[BoardSummary]:
        if isinstance(index, slice):
            return [self._summary(board_id) for board_id in self._ids[index]]
        return self._summary(self._ids[index])

    def _summary(self, board_id: str) -> BoardSummary:
        board = self._boards.get(board_id)
        if board is None:
            return BoardSummary(board_id, False, False, None, None)
        return BoardSummary(
            board_id, board.online, board.status_known, board.last_seen, board.health
        )


@dataclass(frozen=True)
class StateChange:
    """A board's ``state/<name>`` differs from the kept one (or is its first)."""

    board: str
    name: StateName
    payload: StatePayload
    initial: bool = False
    """The board's first payload of this state, read from what the broker retains (at
    start, or for a board new to the mirror): no change anyone was waiting for."""


@dataclass(frozen=True)
class StatusChange:
    """A board's status differs from the kept one (or is its first)."""

    board: str
    online: bool
    initial: bool = False
    """The board's first status, read from what the broker retains."""


@dataclass(frozen=True)
class HealthChange:
    """A known board's health differs from the kept one (``None``: cleared)."""

    board: str
    health: RendererHealth | None


@dataclass(frozen=True)
class BoardGone:
    """A known board's status was cleared: it left the fleet."""

    board: str


BoardChange = StateChange | StatusChange | HealthChange | BoardGone
ChangeListener = Callable[[BoardChange], None]


def board_topic(topic: str) -> ParsedTopic | None:
    """``topic`` split, when it is a board's.

    Not e.g. ``retroboard/_socketio/…``: the Socket.IO queue's channel could be named
    like a board topic, and must never be mirrored back (no loop).
    """
    parsed = parse_topic(topic)
    return parsed if parsed is not None and is_valid_board_id(parsed.board_id) else None


SHARED_DECODE_BYTES: Final = 4096
"""A state payload this large (a board's app types, about 33 KB) is decoded once per
distinct payload: the boards of a fleet that run one version publish the same one, and
validating it costs about 3 ms, 30 s of CPU for 10,000 boards."""


def _validated_state(name: StateName, payload: bytes) -> bytes:
    """A ``state/<name>`` payload validated and written as it is kept (compact JSON);
    :class:`~retroboard_common.inbound.Rejected` when it is not one."""
    return dump_payload(decode_state(name, payload))


# A few versions of a fleet at once; a refusal raises, so it is never cached.
_kept_large_state = functools.lru_cache(maxsize=16)(_validated_state)


def _kept_state(name: StateName, payload: bytes) -> bytes:
    if len(payload) >= SHARED_DECODE_BYTES:
        return _kept_large_state(name, payload)
    return _validated_state(name, payload)


class BoardMirror:
    """Per board: the last good state payloads, status, health and last-seen time."""

    def __init__(self, logger: logging.Logger, clock: Clock) -> None:
        self._log = logger
        self._clock = clock
        self._lock = threading.Lock()
        self._boards: dict[str, _Kept] = {}
        self._sorted_ids: list[str] = []  # the keys of _boards, kept sorted
        self._shared = _SharedPayloads()
        self._plain_health: dict[str, RendererHealth] = {}  # one per store value
        self._listeners: list[ChangeListener] = []
        self._refusals = Refusals(logger)
        self._health = True
        self._loader: FleetLoader | None = None

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener(change)`` after each change (outside the mirror's lock)."""
        self._listeners.append(listener)

    def attach(self, mqtt: Subscriber, *, health: bool = True) -> None:
        """Subscribe to every board's status and state, and health unless told not:
        live messages only (retained ones come from :meth:`read_fleet`)."""
        self._health = health
        for pattern in (ALL_STATUS, ALL_STATE, *([ALL_HEALTH] if health else [])):
            # QoS 0: a broker holds back at most 20 + 1,000 QoS 1 messages per client in
            # a burst (10,000 board bridges reconnecting), while QoS 0 ones are cut only
            # once the socket's buffer is full too. QoS 1 would redeliver nothing here
            # either: the session is new at every connection, and read again then.
            mqtt.subscribe(pattern, self.handle, qos=0, live_only=True)

    def read_fleet(self, broker: Broker) -> FleetLoader:
        """Read every board's retained topics in batches, at every (re)connection and
        whenever the broker dropped messages (see :mod:`retroboard_common.fleet`)."""
        self._loader = FleetLoader(broker, self._retained_topics, self.board_ids)
        self._loader.attach()
        return self._loader

    def _retained_topics(self, board_id: str) -> list[str]:
        topics = BoardTopics(board_id)
        return [
            topics.status,
            f"{topics.base}/state/+",
            *([topics.health] if self._health else []),
        ]

    def board_ids(self) -> list[str]:
        """The ids of every known board, sorted."""
        with self._lock:
            return list(self._sorted_ids)

    def handle(self, topic: str, payload: bytes) -> None:
        """Take one broker message: a board's state, status or health (an empty
        payload clears it); anything else is ignored."""
        parsed = board_topic(topic)
        if parsed is not None:
            self._take(parsed, topic, payload)

    def get(self, board_id: str) -> MirroredBoard | None:
        """A copy of one board (``None`` if unknown or removed)."""
        with self._lock:
            board = self._boards.get(board_id)
            return None if board is None else board.copy(board_id)

    def knows(self, board_id: str) -> bool:
        """Whether ``board_id`` was heard of (and not removed)."""
        with self._lock:
            return board_id in self._boards

    def state(self, board_id: str, name: StateName) -> StatePayload | None:
        """One state of one board, parsed for this reader (``None`` if never received):
        a read of ``settings`` does not parse the board's ``apps_list``."""
        with self._lock:
            board = self._boards.get(board_id)
            raw = None if board is None else board.states.get(name)
        return None if raw is None else json.loads(raw)

    def is_online(self, board_id: str) -> bool:
        """Whether ``board_id`` said ``online`` last, without copying its states (asked
        before every command)."""
        with self._lock:
            board = self._boards.get(board_id)
            return board is not None and board.online

    def summaries(self, also: str | None = None) -> BoardSummaries:
        """Every known board without its states, sorted by id, and ``also`` (listed
        even if never heard of): cheap at 10,000 boards, nothing is sorted here."""
        with self._lock:
            ids = list(self._sorted_ids)
        if also is not None:
            index = bisect_left(ids, also)
            if index == len(ids) or ids[index] != also:
                ids.insert(index, also)
        return BoardSummaries(ids, self._boards)

    # --- kinds ------------------------------------------------------------------------

    def _take(self, parsed: ParsedTopic, topic: str, payload: bytes) -> None:
        change: BoardChange | None = None
        if parsed.kind == "state":
            change = self._on_state(parsed, topic, payload)
        elif parsed.kind == "status":
            change = self._on_status(parsed.board_id, topic, payload)
        elif parsed.kind == "health":
            change = self._on_health(parsed.board_id, topic, payload)
        if change is not None:
            for listener in self._listeners:
                listener(change)

    def _on_state(self, parsed: ParsedTopic, topic: str, payload: bytes) -> StateChange | None:
        board_id, name = parsed.board_id, parsed.name
        if name not in STATE_NAMES:
            self._log.debug("ignoring unknown state %r of board %s", name, board_id)
            return None
        state_name: StateName = name
        if not payload:  # retained message cleared: forgotten, nobody told
            with self._lock:
                known = self._boards.get(board_id)  # never resurrect a removed board
                if known is not None:
                    self._shared.release(known.states.pop(state_name, None))
            return None
        kept = self._refusals.take(topic, lambda: _kept_state(state_name, payload))
        if kept is None:
            return None  # never pass on what clients cannot parse or the contract forbids
        with self._lock:
            board = self._board(board_id)
            board.last_seen = self._clock()  # even unchanged: the board spoke
            before = board.states.get(state_name)
            if before == kept:
                return None  # e.g. a retained copy seen again after a reconnect
            self._shared.release(before)
            board.states[state_name] = self._shared.share(kept)
        initial = before is None and self._retained_now()
        return StateChange(board_id, state_name, json.loads(kept), initial=initial)

    def _on_status(self, board_id: str, topic: str, payload: bytes) -> BoardChange | None:
        if not payload:
            with self._lock:
                gone = self._boards.pop(board_id, None)
                if gone is None:
                    return None
                del self._sorted_ids[bisect_left(self._sorted_ids, board_id)]
                for kept in gone.states.values():
                    self._shared.release(kept)
            return BoardGone(board_id)
        online = self._refusals.take(topic, lambda: decode_status(payload))
        if online is None:
            return None
        with self._lock:
            board = self._board(board_id)
            if online:  # "offline" is the broker speaking (the will), not the board
                board.last_seen = self._clock()
            first = not board.status_known
            if not first and board.online == online:
                return None
            board.online, board.status_known = online, True
        return StatusChange(board_id, online, initial=first and self._retained_now())

    def _on_health(self, board_id: str, topic: str, payload: bytes) -> HealthChange | None:
        health = None
        if payload:
            health = self._refusals.take(
                topic, lambda: decode_model(RendererHealth, payload, MAX_HEALTH_BYTES)
            )
            if health is None:
                return None
        with self._lock:
            board = self._boards.get(board_id)  # never resurrect a removed board
            if board is None or board.health == health:
                return None
            if health is not None and health.error is None:  # nearly every board's
                health = self._plain_health.setdefault(health.store, health)
            board.health = health
        return HealthChange(board_id, health)

    def _retained_now(self) -> bool:
        return self._loader is not None and self._loader.retained_now

    def _board(self, board_id: str) -> _Kept:
        """The kept board (under the lock); a new one has its retained topics read, in
        case it was heard of live and the broker dropped the rest."""
        board = self._boards.get(board_id)
        if board is None:
            board = self._boards[board_id] = _Kept()
            insort(self._sorted_ids, board_id)
            if self._loader is not None:
                self._loader.request(board_id)
        return board
