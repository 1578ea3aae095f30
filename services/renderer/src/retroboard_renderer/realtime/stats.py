"""Counters of a realtime receiver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

ROUTINE_DROPS: Final = frozenset(
    {
        "disabled",  # streams switched off
        "universe not used",  # another board's universes (multicast, shows of many boards)
        "lower priority",  # E1.31 arbitration: a backup source
        "other source",
        "terminated",
        "preview",  # E1.31 preview data, not for live output
        "e131 discovery",  # sent every 10 s by E1.31 senders
        "ddp control",  # DDP query/status traffic
        "artnet opcode",  # other Art-Net traffic (e.g. other nodes' ArtPollReply)
    }
)
"""Drops that are normal traffic, not a fault: counted, but not worth a warning."""


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
