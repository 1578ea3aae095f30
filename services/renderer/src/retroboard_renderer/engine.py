"""The render loop: one thread owns the canvas and hands whole frames to the driver.

Commands never wait out an app's frame period: every change wakes the loop at once.
A switch may come with a transition (:mod:`retroboard_renderer.transitions`): the loop
then draws it at :data:`TRANSITION_DELAY` between the two apps' real frames, both
drawing on meanwhile (from a still of the last frame when what was shown is no app of
its own: a blend of a transition cut short, or a stream).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from retroboard_common.models import Transition
from retroboard_renderer.apps import App
from retroboard_renderer.drivers.base import DisplayDriver, Frame
from retroboard_renderer.transitions import TransitionPlayer, plays
from retroboard_renderer.wake import Wake

log = logging.getLogger(__name__)

FrameListener = Callable[[Frame], float | None]
"""Called with every frame shown; may return when it wants the next frame drawn (e.g. the
preview, to send a frame its rate cap held back)."""
Ticker = Callable[[float], float | None]
"""Called before every frame with the monotonic time; returns when it wants to run next."""
FrameTimer = Callable[[float], None]
"""Called after every frame with the seconds it took (tickers, render, show, listeners)."""

IDLE_DELAY = 3600.0
LATE_AFTER = 1 / 60
"""A frame started more than this after it was due is late (a missed 60 fps slot)."""
TRANSITION_DELAY = 1 / 60
"""Seconds between frames at most while a transition runs, whatever the app's rate."""


class RenderEngine:
    """Runs the current app and shows its frames until stopped."""

    def __init__(
        self,
        driver: DisplayDriver,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.driver = driver
        self._clock = clock
        self._rng = rng  # what ``random`` transitions pick with (None: the module's own)
        self._app: App[Any] | None = None
        self._stream: Frame | None = None  # a pixel stream's frame owns the panel
        self._blank: Frame = np.zeros((driver.height, driver.width, 3), dtype=np.uint8)
        # A switch recorded by show_app for the next step: (it happened, its transition).
        self._switched = False
        self._transition: Transition | None = None
        self._player: TransitionPlayer | None = None  # render thread only
        self._drawn: App[Any] | None = None
        """The app whose own frame is on the panel (not a blend or a stream frame)."""
        self._leaving: App[Any] | None = None
        """While a transition runs: the app it leaves, which draws on."""
        # The last frame handed to the driver, by reference: nothing redraws it before
        # the next step, which copies it only when a transition starts from it.
        self._shown: Frame = self._blank
        # A transition's two frames, allocated once: where it starts from, and where
        # its blends are drawn (the frame shown while it runs).
        self._from: Frame = np.zeros_like(self._blank)
        self._blend: Frame = np.zeros_like(self._blank)
        self._lock = threading.Lock()
        self._wake = Wake()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._tickers: list[Ticker] = []
        self._frame_listeners: list[FrameListener] = []
        self._frame_timers: list[FrameTimer] = []
        self._due: float | None = None  # when the next frame is due, as the last one said
        self.frames_drawn = 0
        self.late_frames = 0
        """Frames started more than :data:`LATE_AFTER` after they were due."""

    # --- wiring ---------------------------------------------------------------

    def add_ticker(self, ticker: Ticker) -> None:
        """Run ``ticker`` on the render thread before every frame (e.g. the carousel)."""
        self._tickers.append(ticker)

    def add_frame_listener(self, listener: FrameListener) -> None:
        """Call ``listener`` with every frame shown (e.g. the live preview)."""
        self._frame_listeners.append(listener)

    def add_frame_timer(self, timer: FrameTimer) -> None:
        """Call ``timer`` with each frame's drawing time in seconds (e.g. metrics)."""
        self._frame_timers.append(timer)

    # --- commands (any thread) -------------------------------------------------

    @property
    def app(self) -> App[Any] | None:
        """The app being shown, or ``None`` when stopped."""
        return self._app

    def show_app(self, app: App[Any] | None, transition: Transition | None = None) -> None:
        """Show ``app`` from the next frame on (``None`` blanks the display).

        With a ``transition`` that plays (not ``none``, not 0 ms) the panel goes from
        the last frame shown (a blend, if one was running) to ``app``'s frames over its
        duration; without one it cuts at once, ending any transition running. Returns
        at once: the render thread draws it.
        """
        with self._lock:
            self._app = app
            self._switched = True
            self._transition = transition
        self.wake()

    @property
    def transitioning(self) -> bool:
        """Whether a transition runs (or starts with the next frame)."""
        if self._stream is not None:
            return False  # a stream ends any transition
        if self._switched:
            return plays(self._transition)
        return self._player is not None

    @property
    def streaming(self) -> bool:
        """Whether a pixel stream owns the panel (the app waits, untouched)."""
        return self._stream is not None

    def show_stream(self, frame: Frame) -> None:
        """Show a pixel stream's ``frame`` now, instead of the app, until
        :meth:`end_stream`; brightness still applies."""
        with self._lock:
            self._stream = frame
        self.wake()

    def end_stream(self) -> None:
        """Give the panel back to the app, exactly as it was."""
        with self._lock:
            self._stream = None
        self.wake()

    def configure_app(self, app: App[Any], config: Any) -> None:
        """Apply a new config to ``app`` between two frames (it may be on show), then
        redraw."""
        with self._lock:
            app.configure(config)
        self.wake()

    def set_brightness(self, percent: int) -> None:
        """Change brightness and redraw at once."""
        with self._lock:
            self.driver.set_brightness(percent)
        self.wake()

    def wake(self) -> None:
        """Draw the next frame now instead of at its due time."""
        self._wake.set()

    # --- the loop --------------------------------------------------------------

    def start(self) -> None:
        """Start the render thread."""
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="render", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the render thread and blank the panel."""
        self._stopping.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=5)
        with self._lock:
            self.driver.show(self._blank)
        self.driver.close()

    def step(self) -> float:
        """Draw one frame now; returns the seconds until the next one is due."""
        started = time.perf_counter()  # a real duration, whatever clock drives the apps
        now = self._clock()
        if self._due is not None and now - self._due > LATE_AFTER:
            self.late_frames += 1
        due = now + IDLE_DELAY
        for ticker in self._tickers:
            wanted = ticker(now)
            if wanted is not None:
                due = min(due, wanted)
        with self._lock:
            stream, app = self._stream, self._app
            switched, self._switched = self._switched, False
            if stream is not None:
                # A stream frame is drawn as it is, ending any transition; the next one
                # wakes the loop.
                self._player = self._leaving = None
                frame = stream
            else:
                if switched:
                    self._player = self._start_transition(now, app)
                frame = app.render(now) if app else self._blank
                if self._player is not None:
                    if self._player.done(now):
                        self._player = self._leaving = None  # over: the app's own frames
                    else:
                        leaving = self._leaving.render(now) if self._leaving else None
                        frame = self._player.frame(now, frame, leaving)
                        due = min(due, now + TRANSITION_DELAY, self._player.ends)
            self.driver.show(frame)
            self._shown = frame
            self._drawn = app if stream is None and self._player is None else None
        self.frames_drawn += 1
        for listener in self._frame_listeners:
            wanted_again = listener(frame)
            if wanted_again is not None:
                due = min(due, wanted_again)
        if app and stream is None:
            due = min(due, now + app.frame_delay(now))
        self._due = due
        elapsed = time.perf_counter() - started
        for timer in self._frame_timers:
            timer(elapsed)
        return max(0.0, due - self._clock())

    def _start_transition(self, now: float, app: App[Any] | None) -> TransitionPlayer | None:
        """The player of the switch to ``app`` just recorded, if its transition plays
        (the lock is held, nothing of the new content drawn yet)."""
        self._leaving = None
        if not plays(self._transition):
            return None
        if self._drawn is not app:
            self._leaving = self._drawn  # its own frames, as they come
        # The still to start from otherwise, copied before the new app draws: it may be
        # the app just shown, drawing into the buffer ``_shown`` is. A running blend is
        # copied out of ``_blend``.
        np.copyto(self._from, self._shown)
        return TransitionPlayer(self._transition, self._from, now, rng=self._rng, out=self._blend)

    def _run(self) -> None:
        while not self._stopping.is_set():
            # Clear before drawing: a command arriving mid-frame re-sets the event,
            # so the wait below returns at once instead of sleeping through it.
            self._wake.clear()
            try:
                delay = self.step()
            except Exception:
                # One broken frame must not kill the display; try again shortly.
                log.exception("drawing a frame failed")
                delay = 1.0
            self._wake.wait(delay)
