"""``image``: a picture from the board's image library, still or animated.

Decoded frames are cached per (asset, version, fit, background, size), so switching
between a few images or fits costs a decode only the first time; a replaced asset has a
new version and is decoded afresh, a deleted one shows the placeholder. Decoding runs
off the render thread (in :meth:`ImageApp.update` on the updater's worker, or on a
thread of its own when drawing finds the picture missing; the previous picture, or the
placeholder, stays meanwhile). Drawing looks
the current frame up in the decoded list and returns it as it is (no copy): an
animated 64×32 GIF at its own rate costs a bisection and a dictionary look-up a frame.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from typing import Any, Final

import numpy as np

from retroboard_common.app_configs import AppConfig, ImageConfig, ImageFit
from retroboard_renderer.apps.base import App, AppContext, mark_stale
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.images import Animation, decode

log = logging.getLogger(__name__)

ASSET_POLL_SECONDS: Final = 0.5
"""How soon a still image (or the placeholder) shows a replaced or deleted asset."""
DECODE_POLL_SECONDS: Final = 0.02
"""How soon a picture decoded in the background is looked for."""
CACHE_ENTRIES: Final = 4
"""Decoded images kept per instance (a 64×32 frame is 6 KiB; 300 frames, 1.8 MiB)."""
PLACEHOLDER_COLOR: Final = (64, 64, 64)

CacheKey = tuple[str, int, ImageFit, tuple[int, ...], int, int]


def placeholder(width: int, height: int, background: tuple[int, ...] = (0, 0, 0)) -> Frame:
    """A small grey picture frame in the middle: there is no image to show (yet)."""
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    frame[:] = background[:3]
    box_w, box_h = min(11, width), min(8, height)
    x0, y0 = (width - box_w) // 2, (height - box_h) // 2
    x1, y1 = x0 + box_w - 1, y0 + box_h - 1
    frame[y0, x0 : x1 + 1] = PLACEHOLDER_COLOR
    frame[y1, x0 : x1 + 1] = PLACEHOLDER_COLOR
    frame[y0 : y1 + 1, x0] = PLACEHOLDER_COLOR
    frame[y0 : y1 + 1, x1] = PLACEHOLDER_COLOR
    frame.flags.writeable = False
    return frame


class Player:
    """Which frame of an :class:`Animation` is due: loops start when the animation
    is first drawn, so a new image begins at its first frame."""

    def __init__(self) -> None:
        self._shown: Animation | None = None
        self._started = 0.0

    def frame(self, animation: Animation, now: float) -> tuple[Frame, float]:
        """The frame of ``animation`` due at ``now`` and the seconds it has left."""
        if animation is not self._shown:
            self._shown, self._started = animation, now
        return animation.at(now - self._started)

    def remaining(self, now: float) -> float:
        """Seconds the frame due at ``now`` stays on screen (``inf`` for a still)."""
        if self._shown is None:
            return math.inf
        return self._shown.at(now - self._started)[1]


def draw(app: App[Any], frame: Frame) -> Frame:
    """``frame`` as it is, or a copy with the stale mark when the app is stale."""
    if not app.stale:
        return frame
    app.frame[:] = frame
    mark_stale(app.frame)
    return app.frame


class ImageApp(App[ImageConfig]):
    """Shows the library asset its config names."""

    name = "image"
    description = "A picture from the board's image library, still or animated"
    config_model = ImageConfig

    def __init__(
        self, config: ImageConfig, width: int, height: int, context: AppContext | None = None
    ) -> None:
        self._cache: OrderedDict[CacheKey, Animation] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._player = Player()
        self._current: Animation | None = None
        self._current_key: CacheKey | None = None
        self._decoding: dict[CacheKey, threading.Thread] = {}
        super().__init__(config, width, height, context)

    def configure(self, config: ImageConfig) -> None:
        """Take a new asset, fit or background (drawn from the next frame on)."""
        super().configure(config)
        background = tuple(config.background)
        self._placeholder = placeholder(self.width, self.height, background)
        self._static_key = (config.asset, config.fit, background)

    @classmethod
    def uses_asset(cls, config: AppConfig, asset: str) -> bool:
        """Whether ``config`` shows asset ``asset``."""
        return isinstance(config, ImageConfig) and config.asset == asset

    # --- which image --------------------------------------------------------------

    def _key(self) -> CacheKey | None:
        """The cache key of what should be on show now; ``None``: nothing to show."""
        name, fit, background = self._static_key
        assets = self.context.assets
        if not name or assets is None:
            return None
        version = assets.version_of(name)
        if version == 0:
            return None
        return (name, version, fit, background, self.width, self.height)

    def _cached(self, key: CacheKey) -> Animation | None:
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
            return cached

    def _animation(self, key: CacheKey) -> Animation:
        """The decoded image for ``key``, decoding it (here and now) unless cached."""
        cached = self._cached(key)
        if cached is not None:
            return cached
        name, _, fit, background, width, height = key
        path = self.context.assets.path_of(name) if self.context.assets else None
        try:
            if path is None:
                raise FileNotFoundError(name)
            animation = Animation(decode(path, width, height, fit, background))
        except Exception as exc:  # a file gone, or data Pillow cannot parse
            # Kept as the placeholder so a broken file is not decoded again every frame.
            log.warning("cannot show image %r: %s", name, exc)
            animation = Animation([(self._placeholder, 0.0)])
        with self._cache_lock:
            self._cache[key] = animation
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return animation

    def _decode_soon(self, key: CacheKey) -> None:
        """Decode ``key`` on a thread of its own: a big animation takes a while (300
        frames of 256² pixels: 0.7 s), and the render thread must not wait for it."""
        with self._cache_lock:
            if key in self._decoding:
                return
            thread = threading.Thread(
                target=self._decode_in_background, args=(key,), name="image-decode", daemon=True
            )
            self._decoding[key] = thread
        thread.start()

    def _decode_in_background(self, key: CacheKey) -> None:
        try:
            self._animation(key)
        finally:
            with self._cache_lock:
                self._decoding.pop(key, None)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for the decodes running in the background (tests, shutdown)."""
        with self._cache_lock:
            running = list(self._decoding.values())
        for thread in running:
            thread.join(timeout)

    def update(self) -> float | None:
        """Decode the asset on the worker thread, ahead of drawing. The board runs it
        when the instance is made, reconfigured or its asset replaced; nothing to poll."""
        key = self._key()
        if key is not None:
            self._animation(key)
        return None

    # --- drawing ------------------------------------------------------------------

    def render(self, now: float) -> Frame:
        """The frame due at ``now`` (the placeholder while there is no image)."""
        key = self._key()
        if key != self._current_key:
            animation = None if key is None else self._cached(key)
            if key is None or animation is not None:
                self._current_key, self._current = key, animation
            else:  # not decoded yet: the previous picture stays until it is
                self._decode_soon(key)
        if self._current is None:
            return draw(self, self._placeholder)
        frame, _ = self._player.frame(self._current, now)
        return draw(self, frame)

    def frame_delay(self, now: float) -> float:
        """Until the current frame's time is up; a still image checks for a new
        version of its asset every :data:`ASSET_POLL_SECONDS`; while a decode runs,
        every :data:`DECODE_POLL_SECONDS`, and as soon after one ends (a finished decode
        not on show yet: it may have ended between the frame and this question)."""
        if self._decoding or self._key() != self._current_key:
            return DECODE_POLL_SECONDS
        if self._current is None:
            return ASSET_POLL_SECONDS
        return min(self._player.remaining(now), ASSET_POLL_SECONDS)
