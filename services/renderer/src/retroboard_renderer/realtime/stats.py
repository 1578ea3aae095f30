"""Counters of a realtime receiver."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReceiverStats:
    """A snapshot: datagrams received, frames shown, drops by reason, ArtPolls answered."""

    received: int = 0
    shown: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    replies: int = 0

    def drops(self, reason: str) -> int:
        """How many datagrams were dropped for ``reason`` (0 if none)."""
        return self.dropped.get(reason, 0)
