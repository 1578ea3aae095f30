"""``scroll_text``: a message scrolling right to left."""

from __future__ import annotations

from retroboard_common.app_configs import ScrollTextConfig
from retroboard_renderer.apps.base import App, AppContext, paint
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.text import load_font


class ScrollText(App[ScrollTextConfig]):
    """Renders the message once per config, then slides a window over it."""

    name = "scroll_text"
    description = "A message scrolling right to left"
    config_model = ScrollTextConfig

    def __init__(
        self, config: ScrollTextConfig, width: int, height: int, context: AppContext | None = None
    ) -> None:
        self.offset = 0
        super().__init__(config, width, height, context)

    def configure(self, config: ScrollTextConfig) -> None:
        """Re-render the message; a new text starts again from the right edge."""
        text_changed = self.config.text != config.text
        super().configure(config)
        self._mask = load_font(config.font).render(config.text)
        if text_changed:
            self.offset = 0

    def render(self, now: float) -> Frame:
        """Draw the message at the current offset, then advance it."""
        self.frame[:] = 0
        x = self.width - self.offset
        y = (self.height - self._mask.shape[0]) // 2
        paint(self.frame, self._mask, self.config.color, x, y)
        self.offset += self.config.speed
        if self.offset > self.width + self._mask.shape[1]:
            self.offset = 0
        return self.frame

    def frame_delay(self, now: float) -> float:
        """One frame period at the configured fps."""
        return 1.0 / self.config.fps
