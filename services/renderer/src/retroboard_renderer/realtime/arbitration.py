"""E1.31 source arbitration: which sender owns each universe (ANSI E1.31-2018 §6.7, §6.9).

Per universe, the live source with the highest priority wins. A source is live until
it has sent nothing on that universe for :data:`NETWORK_DATA_LOSS_TIMEOUT` seconds
(§6.7.1, E131_NETWORK_DATA_LOSS_TIMEOUT) or sends a stream-terminated packet (§6.2.6).
Sources of equal priority: the one that already owns the universe keeps it (the
standard leaves merging to the receiver; taking turns would flicker).
"""

from __future__ import annotations

from dataclasses import dataclass

from retroboard_renderer.realtime.e131 import sequence_is_old

NETWORK_DATA_LOSS_TIMEOUT = 2.5  # §6.7.1, Appendix A: E131_NETWORK_DATA_LOSS_TIMEOUT


@dataclass(slots=True)
class _Source:
    priority: int
    last_seen: float
    sequence: int


class UniverseArbiter:
    """Decide, packet by packet, whether an E1.31 data packet is to be used."""

    def __init__(self, timeout: float = NETWORK_DATA_LOSS_TIMEOUT) -> None:
        self._timeout = timeout
        self._sources: dict[int, dict[bytes, _Source]] = {}
        self._owner: dict[int, bytes] = {}

    def terminate(self, universe: int, cid: bytes) -> None:
        """Forget ``cid`` on ``universe`` at once (a stream-terminated packet)."""
        sources = self._sources.get(universe)
        if sources is not None:
            sources.pop(cid, None)
        if self._owner.get(universe) == cid:
            del self._owner[universe]

    def accept(self, universe: int, cid: bytes, priority: int, sequence: int, now: float) -> str:
        """Record the packet; ``""`` to use it, else the reason to drop it."""
        sources = self._sources.setdefault(universe, {})
        self._expire(sources, now)
        source = sources.get(cid)
        if source is None:
            sources[cid] = _Source(priority, now, sequence)
        else:
            if sequence_is_old(sequence, source.sequence):
                return "out of order"
            source.priority, source.last_seen, source.sequence = priority, now, sequence
        best = max(s.priority for s in sources.values())
        if priority < best:
            return "lower priority"
        owner = sources.get(self._owner.get(universe, b""))
        if owner is not None and owner is not sources[cid] and owner.priority == best:
            return "other source"
        self._owner[universe] = cid
        return ""

    def _expire(self, sources: dict[bytes, _Source], now: float) -> None:
        """Drop sources silent for longer than the data loss timeout (§6.7.1)."""
        stale = [cid for cid, s in sources.items() if now - s.last_seen > self._timeout]
        for cid in stale:
            del sources[cid]
