"""``clock``: the time as HH:MM:SS, centred."""

from __future__ import annotations

import time
from collections.abc import Callable

from retroboard_common.app_configs import ClockConfig
from retroboard_renderer.apps.base import App, paint
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.text import load_font


class Clock(App[ClockConfig]):
    """Shows the local time, redrawn once per second on the second."""

    name = "clock"
    description = "The time as HH:MM:SS, centred"
    config_model = ClockConfig

    def __init__(
        self,
        config: ClockConfig,
        width: int,
        height: int,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._wall_clock = wall_clock
        self._shown: str | None = None
        super().__init__(config, width, height)

    def configure(self, config: ClockConfig) -> None:
        """Change font or colour; the next frame uses them."""
        super().configure(config)
        self._font = load_font(config.font)
        self._shown = None

    def render(self, now: float) -> Frame:
        """Draw the time; reuses the last frame while the second has not changed."""
        text = time.strftime("%H:%M:%S", time.localtime(self._wall_clock()))
        if text != self._shown:
            mask = self._font.render(text)
            self.frame[:] = 0
            x = (self.width - mask.shape[1]) // 2
            y = (self.height - mask.shape[0]) // 2
            paint(self.frame, mask, self.config.color, x, y)
            self._shown = text
        return self.frame

    def frame_delay(self, now: float) -> float:
        """Wake just after the next wall-clock second starts."""
        return 1.0 - (self._wall_clock() % 1.0) + 0.001
