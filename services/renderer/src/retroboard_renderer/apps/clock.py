"""``clock``: the time (HH:MM:SS by default), centred, optionally over a date line.

The zone is the board's local time unless the config names one, so a second clock
instance can show another city.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from collections.abc import Callable
from datetime import datetime, tzinfo

from retroboard_common.app_configs import DATE_FORMATS, ClockConfig
from retroboard_renderer.apps.base import App, AppContext, paint, shrinking_fonts
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.text import BitmapFont, load_font

LINE_GAP = 2
"""Blank rows between the time and the date line."""


def zone_of(name: str) -> tzinfo | None:
    """The time zone called ``name`` (an IANA name); ``None`` (local time) for ``""``."""
    return zoneinfo.ZoneInfo(name) if name else None


def fitting_font(text: str, preferred: str, width: int) -> BitmapFont:
    """``preferred`` if ``text`` fits ``width`` in it, else the largest smaller font that
    does (the smallest as a last resort)."""
    names = shrinking_fonts(preferred)
    for name in names:
        font = load_font(name)
        if font.measure(text) <= width:
            return font
    return load_font(names[-1])


class Clock(App[ClockConfig]):
    """Shows the time, redrawn only when the shown text changes."""

    name = "clock"
    description = "The time (and optionally the date) in any time zone, centred"
    config_model = ClockConfig

    def __init__(
        self,
        config: ClockConfig,
        width: int,
        height: int,
        context: AppContext | None = None,
        *,
        wall_clock: Callable[[], float] | None = None,
    ) -> None:
        if wall_clock is not None:  # shorthand kept for tests and scripts
            context = dataclasses.replace(context or AppContext(), wall_clock=wall_clock)
        self._shown: tuple[str, str] | None = None
        super().__init__(config, width, height, context)

    def configure(self, config: ClockConfig) -> None:
        """Apply font, colour, zone and formats; the next frame uses them."""
        super().configure(config)
        self._font = load_font(config.font)
        self._zone = zone_of(config.timezone)
        self._shown = None

    def texts(self) -> tuple[str, str]:
        """The time and date lines to show now (the date ``""`` when turned off)."""
        moment = datetime.fromtimestamp(self.context.wall_clock(), self._zone)
        config = self.config
        pattern = ":%M:%S" if config.seconds else ":%M"
        if config.hour_format == 24:
            time_text = moment.strftime("%H" + pattern)
        else:
            hours = moment.strftime("%I").lstrip("0") + moment.strftime(pattern)
            suffix = "AM" if moment.hour < 12 else "PM"  # not %p: that follows the locale
            time_text = f"{hours} {suffix}"
            if self._font.measure(time_text) > self.width:
                time_text = hours + suffix  # "12:34:56PM" fits 64 px in 6x10
        date_format = DATE_FORMATS.get(config.date)
        date_text = moment.strftime(date_format) if date_format else ""
        return time_text, date_text

    def render(self, now: float) -> Frame:
        """Draw the time; reuses the last frame while the shown text is the same."""
        shown = self.texts()
        if shown != self._shown:
            self._draw(*shown)
            self._shown = shown
        return self.frame

    def _draw(self, time_text: str, date_text: str) -> None:
        self.frame[:] = 0
        time_mask = self._font.render(time_text)
        date_mask = (
            fitting_font(date_text, self.config.font, self.width).render(date_text)
            if date_text
            else None
        )
        block = time_mask.shape[0]
        if date_mask is not None:
            block += LINE_GAP + date_mask.shape[0]
        y = (self.height - block) // 2
        paint(self.frame, time_mask, self.config.color, (self.width - time_mask.shape[1]) // 2, y)
        if date_mask is not None:
            y += time_mask.shape[0] + LINE_GAP
            x = (self.width - date_mask.shape[1]) // 2
            paint(self.frame, date_mask, self.config.color, x, y)

    def frame_delay(self, now: float) -> float:
        """Wake just after the next wall-clock second (or minute, without seconds)."""
        period = 1.0 if self.config.seconds else 60.0
        return period - (self.context.wall_clock() % period) + 0.001
