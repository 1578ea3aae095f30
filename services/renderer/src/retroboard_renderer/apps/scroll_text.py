"""``scroll_text``: a message scrolling right to left."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from retroboard_renderer.apps.base import App, AppConfig, Color, FontName, paint
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.text import DEFAULT_FONT, load_font

MAX_TEXT_LENGTH = 500


class ScrollTextConfig(AppConfig):
    """What scrolls, and how fast."""

    text: Annotated[str, Field(max_length=MAX_TEXT_LENGTH)] = Field(
        "Hello, World!", description="Message"
    )
    font: FontName = Field(DEFAULT_FONT, description="Bitmap font")
    color: Color = Field(default_factory=lambda: [0, 255, 255], description="Text colour")
    speed: Annotated[int, Field(ge=1, le=16)] = Field(1, description="Pixels per frame")
    fps: Annotated[int, Field(ge=1, le=120)] = Field(30, description="Frames per second")


class ScrollText(App[ScrollTextConfig]):
    """Renders the message once per config, then slides a window over it."""

    name = "scroll_text"
    description = "A message scrolling right to left"
    config_model = ScrollTextConfig

    def __init__(self, config: ScrollTextConfig, width: int, height: int) -> None:
        self.offset = 0
        super().__init__(config, width, height)

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
