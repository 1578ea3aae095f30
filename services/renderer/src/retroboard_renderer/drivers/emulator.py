"""A display driver without hardware: keeps the shown frame, optionally paints it in a terminal."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

import numpy as np
from PIL import Image

from retroboard_renderer.drivers.base import DisplayDriver, Frame

log = logging.getLogger(__name__)

TERMINAL_MAX_FPS = 10.0
"""Terminal redraws per second at most: a 60 fps app must not flood the terminal."""

UPPER_HALF_BLOCK = "▀"
_HOME = "\x1b[H"
_CLEAR_SCREEN = "\x1b[2J"
_HIDE_CURSOR = "\x1b[?25l"
_SHOW_CURSOR = "\x1b[?25h"
_RESET = "\x1b[0m"


def dim(frame: Frame, percent: int) -> Frame:
    """A new array: ``frame`` scaled to ``percent`` % (rounded), as a panel would show it."""
    if percent >= 100:
        return frame.copy()
    if percent <= 0:
        return np.zeros_like(frame)
    # uint16 arithmetic is ~4× faster than a 256-entry lookup table (np.take) here.
    return ((frame.astype(np.uint16) * percent + 50) // 100).astype(np.uint8)


def render_ansi(frame: Frame) -> str:
    """``frame`` as 24-bit ANSI text, two pixel rows per line, starting at the cursor home.

    Each cell is '▀' with the top pixel as foreground and the bottom one as background;
    a colour is only re-sent when it changes, which keeps flat areas cheap.
    """
    if frame.shape[0] % 2:
        frame = np.concatenate([frame, np.zeros_like(frame[:1])])
    lines: list[str] = []
    for top_row, bottom_row in zip(frame[0::2].tolist(), frame[1::2].tolist(), strict=True):
        parts: list[str] = []
        fg: list[int] | None = None
        bg: list[int] | None = None
        for top, bottom in zip(top_row, bottom_row, strict=True):
            if top != fg:
                fg = top
                parts.append(f"\x1b[38;2;{top[0]};{top[1]};{top[2]}m")
            if bottom != bg:
                bg = bottom
                parts.append(f"\x1b[48;2;{bottom[0]};{bottom[1]};{bottom[2]}m")
            parts.append(UPPER_HALF_BLOCK)
        parts.append(_RESET)
        lines.append("".join(parts))
    # No newline after the last line: it would scroll a terminal exactly as tall as the frame.
    return _HOME + "\n".join(lines)


class _TerminalPainter:
    """Paints the latest submitted frame from its own thread, at most ``max_fps`` a second.

    The render thread never waits for the terminal, and the last frame of a burst is
    always painted (a frame is only ever replaced by a newer one, never dropped).
    """

    def __init__(self, stream: TextIO, max_fps: float = TERMINAL_MAX_FPS) -> None:
        self._stream = stream
        self._interval = 1.0 / max_fps
        self._cond = threading.Condition()
        self._pending: Frame | None = None
        self._closing = False
        self._painted = False
        self._thread = threading.Thread(target=self._run, name="emulator-terminal", daemon=True)
        self._thread.start()

    def submit(self, frame: Frame) -> None:
        """Paint ``frame`` (not modified afterwards) as soon as the rate cap allows."""
        with self._cond:
            self._pending = frame
            self._cond.notify()

    def close(self) -> None:
        """Paint any pending frame, restore the cursor and stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        next_paint = 0.0
        while True:
            with self._cond:
                while self._pending is None and not self._closing:
                    self._cond.wait()
                while not self._closing and (delay := next_paint - time.monotonic()) > 0:
                    self._cond.wait(delay)
                frame, self._pending = self._pending, None
                closing = self._closing
            try:
                if frame is not None:
                    self._paint(frame)
                    next_paint = time.monotonic() + self._interval
                if closing:
                    if self._painted:
                        self._write(_RESET + _SHOW_CURSOR + "\n")
                    return
            except (OSError, ValueError) as exc:  # closed or broken stream
                log.warning("terminal emulator stopped: %s", exc)
                return

    def _paint(self, frame: Frame) -> None:
        text = render_ansi(frame)
        if not self._painted:
            text = _CLEAR_SCREEN + _HIDE_CURSOR + text
            self._painted = True
        self._write(text)

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()


class EmulatorDriver(DisplayDriver):
    """A virtual panel: no hardware, the frame is kept (and optionally drawn in a terminal).

    ``last_frame`` is what a panel would show: the last frame scaled by the brightness
    in effect when it was shown. Brightness changes apply from the next ``show()``, as
    on the hardware drivers. Thread-safe: ``show`` runs on the render thread while
    ``last_frame``/``snapshot`` may be called from any other.
    """

    def __init__(
        self, width: int, height: int, terminal: bool = False, stream: TextIO | None = None
    ) -> None:
        super().__init__(width, height)
        self._lock = threading.Lock()
        self._brightness = 100
        self._frame = self._freeze(np.zeros((height, width, 3), dtype=np.uint8))
        self._painter = _TerminalPainter(stream or sys.stdout) if terminal else None

    @staticmethod
    def _freeze(frame: Frame) -> Frame:
        # Every shown frame is a fresh read-only array: readers get it without a copy
        # and can never see it change under them.
        frame.flags.writeable = False
        return frame

    @property
    def brightness(self) -> int:
        """The brightness in effect, 0–100."""
        return self._brightness

    @property
    def last_frame(self) -> Frame:
        """The frame as the panel shows it now (read-only: copy it to modify it)."""
        with self._lock:
            return self._frame

    def show(self, frame: Frame) -> None:
        """Keep ``frame`` scaled by the brightness; paint it if the terminal is on."""
        self.check_frame(frame)
        shown = self._freeze(dim(frame, self._brightness))
        with self._lock:
            self._frame = shown
            painter = self._painter
        if painter:
            painter.submit(shown)

    def set_brightness(self, percent: int) -> None:
        """Set the brightness (clamped to 0–100); it applies from the next ``show()``."""
        with self._lock:
            self._brightness = max(0, min(100, int(percent)))

    def snapshot(self, path: str | os.PathLike[str]) -> Path:
        """Write the current frame to ``path`` as PNG, atomically; returns the path.

        The PNG goes to a temporary file in the same directory that then replaces
        ``path``, so a reader never sees a half-written file.
        """
        target = Path(path)
        image = Image.fromarray(self.last_frame)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                image.save(file, format="PNG")
            os.chmod(temp, 0o644)  # mkstemp creates 0600; a snapshot is meant to be read
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return target

    def close(self) -> None:
        """Stop the terminal painter (after painting the last frame)."""
        with self._lock:
            painter, self._painter = self._painter, None
        if painter:
            painter.close()
