"""Live preview frames: sent only while somebody watches, capped in rate, as PNG."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

from PIL import Image

from retroboard_renderer.drivers.base import Frame

FrameSink = Callable[[bytes], None]


def encode_frame(frame: Frame) -> bytes:
    """A compact PNG of ``frame`` (browsers decode it natively)."""
    buffer = io.BytesIO()
    Image.fromarray(frame, "RGB").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class PreviewPublisher:
    """Forwards frames to ``sink`` while a watch request is live, at most ``fps`` a second.

    An unchanged frame is not sent again, so a clock costs one frame a second.
    """

    def __init__(
        self, sink: FrameSink, fps: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._sink = sink
        self._interval = 1.0 / fps
        self._clock = clock
        self._watch_until = 0.0
        self._last_sent_at = -1e9
        self._last_frame: bytes | None = None
        self._lock = threading.Lock()
        self.frames_sent = 0

    @property
    def watching(self) -> bool:
        """Whether a watch request is live now."""
        return self._clock() < self._watch_until

    def watch(self, ttl: float) -> None:
        """Send frames for the next ``ttl`` seconds; the next frame goes out at once."""
        with self._lock:
            self._watch_until = max(self._watch_until, self._clock() + ttl)
            self._last_frame = None
            self._last_sent_at = -1e9

    def on_frame(self, frame: Frame) -> float | None:
        """Called by the render loop with every frame shown; returns when to draw again
        if the rate cap held this one back (a still stream frame, a stop: the last
        change must reach the watchers even when nothing else redraws)."""
        now = self._clock()
        if now >= self._watch_until:
            return None
        if now - self._last_sent_at < self._interval:
            return self._last_sent_at + self._interval
        raw = frame.tobytes()
        with self._lock:
            if raw == self._last_frame:
                return None
            self._last_frame = raw
            self._last_sent_at = now
        self._sink(encode_frame(frame))
        self.frames_sent += 1
        return None
