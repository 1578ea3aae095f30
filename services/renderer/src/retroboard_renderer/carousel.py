"""The carousel's timing: which entry is showing and when the next one is due.

Pure logic on an injected monotonic clock, so wall-clock jumps never skip or stall it.
Which entries may show now (their days and windows) is the caller's ``eligible``; when
none may, the carousel is *on its fallback* until one may again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from retroboard_common.models import OFF, CarouselEntry, CarouselState

Eligible = Callable[[CarouselEntry], bool]


def always(_entry: CarouselEntry) -> bool:
    """Every entry may show (no schedules)."""
    return True


@dataclass
class Carousel:
    """Rotation through ``entries``, each shown for its ``duration`` seconds."""

    enabled: bool = False
    entries: list[CarouselEntry] = field(default_factory=list)
    index: int = 0
    fallback: str = OFF
    """Shown while no entry may show: an instance id, or ``off``."""
    shown_since: float | None = None
    paused_at: float | None = None
    """Set while something else has the panel (a notification, power off): the current
    entry's time stands still."""
    on_fallback: bool = False
    """No entry may show now: the fallback shows."""

    @classmethod
    def from_state(cls, state: CarouselState) -> Carousel:
        """Rebuild from a saved or published state (position kept, in range)."""
        index = state.current_index if 0 <= state.current_index < len(state.apps) else 0
        return cls(state.enabled and bool(state.apps), list(state.apps), index, state.fallback)

    def to_state(self) -> CarouselState:
        """The ``state/carousel_config`` payload."""
        return CarouselState(
            enabled=self.enabled,
            apps=self.entries,
            current_index=self.index,
            fallback=self.fallback,
        )

    @property
    def running(self) -> bool:
        """Whether it rotates right now."""
        return self.enabled and bool(self.entries)

    @property
    def current(self) -> CarouselEntry | None:
        """The entry showing now (``None`` when not running or on the fallback)."""
        return self.entries[self.index] if self.running and not self.on_fallback else None

    def begin(self, now: float) -> CarouselEntry | None:
        """Start (or restart) the current entry's time at ``now`` (paused still, if it
        was: the time starts when the pause ends)."""
        self.shown_since = now if self.paused_at is None else self.paused_at
        return self.current

    def due_at(self) -> float | None:
        """When the current entry's time is up (``None`` when not running, paused or
        on the fallback)."""
        entry = self.current
        if entry is None or self.shown_since is None or self.paused_at is not None:
            return None
        return self.shown_since + entry.duration

    def pause(self, now: float) -> None:
        """Stop the current entry's time (it carries on from here on :meth:`resume`)."""
        if self.paused_at is None:
            self.paused_at = now

    def resume(self, now: float) -> None:
        """Let the current entry's time run again, with the time it had left."""
        if self.paused_at is not None and self.shown_since is not None:
            self.shown_since += now - self.paused_at
        self.paused_at = None

    def advance(
        self, now: float, step: int = 1, eligible: Eligible = always
    ) -> CarouselEntry | None:
        """Move ``step`` entries on (``-1``: back), wrapping around and skipping the
        entries that may not show now, and start its time; ``None`` when not running
        or when no entry may show (then :attr:`on_fallback`)."""
        return self.seek(now, self.index + step, step, eligible)

    def seek(
        self, now: float, start: int, step: int = 1, eligible: Eligible = always
    ) -> CarouselEntry | None:
        """Go to the first entry that may show from position ``start`` on (in the
        direction of ``step``) and start its time; see :meth:`advance`."""
        if not self.running:
            return None
        count = len(self.entries)
        for offset in range(count):
            position = (start + offset * (1 if step >= 0 else -1)) % count
            if eligible(self.entries[position]):
                self.index, self.on_fallback = position, False
                return self.begin(now)
        self.on_fallback = True
        self.shown_since = now
        return None
