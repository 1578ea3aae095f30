"""Bounds on Socket.IO *guests*: Engine.IO sessions that hold no valid token.

A guest is a session from its handshake until its Socket.IO connect succeeds with the
token (or, with no token configured, until its connect succeeds at all). With
``RETROBOARD_API_PUBLIC_READS`` a read-only client stays a guest for its whole life.
Each guest holds a slot of its client address (see :mod:`retroboard_api.client_address`)
and one of the process's total; a handshake that finds no free slot is refused before
any session is created. An attack measured at ~12 KB of worker memory per idle session
(15,000 handshakes: +180 MB), so the total bounds what unauthenticated clients can cost.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

Environ = dict[str, object]

SLOT_KEY = "retroboard.guest_slot"  # environ: the address whose slot this request took
SID_KEY = "retroboard.guest_sid"  # environ: the Engine.IO session that owns the slot


@dataclass(frozen=True)
class Refusal:
    """Why a handshake got no slot: an HTTP status and a sentence for the client."""

    status: int
    error: str


class GuestSlots:
    """Counts guests per address and in all; thread- and greenlet-safe."""

    def __init__(self, total: int, per_address: int) -> None:
        self.total = total
        self.per_address = per_address
        self._by_address: Counter[str] = Counter()
        self._total = 0  # the sum of _by_address, kept: a handshake must not add it up
        self._owners: dict[str, str] = {}  # Engine.IO sid → address
        self._lock = threading.Lock()

    def acquire(self, address: str) -> Refusal | None:
        """Take a slot for a handshake from ``address``; the refusal if none is free."""
        with self._lock:
            if self._by_address[address] >= self.per_address:
                return Refusal(429, "too many unauthenticated Socket.IO sessions from this address")
            if self._total >= self.total:
                return Refusal(503, "too many unauthenticated Socket.IO sessions, try again later")
            self._by_address[address] += 1
            self._total += 1
            return None

    def give_back(self, address: str) -> None:
        """Free a slot taken by :meth:`acquire` that no session came to own."""
        with self._lock:
            self._decrement(address)

    def own(self, sid: str, address: str) -> None:
        """Session ``sid`` now holds the slot its handshake took for ``address``."""
        with self._lock:
            self._owners[sid] = address

    def release(self, sid: str) -> None:
        """Session ``sid`` is no guest any more (it has the token, or it closed)."""
        with self._lock:
            address = self._owners.pop(sid, None)
            if address is not None:
                self._decrement(address)

    def admit(self, environ: Environ) -> None:
        """The session of this Socket.IO request connected with the token."""
        sid = environ.get(SID_KEY)
        if isinstance(sid, str):
            self.release(sid)

    def count(self, address: str | None = None) -> int:
        """Guests from ``address``, or in all."""
        with self._lock:
            return self._total if address is None else self._by_address[address]

    def _decrement(self, address: str) -> None:
        self._by_address[address] -= 1
        self._total -= 1
        if self._by_address[address] <= 0:
            del self._by_address[address]
