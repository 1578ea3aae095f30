"""When a universe-based stream (E1.31, Art-Net) has a whole frame to show."""

from __future__ import annotations

from collections.abc import Iterable

# A frame with pending universes is shown once its protocol has been silent this long.
# Much longer than the gap between the packets of one frame from a real sender on a
# LAN (all of a frame's universes go out back to back: well under 2 ms for 49 of
# them, a few ms with Wi-Fi jitter), so a frame is not cut in two. Short enough that
# a sender updating part of the panel, with no more packets to come (the ``sacn``
# package resends unchanged universes only about once a second), is shown within
# about one frame at 50 fps. A sender streaming faster than this never goes silent
# for it: its frames are shown by the repeat rule, one frame period late, which is
# then shorter than this anyway.
FLUSH_AFTER = 0.02


class FrameAssembly:
    """Track the universes received since the last show.

    Show when every universe the panel needs has arrived, or (a sender covering only
    part of the panel) when a universe arrives a second time: that starts the next
    frame, so the frame before it is shown first. A sync packet shows at once. A
    pending frame is also shown (flushed) :data:`FLUSH_AFTER` seconds after its last
    write, unless the write was held for a sync packet. Times are passed in (any
    monotonic clock), so the rules are testable without waiting.
    """

    def __init__(self, needed: Iterable[int]) -> None:
        self._needed = frozenset(needed)
        self._seen: set[int] = set()
        self._flush_at: float | None = None

    @property
    def pending(self) -> bool:
        """Whether anything was received since the last show."""
        return bool(self._seen)

    @property
    def flush_at(self) -> float | None:
        """When the pending frame is to be flushed (``None``: nothing to flush)."""
        return self._flush_at

    def before_write(self, universe: int) -> bool:
        """Call before writing ``universe``: ``True`` to show the frame so far first."""
        if universe in self._seen:
            self.shown()
            return True
        return False

    def after_write(self, universe: int, now: float, *, hold: bool = False) -> bool:
        """Call after writing ``universe`` at time ``now``: ``True`` when the frame is
        complete. ``hold``: the sender will send a sync packet, so do not flush."""
        self._seen.add(universe)
        if self._seen >= self._needed:
            self.shown()
            return True
        self._flush_at = None if hold else now + FLUSH_AFTER
        return False

    def flush_due(self, now: float) -> bool:
        """Whether the pending frame is to be shown now (the caller then shows it)."""
        if self._flush_at is None or now < self._flush_at:
            return False
        self.shown()
        return True

    def shown(self) -> None:
        """The frame was shown (complete, a repeat, a sync packet or a flush)."""
        self._seen.clear()
        self._flush_at = None
