"""``stars``: random-colour stars that fade in and out."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from retroboard_renderer.apps.base import App, AppConfig
from retroboard_renderer.drivers.base import Frame

MAX_STARS = 4096


class StarsConfig(AppConfig):
    """How many stars, how long they live, how smooth."""

    spawn_rate: Annotated[int, Field(ge=0, le=64)] = Field(1, description="New stars per frame")
    lifetime: Annotated[int, Field(ge=2, le=1000)] = Field(40, description="Frames a star lives")
    fps: Annotated[int, Field(ge=1, le=120)] = Field(60, description="Frames per second")


class Stars(App[StarsConfig]):
    """Keeps the stars in numpy arrays and draws them all in one vectorised step."""

    name = "stars"
    description = "Random-colour stars fading in and out"
    config_model = StarsConfig

    def __init__(
        self, config: StarsConfig, width: int, height: int, seed: int | None = None
    ) -> None:
        self._rng = np.random.default_rng(seed)
        self._xy = np.empty((0, 2), dtype=np.intp)
        self._rgb = np.empty((0, 3), dtype=np.float32)
        self._age = np.empty(0, dtype=np.int32)
        super().__init__(config, width, height)

    @property
    def star_count(self) -> int:
        """How many stars are alive."""
        return len(self._age)

    def render(self, now: float) -> Frame:
        """Age every star, drop the dead, spawn new ones, draw."""
        lifetime = self.config.lifetime
        self._age += 1
        alive = self._age < lifetime
        self._xy, self._rgb, self._age = self._xy[alive], self._rgb[alive], self._age[alive]
        self._spawn(min(self.config.spawn_rate, MAX_STARS - len(self._age)))

        # Brightness rises then falls over a star's life: sin(0..π).
        level = np.sin(np.pi * (self._age + 1) / (lifetime + 1)).astype(np.float32)
        self.frame[:] = 0
        colours = (self._rgb * level[:, None]).astype(np.uint8)
        self.frame[self._xy[:, 1], self._xy[:, 0]] = colours
        return self.frame

    def _spawn(self, count: int) -> None:
        if count <= 0:
            return
        xy = np.column_stack(
            (
                self._rng.integers(0, self.width, count),
                self._rng.integers(0, self.height, count),
            )
        )
        # Saturated colours: one channel full, the others random.
        rgb = self._rng.integers(0, 256, (count, 3)).astype(np.float32)
        rgb[np.arange(count), self._rng.integers(0, 3, count)] = 255
        self._xy = np.concatenate((self._xy, xy))
        self._rgb = np.concatenate((self._rgb, rgb))
        self._age = np.concatenate((self._age, np.zeros(count, dtype=np.int32)))

    def frame_delay(self, now: float) -> float:
        """One frame period at the configured fps."""
        return 1.0 / self.config.fps
