"""A client's unsent packets, where a newer state event replaces an older one.

State events are absolute: each carries the whole state of its name, so a client that
has not yet been sent ``settings`` #1 when ``settings`` #2 is queued needs only #2.
:class:`CoalescingBuffer` is the store behind a client's Engine.IO send queue
(:mod:`retroboard_api.coalescing_queues`): a packet of a coalesced event
(:data:`COALESCED_EVENTS`) removes the unsent packets of the same event and namespace
that have waited :data:`GRACE` seconds or more, and goes to the end. So what a
client receives is always the sequence emitted to it, in order, minus events
superseded after waiting that long; a client whose events leave within :data:`GRACE`
(one that keeps up, even through a burst of changes arriving at once) gets every
event, and one that lags owes at most :data:`GRACE` seconds' worth of each. Everything else —
Engine.IO pings and pongs, Socket.IO connect, disconnect and acks, events sent with an
ack id, any other event — is never dropped nor reordered.

The key is (namespace, event name), not the room: a client follows exactly one board
(:class:`retroboard_api.realtime.Session`, fixed at connect), so every state event and
``board_status`` in its queue is of that board, and every ``frame`` of that board's
preview. Preview frames (binary events: a header packet then its attachment packets)
coalesce as one group, only once complete and before any of it was taken.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Final

from engineio import packet as eio  # type: ignore[import-untyped]  # python-engineio is untyped

from retroboard_common.contract import BOARD_STATUS_EVENT, FRAME_EVENT, STATES

COALESCED_EVENTS: Final[frozenset[str]] = frozenset((*STATES, BOARD_STATUS_EVENT, FRAME_EVENT))
"""Events whose payload is absolute (the whole state, the whole status, a whole frame)."""

GRACE: Final = 0.05
"""Seconds an unsent event waits before a newer one of its name may replace it."""

Key = tuple[str, str]  # (namespace, event)

# A Socket.IO EVENT (2) or BINARY_EVENT (5<attachments>-), namespace, no ack id, then
# the JSON array whose first item is the event's name (python-socketio's encoding).
_EVENT: Final = re.compile(r'(?:2|5\d+-)(?:(/[^,]*),)?\["([^"\\]*)"')
# Any packet with binary attachments: BINARY_EVENT (5) or BINARY_ACK (6).
_BINARY_HEADER: Final = re.compile(r"[56](\d+)-")


@dataclass(frozen=True, slots=True)
class Kind:
    """What a packet is to the buffer."""

    key: Key | None
    """Set for a coalesced event: a newer packet of the same key replaces it."""
    attachments: int = 0
    """Binary packets that follow it and belong to it."""


PLAIN: Final = Kind(None)


class PacketKinds:
    """Classifies Engine.IO packets; remembers the last one, since a broadcast puts the
    very same packet object in every recipient's queue."""

    def __init__(self, events: Collection[str] = COALESCED_EVENTS) -> None:
        self.events = frozenset(events)
        self._last: tuple[Any, Kind] = (None, PLAIN)

    def __call__(self, pkt: Any) -> Kind:
        """The :class:`Kind` of ``pkt`` (an ``engineio.packet.Packet``)."""
        last, kind = self._last  # one read: safe against a thread replacing it
        if pkt is last:
            return kind
        kind = self._classify(pkt)
        self._last = (pkt, kind)
        return kind

    def _classify(self, pkt: Any) -> Kind:
        if pkt is None:  # the engine's "stop" sentinel (Socket.close, a long-poll's end)
            return PLAIN
        data = pkt.data
        if pkt.packet_type != eio.MESSAGE or not isinstance(data, str):
            return PLAIN
        header = _BINARY_HEADER.match(data)
        attachments = int(header[1]) if header else 0
        event = _EVENT.match(data)
        if event is None or event[2] not in self.events:
            return Kind(None, attachments) if attachments else PLAIN
        return Kind((event[1] or "/", event[2]), attachments)


@dataclass(eq=False, slots=True)
class _Entry:
    """One packet, or a binary event's header with its attachments."""

    kind: Kind
    queued_at: float
    packets: list[Any] = field(default_factory=list)
    taken: int = 0  # packets already handed to the writer
    due: int = 0  # attachments not put yet


class CoalescingBuffer:
    """A FIFO of Engine.IO packets where a coalesced event replaces its unsent
    predecessors that waited ``grace`` seconds or more. ``append``/``popleft``/``[0]``/
    ``len`` as the ``deque`` the engine's queue classes keep; not thread-safe by itself
    (the queue holds its lock around it).
    """

    def __init__(
        self,
        items: Iterable[Any] = (),
        kinds: PacketKinds | None = None,
        *,
        grace: float = GRACE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kinds = kinds if kinds is not None else PacketKinds()
        self.grace = grace
        self.clock = clock
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._unsent: dict[Key, deque[int]] = {}  # key → its unsent entries, oldest first
        self._open: _Entry | None = None  # the binary entry awaiting attachments
        self._serial = count()
        self._size = 0
        self.dropped = 0
        """Packets dropped by appends since :meth:`take_dropped` last ran."""
        self.coalesced = 0
        """Events dropped over this buffer's life (a binary group counts once)."""
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index: int) -> Any:
        """The next packet (``[0]``, what ``peek`` returns); no other index."""
        if index != 0 or not self._size:
            raise IndexError(index)
        entry = next(iter(self._entries.values()))
        return entry.packets[entry.taken]

    def append(self, pkt: Any) -> None:
        """Queue ``pkt``; unsent packets it supersedes are dropped (:attr:`dropped`)."""
        self._size += 1
        opened = self._open
        if opened is not None and pkt is not None and pkt.binary:
            opened.packets.append(pkt)
            opened.due -= 1
            if opened.due == 0:
                self._open = None
            return
        kind = self.kinds(pkt)
        now = self.clock()
        entry = _Entry(kind, now, [pkt], due=kind.attachments)
        self._open = entry if entry.due else None
        serial = next(self._serial)
        if kind.key is not None:
            self._replace(kind.key, serial, now)
        self._entries[serial] = entry

    def popleft(self) -> Any:
        """The next packet to send."""
        if not self._size:
            raise IndexError("pop from an empty buffer")
        serial, entry = next(iter(self._entries.items()))
        pkt = entry.packets[entry.taken]
        entry.taken += 1
        self._size -= 1
        key = entry.kind.key
        if entry.taken == 1 and key is not None:
            unsent = self._unsent[key]
            if unsent and unsent[0] == serial:
                unsent.popleft()  # being sent: no longer replaceable
        if entry.taken == len(entry.packets):
            del self._entries[serial]  # an open entry's late attachments queue alone
            if entry is self._open:
                self._open = None
        return pkt

    def take_dropped(self) -> int:
        """Packets dropped since the last call (for the queue's task accounting)."""
        dropped, self.dropped = self.dropped, 0
        return dropped

    def _replace(self, key: Key, serial: int, now: float) -> None:
        unsent = self._unsent.setdefault(key, deque())
        while unsent:
            old = self._entries[unsent[0]]
            if now - old.queued_at < self.grace or old.due:
                break  # young (and so is every later one), or a frame still arriving
            del self._entries[unsent.popleft()]
            self._size -= len(old.packets)
            self.dropped += len(old.packets)
            self.coalesced += 1
        unsent.append(serial)
