"""Pixel streams (DDP, E1.31, Art-Net) taking the panel, and giving it back.

While frames arrive, the stream owns the panel (:meth:`RenderEngine.show_stream`);
when none has come for ``timeout`` seconds the app that was showing is back, exactly
as it was (it was never stopped, only not drawn). What ``state/realtime`` says comes
from here: whether streams are allowed, and the one on the panel with its frame rate
(reported once a second while it lasts, so a 60 fps stream is not 60 state messages a
second).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from retroboard_common.models import RealtimeState, StreamProtocol
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.realtime.stats import ROUTINE_DROPS, ReceiverStats

log = logging.getLogger(__name__)

FPS_WINDOW = 1.0  # seconds of frames the reported rate is measured over


class Receiver(Protocol):
    """The part of the UDP receiver the session switches on and off."""

    enabled: bool


@dataclass(frozen=True)
class Shown:
    """The stream on the panel: who sends it, and when its last frame came."""

    protocol: StreamProtocol
    source: str
    last_frame: float


class RealtimeSession:
    """Hands the panel to pixel streams and back; the source of ``state/realtime``."""

    def __init__(
        self,
        engine: RenderEngine,
        *,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._enabled = True
        self._shown: Shown | None = None
        self._frame_times: deque[float] = deque()
        self._next_report: float | None = None
        self._receiver: Receiver | None = None
        self._listeners: list[Callable[[], None]] = []
        engine.add_ticker(self.tick)

    def attach(self, receiver: Receiver) -> None:
        """Streams come from ``receiver``, which drops packets cheaply while they are
        not allowed. Without one (``RETROBOARD_REALTIME=false``) nothing listens."""
        self._receiver = receiver
        receiver.enabled = self._enabled

    @property
    def listening(self) -> bool:
        """Whether a receiver is attached (the renderer listens for streams)."""
        return self._receiver is not None

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` when what :meth:`state` says changes."""
        self._listeners.append(listener)

    @property
    def enabled(self) -> bool:
        """The switch as set (and saved), whether or not anything listens; the state
        says ``enabled`` only when both hold."""
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Allow or refuse streams; refusing ends the one on the panel at once."""
        with self._lock:
            self._enabled = enabled
            if self._receiver is not None:
                self._receiver.enabled = enabled
            if not enabled:
                self._end()

    def show(self, pixels: npt.NDArray[np.uint8], protocol: StreamProtocol, source: str) -> None:
        """Put one stream frame on the panel (called from the receiver's thread)."""
        notify = False
        with self._lock:
            if not self._enabled:
                return
            now = self._clock()
            before = self._shown
            self._shown = Shown(protocol, source, now)
            self._frame_times.append(now)
            if before is None:
                self._next_report = now + FPS_WINDOW
            notify = before is None or (before.protocol, before.source) != (protocol, source)
            self.engine.show_stream(pixels)
        if notify:
            self._notify()

    def tick(self, now: float) -> float | None:
        """On the render thread: end a stream gone quiet, report the rate once a second."""
        notify = False
        with self._lock:
            shown = self._shown
            if shown is None or self._next_report is None:
                return None
            if now - shown.last_frame >= self.timeout:
                self._end()
                notify = True
                due = None
            else:
                if now >= self._next_report:
                    self._next_report = now + FPS_WINDOW
                    notify = True
                due = min(shown.last_frame + self.timeout, self._next_report)
        if notify:
            self._notify()
        return due

    def state(self) -> RealtimeState:
        """The ``state/realtime`` payload."""
        with self._lock:
            shown = self._shown
            return RealtimeState(
                enabled=self._enabled and self.listening,
                active=shown is not None,
                protocol=shown.protocol if shown else None,
                source=shown.source if shown else None,
                fps=self._fps(self._clock()) if shown else 0.0,
            )

    def _fps(self, now: float) -> float:
        while self._frame_times and self._frame_times[0] <= now - FPS_WINDOW:
            self._frame_times.popleft()
        return round(len(self._frame_times) / FPS_WINDOW, 1)

    def _end(self) -> None:
        if self._shown is not None:
            self._shown = None
            self._frame_times.clear()
            self._next_report = None
            self.engine.end_stream()

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()


class CountsDrops(Protocol):
    """The part of the UDP receiver :class:`DropReport` reads."""

    @property
    def stats(self) -> ReceiverStats:
        """Its counters."""
        ...


class DropReport:
    """Logs, at most once per ``interval``, which stream packets were dropped and why
    since the last line: a warning for faults (malformed, not allowed, …), a debug line
    for routine traffic (:data:`ROUTINE_DROPS`: switched off, lower priority, …)."""

    def __init__(
        self, receiver: CountsDrops, interval: float = 60.0, logger: logging.Logger = log
    ) -> None:
        self.receiver = receiver
        self.interval = interval
        self.logger = logger
        self._reported: dict[str, int] = {}
        self._next: float | None = None

    def tick(self, now: float) -> float:
        """Engine ticker: when the interval is up, log the new drops (if any)."""
        if self._next is None:
            self._next = now + self.interval
        if now >= self._next:
            self._next = now + self.interval
            dropped = self.receiver.stats.dropped
            new = {
                reason: count - self._reported.get(reason, 0)
                for reason, count in sorted(dropped.items())
                if count > self._reported.get(reason, 0)
            }
            faults = {reason: n for reason, n in new.items() if reason not in ROUTINE_DROPS}
            routine = {reason: n for reason, n in new.items() if reason in ROUTINE_DROPS}
            for level, counts in ((logging.WARNING, faults), (logging.DEBUG, routine)):
                if counts:
                    summary = ", ".join(f"{count} {reason}" for reason, count in counts.items())
                    self.logger.log(
                        level, "dropped stream packets in %g s: %s", self.interval, summary
                    )
            self._reported = dict(dropped)
        return self._next
