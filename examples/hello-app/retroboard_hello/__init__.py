"""``hello``: a greeting that blinks once a second (an example app type)."""

from __future__ import annotations

from pydantic import Field

from retroboard_common.app_configs import DEFAULT_FONT, AppConfig, Color, FontName
from retroboard_renderer.apps.base import App, paint
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.text import load_font


class HelloConfig(AppConfig):
    """Who to greet, in which colour."""

    name: str = Field("world", max_length=40, description="Who to greet")
    font: FontName = Field(DEFAULT_FONT, description="Bitmap font")
    color: Color = Field(default_factory=lambda: [255, 200, 0], description="Text colour")


class Hello(App[HelloConfig]):
    """Draws "Hello, <name>!" centred, on for a second, off for a second."""

    name = "hello"
    description = "A greeting that blinks"
    config_model = HelloConfig

    def render(self, now: float) -> Frame:
        """Draw the greeting in the even seconds, nothing in the odd ones."""
        self.frame[:] = 0
        if int(now) % 2 == 0:
            mask = load_font(self.config.font).render(f"Hello, {self.config.name}!")
            x = (self.width - mask.shape[1]) // 2
            y = (self.height - mask.shape[0]) // 2
            paint(self.frame, mask, self.config.color, x, y)
        return self.frame

    def frame_delay(self, now: float) -> float:
        """Wake when the next second starts."""
        return 1.0 - now % 1.0
