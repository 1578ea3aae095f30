"""Announcing a fleet to Home Assistant at a bounded rate, and only what the broker lacks.

A central bridge serves 10,000 boards of ~13 retained messages each. Published at once
that burst overflows the broker's per-client queues (Mosquitto's
``max_queued_messages`` defaults to 1,000: the rest is dropped, silently) and Home
Assistant's discovery. So boards wait in an ordered queue, without duplicates, and one
worker sends them at ``rate`` messages per second (:class:`TokenBucket`); a board's
messages are composed when its turn comes, so they are always its latest.

What the broker holds is tracked by a retained *marker* (:func:`marker_topic`): this
run's id and, per board, a 32-bit digest of its discovery configs and one of its entity
states. At each (re)connection, and at Home Assistant's birth message, the marker is
read back, fenced by a message to ourselves:

- no marker: the broker lost its retained messages (or never had any); every board is
  queued again;
- our own marker: nothing was lost; only what is pending still goes;
- another run's marker (a bridge before us): a board whose digests match it is
  current on the broker, and is not sent again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]
Publish = Callable[[str, bytes, bool], None]
"""``publish(topic, payload, retain)``."""

MARKER_LEVEL: Final = "retroboard_bridge"
# A fence comes back within milliseconds; past this the check ends with what it saw.
FENCE_TIMEOUT: Final = 10.0
# The marker is rewritten at most this often when only live states changed.
MARKER_INTERVAL: Final = 30.0
# … and at most this often after rounds (at 10,000 boards it is ~300 KB; while the
# fleet is read, a round ends with every batch).
MARKER_GAP: Final = 1.0
# The bucket holds this many seconds' worth of messages: small bursts, no flood.
BURST_SECONDS: Final = 0.05
# A board's retained states arrive one by one: it is composed this long after it was
# queued, so a restarted bridge compares whole boards with the marker, not halves.
SETTLE: Final = 0.5


def marker_topic(prefix: str) -> str:
    """The retained marker: ``<prefix>/retroboard_bridge/announced``.

    Three levels, so none of Home Assistant's discovery subscriptions
    (``<prefix>/<component>/[<node>/]<object>/config``) match it.
    """
    return f"{prefix}/{MARKER_LEVEL}/announced"


def fence_topic(prefix: str) -> str:
    """Where the bridge sends itself the fence that ends a marker check (not retained)."""
    return f"{prefix}/{MARKER_LEVEL}/fence"


def digest(data: bytes) -> int:
    """A 32-bit digest: what is kept of published payloads instead of the payloads."""
    return int.from_bytes(hashlib.blake2s(data, digest_size=4).digest(), "big")


def digest_of(messages: Mapping[str, bytes]) -> int:
    """The digest of a set of ``topic → payload`` messages (their order does not count)."""
    return digest(b"\0".join(t.encode() + b"\0" + p for t, p in sorted(messages.items())))


class TokenBucket:
    """At most ``rate`` tokens a second on average, ``burst`` at once."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate * BURST_SECONDS)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._at = clock()

    def acquire(self) -> None:
        """Take one token, sleeping until there is one."""
        self._refill()
        if self._tokens < 1:
            # Once, not until whole: a float short by 1e-16 must not spin (a sleep that
            # short moves no clock); the debt is paid by the next refill.
            self._sleep((1 - self._tokens) / self.rate)
            self._refill()
        self._tokens -= 1

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now


@dataclass(frozen=True)
class Announcement:
    """A board's messages now: its discovery configs and its entity states."""

    configs: dict[str, bytes]
    """Discovery topic → config."""
    states: dict[str, bytes]
    """State topic → state."""


@dataclass(slots=True)
class Record:
    """What is on the broker for one board: digests, not the payloads."""

    config: int
    """Digest of every discovery config of the board."""
    topics: frozenset[str]
    """The discovery topics retained (to clear one whose entity goes)."""
    states: dict[str, int]
    """Digest of each state payload, by state topic."""

    def pair(self) -> tuple[int, int]:
        """``(config digest, states digest)``, as the marker keeps them."""
        return self.config, digest(repr(sorted(self.states.items())).encode())


def _record(announcement: Announcement) -> Record:
    states = {topic: digest(payload) for topic, payload in announcement.states.items()}
    return Record(digest_of(announcement.configs), frozenset(announcement.configs), states)


class Fleet(Protocol):
    """The side that knows the boards (the Home Assistant extension)."""

    def boards(self) -> list[str]:
        """Every board known now."""

    def compose(self, board: str) -> Announcement | None:
        """The board's announcement now; ``None`` when there is nothing to announce yet."""


@dataclass
class _Round:
    """What one run of the queue did, for the log line when it drains."""

    announced: int = 0
    messages: int = 0
    current: int = 0

    @property
    def worked(self) -> bool:
        return bool(self.announced or self.messages or self.current)


class Announcer:
    """The pending queue, its worker, the live states, and the marker check.

    Everything that publishes does it holding ``_cond``, so a board removed meanwhile
    is never published after its removal.
    """

    def __init__(
        self,
        fleet: Fleet,
        publish: Publish,
        connected: Callable[[], bool],
        prefix: str,
        bucket: TokenBucket,
        *,
        clock: Clock = time.monotonic,
        settle: float = SETTLE,
        marker_interval: float = MARKER_INTERVAL,
    ) -> None:
        self.fleet = fleet
        self._publish = publish
        self._connected = connected
        self.marker = marker_topic(prefix)
        self.fence = fence_topic(prefix)
        self.bucket = bucket
        self._clock = clock
        self._settle = settle
        self._marker_interval = marker_interval
        self.run_id = uuid.uuid4().hex[:12]
        self._cond = threading.Condition()
        self._pending: OrderedDict[str, float] = OrderedDict()  # board → when queued
        self._records: dict[str, Record] = {}
        # Another run's digests, for boards not composed yet in this run.
        self._inherited: dict[str, tuple[int, int]] = {}
        self._ready = False  # connected and the marker checked
        self._checking = False
        self._seen: Marker | None = None  # the marker read in this check
        self._token = ""
        self._fence_at = 0.0
        self._dirty = False  # the marker on the broker is behind
        self._marker_at: float | None = None
        self._current: str | None = None  # the board being announced
        self._current_gone = False  # … and it was removed meanwhile
        self._round = _Round()
        self._settled = False  # a round ended since the marker was written
        self._stopped = False
        self._thread: threading.Thread | None = None

    # --- from the extension -------------------------------------------------------------

    def queue(self, board: str) -> None:
        """Announce ``board`` (once, however often queued; in the order first queued)."""
        with self._cond:
            if board not in self._pending:
                self._pending[board] = self._clock()
                self._cond.notify_all()

    def discard(self, board: str) -> None:
        """``board`` left: nothing more to announce, and the marker forgets it."""
        with self._cond:
            self._pending.pop(board, None)
            self._inherited.pop(board, None)
            if board == self._current:
                self._current_gone = True
            if self._records.pop(board, None) is not None:
                self._dirty = True
                self._marker_at = None  # due now: a board that left is not "current"
                self._cond.notify_all()

    def announced(self, board: str) -> bool:
        """Whether ``board``'s announcement is on the broker (live states then go at once)."""
        with self._cond:
            return board in self._records and board not in self._pending

    def config_digest(self, board: str) -> int | None:
        """The digest of ``board``'s discovery configs on the broker (``None``: none)."""
        with self._cond:
            record = self._records.get(board)
            return record.config if record else None

    def update_states(self, board: str, states: Mapping[str, bytes]) -> int:
        """Publish the states of an announced board that changed, at once; how many."""
        with self._cond:
            record = self._records.get(board)
            if record is None or board in self._pending:
                return 0  # its turn in the queue sends them
            sent = 0
            for topic, payload in states.items():
                value = digest(payload)
                if record.states.get(topic) != value:
                    self._publish(topic, payload, True)
                    record.states[topic] = value
                    sent += 1
            if sent:
                self._dirty = True
                self._cond.notify_all()
            return sent

    def pending(self) -> list[str]:
        """The boards waiting, in order."""
        with self._cond:
            return list(self._pending)

    # --- the connection -------------------------------------------------------------------

    def check(self) -> None:
        """Start reading the marker back (after every (re)connection, at HA's birth).

        The caller has just (re)subscribed to :attr:`marker`, so the broker sends its
        retained copy before the fence published here comes back."""
        with self._cond:
            self._ready = False
            self._checking = True
            self._seen = None
            self._token = uuid.uuid4().hex
            self._fence_at = self._clock()
            self._publish(self.fence, self._token.encode(), False)

    def disconnected(self) -> None:
        """Pause: what is pending waits for the next connection and its check."""
        with self._cond:
            self._ready = False

    def on_marker(self, payload: bytes) -> None:
        """The retained marker, as the broker sends it on subscription."""
        with self._cond:
            if self._checking:
                self._seen = _parse_marker(payload)

    def on_fence(self, payload: bytes) -> None:
        """A fence is back: if ours, every retained marker the broker had has arrived."""
        boards = self.fleet.boards()  # first: the fleet's lock is never taken inside ours
        with self._cond:
            if self._checking and payload.decode(errors="replace") == self._token:
                self._finish_check(boards)

    def _finish_check(self, known: list[str]) -> None:
        self._checking = False
        self._ready = True
        marker = self._seen
        if marker is None:
            if self._records or self._inherited:
                log.warning(
                    "the broker lost Home Assistant's retained discovery: announcing "
                    "%d board(s) again",
                    len(known),
                )
            self._records.clear()
            self._inherited.clear()
            # At once, our run's: a reconnection then tells "kept" from "lost".
            self._dirty, self._marker_at = True, None
            for board in known:
                self._pending.setdefault(board, self._clock())
        elif marker.run == self.run_id:
            log.info(
                "Home Assistant discovery checked: the broker kept it (%d board(s))",
                len(self._records),
            )
        else:
            # A bridge before us: it says which boards are current.
            boards = marker.boards
            for board, record in list(self._records.items()):
                if boards.get(board) != record.pair():
                    del self._records[board]
                    self._pending.setdefault(board, self._clock())
            self._inherited = {b: p for b, p in boards.items() if b not in self._records}
            # Ours follows after the round (or ``marker_interval``): until then the
            # broker's still tells a bridge restarted meanwhile which boards are current.
            self._dirty, self._marker_at = True, self._clock()
            log.info(
                "Home Assistant discovery checked: an earlier bridge announced %d board(s)",
                len(boards),
            )
        self._cond.notify_all()

    # --- the worker -----------------------------------------------------------------------

    def start(self) -> None:
        """Run the worker thread."""
        self._thread = threading.Thread(target=self._run, name="ha-announcer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker (what is pending is not sent)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while True:
            try:
                busy = self.step()
            except Exception:  # one bad board must not stop the announcing
                log.exception("announcing to Home Assistant failed")
                busy = False
            with self._cond:
                if self._stopped:
                    return
                if not busy:
                    self._cond.wait(0.2)

    def step(self) -> bool:
        """Do the next thing: end a check whose fence is overdue, announce one board,
        or write the marker. ``False`` when there was nothing to do now."""
        with self._cond:
            overdue = self._checking and self._clock() - self._fence_at > FENCE_TIMEOUT
            if self._checking and not overdue:
                return False
        if overdue:
            boards = self.fleet.boards()
            with self._cond:
                if self._checking:
                    log.warning("the Home Assistant marker check got no answer; taken as missing")
                    self._finish_check(boards)
            return True
        with self._cond:
            if not self._ready:
                return False
            if self._marker_due():  # also during a long round: a reconnection resumes
                self._write_marker()
                return True
            if not self._pending:
                return self._drained()
            board, queued = next(iter(self._pending.items()))
            if self._clock() - queued < self._settle:
                return False
            del self._pending[board]
            self._current, self._current_gone = board, False
        self._announce(board)
        return True

    def _announce(self, board: str) -> None:
        announcement = self.fleet.compose(board)
        if announcement is None:
            return  # nothing known yet: queued again when its apps are
        with self._cond:
            messages = self._messages(board, announcement)
        for topic, payload in messages:
            self.bucket.acquire()
            with self._cond:
                if self._current_gone:
                    return  # removed meanwhile
                if not self._connected():  # cut short: first again after the next check
                    self._pending[board] = self._clock()
                    self._pending.move_to_end(board, last=False)
                    return
                self._publish(topic, payload, True)
                self._round.messages += 1
        with self._cond:
            self._current = None
            if self._current_gone:
                return
            self._records[board] = _record(announcement)
            self._dirty = True

    def _messages(self, board: str, announcement: Announcement) -> list[tuple[str, bytes]]:
        """What ``board`` lacks on the broker: clears of entities gone, its configs if
        they changed, its states if they changed (configs first, so HA subscribes to
        the state topics before their retained states matter)."""
        record = _record(announcement)
        config, states = record.pair()
        before = self._records.get(board)
        inherited = self._inherited.pop(board, None)
        known = before.pair() if before is not None else inherited
        messages: list[tuple[str, bytes]] = []
        if known is None or known[0] != config:
            gone = sorted(before.topics - record.topics) if before else []
            messages += [(topic, b"") for topic in gone]
            messages += list(announcement.configs.items())
            self._round.announced += 1
        else:
            self._round.current += 1
        if known is None or known[1] != states:
            if before is not None:  # only the states that changed
                changed = record.states.items() - before.states.items()
                messages += [(t, announcement.states[t]) for t, _ in sorted(changed)]
            else:
                messages += list(announcement.states.items())
        return messages

    def _drained(self) -> bool:
        """The queue is empty: log the round, and write the marker if it is behind."""
        if not self._round.worked:
            return False
        log.info(
            "Home Assistant discovery: %d board(s) announced (%d messages), %d found "
            "current on the broker",
            self._round.announced,
            self._round.messages,
            self._round.current,
        )
        self._round = _Round()
        self._settled = True
        return True

    def _marker_due(self) -> bool:
        """Whether the marker is behind and was not written for a while: ``marker_interval``
        during a round or for live states, :data:`MARKER_GAP` once a round ended."""
        if not self._dirty:
            return False
        gap = MARKER_GAP if self._settled else self._marker_interval
        return self._marker_at is None or self._clock() - self._marker_at >= gap

    def _write_marker(self) -> None:
        """Retain the marker: our run, and the digests of every board on the broker."""
        boards = {board: record.pair() for board, record in self._records.items()}
        payload = json.dumps({"run": self.run_id, "boards": boards}, separators=(",", ":"))
        self._publish(self.marker, payload.encode(), True)
        self._dirty, self._settled = False, False
        self._marker_at = self._clock()


@dataclass(frozen=True)
class Marker:
    """The retained marker: the run that wrote it, and each board's digests then."""

    run: str
    boards: dict[str, tuple[int, int]]


def _parse_marker(payload: bytes) -> Marker | None:
    """``{"run": …, "boards": {board: (config, states)}}``; ``None`` when empty
    (cleared) or not one of ours."""
    if not payload:
        return None
    try:
        data = json.loads(payload)
        run, boards = data["run"], data["boards"]
        pairs = {str(b): (int(p[0]), int(p[1])) for b, p in boards.items()}
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        log.warning("the Home Assistant marker is not one of ours; taken as missing")
        return None
    return Marker(str(run), pairs)
