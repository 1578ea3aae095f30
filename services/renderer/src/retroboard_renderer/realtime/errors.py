"""The one exception every parser raises for a packet it will not accept."""

from __future__ import annotations


class BadPacket(Exception):
    """A malformed, truncated, oversized or unsupported packet.

    ``reason`` is a short fixed string (e.g. ``"ddp truncated"``) used as a counter key
    in the receiver's stats, so it never contains packet data.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
