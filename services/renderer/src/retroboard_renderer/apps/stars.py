"""``stars``: random-colour stars that fade in and out."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from retroboard_common.app_configs import StarsConfig
from retroboard_renderer.apps.base import App, AppContext
from retroboard_renderer.drivers.base import Frame

POOL_SIZE = 4096


class Stars(App[StarsConfig]):
    """Stars live in a ring of fixed-size numpy arrays: the stars born in one frame
    take the slots of those that die in it, so a frame allocates almost nothing."""

    name = "stars"
    description = "Random-colour stars fading in and out"
    config_model = StarsConfig

    def __init__(
        self,
        config: StarsConfig,
        width: int,
        height: int,
        context: AppContext | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        self._rng = np.random.default_rng(seed)
        self._frame_no = 0
        self._ring_shape: tuple[int, int] | None = None
        super().__init__(config, width, height, context)
        self._pixels = self.frame.reshape(-1, 3)  # a view: one index per star, not two

    def configure(self, config: StarsConfig) -> None:
        """Apply live; a new lifetime or rate starts a fresh sky."""
        super().configure(config)
        lifetime, rate = config.lifetime, max(config.spawn_rate, 1)
        # Brightness rises then falls over a star's life: sin(0..π), one value per age.
        ages = np.arange(lifetime, dtype=np.float32)
        self._levels = np.sin(np.pi * (ages + 1) / (lifetime + 1)).astype(np.float32)
        if self._ring_shape != (lifetime, rate):
            self._ring_shape = (lifetime, rate)
            capacity = lifetime * rate
            self._pixel = np.zeros(capacity, dtype=np.intp)  # y * width + x
            self._rgb = np.zeros((capacity, 3), dtype=np.float32)
            self._born = np.full(capacity, -(10**9), dtype=np.int64)
            self._refill_pool()

    @property
    def star_count(self) -> int:
        """How many stars are alive."""
        return int((self._frame_no - self._born < self.config.lifetime).sum())

    def render(self, now: float) -> Frame:
        """Spawn this frame's stars into the dying ones' slots, then draw the living."""
        self._frame_no += 1
        lifetime, rate = self._ring_shape or (self.config.lifetime, 1)
        if self.config.spawn_rate:
            start = (self._frame_no % lifetime) * rate
            self._spawn(slice(start, start + self.config.spawn_rate))
        age = self._frame_no - self._born
        alive = age < lifetime
        colours = (self._rgb[alive] * self._levels[age[alive], None]).astype(np.uint8)
        self.frame.fill(0)
        self._pixels[self._pixel[alive]] = colours
        return self.frame

    def _spawn(self, slots: slice) -> None:
        count = slots.stop - slots.start
        if self._next + count > POOL_SIZE:
            self._refill_pool()
        taken = slice(self._next, self._next + count)
        self._next += count
        self._pixel[slots] = self._pool_pixel[taken]
        self._rgb[slots] = self._pool_rgb[taken]
        self._born[slots] = self._frame_no

    def _refill_pool(self) -> None:
        # Random numbers in bulk: one generator call per few thousand stars, not per frame.
        self._pool_pixel: npt.NDArray[np.intp] = self._rng.integers(
            0, self.width * self.height, POOL_SIZE
        )
        # Saturated colours: one channel full, the others random.
        rgb = self._rng.integers(0, 256, (POOL_SIZE, 3)).astype(np.float32)
        rgb[np.arange(POOL_SIZE), self._rng.integers(0, 3, POOL_SIZE)] = 255
        self._pool_rgb = rgb
        self._next = 0

    def frame_delay(self, now: float) -> float:
        """One frame period at the configured fps."""
        return 1.0 / self.config.fps
